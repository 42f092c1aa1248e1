package io.bpf4j.runtime;

import java.util.List;

/**
 * The output of a test run.
 *
 * @param retval        r0 of the last repetition (the verdict: XDP_PASS, TC_ACT_OK, ...)
 * @param data          the packet afterwards: for XDP from {@code data_meta} (metadata left in place comes back, as
 *                      Linux does), for socket filters with the 14-byte Ethernet header zeroed (Linux), else from
 *                      {@code data}; null for programs without a packet
 * @param dataTruncated true when {@code data} was cut to the requested {@code dataSizeOut} (Linux: ENOSPC)
 * @param ctx           the context afterwards as Linux's test run copies it out ({@code __sk_buff}: mark, priority,
 *                      ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size, hwtstamp; {@code xdp_md}:
 *                      data = metadata length, data_end, ingress_ifindex, rx_queue_index; raw memory: all of it)
 * @param durationNanos mean wall-clock nanoseconds per repetition
 * @param cpu           the virtual CPU the run used
 * @param tailCalls     successful tail calls in the last repetition
 * @param redirect      the last {@code bpf_redirect} the program made, or null
 * @param trace         the events of the last repetition when tracing was asked for, else empty
 */
public record TestRunResult(long retval, byte[] data, boolean dataTruncated, byte[] ctx, long durationNanos, int cpu,
                            int tailCalls, Redirect redirect, List<TraceEvent> trace) {
    /** A {@code bpf_redirect(ifindex, flags)} the program asked for (the verdict is recorded, nothing is sent). */
    public record Redirect(int ifindex, long flags) {}

    public TestRunResult {
        trace = List.copyOf(trace);
    }

    /** r0 as the u32 Linux reports in {@code retval}. */
    public int retval32() {
        return (int) retval;
    }
}
