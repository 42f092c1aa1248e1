package io.bpf4j.abi;

import java.util.HashMap;
import java.util.Map;

/**
 * Map types.
 *
 * <p>Numbers from the uapi {@code enum bpf_map_type} in {@code linux/bpf.h} (Debian's linux-libc-dev 6.1),
 * plus the values later kernels added up to Linux 6.18, so they are exactly the kernel's.
 */
public enum MapType {
    UNSPEC(0),
    HASH(1),
    ARRAY(2),
    PROG_ARRAY(3),
    PERF_EVENT_ARRAY(4),
    PERCPU_HASH(5),
    PERCPU_ARRAY(6),
    STACK_TRACE(7),
    CGROUP_ARRAY(8),
    LRU_HASH(9),
    LRU_PERCPU_HASH(10),
    LPM_TRIE(11),
    ARRAY_OF_MAPS(12),
    HASH_OF_MAPS(13),
    DEVMAP(14),
    SOCKMAP(15),
    CPUMAP(16),
    XSKMAP(17),
    SOCKHASH(18),
    CGROUP_STORAGE(19),
    REUSEPORT_SOCKARRAY(20),
    PERCPU_CGROUP_STORAGE(21),
    QUEUE(22),
    STACK(23),
    SK_STORAGE(24),
    DEVMAP_HASH(25),
    STRUCT_OPS(26),
    RINGBUF(27),
    INODE_STORAGE(28),
    TASK_STORAGE(29),
    BLOOM_FILTER(30),
    USER_RINGBUF(31),
    CGRP_STORAGE(32),
    ARENA(33);

    private static final Map<Integer, MapType> BY_ID = new HashMap<>();

    static {
        for (MapType t : values()) BY_ID.put(t.id, t);
    }

    private final int id;

    MapType(int id) {
        this.id = id;
    }

    /** The kernel's number. */
    public int id() {
        return id;
    }

    /** The uapi name, e.g. {@code BPF_MAP_TYPE_HASH}. */
    public String uapiName() {
        return "BPF_MAP_TYPE_" + name();
    }

    /** The constant with the kernel's number {@code id}, or null when bpf4j does not know it. */
    public static MapType ofId(int id) {
        return BY_ID.get(id);
    }
}
