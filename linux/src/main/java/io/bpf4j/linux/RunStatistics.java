package io.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * While open, the kernel counts every program's runs and run time (BPF_ENABLE_STATS with
 * {@code BPF_STATS_RUN_TIME}); {@link KernelProgram#info()} then reports {@link ProgramInfo#runCount()} and
 * {@link ProgramInfo#runTimeNanos()}. Counting costs every program on the machine a little, so it is off by
 * default and this handle turns it off again when closed (the kernel counts handles, so nested or concurrent
 * users are fine).
 */
public final class RunStatistics implements AutoCloseable {
    private static final int BPF_STATS_RUN_TIME = 0;

    private final Fd fd;

    private RunStatistics(Fd fd) {
        this.fd = fd;
    }

    /** Turns run-time statistics on until {@link #close()}. Needs CAP_SYS_ADMIN. */
    public static RunStatistics enable() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfCommand.ENABLE_STATS.attrSize(), 8);
            attr.set(JAVA_INT, 0, BPF_STATS_RUN_TIME);
            long fd = Syscalls.bpf(BpfCommand.ENABLE_STATS, attr, "run-time statistics (BPF_STATS_RUN_TIME)");
            return new RunStatistics(new Fd((int) fd, "run-time statistics"));
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
