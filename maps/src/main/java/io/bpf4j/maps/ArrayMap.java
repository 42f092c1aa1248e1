package io.bpf4j.maps;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code BPF_MAP_TYPE_ARRAY} and {@code BPF_MAP_TYPE_PERCPU_ARRAY}: {@code max_entries} values, all present from
 * creation and zeroed, indexed by a u32 key.
 *
 * <p>Linux's rules: lookup beyond the end finds nothing (ENOENT); update beyond the end is E2BIG; BPF_NOEXIST is
 * always EEXIST (every element exists); delete is EINVAL; the key after the last is ENOENT (null here) and the key
 * after a missing or out-of-range key is 0.
 *
 * <p>Storage: one long[]-backed segment per CPU copy (one copy for ARRAY), values {@code round_up(value_size, 8)}
 * apart and 8-byte aligned, so programs' pointers are {@link ValueRef}s into it and atomics are real. Updates write in place,
 * as Linux does; copies between user space and the map hold a per-element stripe lock, so two user-space
 * operations never see each other's half-written value. Programs' direct writes through references are not
 * locked (as in Linux, where only BPF_F_LOCK values give that guarantee).
 */
public final class ArrayMap extends EmbeddedMap {
    private static final int STRIPES = 64;

    private final int valueSize;
    private final int stride;
    private final int maxEntries;
    private final MemorySegment[] copies;
    private final ValueRef[][] refs;
    private final Object[] stripes = new Object[STRIPES];

    ArrayMap(MapDefinition def, int possibleCpus) {
        super(def, possibleCpus);
        this.valueSize = def.valueSize();
        this.stride = ValueRef.roundUp8(valueSize);
        this.maxEntries = def.maxEntries();
        int n = def.type() == MapType.PERCPU_ARRAY ? possibleCpus : 1;
        long bytes = (long) stride * maxEntries;
        if (bytes / 8 > Integer.MAX_VALUE - 16)
            throw error(Errno.ENOMEM, "needs " + bytes + " bytes per copy (value_size " + valueSize + " × max_entries "
                    + maxEntries + "), more than one Java array holds");
        try {
            copies = new MemorySegment[n];
            for (int i = 0; i < n; i++) copies[i] = MemorySegment.ofArray(new long[(int) (bytes / 8)]);
            refs = new ValueRef[n][]; // per copy, made on first use: most per-CPU copies are never looked up by index
        } catch (OutOfMemoryError oom) {
            throw error(Errno.ENOMEM, "cannot allocate " + n + " × " + bytes + " bytes");
        }
        for (int i = 0; i < STRIPES; i++) stripes[i] = new Object();
    }

    private boolean perCpu() {
        return def.type() == MapType.PERCPU_ARRAY;
    }

    /** The live value at {@code index} in CPU {@code cpu}'s copy (any cpu for ARRAY), or null beyond the end. */
    public ValueRef ref(int index, int cpu) {
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return null;
        int c = copies.length == 1 ? 0 : cpu;
        // Benign races: a ValueRef is immutable (final fields), so any thread's instance, or cache, is as good.
        ValueRef[] cache = refs[c];
        if (cache == null) refs[c] = cache = new ValueRef[maxEntries];
        ValueRef r = cache[index];
        if (r == null) cache[index] = r = new ValueRef(copies[c].asSlice((long) index * stride, valueSize));
        return r;
    }

    /**
     * The whole storage of one copy (8-byte aligned, element {@code i} at {@code i * stride()}), for a runtime that
     * maps an array directly, e.g. a global data section whose pointer may move across elements.
     */
    public MemorySegment storage(int cpu) {
        return copies[copies.length == 1 ? 0 : cpu];
    }

    /** Bytes between consecutive values: {@code round_up(value_size, 8)}. */
    public int stride() {
        return stride;
    }

    private Object stripe(int index) {
        return stripes[index & (STRIPES - 1)];
    }

    // ---------------------------------------------------------------- user space

