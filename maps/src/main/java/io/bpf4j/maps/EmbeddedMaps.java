package io.bpf4j.maps;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;

import static io.bpf4j.abi.MapDefinition.*;

/**
 * Creates embedded maps from {@link MapDefinition}s, checking them with Linux's {@code BPF_MAP_CREATE} rules and
 * errnos first (the per-type {@code map_alloc_check}s of arraymap.c, hashtab.c, queue_stack_maps.c, ringbuf.c and
 * map_in_map.c): a definition Linux refuses is refused here with the same errno and a message that says which
 * attribute is wrong.
 *
 * <p>Supported: ARRAY, PERCPU_ARRAY, HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, PROG_ARRAY, ARRAY_OF_MAPS,
 * HASH_OF_MAPS, RINGBUF, QUEUE, STACK. Other types: EOPNOTSUPP.
 *
 * <p>Differences from Linux: {@code max_entries} and sizes are Java {@code int}s, so an array whose storage
 * exceeds one Java array (2 GiB) fails with ENOMEM where a kernel might still allocate it; privilege checks
 * (CAP_BPF for LRU maps and BPF_F_ZERO_SEED) do not apply; the map name is not checked (libbpf truncates it for
 * the kernel, embedded maps keep it whole).
 */
public final class EmbeddedMaps {
    private EmbeddedMaps() {}

    /** x86-64's {@code KMALLOC_MAX_SIZE}: bounds a hash element (key + value) and a queue/stack value. */
    public static final int KMALLOC_MAX_SIZE = 1 << 22;
    /** {@code PCPU_MIN_UNIT_SIZE}: the largest per-CPU value (rounded up to 8). */
    public static final int PCPU_MIN_UNIT_SIZE = 32 << 10;
    /** The page size ring buffer sizes must be a multiple of. */
    public static final int PAGE_SIZE = 4096;
    /** What Linux's hash element header costs (struct htab_elem), counted against KMALLOC_MAX_SIZE. */
    private static final int HTAB_ELEM_SIZE = 48;

    private static final int ACCESS_MASK = F_RDONLY | F_WRONLY | F_RDONLY_PROG | F_WRONLY_PROG;
    private static final int ARRAY_FLAGS = F_NUMA_NODE | F_MMAPABLE | ACCESS_MASK | F_PRESERVE_ELEMS | F_INNER_MAP;
    private static final int HTAB_FLAGS = F_NO_PREALLOC | F_NO_COMMON_LRU | F_NUMA_NODE | ACCESS_MASK | F_ZERO_SEED;
    private static final int QUEUE_STACK_FLAGS = F_NUMA_NODE | ACCESS_MASK;
    private static final int RINGBUF_FLAGS = F_NUMA_NODE;

    /** Creates a map that needs no handle resolver (everything but PROG_ARRAY's and map-in-map's byte[] face). */
    public static EmbeddedMap create(MapDefinition def, int possibleCpus) {
        return create(def, possibleCpus, null, null);
    }

    /**
     * Creates the map {@code def} describes.
     *
     * @param possibleCpus how many virtual CPUs per-CPU maps keep a value for (≥ 1)
     * @param maps         resolves 4-byte map handles for ARRAY_OF_MAPS / HASH_OF_MAPS updates (may be null: then
     *                     only the typed {@code update(key, BpfMap)} methods work)
     * @param programs     resolves 4-byte program handles for PROG_ARRAY updates (may be null likewise)
     * @return ArrayMap, HashTableMap, ProgArray, ArrayOfMaps, HashOfMaps, RingBuffer or QueueStackMap
     * @throws BpfErrnoException with Linux's errno when Linux would refuse the definition
     */
    public static <P> EmbeddedMap create(MapDefinition def, int possibleCpus, HandleResolver<BpfMap> maps,
                                         HandleResolver<P> programs) {
        validate(def, possibleCpus);
        return switch (def.type()) {
            case ARRAY, PERCPU_ARRAY -> new ArrayMap(def, possibleCpus);
            case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH -> new HashTableMap(def, possibleCpus);
            case PROG_ARRAY -> new ProgArray<>(def, programs);
            case ARRAY_OF_MAPS -> new ArrayOfMaps(def, maps);
            case HASH_OF_MAPS -> new HashOfMaps(def, maps);
            case QUEUE, STACK -> new QueueStackMap(def);
            case RINGBUF -> new RingBuffer(def);
            default -> throw unsupported(def);
        };
    }

    /** A PROG_ARRAY holding the runtime's program objects. */
    public static <P> ProgArray<P> createProgArray(MapDefinition def, HandleResolver<P> programs) {
        if (def.type() != MapType.PROG_ARRAY)
            throw fail(def, Errno.EINVAL, "is a " + def.type() + ", not a PROG_ARRAY");
        validate(def, 1);
        return new ProgArray<>(def, programs);
    }

