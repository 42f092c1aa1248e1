package io.bpf4j.runtime;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;

import java.util.concurrent.Semaphore;

/**
 * The runtime's virtual CPUs. {@link #acquire(int)} gives one CPU exclusively: a permit of {@code available}
 * guarantees that some CPU is free for every holder that has not locked one yet, so the scan always finds one.
 */
final class CpuPool {
    private final Cpu[] cpus;
    private final Semaphore available;

    CpuPool(BpfRuntime rt, int n) {
        cpus = new Cpu[n];
        for (int i = 0; i < n; i++) cpus[i] = new Cpu(rt, i);
        available = new Semaphore(n, true);
    }

    int size() {
        return cpus.length;
    }

    Cpu acquire(int wanted) {
        if (wanted >= cpus.length) throw new BpfErrnoException(Errno.EINVAL, "test run: cpu " + wanted + " does not exist (the runtime has " + cpus.length + " CPUs)");
        available.acquireUninterruptibly();
        if (wanted >= 0) {
            cpus[wanted].lock.acquireUninterruptibly();
            return cpus[wanted];
        }
        int start = (int) (Thread.currentThread().threadId() % cpus.length);
        for (int spin = 0; ; spin++) {
            for (int i = 0; i < cpus.length; i++) {
                Cpu c = cpus[(start + i) % cpus.length];
                if (c.lock.tryAcquire()) return c;
            }
            if (spin > 64) Thread.yield(); else Thread.onSpinWait();
        }
    }

    void release(Cpu cpu) {
        cpu.lock.release();
        available.release();
    }
}