    @Override
    public byte[] lookup(byte[] key) {
        checkUserRead();
        checkKey(key);
        if (perCpu()) throw error(Errno.EINVAL, "is per-CPU; use lookupPerCpu");
        int index = u32(key, 0);
        ValueRef r = ref(index, 0);
        if (r == null) return null;
        synchronized (stripe(index)) {
            return r.copy();
        }
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkUserWrite();
        checkUpdateFlags(flags);
        checkKey(key);
        if (perCpu()) throw error(Errno.EINVAL, "is per-CPU; use updatePerCpu");
        checkValue(value);
        int index = checkedIndexForUpdate(key, flags);
        ValueRef r = ref(index, 0);
        synchronized (stripe(index)) {
            r.copyFrom(value, 0);
        }
    }

    private int checkedIndexForUpdate(byte[] key, long flags) {
        int index = u32(key, 0);
        if (Integer.compareUnsigned(index, maxEntries) >= 0)
            throw error(Errno.E2BIG, "index " + Integer.toUnsignedString(index) + " is not below max_entries " + maxEntries);
        if ((flags & ~UpdateFlags.F_LOCK) == UpdateFlags.NOEXIST)
            throw error(Errno.EEXIST, "BPF_NOEXIST: element " + index + " exists (array elements always do)");
        return index;
    }

    @Override
    public void delete(byte[] key) {
        checkUserWrite();
        checkKey(key);
        throw error(Errno.EINVAL, "array elements cannot be deleted");
    }

    @Override
    public byte[] nextKey(byte[] key) {
        checkUserRead();
        if (key == null) return maxEntries == 0 ? null : u32Bytes(0);
        checkKey(key);
        int index = u32(key, 0);
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return u32Bytes(0);
        if (index == maxEntries - 1) return null;
        return u32Bytes(index + 1);
    }

    @Override
    public List<byte[]> lookupPerCpu(byte[] key) {
        checkUserRead();
        checkKey(key);
        if (!perCpu()) return BpfMapDefaults.notPerCpu(this);
        int index = u32(key, 0);
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return null;
        List<byte[]> out = new ArrayList<>(copies.length);
        synchronized (stripe(index)) {
            for (int c = 0; c < copies.length; c++) out.add(ref(index, c).copy());
        }
        return out;
    }

    @Override
    public void updatePerCpu(byte[] key, List<byte[]> values, long flags) {
        checkUserWrite();
        checkUpdateFlags(flags);
        checkKey(key);
        if (!perCpu()) {
            BpfMapDefaults.notPerCpu(this);
            return;
        }
        checkPerCpuValues(values);
        int index = checkedIndexForUpdate(key, flags);
        synchronized (stripe(index)) {
            for (int c = 0; c < copies.length; c++) ref(index, c).copyFrom(values.get(c), 0);
        }
    }

    void checkPerCpuValues(List<byte[]> values) {
        if (values == null || values.size() != copies.length)
            throw error(Errno.EINVAL, "needs one value per CPU (" + copies.length + "), got "
                    + (values == null ? "null" : values.size()));
        for (int c = 0; c < values.size(); c++) {
            byte[] v = values.get(c);
            if (v == null || v.length != valueSize)
                throw error(Errno.EINVAL, "value for CPU " + c + " has " + (v == null ? "no" : v.length)
                        + " bytes; expected value_size " + valueSize);
        }
    }

    // ---------------------------------------------------------------- programs

    @Override
    public ValueRef lookupElem(MemorySegment key, long keyOff, int cpu) {
        return ref(u32(key, keyOff), cpu);
    }

    @Override
    public int updateElem(MemorySegment key, long keyOff, MemorySegment value, long valueOff, long flags, int cpu) {
        if (!validUpdateFlags(flags) || (flags & UpdateFlags.F_LOCK) != 0) return negative(Errno.EINVAL);
        if (isReadOnlyForPrograms()) return negative(Errno.EPERM);
        int index = u32(key, keyOff);
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return negative(Errno.E2BIG);
        if (flags == UpdateFlags.NOEXIST) return negative(Errno.EEXIST);
        ValueRef r = ref(index, cpu);
        synchronized (stripe(index)) {
            r.copyFrom(value, valueOff);
        }
        return 0;
    }

    @Override
    public int deleteElem(MemorySegment key, long keyOff) {
        return negative(Errno.EINVAL);
    }
}
