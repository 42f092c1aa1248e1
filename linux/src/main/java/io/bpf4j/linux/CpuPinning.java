package io.bpf4j.linux;

import io.bpf4j.BpfException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Runs the calling thread on one CPU for a while (sched_setaffinity on this thread only), then puts its old
 * CPU set back: how a kernel test run of any program type happens on a chosen CPU, so per-CPU map values land
 * where the caller expects (BPF_F_TEST_RUN_ON_CPU itself exists only for raw tracepoints).
 */
final class CpuPinning implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment saved;

    private CpuPinning(int cpu) {
        if (cpu < 0 || cpu >= Syscalls.CPU_SET_BYTES * 8) {
            arena.close();
            throw new BpfException("CPU " + cpu + " is out of range (0.." + (Syscalls.CPU_SET_BYTES * 8 - 1) + ")");
        }
        saved = arena.allocate(Syscalls.CPU_SET_BYTES, 8);
        int err = Syscalls.affinity(false, saved);
        if (err != 0) {
            arena.close();
            throw new KernelException("sched_getaffinity", "this thread", err);
        }
        MemorySegment one = arena.allocate(Syscalls.CPU_SET_BYTES, 8);
        one.set(JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
        err = Syscalls.affinity(true, one);
        if (err != 0) {
            arena.close();
            throw new KernelException("sched_setaffinity", "this thread, CPU " + cpu, err,
                    "the CPU is offline or outside this process's CPU set");
        }
    }

    static CpuPinning to(int cpu) {
        return new CpuPinning(cpu);
    }

    @Override
    public void close() {
        try {
            Syscalls.affinity(true, saved);
        } finally {
            arena.close();
        }
    }
}
