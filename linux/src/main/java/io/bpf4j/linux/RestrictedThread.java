package io.bpf4j.linux;

import io.bpf4j.BpfException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * One daemon platform thread without CAP_PERFMON and CAP_SYS_ADMIN in its effective set, for
 * {@link LoadPrivileges#WITHOUT_PERFMON} loads. Linux keeps credentials per thread, and capset(2) changes
 * only the calling thread's, so the capabilities are lowered once when the thread starts and the rest of
 * the process keeps its own.
 */
final class RestrictedThread {
    private RestrictedThread() {}

    /** {@code _LINUX_CAPABILITY_VERSION_3}: two 32-bit words per set. */
    private static final int VERSION_3 = 0x20080522;

    private static final class Holder {
        static final ExecutorService EXECUTOR = Executors.newSingleThreadExecutor(r -> {
            Thread t = Thread.ofPlatform().daemon().name("bpf4j-load-without-perfmon").unstarted(r);
            return t;
        });
        static final String SETUP_FAILURE = setUp();

        private static String setUp() {
            try {
                return EXECUTOR.submit(RestrictedThread::lowerCapabilities).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted while lowering the loader thread's capabilities";
            } catch (ExecutionException e) {
                return "cannot lower the loader thread's capabilities: " + e.getCause();
            }
        }
    }

    /** Runs {@code task} on the restricted thread and returns its result; its exceptions are rethrown as they are. */
    static <T> T call(Callable<T> task) {
        if (Holder.SETUP_FAILURE != null) throw new BpfException(Holder.SETUP_FAILURE);
        Future<T> f = Holder.EXECUTOR.submit(task);
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(false);
            throw new BpfException("interrupted while waiting for a load without CAP_PERFMON", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new BpfException("load without CAP_PERFMON failed", e.getCause());
        }
    }

    static boolean isRestrictedThread() {
        return Thread.currentThread().getName().equals("bpf4j-load-without-perfmon");
    }

    /** capget, clear CAP_PERFMON and CAP_SYS_ADMIN from the effective set, capset; null on success. */
    private static String lowerCapabilities() {
        long[] numbers = Syscalls.capabilitySyscalls();
        if (numbers == null) return "bpf4j does not know capget/capset on " + System.getProperty("os.arch");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(8, 4);
            header.set(JAVA_INT, 0, VERSION_3);
            header.set(JAVA_INT, 4, 0); // this thread
            MemorySegment data = arena.allocate(24, 4); // 2 x {effective, permitted, inheritable}
            long r = Syscalls.syscall2(numbers[0], header, data);
            if (r < 0) return "capget failed: errno " + -r;
            int eff0 = data.get(JAVA_INT, 0), eff1 = data.get(JAVA_INT, 12);
            if ((eff1 & (1 << (Privileges.CAP_BPF - 32))) == 0) {
                return "the process has no CAP_BPF: it cannot load programs with CAP_BPF alone";
            }
            data.set(JAVA_INT, 0, eff0 & ~(1 << Privileges.CAP_SYS_ADMIN));
            data.set(JAVA_INT, 12, eff1 & ~(1 << (Privileges.CAP_PERFMON - 32)));
            header.set(JAVA_INT, 0, VERSION_3);
            r = Syscalls.syscall2(numbers[1], header, data);
            if (r < 0) return "capset failed: errno " + -r;
            return null;
        }
    }
}
