package io.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Keeps the calling thread on one CPU while a comparison runs, then gives back the CPUs it had
 * (sched_getaffinity/sched_setaffinity on thread 0 = the caller; a Java platform thread is one kernel thread).
 * Needed where Linux's answer depends on the CPU a syscall runs on: an LRU hash takes free nodes from, and
 * evicts through, per-CPU lists, so a test thread that migrates between updates sees another eviction order.
 */
final class OneCpu implements AutoCloseable {
    private static final int MASK_BYTES = 128; // 1,024 CPUs
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GET = LINKER.downcallHandle(LINKER.defaultLookup().find("sched_getaffinity").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle SET = LINKER.downcallHandle(LINKER.defaultLookup().find("sched_setaffinity").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment previous = arena.allocate(MASK_BYTES);

    /** Pins the calling thread to the first CPU it may run on now. */
    OneCpu() {
        try {
            if ((int) GET.invokeExact(0, (long) MASK_BYTES, previous) != 0) throw new IllegalStateException("sched_getaffinity failed");
            MemorySegment one = arena.allocate(MASK_BYTES);
            int cpu = -1;
            for (int bit = 0; bit < MASK_BYTES * 8 && cpu < 0; bit++) {
                if ((previous.get(ValueLayout.JAVA_BYTE, bit / 8) & (1 << (bit % 8))) != 0) cpu = bit;
            }
            one.set(ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            if ((int) SET.invokeExact(0, (long) MASK_BYTES, one) != 0) throw new IllegalStateException("sched_setaffinity failed");
            MemorySegment now = arena.allocate(MASK_BYTES);
            if ((int) GET.invokeExact(0, (long) MASK_BYTES, now) != 0 || now.mismatch(one) != -1) {
                throw new IllegalStateException("the thread is not pinned to CPU " + cpu);
            }
        } catch (Throwable t) {
            arena.close();
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        try {
            if ((int) SET.invokeExact(0, (long) MASK_BYTES, previous) != 0) throw new IllegalStateException("sched_setaffinity failed");
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        } finally {
            arena.close();
        }
    }
}