    /** Throws what Linux's BPF_MAP_CREATE would answer for {@code def}; returns when Linux would accept it. */
    public static void validate(MapDefinition def, int possibleCpus) {
        if (possibleCpus < 1) throw new IllegalArgumentException("possibleCpus must be ≥ 1, not " + possibleCpus);
        int flags = def.flags();
        if ((flags & (F_RDONLY | F_WRONLY)) == (F_RDONLY | F_WRONLY))
            throw fail(def, Errno.EINVAL, "BPF_F_RDONLY and BPF_F_WRONLY together");
        if ((flags & (F_RDONLY_PROG | F_WRONLY_PROG)) == (F_RDONLY_PROG | F_WRONLY_PROG))
            throw fail(def, Errno.EINVAL, "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together");
        if (def.inner() != null && !def.isMapInMap())
            throw fail(def, Errno.EINVAL, "has an inner map definition but is not a map-in-map");
        switch (def.type()) {
            case ARRAY, PERCPU_ARRAY -> checkArray(def);
            case PROG_ARRAY -> checkFdArray(def);
            case ARRAY_OF_MAPS -> {
                checkFdArray(def);
                checkInner(def);
            }
            case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH -> checkHash(def);
            case HASH_OF_MAPS -> {
                if (def.valueSize() != 4)
                    throw fail(def, Errno.EINVAL, "value_size " + def.valueSize() + ": map-in-map values are 4-byte map handles");
                checkHash(def);
                checkInner(def);
            }
            case QUEUE, STACK -> checkQueueStack(def);
            case RINGBUF -> checkRingbuf(def);
            default -> throw unsupported(def);
        }
    }

    private static void checkArray(MapDefinition def) {
        boolean percpu = def.type() == MapType.PERCPU_ARRAY;
        int flags = def.flags();
        if (def.maxEntries() == 0) throw fail(def, Errno.EINVAL, "max_entries is 0");
        if (def.keySize() != 4) throw fail(def, Errno.EINVAL, "key_size " + def.keySize() + ": array keys are 4-byte u32 indexes");
        if (def.valueSize() == 0) throw fail(def, Errno.EINVAL, "value_size is 0");
        if ((flags & ~ARRAY_FLAGS) != 0) throw badFlags(def, flags & ~ARRAY_FLAGS);
        if (percpu && (flags & F_NUMA_NODE) != 0) throw fail(def, Errno.EINVAL, "BPF_F_NUMA_NODE on a per-CPU array");
        if (def.type() != MapType.ARRAY && (flags & (F_MMAPABLE | F_INNER_MAP)) != 0)
            throw fail(def, Errno.EINVAL, "BPF_F_MMAPABLE and BPF_F_INNER_MAP are only for ARRAY");
        if ((flags & F_PRESERVE_ELEMS) != 0) throw fail(def, Errno.EINVAL, "BPF_F_PRESERVE_ELEMS is only for PERF_EVENT_ARRAY");
        if (def.valueSize() < 0)
            throw fail(def, Errno.E2BIG, "value_size " + Integer.toUnsignedString(def.valueSize()) + " exceeds INT_MAX");
        if (percpu && ValueRef.roundUp8(def.valueSize()) > PCPU_MIN_UNIT_SIZE)
            throw fail(def, Errno.E2BIG, "value_size " + def.valueSize() + " exceeds the per-CPU limit " + PCPU_MIN_UNIT_SIZE);
        long bytes = (long) ValueRef.roundUp8(def.valueSize()) * Integer.toUnsignedLong(def.maxEntries());
        if (bytes / 8 > Integer.MAX_VALUE - 16)
            throw fail(def, Errno.ENOMEM, "max_entries " + Integer.toUnsignedString(def.maxEntries()) + " × value_size "
                    + def.valueSize() + " = " + bytes + " bytes is more than one Java array holds");
    }

    private static void checkFdArray(MapDefinition def) {
        if (def.valueSize() != 4)
            throw fail(def, Errno.EINVAL, "value_size " + def.valueSize() + ": "
                    + (def.type() == MapType.PROG_ARRAY ? "program" : "map") + " handles are 4 bytes");
        if ((def.flags() & (F_RDONLY_PROG | F_WRONLY_PROG)) != 0)
            throw fail(def, Errno.EINVAL, "BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG are not supported on a " + def.type());
        checkArray(def);
    }

