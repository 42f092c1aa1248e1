package io.bpf4j.maps;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@code BPF_MAP_TYPE_HASH}, {@code PERCPU_HASH}, {@code LRU_HASH} and {@code LRU_PERCPU_HASH}.
 *
 * <p><b>Structure.</b> Like Linux's htab: a fixed table of {@code roundup_pow_of_two(max_entries)} buckets, each a
 * singly linked list, writers serialised per bucket (striped locks), readers lock-free. Lists are immutable: a
 * writer publishes a new list head (path copying), so a reader always walks a consistent list, and an element's
 * value storage is never reused — a {@link ValueRef} a program holds stays valid and keeps reading the element it
 * was taken from, after any concurrent delete or replace (what RCU gives Linux programs).
 *
 * <p><b>Semantics (Linux).</b> At most {@code max_entries} elements: a new key in a full map is E2BIG (an existing
 * key can always be replaced); BPF_NOEXIST on an existing key is EEXIST, BPF_EXIST on a missing key ENOENT; deleting
 * a missing key ENOENT. Replacing a value in HASH / LRU_HASH installs a new element (readers of the old one are not
 * disturbed); per-CPU maps update their existing element in place, a program's update touching only its CPU's
 * value (a new element's other CPUs start zeroed). {@code nextKey} walks bucket by bucket; for a key that is not
 * in the map it answers the first key, as Linux does.
 *
 * <p><b>LRU.</b> A full LRU map accepts a new key by evicting an element that was not used recently. What bpf4j
 * guarantees: elements sit on one list in insertion order; a program's lookup sets the element's reference bit;
 * eviction takes the oldest element whose bit is clear, giving elements with the bit set a second chance
 * (clearing the bit and moving them to the young end). So the element evicted was neither inserted nor looked up
 * by a program since every other element's last use — unless all were, in which case the oldest goes. Like Linux,
 * user-space lookups do not count as use. BPF_F_NO_COMMON_LRU is accepted; bpf4j keeps one common list.
 */
public class HashTableMap extends EmbeddedMap {
    private static final int MAX_LOCK_STRIPES = 1024;
    private static final int EVICTION_ATTEMPTS = 1 << 16;

    /** One element: its own key copy and value storage, never reused. */
    static final class Elem {
        final byte[] key;
        final MemorySegment keySegment; // the same bytes, for vectorised comparison
        final int hash;
        final ValueRef[] values;
        final Object payload;
        volatile boolean referenced;
        volatile boolean removed;
        // LRU list links, guarded by lruLock
        Elem lruPrev, lruNext;
        boolean inLru;

        Elem(byte[] key, int hash, ValueRef[] values, Object payload) {
            this.key = key;
            this.keySegment = key == null ? null : MemorySegment.ofArray(key);
            this.hash = hash;
            this.values = values;
            this.payload = payload;
        }
    }

    private record Node(Elem elem, Node next) {}

    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final boolean perCpu;
    private final boolean lru;
    private final int seed;
    private final AtomicReferenceArray<Node> buckets;
    private final int bucketMask;
    private final Object[] locks;
    private final AtomicInteger count = new AtomicInteger();

    private final Object lruLock = new Object();
    private final Elem lruHead = new Elem(null, 0, null, null); // sentinel: lruHead.lruNext is the youngest

    HashTableMap(MapDefinition def, int possibleCpus) {
        this(def, possibleCpus, 0);
    }

    /** {@code bucketCount} > 0 forces the table size (tests use 1 to build the longest possible chain). */
    HashTableMap(MapDefinition def, int possibleCpus, int bucketCount) {
        super(def, possibleCpus);
        this.keySize = def.keySize();
        this.valueSize = def.valueSize();
        this.maxEntries = def.maxEntries();
        this.perCpu = def.isPerCpu();
        this.lru = def.type() == MapType.LRU_HASH || def.type() == MapType.LRU_PERCPU_HASH;
        this.seed = (def.flags() & MapDefinition.F_ZERO_SEED) != 0 ? 0 : ThreadLocalRandom.current().nextInt();
        int n = Integer.highestOneBit(Math.max(1, maxEntries));
        if (n < maxEntries) n <<= 1;
        if (n <= 0 || n > (1 << 30)) n = 1 << 30;
        if (bucketCount > 0) n = Integer.highestOneBit(bucketCount);
        try {
            buckets = new AtomicReferenceArray<>(n);
        } catch (OutOfMemoryError oom) {
            throw error(Errno.ENOMEM, "cannot allocate " + n + " buckets");
        }
        bucketMask = n - 1;
        locks = new Object[Math.min(n, MAX_LOCK_STRIPES)];
        for (int i = 0; i < locks.length; i++) locks[i] = new Object();
        lruHead.lruNext = lruHead.lruPrev = lruHead;
    }

    /** Number of elements now in the map. */
    public int size() {
        return count.get();
    }

    // ---------------------------------------------------------------- hashing and finding

    private int hash(MemorySegment key, long off) {
        int h = seed ^ keySize;
        int i = 0;
        for (; i + 4 <= keySize; i += 4) {
            int k = u32(key, off + i) * 0xcc9e2d51;
            k = Integer.rotateLeft(k, 15) * 0x1b873593;
            h = Integer.rotateLeft(h ^ k, 13) * 5 + 0xe6546b64;
        }
        for (; i < keySize; i++) h = h * 31 + (key.get(ValueLayout.JAVA_BYTE, off + i) & 0xff);
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    private Object lock(int bucket) {
        return locks[bucket & (locks.length - 1)];
    }

    private Elem find(Node head, int h, MemorySegment key, long off) {
        for (Node n = head; n != null; n = n.next) {
            Elem e = n.elem;
            if (e.hash == h && sameKey(e, key, off)) return e;
        }
        return null;
    }

    private boolean sameKey(Elem e, MemorySegment key, long off) {
        return MemorySegment.mismatch(e.keySegment, 0, keySize, key, off, off + keySize) < 0;
    }

    /** The list without {@code gone}: the nodes before it are copied, the rest is shared. */
    private static Node without(Node head, Elem gone) {
        return rebuilt(head, gone, null);
    }

    /** The list with {@code fresh} in {@code old}'s place. */
    private static Node replaced(Node head, Elem old, Elem fresh) {
        return rebuilt(head, old, fresh);
    }

    // Iterative, not recursive: with BPF_F_ZERO_SEED and chosen keys one bucket can hold every element.
    private static Node rebuilt(Node head, Elem target, Elem replacement) {
        int prefix = 0;
        Node at = head;
        while (at.elem != target) {
            prefix++;
            at = at.next;
        }
        Node tail = replacement == null ? at.next : new Node(replacement, at.next);
        if (prefix == 0) return tail;
        Elem[] before = new Elem[prefix];
        Node n = head;
        for (int i = 0; i < prefix; i++, n = n.next) before[i] = n.elem;
        for (int i = prefix - 1; i >= 0; i--) tail = new Node(before[i], tail);
        return tail;
    }

    private static boolean contains(Node head, Elem e) {
        for (Node n = head; n != null; n = n.next) if (n.elem == e) return true;
        return false;
    }

    /** The element for the key, or null: lock-free. */
    final Elem get(MemorySegment key, long off) {
        int h = hash(key, off);
        return find(buckets.get(h & bucketMask), h, key, off);
    }

    // ---------------------------------------------------------------- the one update path

    /**
     * Where a new or replaced value comes from: {@code perCpuValues} (user space, one per CPU), else
     * {@code value[valueOff..]} for every CPU ({@code cpu < 0}) or only for {@code cpu}.
     */
    private record Source(MemorySegment value, long valueOff, List<byte[]> perCpuValues, int cpu) {}

    private ValueRef[] newValues(Source src) {
        ValueRef[] vs = new ValueRef[perCpu ? cpus : 1];
        for (int c = 0; c < vs.length; c++) {
            vs[c] = ValueRef.allocate(valueSize);
            if (src.perCpuValues != null) vs[c].copyFrom(src.perCpuValues.get(c), 0);
            else if (src.cpu < 0 || src.cpu == c || !perCpu) vs[c].copyFrom(src.value, src.valueOff);
        }
        return vs;
    }

    private void writeInPlace(Elem e, Source src) {
        for (int c = 0; c < e.values.length; c++) {
            if (src.perCpuValues != null) e.values[c].copyFrom(src.perCpuValues.get(c), 0);
            else if (src.cpu < 0 || src.cpu == c) e.values[c].copyFrom(src.value, src.valueOff);
        }
    }

    private boolean tryReserve() {
        for (;;) {
            int c = count.get();
            if (c >= maxEntries) return false;
            if (count.compareAndSet(c, c + 1)) return true;
        }
    }

    /** Creates or replaces; 0 or a negative errno. {@code payload} travels with the element (map-in-map). */
    final int put(MemorySegment key, long keyOff, long flags, Source src, Object payload) {
        long mode = flags & ~UpdateFlags.F_LOCK;
        int h = hash(key, keyOff);
        int b = h & bucketMask;
        boolean reserved = false;
        for (int attempt = 0; ; attempt++) {
            Elem added = null, dropped = null;
            int result;
            synchronized (lock(b)) {
                Node head = buckets.get(b);
                Elem old = find(head, h, key, keyOff);
                if (old != null) {
                    if (mode == UpdateFlags.NOEXIST) {
                        result = negative(Errno.EEXIST);
                    } else if (perCpu && payload == null) {
                        writeInPlace(old, src);
                        result = 0;
                    } else {
                        Elem fresh = new Elem(old.key, h, newValues(src), payload);
                        buckets.set(b, replaced(head, old, fresh));
                        old.removed = true;
                        added = fresh;
                        dropped = old;
                        result = 0;
                    }
                    if (reserved) count.decrementAndGet();
                } else if (mode == UpdateFlags.EXIST) {
                    if (reserved) count.decrementAndGet();
                    result = negative(Errno.ENOENT);
                } else if (reserved || tryReserve()) {
                    Elem fresh = new Elem(key.asSlice(keyOff, keySize).toArray(ValueLayout.JAVA_BYTE), h, newValues(src), payload);
                    buckets.set(b, new Node(fresh, head));
                    added = fresh;
                    result = 0;
                } else if (!lru) {
                    result = negative(Errno.E2BIG);
                } else {
                    result = Integer.MIN_VALUE; // full LRU: evict outside the bucket lock, then retry
                }
            }
            if (result != Integer.MIN_VALUE) {
                if (lru) {
                    if (dropped != null) lruUnlink(dropped);
                    if (added != null) lruAdd(added);
                }
                return result;
            }
            if (attempt >= EVICTION_ATTEMPTS) return negative(Errno.ENOMEM);
            if (evictOne() && tryReserve()) reserved = true;
            else Thread.onSpinWait();
        }
    }

    /** Removes the key; 0 or -ENOENT. */
    final int remove(MemorySegment key, long keyOff) {
        int h = hash(key, keyOff);
        int b = h & bucketMask;
        Elem old;
        synchronized (lock(b)) {
            Node head = buckets.get(b);
            old = find(head, h, key, keyOff);
            if (old == null) return negative(Errno.ENOENT);
            buckets.set(b, without(head, old));
            old.removed = true;
            count.decrementAndGet();
        }
        if (lru) lruUnlink(old);
        return 0;
    }

    // ---------------------------------------------------------------- LRU list (second chance)

    private void lruAdd(Elem e) {
        synchronized (lruLock) {
            if (e.removed || e.inLru) return;
            e.lruNext = lruHead.lruNext;
            e.lruPrev = lruHead;
            lruHead.lruNext.lruPrev = e;
            lruHead.lruNext = e;
            e.inLru = true;
        }
    }

    private void lruUnlink(Elem e) {
        synchronized (lruLock) {
            unlinkLocked(e);
        }
    }

    private void unlinkLocked(Elem e) {
        if (!e.inLru) return;
        e.lruPrev.lruNext = e.lruNext;
        e.lruNext.lruPrev = e.lruPrev;
        e.lruPrev = e.lruNext = null;
        e.inLru = false;
    }

    /** Evicts one element; false when the list had none to offer (inserts still in flight). */
    private boolean evictOne() {
        Elem victim = null;
        synchronized (lruLock) {
            int secondChances = count.get() + 1;
            for (Elem e = lruHead.lruPrev; e != lruHead; e = lruHead.lruPrev) {
                unlinkLocked(e);
                if (e.removed) continue;
                if (e.referenced && secondChances-- > 0) {
                    e.referenced = false;
                    e.lruNext = lruHead.lruNext;
                    e.lruPrev = lruHead;
                    lruHead.lruNext.lruPrev = e;
                    lruHead.lruNext = e;
                    e.inLru = true;
                    continue;
                }
                victim = e;
                break;
            }
        }
        if (victim == null) return false;
        int b = victim.hash & bucketMask;
        synchronized (lock(b)) {
            Node head = buckets.get(b);
            if (!victim.removed && contains(head, victim)) {
                buckets.set(b, without(head, victim));
                victim.removed = true;
                count.decrementAndGet();
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- user space

    @Override
    public byte[] lookup(byte[] key) {
        checkUserRead();
        checkKey(key);
        if (perCpu) throw error(Errno.EINVAL, "is per-CPU; use lookupPerCpu");
        Elem e = get(MemorySegment.ofArray(key), 0);
        return e == null ? null : userValue(e);
    }

    /** What user space reads for an element (map-in-map answers the inner map's id). */
    byte[] userValue(Elem e) {
        return e.values[0].copy();
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkUserWrite();
        checkUpdateFlags(flags);
        checkKey(key);
        if (perCpu) throw error(Errno.EINVAL, "is per-CPU; use updatePerCpu");
        checkValue(value);
        throwIfFailed(put(MemorySegment.ofArray(key), 0, flags, new Source(MemorySegment.ofArray(value), 0, null, -1), null), key, flags);
    }

    final void throwIfFailed(int result, byte[] key, long flags) {
        if (result == 0) return;
        Errno e = Errno.ofNumber(-result);
        String k = describeKey(key);
        throw switch (e) {
            case EEXIST -> error(e, "BPF_NOEXIST: key " + k + " already exists");
            case ENOENT -> error(e, (flags & 3) == UpdateFlags.EXIST ? "BPF_EXIST: key " + k + " does not exist"
                    : "key " + k + " does not exist");
            case E2BIG -> error(e, "is full (max_entries " + maxEntries + "); cannot add key " + k);
            case ENOMEM -> error(e, "is full and no element could be evicted for key " + k);
            default -> error(e, "cannot update key " + k);
        };
    }

    static String describeKey(byte[] key) {
        StringBuilder sb = new StringBuilder("0x");
        for (int i = 0; i < Math.min(key.length, 32); i++) sb.append(String.format("%02x", key[i]));
        if (key.length > 32) sb.append("…");
        return sb.toString();
    }

    @Override
    public void delete(byte[] key) {
        checkUserWrite();
        checkKey(key);
        if (remove(MemorySegment.ofArray(key), 0) != 0) throw error(Errno.ENOENT, "key " + describeKey(key) + " does not exist");
    }

    @Override
    public byte[] nextKey(byte[] key) {
        checkUserRead();
        if (key == null) return firstFrom(0);
        checkKey(key);
        int h = hash(MemorySegment.ofArray(key), 0);
        int b = h & bucketMask;
        for (Node n = buckets.get(b); n != null; n = n.next) {
            Elem e = n.elem;
            if (e.hash == h && Arrays.equals(e.key, key)) {
                return n.next != null ? n.next.elem.key.clone() : firstFrom(b + 1);
            }
        }
        return firstFrom(0); // Linux: a key that is not there restarts the walk
    }

    /**
     * A snapshot of the keys in iteration order, walking the buckets directly: unlike a chain of {@link #nextKey}
     * calls it cannot restart when another thread deletes the key it stands on.
     */
    @Override
    public List<byte[]> keys() {
        checkUserRead();
        List<byte[]> out = new ArrayList<>(Math.min(count.get(), 1 << 16));
        for (int i = 0; i <= bucketMask; i++)
            for (Node n = buckets.get(i); n != null; n = n.next) out.add(n.elem.key.clone());
        return out;
    }

    private byte[] firstFrom(int bucket) {
        for (int i = bucket; i <= bucketMask; i++) {
            Node head = buckets.get(i);
            if (head != null) return head.elem.key.clone();
        }
        return null;
    }

    @Override
    public List<byte[]> lookupPerCpu(byte[] key) {
        checkUserRead();
        checkKey(key);
        if (!perCpu) return BpfMapDefaults.notPerCpu(this);
        MemorySegment k = MemorySegment.ofArray(key);
        int h = hash(k, 0);
        int b = h & bucketMask;
        synchronized (lock(b)) { // per-CPU values change in place under this lock; copy them whole
            Elem e = find(buckets.get(b), h, k, 0);
            if (e == null) return null;
            List<byte[]> out = new ArrayList<>(e.values.length);
            for (ValueRef v : e.values) out.add(v.copy());
            return out;
        }
    }

    @Override
    public void updatePerCpu(byte[] key, List<byte[]> values, long flags) {
        checkUserWrite();
        checkUpdateFlags(flags);
        checkKey(key);
        if (!perCpu) {
            BpfMapDefaults.notPerCpu(this);
            return;
        }
        if (values == null || values.size() != cpus)
            throw error(Errno.EINVAL, "needs one value per CPU (" + cpus + "), got " + (values == null ? "null" : values.size()));
        for (int c = 0; c < cpus; c++) {
            byte[] v = values.get(c);
            if (v == null || v.length != valueSize)
                throw error(Errno.EINVAL, "value for CPU " + c + " has " + (v == null ? "no" : v.length)
                        + " bytes; expected value_size " + valueSize);
        }
        throwIfFailed(put(MemorySegment.ofArray(key), 0, flags, new Source(null, 0, values, -1), null), key, flags);
    }

    // ---------------------------------------------------------------- programs

    @Override
    public ValueRef lookupElem(MemorySegment key, long keyOff, int cpu) {
        Elem e = get(key, keyOff);
        if (e == null) return null;
        if (lru && !e.referenced) e.referenced = true;
        return e.values[perCpu ? cpu : 0];
    }

    @Override
    public int updateElem(MemorySegment key, long keyOff, MemorySegment value, long valueOff, long flags, int cpu) {
        if (!validUpdateFlags(flags) || (flags & UpdateFlags.F_LOCK) != 0) return negative(Errno.EINVAL);
        if (isReadOnlyForPrograms()) return negative(Errno.EPERM);
        return put(key, keyOff, flags, new Source(value, valueOff, null, perCpu ? cpu : -1), null);
    }

    @Override
    public int deleteElem(MemorySegment key, long keyOff) {
        if (isReadOnlyForPrograms()) return negative(Errno.EPERM);
        return remove(key, keyOff);
    }

    // ---------------------------------------------------------------- for HASH_OF_MAPS

    final int putObject(byte[] key, byte[] value, long flags, Object payload) {
        return put(MemorySegment.ofArray(key), 0, flags, new Source(MemorySegment.ofArray(value), 0, null, -1), payload);
    }

    final Object payload(MemorySegment key, long keyOff) {
        Elem e = get(key, keyOff);
        return e == null ? null : e.payload;
    }
}
