package io.bpf4j.maps;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;

import java.util.ArrayList;
import java.util.List;

/**
 * A map as user space sees it — the same interface for a map in the embedded runtime and a map in the Linux
 * kernel, with the kernel's semantics: every failure is a {@link BpfErrnoException} carrying the errno
 * bpf(2) would return (ENOENT, EEXIST, E2BIG, EINVAL, ...). Thread-safe.
 *
 * <p>Keys and values are raw bytes in the program's layout (little-endian integers). Per-CPU maps take and
 * return one value per possible CPU through the {@code PerCpu} methods; the plain methods refuse them.
 */
public interface BpfMap extends AutoCloseable {

    MapDefinition definition();

    default String name() {
        return definition().name();
    }

    default MapType type() {
        return definition().type();
    }

    /** The value for {@code key}, or null when there is none (bpf(2) would say ENOENT). */
    byte[] lookup(byte[] key);

    /** Creates or replaces per {@code flags} ({@link UpdateFlags#ANY}, NOEXIST, EXIST). */
    void update(byte[] key, byte[] value, long flags);

    default void update(byte[] key, byte[] value) {
        update(key, value, UpdateFlags.ANY);
    }

    /** Removes {@code key}; ENOENT when it is not there, EINVAL for maps that cannot delete (arrays). */
    void delete(byte[] key);

    /** The key after {@code key} in the map's iteration order; the first key for null; null after the last. */
    byte[] nextKey(byte[] key);

    /** A snapshot of the keys, in iteration order. */
    default List<byte[]> keys() {
        List<byte[]> out = new ArrayList<>();
        for (byte[] k = nextKey(null); k != null; k = nextKey(k)) out.add(k);
        return out;
    }

    /** Number of CPUs a per-CPU map keeps a value for (1 for other maps). */
    int possibleCpus();

    /** Per-CPU maps: one value per CPU, or null when the key is absent. */
    default List<byte[]> lookupPerCpu(byte[] key) {
        throw new BpfErrnoException(io.bpf4j.abi.Errno.EINVAL, "map " + name() + " (" + type() + ") is not per-CPU");
    }

    /** Per-CPU maps: sets every CPU's value ({@code values.size() == possibleCpus()}). */
    default void updatePerCpu(byte[] key, List<byte[]> values, long flags) {
        throw new BpfErrnoException(io.bpf4j.abi.Errno.EINVAL, "map " + name() + " (" + type() + ") is not per-CPU");
    }

    /** QUEUE / STACK / BLOOM_FILTER: push a value (flags: BPF_EXIST overwrites the oldest when full). */
    default void push(byte[] value, long flags) {
        throw new BpfErrnoException(io.bpf4j.abi.Errno.EINVAL, "map " + name() + " (" + type() + ") has no push");
    }

    /** QUEUE / STACK: remove and return the next value, or null when empty (ENOENT). */
    default byte[] pop() {
        throw new BpfErrnoException(io.bpf4j.abi.Errno.EINVAL, "map " + name() + " (" + type() + ") has no pop");
    }

    /** QUEUE / STACK: the next value without removing it, or null when empty. */
    default byte[] peek() {
        throw new BpfErrnoException(io.bpf4j.abi.Errno.EINVAL, "map " + name() + " (" + type() + ") has no peek");
    }

    /**
     * {@code BPF_MAP_FREEZE}: from now on user space cannot change the map (updates fail with EPERM); programs
     * still can unless the map was created with BPF_F_RDONLY_PROG. Freezing twice is EBUSY. This is how a loader
     * makes {@code .rodata} constant.
     */
    default void freeze() {
        throw new BpfErrnoException(io.bpf4j.abi.Errno.EOPNOTSUPP, "map " + name() + " (" + type() + ") cannot be frozen");
    }

    /** Releases the map (for kernel maps: closes the file descriptor). Idempotent. */
    @Override
    void close();
}
