package io.bpf4j.runtime.helpers;

import io.bpf4j.runtime.Invocation;

/**
 * A helper implemented in Java: receives r1–r5 and returns the value for r0. Memory arguments arrive as
 * addresses; resolve them with {@code invocation.memory()} (every access is checked). A helper may throw any
 * {@link io.bpf4j.BpfException}; the engine reports it with the pc and instruction of the call. Any other
 * exception is a bug in the helper and is reported the same way, never leaked raw.
 */
@FunctionalInterface
public interface HelperFunction {
    long call(Invocation invocation, long r1, long r2, long r3, long r4, long r5);
}
