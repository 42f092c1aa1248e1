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
     * Decides a tail call: the program to continue with, or null when the call falls through. Tells the
     * invocation's {@link TailCallObserver}, if any, what happened (the slot and target, or why it fell through).
     *
     * @param progArray the value of r2: a handle to a {@link TailCallTargets} or to an embedded
     *                  {@link ProgArray} whose slots hold {@link ProgramImage}s or {@link Executable}s
     * @param index     the value of r3
     * @throws MemoryFault when r2 is not a prog array handle or a slot holds something that is not a program
     */
    public static ProgramImage resolve(Invocation invocation, long progArray, long index) {
        Object array = invocation.memory().object(progArray, Object.class, "prog array");
        TailCallObserver observer = invocation.observer();
        int slot = (int) index;
        Object target;
        switch (array) {
            case TailCallTargets targets -> {
                if (Integer.compareUnsigned(slot, targets.maxEntries()) >= 0) return fellThrough(invocation, observer, index, TailCallObserver.FallThrough.INDEX_OUT_OF_RANGE);
                target = targets.target(slot);
            }
            case ProgArray<?> embedded -> {
                if (Integer.compareUnsigned(slot, embedded.maxEntries()) >= 0) return fellThrough(invocation, observer, index, TailCallObserver.FallThrough.INDEX_OUT_OF_RANGE);
                target = embedded.get(slot);
            }
            default -> throw new MemoryFault(Access.HANDLE, progArray, 0, invocation.memory().regionAt(progArray),
                    "expected a prog array handle, found " + invocation.memory().regionAt(progArray).describe() + " (" + array.getClass().getSimpleName() + ")");
        }
        if (target == null) return fellThrough(invocation, observer, index, TailCallObserver.FallThrough.EMPTY_SLOT);
        if (invocation.tailCallsBelowLimit() < 0) return fellThrough(invocation, observer, index, TailCallObserver.FallThrough.LIMIT_REACHED);
        ProgramImage image = switch (target) {
            case ProgramImage p -> p;
            case Executable e -> e.image();
            default -> throw new MemoryFault(Access.HANDLE, progArray, 0, invocation.memory().regionAt(progArray),
                    "slot " + Integer.toUnsignedString(slot) + " of the prog array holds a " + target.getClass().getSimpleName() + ", not a program");
        };
        invocation.tailCalls++;
        ProgramImage from = observer != null ? invocation.currentImage() : null;
        invocation.recordTailCall(invocation.memory().deepestOpenFrame(), image);
        if (observer != null) observer.tailCalled(invocation, from, slot, image);
        return image;
    }

    private static ProgramImage fellThrough(Invocation invocation, TailCallObserver observer, long index, TailCallObserver.FallThrough reason) {
        if (observer != null) observer.fellThrough(invocation, invocation.currentImage(), index, reason);
        return null;
    }
}
