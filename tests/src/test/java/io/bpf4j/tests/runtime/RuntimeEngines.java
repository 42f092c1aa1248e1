package io.bpf4j.tests.runtime;

import io.bpf4j.jit.JitEngine;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.interpreter.Interpreter;

import java.util.stream.Stream;

/** The engines every runtime scenario runs on: the interpreter and the JIT. */
final class RuntimeEngines {
    private RuntimeEngines() {}

    private static final Engine JIT = JitEngine.create();

    static Stream<Engine> all() {
        return Stream.of(Interpreter.INSTANCE, JIT);
    }
}
