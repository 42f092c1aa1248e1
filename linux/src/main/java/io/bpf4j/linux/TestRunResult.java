package io.bpf4j.linux;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * What BPF_PROG_TEST_RUN reported.
 *
 * @param retval        the program's return value (the kernel's {@code u32}; see {@link #retvalUnsigned()})
 * @param data          the packet after the run (for XDP it starts at data_meta, so metadata the program left
 *                      is included), or null when the run had no packet data
 * @param context       the context after the run, or null when none was passed in
 * @param durationNanos the kernel's mean time per run in nanoseconds ({@code duration}); 0 when below 1 ns
 * @param repeat        how many times the program ran
 */
public record TestRunResult(int retval, byte[] data, byte[] context, int durationNanos, int repeat) {
    public TestRunResult {
        data = data == null ? null : data.clone();
        context = context == null ? null : context.clone();
    }

    public long retvalUnsigned() {
        return retval & 0xffffffffL;
    }

    @Override
    public byte[] data() {
        return data == null ? null : data.clone();
    }

    @Override
    public byte[] context() {
        return context == null ? null : context.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TestRunResult r && retval == r.retval && Arrays.equals(data, r.data)
                && Arrays.equals(context, r.context) && durationNanos == r.durationNanos && repeat == r.repeat;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * retval + Arrays.hashCode(data)) + Arrays.hashCode(context);
    }

    @Override
    public String toString() {
        return "TestRunResult[retval=" + retval + ", data=" + (data == null ? "none" : HexFormat.of().formatHex(data))
                + ", context=" + (context == null ? "none" : context.length + " bytes") + ", duration="
                + durationNanos + " ns/run, repeat=" + repeat + "]";
    }
}
