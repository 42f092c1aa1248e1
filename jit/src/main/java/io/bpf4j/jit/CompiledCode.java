package io.bpf4j.jit;

/**
 * The base of every class the JIT generates: one instance per compiled program. A tail call enters its target
 * through {@link #enter}, one virtual dispatch.
 */
public abstract class CompiledCode {
    /**
     * Registers other than r1 and r10 that the program may read before writing them at its entry (bit n = rn).
     * Zero for every verified program; when not zero, whoever enters the program must first put r0–r9 into
     * the context ({@link JitContext#registers}).
     */
    final int entryReads;

    protected CompiledCode(int entryReads) {
        this.entryReads = entryReads;
    }

    /**
     * Runs the program from its first instruction in frame {@code depth} whose r10 is {@code fp}, with r1 as given
     * and r0, r2–r9 from the frame's {@link JitContext#registers} when {@link #entryReads} says it reads them. Returns r0 at the
     * exit, or anything when the program ended with a tail call ({@link JitContext#tailTarget} is then set).
     */
    abstract long enter(JitContext context, long r1, long fp, int depth);
}
