package io.bpf4j.linux;

/**
 * What BPF_PROG_TEST_RUN gets: packet data, an optional context, how many times to run, on which CPU.
 * Immutable (arrays are copied in and out).
 *
 * @param data               packet bytes ({@code data_in}); null for program types without packet data
 *                           (e.g. SYSCALL, RAW_TRACEPOINT)
 * @param context            the context ({@code ctx_in}: e.g. {@code struct xdp_md} or {@code struct __sk_buff}),
 *                           or null to let the kernel build it; when given, the kernel's context after the run
 *                           comes back in {@link TestRunResult#context()}
 * @param repeat             runs (0 and 1 both mean once); the result's duration is the mean per run
 * @param flags              {@code BPF_F_TEST_*} flags, e.g. {@link #F_RUN_ON_CPU}
 * @param cpu                the CPU for {@link #F_RUN_ON_CPU}
 * @param dataOutCapacity    bytes reserved for the output packet; a bigger output fails with ENOSPC
 * @param contextOutCapacity bytes reserved for the output context
 */
public record TestRunInput(byte[] data, byte[] context, int repeat, int flags, int cpu, int dataOutCapacity,
                           int contextOutCapacity) {
    /**
     * {@code BPF_F_TEST_RUN_ON_CPU}: run on {@link #cpu()}. Linux 6.18 honours the flag for raw tracepoints
     * only; {@link KernelProgram#testRun} pins the calling thread to the CPU for the other types.
     */
    public static final int F_RUN_ON_CPU = 1;
    /** {@code BPF_F_TEST_XDP_LIVE_FRAMES}: XDP frames really go out (never used by bpf4j's tests). */
    public static final int F_XDP_LIVE_FRAMES = 1 << 1;
    /** {@code BPF_F_TEST_SKB_CHECKSUM_COMPLETE}. */
    public static final int F_SKB_CHECKSUM_COMPLETE = 1 << 2;

    /**
     * Room beyond the input for what a program may add: XDP output starts at data_meta (≤ 32 bytes of
     * metadata), may grow at the head (256 bytes of headroom) and at the tail (up to the rest of the page).
     */
    public static final int DEFAULT_GROWTH = 8192;
    /** Larger than every context the kernel returns ({@code struct __sk_buff} is 192 bytes). */
    public static final int DEFAULT_CONTEXT_CAPACITY = 1024;

    public TestRunInput {
        data = data == null ? null : data.clone();
        context = context == null ? null : context.clone();
        if (repeat < 0) throw new IllegalArgumentException("repeat " + repeat + " is negative");
        if (dataOutCapacity < 0 || contextOutCapacity < 0) throw new IllegalArgumentException("negative output capacity");
    }

    /** Runs once over {@code data}, the kernel building the context. */
    public static TestRunInput of(byte[] data) {
        return new TestRunInput(data, null, 1, 0, 0, data == null ? 0 : data.length + DEFAULT_GROWTH, 0);
    }

    /** Runs once with only a context (program types without packet data). */
    public static TestRunInput ofContext(byte[] context) {
        return new TestRunInput(null, context, 1, 0, 0, 0, DEFAULT_CONTEXT_CAPACITY);
    }

    public TestRunInput withContext(byte[] ctx) {
        return new TestRunInput(data, ctx, repeat, flags, cpu, dataOutCapacity,
                ctx == null ? 0 : Math.max(contextOutCapacity, DEFAULT_CONTEXT_CAPACITY));
    }

    public TestRunInput withRepeat(int n) {
        return new TestRunInput(data, context, n, flags, cpu, dataOutCapacity, contextOutCapacity);
    }

    public TestRunInput withFlags(int f) {
        return new TestRunInput(data, context, repeat, f, cpu, dataOutCapacity, contextOutCapacity);
    }

    public TestRunInput onCpu(int c) {
        return new TestRunInput(data, context, repeat, flags | F_RUN_ON_CPU, c, dataOutCapacity, contextOutCapacity);
    }

    public TestRunInput withDataOutCapacity(int bytes) {
        return new TestRunInput(data, context, repeat, flags, cpu, bytes, contextOutCapacity);
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
        return o instanceof TestRunInput t && java.util.Arrays.equals(data, t.data) && java.util.Arrays.equals(context, t.context)
                && repeat == t.repeat && flags == t.flags && cpu == t.cpu && dataOutCapacity == t.dataOutCapacity
                && contextOutCapacity == t.contextOutCapacity;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(java.util.Arrays.hashCode(data), java.util.Arrays.hashCode(context), repeat, flags, cpu,
                dataOutCapacity, contextOutCapacity);
    }

    @Override
    public String toString() {
        return "TestRunInput[data=" + (data == null ? "none" : data.length + " bytes") + ", context="
                + (context == null ? "none" : context.length + " bytes") + ", repeat=" + repeat + ", flags=0x"
                + Integer.toHexString(flags) + ", cpu=" + cpu + ", dataOut=" + dataOutCapacity + ", contextOut="
                + contextOutCapacity + "]";
    }

    int dataLength() {
        return data == null ? 0 : data.length;
    }

    int contextLength() {
        return context == null ? 0 : context.length;
    }

    byte[] dataUnsafe() {
        return data;
    }

    byte[] contextUnsafe() {
        return context;
    }
}
