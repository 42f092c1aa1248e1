package io.bpf4j.cli;

import io.bpf4j.maps.BpfMap;

import java.util.List;

/**
 * Where {@code bpf4j run} runs programs: bpf4j's embedded runtime or the Linux kernel (BPF_PROG_TEST_RUN). Both
 * load the whole object, so prog arrays are filled, maps exist, and the program's tail calls work.
 */
interface RunBackend extends AutoCloseable {
    /** For the report, e.g. "bpf4j interpreter" or "Linux kernel 6.18". */
    String description();

    /** Puts {@code program} into slot {@code index} of prog array {@code map} (null empties it). */
    void setSlot(String map, int index, String program);

    /** A live map of the loaded object, by name. */
    BpfMap map(String name);

    /** True when {@link Outcome#hops()} is filled: the programs an invocation ran and its tail calls. */
    boolean tracesTailCalls();

    /**
     * Runs the program once per repeat over {@code data} (may be empty) with {@code context} (null for the default)
     * on virtual CPU {@code cpu} (-1: any; the kernel picks its own).
     */
    Outcome run(byte[] data, byte[] context, int repeat, boolean trace, int cpu);

    @Override
    void close();

    /**
     * What a run returned.
     *
     * @param retval        r0
     * @param data          the packet after the run (for XDP: from data_meta on, as the kernel returns it)
     * @param metaLength    how many leading bytes of {@code data} are XDP metadata (0 when unknown or none)
     * @param context       the context after the run, or null
     * @param durationNanos mean time per run
     * @param hops          the programs run, in order, with how each left (null when the backend cannot tell)
     */
    record Outcome(long retval, byte[] data, int metaLength, byte[] context, long durationNanos, List<Hop> hops) {}

    /**
     * One program of an invocation and how it ended.
     *
     * @param program the program that ran
     * @param events  its tail-call attempts in order: those that fell through, then the one that jumped (if any)
     */
    record Hop(String program, List<TailCallEvent> events) {}

    /**
     * A {@code bpf_tail_call} that ran.
     *
     * @param pc       the call's pc in the program, or -1 when the backend does not say
     * @param map      the prog array, or null when the backend does not say
     * @param index    the index asked for
     * @param target   the program it jumped to, or null when it fell through
     * @param reason   why it fell through ("slot 4 is empty", "index 9 ≥ max_entries 8", "limit of 32 tail calls reached")
     */
    record TailCallEvent(int pc, String map, long index, String target, String reason) {}
}
