package io.bpf4j.tests;

import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.interpreter.Interpreter;

import java.util.stream.Stream;

/** Every engine the engine-parameterised tests run on. The JIT joins here when it implements {@link Engine}. */
final class Engines {
    private Engines() {}

    static Stream<Engine> all() {
        return Stream.of(Interpreter.INSTANCE);
    }
}
