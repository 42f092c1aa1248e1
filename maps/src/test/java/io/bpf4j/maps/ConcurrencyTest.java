package io.bpf4j.maps;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.bpf4j.maps.MapTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads on one map: nothing lost, nothing torn. Each scenario runs a bounded number of operations here
 * (well under a second on a loaded 2-core machine); the {@code long} variants run the same scenarios far longer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcurrencyTest {
    private static final int THREADS = 4;
    private static final int SHORT = 20_000, LONG = 3_000_000;

    /** Runs {@code body(threadIndex)} on {@code n} threads started together; rethrows the first failure. */
    static void parallel(int n, ThreadBody body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().name("map-stress-" + t).start(() -> {
                try {
                    start.await();
                    body.run(id);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread th : threads) th.join();
        if (failure.get() instanceof Exception e) throw e;
        if (failure.get() instanceof Error e) throw e;
    }

    interface ThreadBody {
        void run(int thread) throws Exception;
    }

    // ---------------------------------------------------------------- hash: no lost updates

    @Test
    void hashNoLostUpdates() throws Exception {
        hashNoLostUpdates(SHORT);
    }

    @Test
    @Tag("long")
    void hashNoLostUpdatesLong() throws Exception {
        hashNoLostUpdates(LONG);
    }

    private void hashNoLostUpdates(int ops) throws Exception {
        HashTableMap map = (HashTableMap) EmbeddedMaps.create(def(MapType.HASH, 8, 8, 4096), THREADS);
        map.update(u64(-1), u64(0));
        ValueRef counter = map.lookupElem(seg(u64(-1)), 0, 0);
        parallel(THREADS, t -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (int i = 0; i < ops; i++) {
                // atomic increment through the program-side pointer of a shared element
                map.lookupElem(seg(u64(-1)), 0, t).getAndAddLong(0, 1);
                // churn: this thread's own keys come and go, and collide in buckets with everyone else's
                long key = (long) t << 32 | rnd.nextInt(256);
                switch (rnd.nextInt(4)) {
                    case 0 -> map.updateElem(seg(u64(key)), 0, seg(u64(key)), 0, UpdateFlags.ANY, t);
                    case 1 -> map.deleteElem(seg(u64(key)), 0);
                    case 2 -> {
                        ValueRef v = map.lookupElem(seg(u64(key)), 0, t);
                        if (v != null) assertThat(v.getLongVolatile(0)).isEqualTo(key); // never another key's value
                    }
                    default -> {
                        byte[] v = map.lookup(u64(key));
                        if (v != null) assertThat(readU64(v)).isEqualTo(key);
                    }
                }
            }
            // finally each thread inserts 100 keys of its own that must all survive
            for (int i = 0; i < 100; i++) map.update(u64((long) t << 32 | (1000 + i)), u64(i), UpdateFlags.NOEXIST);
        });
        assertThat(counter.getLongVolatile(0)).isEqualTo((long) THREADS * ops);
        assertThat(map.lookupElem(seg(u64(-1)), 0, 0)).isSameAs(counter);
        for (int t = 0; t < THREADS; t++)
            for (int i = 0; i < 100; i++) assertThat(map.lookup(u64((long) t << 32 | (1000 + i)))).containsExactly(u64(i));
        Set<Long> walked = new HashSet<>();
        for (byte[] k : map.keys()) walked.add(readU64(k));
        assertThat(walked).hasSize(map.size()); // the count and the structure agree
    }

    @Test
    void hashReplaceIsNeverTorn() throws Exception {
        HashTableMap map = (HashTableMap) EmbeddedMaps.create(def(MapType.HASH, 4, 64, 8), 1);
        map.update(u32(1), pattern(0));
        AtomicBoolean stop = new AtomicBoolean();
        parallel(THREADS, t -> {
            if (t == 0) {
                for (int i = 1; i <= SHORT; i++) map.update(u32(1), pattern(i));
                stop.set(true);
            } else {
                while (!stop.get()) {
                    assertUniform(map.lookup(u32(1)));
                    ValueRef r = map.lookupElem(seg(u32(1)), 0, 0);
                    assertUniform(r.copy()); // the element a program holds is never rewritten by user space
                }
            }
        });
        assertThat(readU64(map.lookup(u32(1)))).isEqualTo(SHORT);
    }

    @Test
    void arrayUserSpaceCopiesAreNeverTorn() throws Exception {
        ArrayMap map = (ArrayMap) EmbeddedMaps.create(def(MapType.ARRAY, 4, 64, 2), 1);
        AtomicBoolean stop = new AtomicBoolean();
        parallel(THREADS, t -> {
            if (t < 2) {
                for (int i = 1; i <= SHORT; i++) map.update(u32(1), pattern(i * 2 + t));
                if (t == 0) stop.set(true);
            } else {
                while (!stop.get()) assertUniform(map.lookup(u32(1)));
            }
        });
    }

    @Test
    void perCpuValuesBelongToTheirCpu() throws Exception {
        ArrayMap map = (ArrayMap) EmbeddedMaps.create(def(MapType.PERCPU_ARRAY, 4, 8, 1), THREADS);
        parallel(THREADS, cpu -> {
            for (int i = 0; i < SHORT; i++) {
                ValueRef v = map.lookupElem(seg(u32(0)), 0, cpu);
                // plain read-modify-write is safe: only this "CPU" touches this value
                long old = (long) ValueRef.LONG_HANDLE.get(v.segment, 0L);
                ValueRef.LONG_HANDLE.set(v.segment, 0L, old + cpu + 1);
            }
        });
        List<byte[]> values = map.lookupPerCpu(u32(0));
        for (int cpu = 0; cpu < THREADS; cpu++) assertThat(readU64(values.get(cpu))).isEqualTo((long) SHORT * (cpu + 1));
    }

    @Test
    void lruUnderContentionStaysWithinCapacityAndConsistent() throws Exception {
        lruUnderContention(SHORT);
    }

    @Test
    @Tag("long")
    void lruUnderContentionLong() throws Exception {
        lruUnderContention(LONG);
    }

    private void lruUnderContention(int ops) throws Exception {
        HashTableMap map = (HashTableMap) EmbeddedMaps.create(def(MapType.LRU_HASH, 4, 8, 64), 1);
        parallel(THREADS, t -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (int i = 0; i < ops; i++) {
                int key = rnd.nextInt(512);
                switch (rnd.nextInt(3)) {
                    case 0 -> assertThat(map.updateElem(seg(u32(key)), 0, seg(u64(key)), 0, UpdateFlags.ANY, 0)).isZero();
                    case 1 -> map.deleteElem(seg(u32(key)), 0);
                    default -> {
                        ValueRef v = map.lookupElem(seg(u32(key)), 0, 0);
                        if (v != null) assertThat(v.getLongVolatile(0)).isEqualTo(key);
                    }
                }
                assertThat(map.size()).isLessThanOrEqualTo(64);
            }
        });
        assertThat(map.keys()).hasSize(map.size());
        // still usable at full capacity: new keys evict, never E2BIG
        for (int k = 10_000; k < 10_200; k++) map.update(u32(k), u64(k));
        assertThat(map.size()).isEqualTo(64);
    }

    // ---------------------------------------------------------------- prog array: whole programs only

    record Prog(int id, String name, long checksum) {
        static Prog of(int id) {
            String name = "prog-" + id;
            return new Prog(id, name, (long) id * 31 + name.hashCode());
        }

        boolean whole() {
            return name.equals("prog-" + id) && checksum == (long) id * 31 + name.hashCode();
        }
    }

    @Test
    void progArraySwapsWhileReadersRead() throws Exception {
        progArraySwaps(SHORT);
    }

    @Test
    @Tag("long")
    void progArraySwapsLong() throws Exception {
        progArraySwaps(LONG);
    }

    private void progArraySwaps(int ops) throws Exception {
        ProgArray<Prog> jumps = EmbeddedMaps.createProgArray(def(MapType.PROG_ARRAY, 4, 4, 4), null);
        Set<Integer> installed = ConcurrentHashMap.newKeySet();
        AtomicLong reads = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        parallel(THREADS, t -> {
            if (t == 0) {
                for (int i = 0; i < ops; i++) {
                    Prog p = Prog.of(i);
                    installed.add(i);
                    if (i % 7 == 6) {
                        try {
                            jumps.delete(i & 3);
                        } catch (BpfErrnoException e) {
                            assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                        }
                    } else {
                        jumps.update(i & 3, p);
                    }
                }
                stop.set(true);
            } else {
                int lastSeen = -1;
                while (!stop.get()) {
                    Prog p = jumps.get(0);
                    reads.incrementAndGet();
                    if (p == null) continue;
                    assertThat(p.whole()).isTrue();
                    assertThat(installed).contains(p.id());
                    assertThat(p.id()).isGreaterThanOrEqualTo(lastSeen); // slot 0 only moves forward in time
                    lastSeen = p.id();
                }
            }
        });
        assertThat(reads.get()).isPositive();
    }

    // ---------------------------------------------------------------- ring buffer: MPSC order

    @Test
    void ringBufferManyProducersOneConsumerInOrder() throws Exception {
        ringBufferMpsc(SHORT / 4);
    }

    @Test
    @Tag("long")
    void ringBufferManyProducersOneConsumerInOrderLong() throws Exception {
        ringBufferMpsc(LONG / 4);
    }

    private void ringBufferMpsc(int perProducer) throws Exception {
        // big enough that producers rarely wait, so their reservations really race
        RingBuffer rb = (RingBuffer) EmbeddedMaps.create(new MapDefinition("rb", MapType.RINGBUF, 0, 0, 1 << 18), 1);
        int producers = THREADS - 1;
        long[] next = new long[producers];
        long kept = 0;
        for (long seq = 0; seq < perProducer; seq++) if (!discards(seq)) kept++;
        long expected = kept * producers;
        AtomicLong received = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(perProducer > SHORT ? 120 : 10);
        parallel(THREADS, t -> {
            if (t == producers) { // the consumer
                while (received.get() < expected) {
                    if (System.nanoTime() > deadline) throw new AssertionError("records lost: " + received.get() + " of " + expected);
                    int n = rb.consume(rec -> {
                        int p = readU32(java.util.Arrays.copyOfRange(rec, 0, 4));
                        long seq = readU64(java.util.Arrays.copyOfRange(rec, 8, 16));
                        long want = next[p];
                        while (discards(want)) want++;
                        // every submitted record arrives once, whole, in its producer's order; discarded ones never
                        if (seq != want) throw new AssertionError("producer " + p + ": got record " + seq + ", expected " + want);
                        if (rec.length != length(seq)) throw new AssertionError("record " + seq + " has " + rec.length + " bytes");
                        for (int i = 16; i < rec.length; i++)
                            if (rec[i] != (byte) (seq + i)) throw new AssertionError("record " + seq + " corrupted at byte " + i);
                        next[p] = seq + 1;
                        received.incrementAndGet();
                    });
                    if (n == 0) Thread.yield();
                }
            } else {
                for (long seq = 0; seq < perProducer; seq++) {
                    int len = length(seq);
                    ValueRef r;
                    while ((r = rb.reserve(len, 0)) == null) { // full: wait for the consumer
                        if (System.nanoTime() > deadline) throw new AssertionError("ring stalled at record " + seq);
                        Thread.yield();
                    }
                    ValueRef.INT_HANDLE.set(r.segment, 0L, t);
                    ValueRef.LONG_HANDLE.set(r.segment, 8L, seq);
                    for (int i = 16; i < len; i++) r.segment.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (seq + i));
                    if (discards(seq)) rb.discard(r, 0);
                    else rb.submit(r, RingBuffer.RB_NO_WAKEUP);
                }
            }
        });
        assertThat(received.get()).isEqualTo(expected);
        assertThat(rb.poll()).isNull();
        assertThat(rb.query(RingBuffer.RB_AVAIL_DATA)).isZero();
    }

    private static boolean discards(long seq) {
        return seq % 11 == 10;
    }

    private static int length(long seq) {
        return 16 + (int) (seq % 7) * 12;
    }

    // ---------------------------------------------------------------- queue: nothing lost or duplicated

    @Test
    void queueConcurrentPushPop() throws Exception {
        QueueStackMap q = (QueueStackMap) EmbeddedMaps.create(def(MapType.QUEUE, 0, 8, 128), 1);
        Set<Long> popped = ConcurrentHashMap.newKeySet();
        AtomicLong pushed = new AtomicLong();
        parallel(THREADS, t -> {
            MemorySegment out = MemorySegment.ofArray(new long[1]);
            for (int i = 0; i < SHORT / 2; i++) {
                if (t % 2 == 0) {
                    long v = (long) t << 32 | i;
                    if (q.pushElem(seg(u64(v)), 0, UpdateFlags.ANY) == 0) pushed.incrementAndGet();
                } else if (q.popElem(out, 0) == 0) {
                    assertThat(popped.add(out.get(ValueRef.LONG, 0))).isTrue();
                }
            }
        });
        long remaining = 0;
        for (byte[] v; (v = q.pop()) != null; remaining++) assertThat(popped.add(readU64(v))).isTrue();
        assertThat(popped).hasSize((int) pushed.get()); // every pushed value came out exactly once
        assertThat(remaining).isLessThanOrEqualTo(128);
    }

    private static byte[] pattern(long v) {
        byte[] b = new byte[64];
        for (int i = 0; i < 8; i++) System.arraycopy(u64(v), 0, b, i * 8, 8);
        return b;
    }

    private static void assertUniform(byte[] v) {
        long first = readU64(v);
        for (int i = 1; i < 8; i++)
            assertThat(readU64(java.util.Arrays.copyOfRange(v, i * 8, i * 8 + 8))).as("torn value").isEqualTo(first);
    }
}
