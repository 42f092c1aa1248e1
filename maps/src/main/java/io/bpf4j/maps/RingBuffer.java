package io.bpf4j.maps;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code BPF_MAP_TYPE_RINGBUF}: a multi-producer, single-consumer ring of variable-length records with Linux's
 * layout and protocol.
 *
 * <pre>
 *   record at position p (8-byte aligned):
 *   +--------------------------------+--------------------------------+------------------------+
 *   | u32 len | BUSY(31) | DISCARD(30)| u32 pg_off (unused here: 0)    | sample: len bytes, pad |
 *   +--------------------------------+--------------------------------+------------------------+
 *   the next record starts at p + round_up(8 + len, 8)
 * </pre>
 *
 * <p>Producers (programs) {@linkplain #reserve reserve} space in position order under a lock — the header says
 * BUSY — then fill the sample and {@linkplain #submit submit} or {@linkplain #discard discard} it, which clears
 * BUSY (and sets DISCARD) with a release store. The consumer reads records in position order, stops at the first
 * BUSY one, skips discarded ones, and frees the space by advancing its position. A reservation fails (null) when
 * the record would not fit in the space the consumer has not freed yet, so nothing is ever overwritten.
 *
 * <p>The size ({@code max_entries}) is a power of two and a multiple of the page size. Linux maps the data area
 * twice so a record crossing the end stays contiguous; here the backing storage is twice the size for the same
 * effect: a sample is always one contiguous, 8-byte aligned {@link ValueRef}.
 */
public final class RingBuffer extends EmbeddedMap {
    /** Header bits in the length word. */
    public static final int BUSY_BIT = 1 << 31, DISCARD_BIT = 1 << 30;
    public static final int HEADER_SIZE = 8;
    /** Largest data area: the backing array holds it twice. */
    public static final int MAX_DATA_SIZE = 1 << 29;
    /** bpf_ringbuf_query flags. */
    public static final long RB_AVAIL_DATA = 0, RB_RING_SIZE = 1, RB_CONS_POS = 2, RB_PROD_POS = 3;
    /** bpf_ringbuf_submit / output wake-up flags. */
    public static final long RB_NO_WAKEUP = 1, RB_FORCE_WAKEUP = 2;

    private final int size;
    private final int mask;
    private final long[] words;
    private final MemorySegment data;
    private final Object producerLock = new Object();
    private final Object consumerLock = new Object();
    private final Object wakeup = new Object();
    private volatile long producerPos;
    private volatile long consumerPos;
    private volatile int waiters;

    RingBuffer(MapDefinition def) {
        super(def, 1);
        this.size = def.maxEntries();
        this.mask = size - 1;
        try {
            this.words = new long[size / 4]; // 2 × size bytes
        } catch (OutOfMemoryError oom) {
            throw error(Errno.ENOMEM, "cannot allocate a " + size + "-byte ring");
        }
        this.data = MemorySegment.ofArray(words);
    }

    /** Bytes of data area ({@code max_entries}). */
    public int ringSize() {
        return size;
    }

    private static long offsetOf(long pos, int mask) {
        return pos & mask;
    }

    private int header(long at) {
        return (int) ValueRef.INT_HANDLE.getAcquire(data, at);
    }

    // ---------------------------------------------------------------- producers (programs)

    /**
     * {@code bpf_ringbuf_reserve}: a writable sample of {@code length} bytes, or null when the flags are not 0,
     * the record cannot fit in the ring at all, or the ring has no room now. The caller must submit or discard it.
     */
    public ValueRef reserve(long length, long flags) {
        if (flags != 0 || length < 0 || length > size - HEADER_SIZE) return null;
        int recordLen = ValueRef.roundUp8((int) length + HEADER_SIZE);
        synchronized (producerLock) {
            long pos = producerPos;
            if (pos + recordLen - consumerPos > mask) return null;
            long at = offsetOf(pos, mask);
            ValueRef.INT_HANDLE.setRelease(data, at, (int) length | BUSY_BIT);
            ValueRef.INT_HANDLE.set(data, at + 4, 0);
            producerPos = pos + recordLen;
            return new ValueRef(data.asSlice(at + HEADER_SIZE, length));
        }
    }

    /** {@code bpf_ringbuf_submit}: publishes a reserved sample to the consumer. */
    public void submit(ValueRef sample, long flags) {
        commit(sample == null ? null : sample.segment, flags, false);
    }

    /** {@code bpf_ringbuf_discard}: releases a reserved sample; the consumer skips it. */
    public void discard(ValueRef sample, long flags) {
        commit(sample == null ? null : sample.segment, flags, true);
    }

    /** {@link #submit(ValueRef, long)} for a runtime that kept only the sample's segment (the same slice). */
    public void submit(MemorySegment sample, long flags) {
        commit(sample, flags, false);
    }

    /** {@link #discard(ValueRef, long)} for a runtime that kept only the sample's segment (the same slice). */
    public void discard(MemorySegment sample, long flags) {
        commit(sample, flags, true);
    }

    /**
     * Whether {@code sample} is a reservation from this ring not yet submitted or discarded. A runtime whose program
     * stopped abnormally (a fault, a timeout) discards the samples it still holds, so the ring does not stall on
     * them; the verifier guarantees a normally ending program released every sample.
     */
    public boolean isPending(MemorySegment sample) {
        long at = headerOffset(sample);
        if (at < 0) return false;
        int header = header(at);
        return (header & BUSY_BIT) != 0 && (header & ~(BUSY_BIT | DISCARD_BIT)) == sample.byteSize();
    }

    private long headerOffset(MemorySegment sample) {
        if (sample == null || sample.heapBase().orElse(null) != words) return -1;
        long at = sample.address() - data.address() - HEADER_SIZE;
        return at >= 0 && at <= mask && (at & 7) == 0 ? at : -1;
    }

    private void commit(MemorySegment sample, long flags, boolean discard) {
        long at = headerOffset(sample);
        if (at < 0)
            throw new IllegalArgumentException("ring buffer '" + def.name() + "': sample was not reserved from this ring");
        int header = header(at);
        if ((header & BUSY_BIT) == 0 || (header & ~(BUSY_BIT | DISCARD_BIT)) != sample.byteSize())
            throw new IllegalStateException("ring buffer '" + def.name() + "': sample at " + at
                    + " is not a pending reservation (already submitted or discarded?)");
        ValueRef.INT_HANDLE.setRelease(data, at, (int) sample.byteSize() | (discard ? DISCARD_BIT : 0));
        wake(flags);
    }

    /** {@code bpf_ringbuf_output}: copies {@code length} bytes as one record; 0, -EINVAL (flags) or -EAGAIN (full). */
    public int output(MemorySegment src, long srcOff, long length, long flags) {
        if ((flags & ~(RB_NO_WAKEUP | RB_FORCE_WAKEUP)) != 0) return negative(Errno.EINVAL);
        ValueRef rec = reserve(length, 0);
        if (rec == null) return negative(Errno.EAGAIN);
        rec.copyFrom(src, srcOff);
        submit(rec, flags);
        return 0;
    }

    /** {@code bpf_ringbuf_query}: available data, ring size, consumer or producer position; 0 for other flags. */
    public long query(long flags) {
        if (flags == RB_AVAIL_DATA) return producerPos - consumerPos;
        if (flags == RB_RING_SIZE) return size;
        if (flags == RB_CONS_POS) return consumerPos;
        if (flags == RB_PROD_POS) return producerPos;
        return 0;
    }

    private void wake(long flags) {
        if ((flags & RB_NO_WAKEUP) != 0 || waiters == 0) return;
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
    }

    // ---------------------------------------------------------------- the consumer (user space)

    /** Hands each committed sample, in order, to {@code handler}; returns how many (discarded ones are skipped). */
    public int consume(Consumer<byte[]> handler) {
        checkUserRead();
        int n = 0;
        synchronized (consumerLock) {
            for (;;) {
                long before = consumerPos;
                byte[] sample = consumeOne();
                if (sample != null) {
                    n++;
                    handler.accept(sample);
                } else if (consumerPos == before) {
                    return n;
                }
            }
        }
    }

    /** The next committed sample, or null when none is ready (discarded records are skipped). */
    public byte[] poll() {
        checkUserRead();
        synchronized (consumerLock) {
            for (;;) {
                long before = consumerPos;
                byte[] sample = consumeOne();
                if (sample != null || consumerPos == before) return sample;
            }
        }
    }

    /** Consumes the record at the consumer position: its copy, or null (discarded: position moved; busy/none: not). */
    private byte[] consumeOne() {
        long pos = consumerPos;
        if (pos == producerPos) return null;
        long at = offsetOf(pos, mask);
        int header = header(at);
        if ((header & BUSY_BIT) != 0) return null; // the oldest record is still being written
        int len = header & ~(BUSY_BIT | DISCARD_BIT);
        byte[] sample = (header & DISCARD_BIT) != 0 ? null
                : data.asSlice(at + HEADER_SIZE, len).toArray(ValueLayout.JAVA_BYTE);
        consumerPos = pos + ValueRef.roundUp8(len + HEADER_SIZE);
        return sample;
    }

    /**
     * Waits until a sample is ready (like epoll on the ring's fd) and returns it, or null after {@code timeout}.
     * Producers wake waiters on submit unless they pass BPF_RB_NO_WAKEUP; waiters also look again every 10 ms.
     */
    public byte[] poll(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (;;) {
            byte[] s = poll();
            if (s != null) return s;
            long left = deadline - System.nanoTime();
            if (left <= 0) return null;
            synchronized (wakeup) {
                waiters++;
                try {
                    if (!hasCommitted()) wakeup.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 10)));
                } finally {
                    waiters--;
                }
            }
        }
    }

    private boolean hasCommitted() {
        long pos = consumerPos;
        return pos != producerPos && (header(offsetOf(pos, mask)) & BUSY_BIT) == 0;
    }

    // ---------------------------------------------------------------- bpf(2) element operations: not for ring buffers

    @Override
    public byte[] lookup(byte[] key) {
        checkOpen();
        throw error(Errno.ENOTSUPP, "a ring buffer has no elements to look up; consume records instead");
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkOpen();
        throw error(Errno.ENOTSUPP, "a ring buffer has no elements to update; programs reserve or output records");
    }

    @Override
    public void delete(byte[] key) {
        checkOpen();
        throw error(Errno.ENOTSUPP, "a ring buffer has no elements to delete");
    }

    @Override
    public byte[] nextKey(byte[] key) {
        checkOpen();
        throw error(Errno.ENOTSUPP, "a ring buffer has no keys");
    }
}
