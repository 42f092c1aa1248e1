package io.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;

/**
 * {@code BPF_MAP_TYPE_HASH_OF_MAPS}: a hash map whose values are maps compatible with the inner definition
 * ({@link MapInMap#incompatibility}). Hash rules apply (BPF_NOEXIST / BPF_EXIST, E2BIG when full, ENOENT); a
 * user-space lookup answers the inner map's id; programs may only look up, getting the inner map itself.
 */
public final class HashOfMaps extends HashTableMap implements MapInMap {
    private volatile HandleResolver<BpfMap> resolver;

    HashOfMaps(MapDefinition def, HandleResolver<BpfMap> resolver) {
        super(def, 1);
        this.resolver = resolver;
    }

    public void setResolver(HandleResolver<BpfMap> resolver) {
        this.resolver = resolver;
    }

    /** Stores {@code inner} under {@code key} per {@code flags}. */
    public void update(byte[] key, BpfMap inner, long flags) {
        checkUserWrite();
        checkUpdateFlags(flags);
        checkKey(key);
        MapInMap.check(this, inner, def.inner());
        HandleResolver<BpfMap> r = resolver;
        byte[] id = u32Bytes(r == null ? 0 : r.idOf(inner));
        throwIfFailed(putObject(key, id, flags, inner), key, flags);
    }

    /** The inner map under {@code key}, or null. */
    public BpfMap get(byte[] key) {
        checkKey(key);
        return (BpfMap) payload(MemorySegment.ofArray(key), 0);
    }

    @Override
    public BpfMap lookupInner(MemorySegment key, long keyOff) {
        return (BpfMap) payload(key, keyOff);
    }

    @Override
    byte[] userValue(Elem e) {
        HandleResolver<BpfMap> r = resolver;
        if (r == null) throw error(Errno.EINVAL, "has no map resolver to turn the inner map into an id");
        return u32Bytes(r.idOf((BpfMap) e.payload));
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkUserWrite();
        checkUpdateFlags(flags);
        checkKey(key);
        checkValue(value);
        BpfMap inner = MapInMap.admit(this, resolver, u32(value, 0), def.inner());
        throwIfFailed(putObject(key, value.clone(), flags, inner), key, flags);
    }

    @Override
    public ValueRef lookupElem(MemorySegment key, long keyOff, int cpu) {
        return null; // programs get the inner map through lookupInner
    }

    @Override
    public int updateElem(MemorySegment key, long keyOff, MemorySegment value, long valueOff, long flags, int cpu) {
        return negative(Errno.EINVAL);
    }

    @Override
    public int deleteElem(MemorySegment key, long keyOff) {
        return negative(Errno.EINVAL);
    }
}
