package io.bpf4j.runtime;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;

/**
 * The input of a test run, bpf4j's {@code BPF_PROG_TEST_RUN}.
 *
 * @param data        packet bytes (from the Ethernet header on); may be null for programs without a packet
 * @param ctx         the context the caller sets ({@code struct __sk_buff}, {@code struct xdp_md}, raw memory), or
 *                    null for the default one; only the fields Linux lets a caller set may be non-zero
 * @param repeat      how many times to run (0 counts as 1, as in Linux); the packet and context carry over
 * @param dataSizeOut the largest output the caller accepts (0: no limit); a larger output is cut and the result
 *                    says so, as Linux answers ENOSPC after copying what fits
 * @param cpu         the virtual CPU to run on, or -1 for any free one
 * @param trace       record a {@link TraceEvent} list of the last repetition
 */
public record TestRun(byte[] data, byte[] ctx, int repeat, int dataSizeOut, int cpu, boolean trace) {
    public TestRun {
        if (repeat < 0) throw new BpfErrnoException(Errno.EINVAL, "test run: repeat " + repeat + " is negative");
        if (dataSizeOut < 0) throw new BpfErrnoException(Errno.EINVAL, "test run: data_size_out " + dataSizeOut + " is negative");
        if (cpu < -1) throw new BpfErrnoException(Errno.EINVAL, "test run: cpu " + cpu + " (use -1 for any)");
        data = data == null ? null : data.clone();
        ctx = ctx == null ? null : ctx.clone();
    }

    /** A single run on {@code data} with the default context. */
    public static TestRun of(byte[] data) {
        return new TestRun(data, null, 1, 0, -1, false);
    }

    /** A single run of a program without a packet (raw memory context) on {@code ctx}. */
    public static TestRun ofContext(byte[] ctx) {
        return new TestRun(null, ctx, 1, 0, -1, false);
    }

    public TestRun withCtx(byte[] c) {
        return new TestRun(data, c, repeat, dataSizeOut, cpu, trace);
    }

    public TestRun withRepeat(int r) {
        return new TestRun(data, ctx, r, dataSizeOut, cpu, trace);
    }

    public TestRun withDataSizeOut(int size) {
        return new TestRun(data, ctx, repeat, size, cpu, trace);
    }

    public TestRun onCpu(int c) {
        return new TestRun(data, ctx, repeat, dataSizeOut, c, trace);
    }

    public TestRun traced() {
        return new TestRun(data, ctx, repeat, dataSizeOut, cpu, true);
    }

    @Override
    public byte[] data() {
        return data == null ? null : data.clone();
    }

    @Override
    public byte[] ctx() {
        return ctx == null ? null : ctx.clone();
    }

    @Override
    public String toString() {
        return "TestRun[data=" + (data == null ? "none" : data.length + " bytes") + ", ctx=" + (ctx == null ? "default" : ctx.length + " bytes")
                + ", repeat=" + repeat + ", cpu=" + (cpu < 0 ? "any" : cpu) + (trace ? ", traced" : "") + "]";
    }
}
