package io.bpf4j.runtime;

/**
 * The tail call mechanism every engine shares ({@code bpf_tail_call(ctx, prog_array, index)}, helper 12), as the
 * seed and Linux define it:
 * <ul>
 *   <li>only the low 32 bits of the index count ({@code 0x1_00000002} reaches slot 2);</li>
 *   <li>an index ≥ max_entries, an empty slot, or an exhausted limit fails: the caller continues with the next
 *       instruction and r0 is not written;</li>
 *   <li>only successful tail calls count; the counter belongs to the whole invocation, shared by bpf2bpf frames;
 *       the limit is {@link RuntimeOptions#tailCallLimit()} (32 by default, 33 like Linux);</li>
 *   <li>on success the engine replaces the current frame's program by the target, starting at its first
 *       instruction with the same r1 (context) and the same stack frame, not cleared; a tail call from a
 *       subprogram replaces only that frame, and the target's exit returns to the subprogram's caller.</li>
 * </ul>
 */
public final class TailCalls {
    private TailCalls() {}

    /**
     * Decides a tail call: the program to continue with, or null when the call falls through.
     *
     * @param progArray the value of r2: a handle to a {@link TailCallTargets}
     * @param index     the value of r3
     * @throws io.bpf4j.runtime.memory.MemoryFault when r2 is not a prog array handle
     */
    public static ProgramImage resolve(Invocation invocation, long progArray, long index) {
        TailCallTargets targets = invocation.memory().object(progArray, TailCallTargets.class);
        int slot = (int) index;
        if (Integer.compareUnsigned(slot, targets.maxEntries()) >= 0) return null;
        ProgramImage target = targets.target(slot);
        if (target == null) return null;
        if (invocation.tailCalls >= invocation.options().tailCallLimit()) return null;
        invocation.tailCalls++;
        return target;
    }
}
