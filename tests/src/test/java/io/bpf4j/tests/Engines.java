package io.bpf4j.tests;

import io.bpf4j.jit.FallbackPolicy;
import io.bpf4j.jit.JitEngine;
import io.bpf4j.jit.JitOptions;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.interpreter.Interpreter;

import java.util.stream.Stream;

/**
 * Every engine the engine-parameterised tests run on: the interpreter and the JIT. A test that runs programs takes
 * its engine from here, so a new engine is tested everywhere by adding it once.
 */
public final class Engines {
    private Engines() {}

    /** The JIT as tests want it: every class verified, and no silent fallback to the interpreter. */
    private static final Engine JIT =
            new JitEngine(JitOptions.defaults().withVerify(true).withFallback(FallbackPolicy.FAIL));

    public static Stream<Engine> all() {
        return Stream.of(Interpreter.INSTANCE, JIT);
    }
}
