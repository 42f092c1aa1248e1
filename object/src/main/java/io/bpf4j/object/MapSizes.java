package io.bpf4j.object;

import io.bpf4j.BpfException;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;

import java.util.function.Function;

/**
 * The size rules the kernel's {@code map_alloc_check} functions apply, checked when the object is read so an
 * impossible map is reported with the file and symbol that declared it rather than as a bare EINVAL later.
 */
final class MapSizes {
    /** Linux's KMALLOC_MAX_SIZE on x86-64 (4 MiB): no single value may be larger. */
    static final int MAX_VALUE_SIZE = 4 << 20;
    /** Hash keys live on the BPF stack when programs look them up. */
    static final int MAX_KEY_SIZE = 512;
    private static final int PAGE_SIZE = 4096;

    private MapSizes() {}

    static void check(MapDefinition d, Function<String, BpfException> error) {
        if (d.keySize() < 0 || d.valueSize() < 0 || d.maxEntries() < 0) throw error.apply("negative size");
        if (d.keySize() > MAX_KEY_SIZE) throw error.apply("key_size " + d.keySize() + " exceeds the kernel's limit of " + MAX_KEY_SIZE + " bytes");
        if (d.valueSize() > MAX_VALUE_SIZE) throw error.apply("value_size " + d.valueSize() + " exceeds the kernel's limit of " + MAX_VALUE_SIZE + " bytes");
        switch (d.type()) {
            case RINGBUF, USER_RINGBUF -> {
                if (d.keySize() != 0 || d.valueSize() != 0) throw error.apply(d.type() + " takes no key or value size (have " + d.keySize() + "/" + d.valueSize() + ")");
                int n = d.maxEntries();
                if (n < PAGE_SIZE || Integer.bitCount(n) != 1) throw error.apply(d.type() + " max_entries " + n + " must be a power of two and a multiple of the page size (4096)");
            }
            case QUEUE, STACK, BLOOM_FILTER -> {
                if (d.keySize() != 0) throw error.apply(d.type() + " takes no key (key_size " + d.keySize() + ")");
                if (d.valueSize() == 0) throw error.apply(d.type() + " with value_size 0");
                if (d.maxEntries() == 0) throw error.apply(d.type() + " with max_entries 0");
            }
            case ARRAY, PERCPU_ARRAY, PROG_ARRAY, PERF_EVENT_ARRAY, CGROUP_ARRAY, ARRAY_OF_MAPS, DEVMAP, CPUMAP, XSKMAP, SOCKMAP,
                 REUSEPORT_SOCKARRAY -> {
                if (d.keySize() != 4) throw error.apply(d.type() + " needs key_size 4, has " + d.keySize());
                // PERF_EVENT_ARRAY: max_entries 0 means one entry per CPU (libbpf fills it in when creating the map).
                if (d.maxEntries() == 0 && d.type() != MapType.PERF_EVENT_ARRAY) throw error.apply(d.type() + " with max_entries 0");
                if (d.valueSize() == 0) throw error.apply(d.type() + " with value_size 0");
                if ((d.type() == MapType.PROG_ARRAY || d.type() == MapType.ARRAY_OF_MAPS) && d.valueSize() != 4) {
                    throw error.apply(d.type() + " needs value_size 4, has " + d.valueSize());
                }
                if ((long) d.valueSize() * d.maxEntries() > (1L << 32)) {
                    throw error.apply(d.type() + " of " + d.maxEntries() + " values of " + d.valueSize() + " bytes is larger than 4 GiB");
                }
            }
            case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS, LPM_TRIE, SOCKHASH, DEVMAP_HASH -> {
                if (d.keySize() == 0) throw error.apply(d.type() + " with key_size 0");
                if (d.valueSize() == 0) throw error.apply(d.type() + " with value_size 0");
                if (d.maxEntries() == 0) throw error.apply(d.type() + " with max_entries 0");
                if (d.type() == MapType.HASH_OF_MAPS && d.valueSize() != 4) throw error.apply("HASH_OF_MAPS needs value_size 4, has " + d.valueSize());
            }
            default -> {
            }
        }
    }
}
