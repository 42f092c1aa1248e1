package io.bpf4j.runtime;

/**
 * Hears every {@code bpf_tail_call} of an invocation: what Linux never tells its users (which slot, which target,
 * why a call fell through). The runtime's tracer and its preemption simulation are observers; an invocation
 * without one pays a single null check per tail call.
 */
public interface TailCallObserver {
    /** Why a tail call fell through to the next instruction. */
    enum FallThrough {
        /** The index (its low 32 bits) is not below the prog array's max_entries. */
        INDEX_OUT_OF_RANGE,
        /** The slot holds no program. */
        EMPTY_SLOT,
        /** The invocation already made as many tail calls as the limit allows. */
        LIMIT_REACHED
    }

    /**
     * A tail call succeeded: {@code from} (the program of the calling frame) is about to be replaced by {@code target}.
     * Runs before the target's first instruction, between the two programs.
     */
    void tailCalled(Invocation invocation, ProgramImage from, int slot, ProgramImage target);

    /** A tail call from {@code from} fell through for {@code reason}. */
    void fellThrough(Invocation invocation, ProgramImage from, long index, FallThrough reason);
}
