package io.bpf4j.abi;

import java.util.Objects;

/**
 * What a map is, independent of where it lives: the attributes of {@code BPF_MAP_CREATE}. The object loader
 * produces it, the embedded runtime and the kernel backend both create maps from it.
 *
 * @param name       the map's name (libbpf's rule: up to 15 characters reach the kernel)
 * @param type       the map type
 * @param keySize    bytes per key (0 for queue, stack and ring buffer)
 * @param valueSize  bytes per value (0 for ring buffers)
 * @param maxEntries capacity; for ring buffers the data size in bytes (a power of two, page aligned)
 * @param flags      {@code map_flags} (BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, BPF_F_MMAPABLE, ...)
 * @param inner      the inner map's definition for ARRAY_OF_MAPS / HASH_OF_MAPS, else null
 */
public record MapDefinition(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags,
                            MapDefinition inner) {
    public MapDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }

    public MapDefinition(String name, MapType type, int keySize, int valueSize, int maxEntries) {
        this(name, type, keySize, valueSize, maxEntries, 0, null);
    }

    public boolean isPerCpu() {
        return switch (type) {
            case PERCPU_ARRAY, PERCPU_HASH, LRU_PERCPU_HASH, PERCPU_CGROUP_STORAGE -> true;
            default -> false;
        };
    }

    public boolean isMapInMap() {
        return type == MapType.ARRAY_OF_MAPS || type == MapType.HASH_OF_MAPS;
    }

    public MapDefinition withName(String newName) {
        return new MapDefinition(newName, type, keySize, valueSize, maxEntries, flags, inner);
    }

    public MapDefinition withMaxEntries(int n) {
        return new MapDefinition(name, type, keySize, valueSize, n, flags, inner);
    }

    /** Map flags from uapi, for readers of {@link #flags()}. */
    public static final int F_NO_PREALLOC = 1, F_NO_COMMON_LRU = 1 << 1, F_NUMA_NODE = 1 << 2, F_RDONLY = 1 << 3,
            F_WRONLY = 1 << 4, F_STACK_BUILD_ID = 1 << 5, F_ZERO_SEED = 1 << 6, F_RDONLY_PROG = 1 << 7,
            F_WRONLY_PROG = 1 << 8, F_CLONE = 1 << 9, F_MMAPABLE = 1 << 10, F_PRESERVE_ELEMS = 1 << 11,
            F_INNER_MAP = 1 << 12;
}
