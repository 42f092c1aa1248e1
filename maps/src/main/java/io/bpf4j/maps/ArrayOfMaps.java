package io.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.UpdateFlags;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@code BPF_MAP_TYPE_ARRAY_OF_MAPS}: {@code max_entries} slots, each empty or holding a map compatible with the
 * inner definition ({@link MapInMap#incompatibility}). Linux's fd-array rules: user space updates with BPF_ANY only
 * (EINVAL otherwise), index ≥ max_entries is E2BIG, delete of an empty slot ENOENT; a lookup answers the inner map's
 * id. Programs may only look up (getting the inner map itself); slots change by atomic exchange.
 */
public final class ArrayOfMaps extends EmbeddedMap implements MapInMap {
    private final int maxEntries;
    private final AtomicReferenceArray<BpfMap> slots;
    private volatile HandleResolver<BpfMap> resolver;

    ArrayOfMaps(MapDefinition def, HandleResolver<BpfMap> resolver) {
        super(def, 1);
        this.maxEntries = def.maxEntries();
        this.slots = new AtomicReferenceArray<>(maxEntries);
        this.resolver = resolver;
    }

    public void setResolver(HandleResolver<BpfMap> resolver) {
        this.resolver = resolver;
    }

    /** The inner map at {@code index}, or null (empty or out of range). */
    public BpfMap get(int index) {
        return Integer.compareUnsigned(index, maxEntries) < 0 ? slots.get(index) : null;
    }

    /** Stores {@code inner} at {@code index}; returns the map it replaced. E2BIG / EINVAL as {@link #update(byte[], byte[], long)}. */
    public BpfMap update(int index, BpfMap inner) {
        checkUserWrite();
        checkIndex(index);
        MapInMap.check(this, inner, def.inner());
        return slots.getAndSet(index, inner);
    }

    /** Empties slot {@code index}; returns the map it held. E2BIG out of range, ENOENT when empty. */
    public BpfMap delete(int index) {
        checkUserWrite();
        checkIndex(index);
        BpfMap old = slots.getAndSet(index, null);
        if (old == null) throw error(Errno.ENOENT, "slot " + index + " is empty");
        return old;
    }

    private void checkIndex(int index) {
        if (Integer.compareUnsigned(index, maxEntries) >= 0)
            throw error(Errno.E2BIG, "index " + Integer.toUnsignedString(index) + " is not below max_entries " + maxEntries);
    }

    @Override
    public BpfMap lookupInner(MemorySegment key, long keyOff) {
        return get(u32(key, keyOff));
    }

    @Override
    public byte[] lookup(byte[] key) {
        checkUserRead();
        checkKey(key);
        BpfMap m = get(u32(key, 0));
        if (m == null) return null;
        HandleResolver<BpfMap> r = resolver;
        if (r == null) throw error(Errno.EINVAL, "has no map resolver to turn the inner map into an id");
        return u32Bytes(r.idOf(m));
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkUserWrite();
        if (flags != UpdateFlags.ANY)
            throw error(Errno.EINVAL, "map-in-map arrays take only BPF_ANY, not flags 0x" + Long.toHexString(flags));
        checkKey(key);
        checkValue(value);
        int index = u32(key, 0);
        checkIndex(index);
        BpfMap inner = MapInMap.admit(this, resolver, u32(value, 0), def.inner());
        slots.set(index, inner);
    }

    @Override
    public void delete(byte[] key) {
        checkUserWrite();
        checkKey(key);
        delete(u32(key, 0));
    }

    @Override
    public byte[] nextKey(byte[] key) {
        checkUserRead();
        if (key == null) return u32Bytes(0);
        checkKey(key);
        int index = u32(key, 0);
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return u32Bytes(0);
        if (index == maxEntries - 1) return null;
        return u32Bytes(index + 1);
    }
}
