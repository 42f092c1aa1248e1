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
}
