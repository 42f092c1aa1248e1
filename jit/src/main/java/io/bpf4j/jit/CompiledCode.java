package io.bpf4j.jit;

/**
 * The base of every class the JIT generates: one instance per compiled program. Calling through this abstract
 * class costs one virtual dispatch, which is how a tail call enters its target.
 */
public abstract class CompiledCode {
    protected CompiledCode() {}

    /**
     * Runs the program from its first instruction with r1, r2 and the frame pointer r10 as given and every other
     * register zero; returns r0 at the entry function's {@code exit}.
     *
     * @param environment what the program's runtime calls need (the linkage's environment type)
     */
    public abstract long run(Object environment, long r1, long r2, long r10);
}
