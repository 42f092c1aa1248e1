package io.bpf4j.runtime;

import io.bpf4j.maps.ProgArray;
import io.bpf4j.runtime.memory.Access;
import io.bpf4j.runtime.memory.MemoryFault;

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
     * @param progArray the value of r2: a handle to a {@link TailCallTargets} or to an embedded
     *                  {@link ProgArray} whose slots hold {@link ProgramImage}s or {@link Executable}s
     * @param index     the value of r3
     * @throws MemoryFault when r2 is not a prog array handle or a slot holds something that is not a program
     */
    public static ProgramImage resolve(Invocation invocation, long progArray, long index) {
        TailCallTargets targets = invocation.memory().object(progArray, TailCallTargets.class);
        TailCallObserver observer = invocation.observer();
        int slot = (int) index;
        if (Integer.compareUnsigned(slot, targets.maxEntries()) >= 0) {
            if (observer != null) observer.fellThrough(invocation, invocation.currentImage(), index, TailCallObserver.FallThrough.INDEX_OUT_OF_RANGE);
            return null;
        }
        ProgramImage target = targets.target(slot);
        if (target == null) {
            if (observer != null) observer.fellThrough(invocation, invocation.currentImage(), index, TailCallObserver.FallThrough.EMPTY_SLOT);
            return null;
        }
        if (invocation.tailCalls >= invocation.options().tailCallLimit()) {
            if (observer != null) observer.fellThrough(invocation, invocation.currentImage(), index, TailCallObserver.FallThrough.LIMIT_REACHED);
            return null;
        }
        invocation.tailCalls++;
        ProgramImage from = observer != null ? invocation.currentImage() : null;
        invocation.recordTailCall(invocation.memory().deepestOpenFrame(), target);
        if (observer != null) observer.tailCalled(invocation, from, slot, target);
        return target;
    }
}