    private static void checkHash(MapDefinition def) {
        boolean lru = def.type() == MapType.LRU_HASH || def.type() == MapType.LRU_PERCPU_HASH;
        boolean percpu = def.isPerCpu();
        int flags = def.flags();
        if ((flags & ~HTAB_FLAGS) != 0) throw badFlags(def, flags & ~HTAB_FLAGS);
        if (!lru && (flags & F_NO_COMMON_LRU) != 0) throw fail(def, Errno.EINVAL, "BPF_F_NO_COMMON_LRU on a map that is not LRU");
        if (lru && (flags & F_NO_PREALLOC) != 0)
            throw fail(def, Errno.ENOTSUPP, "LRU maps are always preallocated; BPF_F_NO_PREALLOC is not supported");
        if ((flags & F_NUMA_NODE) != 0 && (percpu || (flags & F_NO_COMMON_LRU) != 0))
            throw fail(def, Errno.EINVAL, "BPF_F_NUMA_NODE with per-CPU values or per-CPU LRU lists");
        if (def.maxEntries() == 0) throw fail(def, Errno.EINVAL, "max_entries is 0");
        if (def.keySize() == 0) throw fail(def, Errno.EINVAL, "key_size is 0");
        if (def.valueSize() == 0) throw fail(def, Errno.EINVAL, "value_size is 0");
        if (Integer.toUnsignedLong(def.keySize()) + Integer.toUnsignedLong(def.valueSize()) >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE)
            throw fail(def, Errno.E2BIG, "key_size " + Integer.toUnsignedString(def.keySize()) + " + value_size "
                    + Integer.toUnsignedString(def.valueSize()) + " exceeds an element's limit (" + (KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) + ")");
        if (percpu && ValueRef.roundUp8(def.valueSize()) > PCPU_MIN_UNIT_SIZE)
            throw fail(def, Errno.E2BIG, "value_size " + def.valueSize() + " exceeds the per-CPU limit " + PCPU_MIN_UNIT_SIZE);
        if (def.maxEntries() < 0)
            throw fail(def, Errno.E2BIG, "max_entries " + Integer.toUnsignedString(def.maxEntries()) + " needs too many buckets");
    }

    private static void checkQueueStack(MapDefinition def) {
        int flags = def.flags();
        if (def.maxEntries() == 0) throw fail(def, Errno.EINVAL, "max_entries is 0");
        if (def.keySize() != 0) throw fail(def, Errno.EINVAL, "key_size " + def.keySize() + ": queues and stacks have no key (0)");
        if (def.valueSize() == 0) throw fail(def, Errno.EINVAL, "value_size is 0");
        if ((flags & ~QUEUE_STACK_FLAGS) != 0) throw badFlags(def, flags & ~QUEUE_STACK_FLAGS);
        if (def.valueSize() < 0 || def.valueSize() > KMALLOC_MAX_SIZE)
            throw fail(def, Errno.E2BIG, "value_size " + Integer.toUnsignedString(def.valueSize()) + " exceeds " + KMALLOC_MAX_SIZE);
        if (def.maxEntries() < 0 || (long) ValueRef.roundUp8(def.valueSize()) * def.maxEntries() > Integer.MAX_VALUE - 64)
            throw fail(def, Errno.ENOMEM, "max_entries " + Integer.toUnsignedString(def.maxEntries()) + " × value_size "
                    + def.valueSize() + " is too large to allocate");
    }

    private static void checkRingbuf(MapDefinition def) {
        int flags = def.flags();
        if ((flags & ~RINGBUF_FLAGS) != 0) throw badFlags(def, flags & ~RINGBUF_FLAGS);
        if (def.keySize() != 0) throw fail(def, Errno.EINVAL, "key_size " + def.keySize() + ": a ring buffer has no key (0)");
        if (def.valueSize() != 0) throw fail(def, Errno.EINVAL, "value_size " + def.valueSize() + ": a ring buffer has no value (0)");
        int size = def.maxEntries();
        if (size == 0 || Integer.bitCount(size) != 1 || size % PAGE_SIZE != 0)
            throw fail(def, Errno.EINVAL, "max_entries " + Integer.toUnsignedString(size)
                    + " must be a power of two and a multiple of the page size (" + PAGE_SIZE + ")");
        if (size < 0 || size > RingBuffer.MAX_DATA_SIZE)
            throw fail(def, Errno.E2BIG, "ring size " + Integer.toUnsignedString(size) + " exceeds " + RingBuffer.MAX_DATA_SIZE);
    }

    private static void checkInner(MapDefinition def) {
        MapDefinition inner = def.inner();
        if (inner == null)
            throw fail(def, Errno.EINVAL, "a map-in-map needs an inner map definition (Linux: inner_map_fd)");
        if (inner.isMapInMap())
            throw fail(def, Errno.EINVAL, "inner map '" + inner.name() + "' is itself a map-in-map; only one level is allowed");
        switch (inner.type()) {
            case ARRAY, PERCPU_ARRAY, HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, QUEUE, STACK, RINGBUF -> { }
            default -> throw fail(def, Errno.ENOTSUPP, "inner map '" + inner.name() + "' is a " + inner.type()
                    + ", which cannot be an inner map");
        }
        try {
            validate(inner, 1);
        } catch (BpfErrnoException e) {
            String m = e.getMessage();
            int cut = m.lastIndexOf(": " + e.errno().name());
            throw fail(def, e.errno(), "inner map: " + (cut > 0 ? m.substring(0, cut) : m));
        }
    }

    private static BpfErrnoException badFlags(MapDefinition def, int unknown) {
        return fail(def, Errno.EINVAL, "map_flags 0x" + Integer.toHexString(unknown) + " are not valid for " + def.type());
    }

    private static BpfErrnoException unsupported(MapDefinition def) {
        return fail(def, Errno.EOPNOTSUPP, "the embedded runtime does not implement " + def.type().uapiName());
    }

    static BpfErrnoException fail(MapDefinition def, Errno errno, String what) {
        return new BpfErrnoException(errno, "map '" + def.name() + "' (" + def.type() + "): " + what);
    }
}
