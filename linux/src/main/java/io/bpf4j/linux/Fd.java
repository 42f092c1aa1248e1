package io.bpf4j.linux;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One owned file descriptor of a kernel object (map, program, BTF), closed exactly once.
 *
 * <p>Operations borrow the number with {@link #acquire()} / {@link #release()}; {@link #close()} marks the
 * descriptor closed at once and calls close(2) as soon as no operation still holds it. Without this, a
 * close racing with an operation on another thread could let the kernel hand the number to a new file and
 * the operation would act on the wrong object.
 */
final class Fd implements AutoCloseable {
    private static final long CLOSED = 1L << 62;
    private static final long RELEASED = 1L << 61;
    private static final long COUNT = RELEASED - 1;

    private final int fd;
    private final String what;
    /** Borrow count in the low bits, plus the CLOSED and RELEASED flags. */
    private final AtomicLong state = new AtomicLong();

    /** @param what the object, for messages: {@code map counters}, {@code program xdp_pass} */
    Fd(int fd, String what) {
        if (fd < 0) throw new IllegalArgumentException("negative file descriptor " + fd + " for " + what);
        this.fd = fd;
        this.what = what;
    }

    /** The descriptor number, borrowed until {@link #release()}; EBADF when already closed. */
    int acquire() {
        while (true) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                throw new BpfErrnoException(Errno.EBADF, what + " was used after close()");
            }
            if ((s & COUNT) == COUNT) throw new IllegalStateException("too many concurrent operations on " + what);
            if (state.compareAndSet(s, s + 1)) return fd;
        }
    }

    void release() {
        long s = state.decrementAndGet();
        if (s == CLOSED) releaseNow();
    }

    /** The number without borrowing it: for messages and for handing to the kernel in an attr the caller holds. */
    int number() {
        return fd;
    }

    boolean isClosed() {
        return (state.get() & CLOSED) != 0;
    }

    @Override
    public void close() {
        while (true) {
            long s = state.get();
            if ((s & CLOSED) != 0) return;
            if (state.compareAndSet(s, s | CLOSED)) {
                if ((s & COUNT) == 0) releaseNow();
                return;
            }
        }
    }

    private void releaseNow() {
        if (state.compareAndSet(CLOSED, CLOSED | RELEASED)) {
            int err = Syscalls.close(fd);
            // EBADF would mean someone else closed our descriptor: a bug worth hearing about. Others (EINTR, EIO)
            // leave the descriptor closed on Linux, so there is nothing to retry.
            if (err == Errno.EBADF.number()) {
                throw new IllegalStateException("close(" + fd + ") of " + what + ": EBADF — closed behind bpf4j's back");
            }
        }
    }

    @Override
    public String toString() {
        return what + " (fd " + fd + (isClosed() ? ", closed)" : ")");
    }
}
