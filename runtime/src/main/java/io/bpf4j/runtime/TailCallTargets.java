package io.bpf4j.runtime;

/**
 * What {@code bpf_tail_call} jumps through: a {@code BPF_MAP_TYPE_PROG_ARRAY}. The embedded prog array
 * implements it; reads must be safe while another thread replaces slots (a running program keeps running; the
 * next tail call sees the new slot).
 *
 * <p>A program reaches it through a handle address ({@link io.bpf4j.runtime.memory.Region#handle}) in r2.
 */
public interface TailCallTargets {
    /** The array's {@code max_entries}. */
    int maxEntries();

    /** The program in slot {@code index} ({@code 0 <= index < maxEntries()}), or null when the slot is empty. */
    ProgramImage target(int index);

    /**
     * For compiled code that reads slots itself: the array behind the slots ({@link io.bpf4j.maps.ProgArray#slotArray}),
     * whose elements, read with {@link io.bpf4j.maps.ProgArray#readSlot}, {@link #imageOf} turns into programs; one
     * element per index below {@link #maxEntries()}. Null (the default) when the targets are not such an array: then
     * {@link #target} is the only way in.
     */
    default Object[] slotArray() {
        return null;
    }

    /** The program a non-null element of {@link #slotArray()} stands for. */
    default ProgramImage imageOf(Object slot) {
        throw new UnsupportedOperationException(this + " has no slot array");
    }
}
