package io.bpf4j.linux;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;
import io.bpf4j.maps.BpfMap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A map in the Linux kernel, behind the same {@link BpfMap} interface as the embedded runtime's maps: a
 * lookup of a missing key is null, every other failure is a {@link KernelException} (a
 * {@link BpfErrnoException}) with the kernel's errno — exactly the errno, since the kernel produced it.
 *
 * <p>Keys and values are checked against the map's sizes before anything reaches the kernel (the kernel
 * would read or write that many bytes whatever the Java array holds), giving EINVAL with a message naming
 * the map. Per-CPU values are one {@code value_size} byte array per possible CPU; the kernel's buffer
 * strides them at {@code round_up(value_size, 8)}, which this class hides.
 *
 * <p>Thread-safe: every operation is one system call. {@link #close()} releases the descriptor once no
 * operation is using it; the kernel frees the map when nothing else (a program, a prog array) holds it.
 */
public class KernelMap implements BpfMap {
    private final MapDefinition definition;
    private final Fd fd;
    private final int cpus;
    private final int perCpuStride;
    private volatile boolean frozen;

    /** @param cpus values per element: {@link PossibleCpus#count()} for per-CPU maps, else 1 */
    KernelMap(MapDefinition definition, Fd fd, int cpus) {
        this.definition = definition;
        this.fd = fd;
        this.cpus = cpus;
        this.perCpuStride = (definition.valueSize() + 7) & ~7;
    }

    /** Creates the map {@code definition} describes (BPF_MAP_CREATE), without BTF. */
    public static KernelMap create(MapDefinition definition) {
        return create(definition, null, 0, 0);
    }

    /**
     * Creates a map whose key and value are described by {@code btf} (needed for values with spin locks,
     * timers or kptrs; the kernel also shows the types in bpftool). For ARRAY_OF_MAPS / HASH_OF_MAPS a
     * template inner map is created from {@code definition.inner()} and closed again once the outer map
     * exists, as the kernel only needs it to learn the inner maps' shape.
     *
     * @param btf             null for none; then both type ids must be 0
     * @param btfKeyTypeId    BTF type id of the key (0: none)
     * @param btfValueTypeId  BTF type id of the value
     */
    public static KernelMap create(MapDefinition definition, KernelBtf btf, int btfKeyTypeId, int btfValueTypeId) {
        Objects.requireNonNull(definition, "definition");
        return create(definition, definition.name(), btf, btfKeyTypeId, btfValueTypeId);
    }

    /** As above, giving the kernel {@code kernelName} (e.g. libbpf's {@code "globals.rodata"}) instead of the map's name. */
    static KernelMap create(MapDefinition definition, String kernelName, KernelBtf btf, int btfKeyTypeId,
                            int btfValueTypeId) {
        if (btf == null && (btfKeyTypeId != 0 || btfValueTypeId != 0)) {
            throw new IllegalArgumentException("map " + definition.name() + ": BTF type ids without BTF");
        }
        if (definition.isMapInMap() && definition.inner() == null) {
            throw new BpfErrnoException(Errno.EINVAL, "map " + definition.name() + " (" + definition.type()
                    + ") needs the inner map's definition");
        }
        int cpus = definition.isPerCpu() ? PossibleCpus.count() : 1; // before the map exists: it may throw
        KernelMap inner = definition.isMapInMap() ? create(definition.inner()) : null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfCommand.MAP_CREATE.attrSize(), 8);
            attr.set(JAVA_INT, 0, definition.type().id());
            attr.set(JAVA_INT, 4, definition.keySize());
            attr.set(JAVA_INT, 8, definition.valueSize());
            attr.set(JAVA_INT, 12, definition.maxEntries());
            attr.set(JAVA_INT, 16, definition.flags());
            Names.write(attr, 28, kernelName);
            int innerFd = inner == null ? -1 : inner.fd.acquire();
            int btfFd = btf == null ? -1 : btf.descriptor().acquire();
            try {
                if (inner != null) attr.set(JAVA_INT, 20, innerFd);
                if (btf != null) {
                    attr.set(JAVA_INT, 48, btfFd);
                    attr.set(JAVA_INT, 52, btfKeyTypeId);
                    attr.set(JAVA_INT, 56, btfValueTypeId);
                }
                long r = Syscalls.bpf(BpfCommand.MAP_CREATE, attr, describeForCreate(definition, btf != null));
                Fd fd = new Fd((int) r, "map " + definition.name());
                return definition.type() == MapType.PROG_ARRAY ? new KernelProgArray(definition, fd)
                        : new KernelMap(definition, fd, cpus);
            } finally {
                if (btf != null) btf.descriptor().release();
                if (inner != null) inner.fd.release();
            }
        } finally {
            if (inner != null) inner.close();
        }
    }

    private static String describeForCreate(MapDefinition d, boolean btf) {
        return "map " + d.name() + " (" + d.type() + ", key " + d.keySize() + " B, value " + d.valueSize()
                + " B, max_entries " + d.maxEntries() + ", flags 0x" + Integer.toHexString(d.flags())
                + (btf ? ", with BTF" : "") + ")";
    }

    @Override
    public MapDefinition definition() {
        return definition;
    }

    /** The file descriptor, valid until {@link #close()}: for relocating programs and for other tools. */
    public int fd() {
        return fd.number();
    }

    Fd descriptor() {
        return fd;
    }

    @Override
    public int possibleCpus() {
        return cpus;
    }

    /** The kernel's view of the map (id, sizes, flags, name as the kernel stored it). */
    public MapInfo info() {
        return ObjectInfo.map(fd, subject());
    }

    // ---- element operations ------------------------------------------------------------------------

    @Override
    public byte[] lookup(byte[] key) {
        return lookup(key, 0);
    }

    /** Lookup with flags ({@link UpdateFlags#F_LOCK} copies a spin-locked value under its lock). */
    public byte[] lookup(byte[] key, long flags) {
        refusePerCpu("lookup", "lookupPerCpu");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(Math.max(1, definition.valueSize()), 8);
            int errno = call(BpfCommand.MAP_LOOKUP_ELEM, keyOf(arena, key), value, flags);
            if (errno == Errno.ENOENT.number()) return null;
            if (errno != 0) throw failure(BpfCommand.MAP_LOOKUP_ELEM, errno);
            return value.asSlice(0, definition.valueSize()).toArray(JAVA_BYTE);
        }
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        refusePerCpu("update", "updatePerCpu");
        try (Arena arena = Arena.ofConfined()) {
            checkValue(value, "value");
            MemorySegment v = arena.allocate(Math.max(1, definition.valueSize()), 8);
            MemorySegment.copy(value, 0, v, JAVA_BYTE, 0, value.length);
            int errno = call(BpfCommand.MAP_UPDATE_ELEM, keyOf(arena, key), v, flags);
            if (errno != 0) throw failure(BpfCommand.MAP_UPDATE_ELEM, errno);
        }
    }

    @Override
    public void delete(byte[] key) {
        try (Arena arena = Arena.ofConfined()) {
            int errno = call(BpfCommand.MAP_DELETE_ELEM, keyOf(arena, key), null, 0);
            if (errno != 0) throw failure(BpfCommand.MAP_DELETE_ELEM, errno);
        }
    }

    @Override
    public byte[] nextKey(byte[] key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = key == null ? null : keyOf(arena, key);
            MemorySegment next = arena.allocate(Math.max(1, definition.keySize()), 8);
            int errno = call(BpfCommand.MAP_GET_NEXT_KEY, k, next, 0);
            if (errno == Errno.ENOENT.number()) return null;
            if (errno != 0) throw failure(BpfCommand.MAP_GET_NEXT_KEY, errno);
            return next.asSlice(0, definition.keySize()).toArray(JAVA_BYTE);
        }
    }

    /** Removes {@code key} and returns its value (hash maps since Linux 5.14), or null when absent. */
    public byte[] lookupAndDelete(byte[] key) {
        refusePerCpu("lookupAndDelete", null);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(Math.max(1, definition.valueSize()), 8);
            int errno = call(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM, keyOf(arena, key), value, 0);
            if (errno == Errno.ENOENT.number()) return null;
            if (errno != 0) throw failure(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM, errno);
            return value.asSlice(0, definition.valueSize()).toArray(JAVA_BYTE);
        }
    }

    @Override
    public List<byte[]> lookupPerCpu(byte[] key) {
        if (!definition.isPerCpu()) return BpfMap.super.lookupPerCpu(key);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment values = arena.allocate((long) perCpuStride * cpus, 8);
            int errno = call(BpfCommand.MAP_LOOKUP_ELEM, keyOf(arena, key), values, 0);
            if (errno == Errno.ENOENT.number()) return null;
            if (errno != 0) throw failure(BpfCommand.MAP_LOOKUP_ELEM, errno);
            List<byte[]> out = new ArrayList<>(cpus);
            for (int cpu = 0; cpu < cpus; cpu++) {
                out.add(values.asSlice((long) cpu * perCpuStride, definition.valueSize()).toArray(JAVA_BYTE));
            }
            return List.copyOf(out);
        }
    }

    @Override
    public void updatePerCpu(byte[] key, List<byte[]> values, long flags) {
        if (!definition.isPerCpu()) {
            BpfMap.super.updatePerCpu(key, values, flags);
            return;
        }
        if (values.size() != cpus) {
            throw new BpfErrnoException(Errno.EINVAL, subject() + ": " + values.size() + " per-CPU values given, "
                    + "this machine has " + cpus + " possible CPUs");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate((long) perCpuStride * cpus, 8);
            for (int cpu = 0; cpu < cpus; cpu++) {
                byte[] v = values.get(cpu);
                checkValue(v, "value for CPU " + cpu);
                MemorySegment.copy(v, 0, buf, JAVA_BYTE, (long) cpu * perCpuStride, v.length);
            }
            int errno = call(BpfCommand.MAP_UPDATE_ELEM, keyOf(arena, key), buf, flags);
            if (errno != 0) throw failure(BpfCommand.MAP_UPDATE_ELEM, errno);
        }
    }

    @Override
    public void push(byte[] value, long flags) {
        if (!isPushable()) {
            BpfMap.super.push(value, flags);
            return;
        }
        update(null, value, flags);
    }

    @Override
    public byte[] pop() {
        if (!isQueueOrStack()) return BpfMap.super.pop();
        return lookupAndDelete(null);
    }

    @Override
    public byte[] peek() {
        if (!isQueueOrStack()) return BpfMap.super.peek();
        return lookup(null);
    }

    /**
     * Makes the map read-only for user space (BPF_MAP_FREEZE); programs can still write unless the map was
     * created with BPF_F_RDONLY_PROG. Later updates from user space fail with EPERM — and so does a second
     * freeze on Linux 6.18 (the frozen map has already lost user-space write permission, which is checked
     * before the EBUSY for "already frozen").
     */
    @Override
    public void freeze() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfCommand.MAP_FREEZE.attrSize(), 8);
            int raw = fd.acquire();
            try {
                attr.set(JAVA_INT, 0, raw);
                long r = Syscalls.bpfRaw(BpfCommand.MAP_FREEZE, attr);
                if (r < 0) throw failure(BpfCommand.MAP_FREEZE, (int) -r);
                frozen = true;
            } finally {
                fd.release();
            }
        }
    }

    public boolean isFrozen() {
        return frozen;
    }

    @Override
    public void close() {
        fd.close();
    }

    public boolean isClosed() {
        return fd.isClosed();
    }

    @Override
    public String toString() {
        return "KernelMap[" + subject() + ", fd " + fd.number() + (fd.isClosed() ? ", closed" : "") + "]";
    }

    // ---- plumbing ----------------------------------------------------------------------------------

    /** For messages: {@code map counters (HASH)}. */
    String subject() {
        return "map " + definition.name() + " (" + definition.type() + ")";
    }

    /** One element command on this map; returns 0 or the errno. The descriptor is held for the call. */
    int call(BpfCommand cmd, MemorySegment key, MemorySegment value, long flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(cmd.attrSize(), 8);
            int raw = fd.acquire();
            try {
                attr.set(JAVA_INT, 0, raw);
                attr.set(JAVA_LONG, 8, key == null ? 0 : key.address());
                attr.set(JAVA_LONG, 16, value == null ? 0 : value.address());
                attr.set(JAVA_LONG, 24, flags);
                long r = Syscalls.bpfRaw(cmd, attr);
                return r < 0 ? (int) -r : 0;
            } finally {
                fd.release();
            }
        }
    }

    KernelException failure(BpfCommand cmd, int errno) {
        String why = null;
        if (errno == Errno.EPERM.number() && (frozen || (definition.flags() & MapDefinition.F_RDONLY) != 0)) {
            why = "the map is read-only from user space (" + (frozen ? "frozen" : "created with BPF_F_RDONLY") + ")";
        } else if (errno == Errno.EPERM.number() && (definition.flags() & MapDefinition.F_WRONLY) != 0) {
            why = "the map is write-only from user space (created with BPF_F_WRONLY)";
        }
        return new KernelException(cmd.uapiName(), subject(), errno, why);
    }

    /** The key in native memory; null (a NULL pointer) for maps without keys. */
    MemorySegment keyOf(Arena arena, byte[] key) {
        int size = definition.keySize();
        if (size == 0) {
            if (key != null && key.length != 0) {
                throw new BpfErrnoException(Errno.EINVAL, subject() + " has no keys, got a key of " + key.length + " bytes");
            }
            return null;
        }
        if (key == null) throw new BpfErrnoException(Errno.EINVAL, subject() + ": key is null");
        if (key.length != size) {
            throw new BpfErrnoException(Errno.EINVAL, subject() + ": key of " + key.length + " bytes, the map's keys have "
                    + size);
        }
        return arena.allocateFrom(JAVA_BYTE, key);
    }

    private void checkValue(byte[] value, String what) {
        if (value == null) throw new BpfErrnoException(Errno.EINVAL, subject() + ": " + what + " is null");
        if (value.length != definition.valueSize()) {
            throw new BpfErrnoException(Errno.EINVAL, subject() + ": " + what + " of " + value.length
                    + " bytes, the map's values have " + definition.valueSize());
        }
    }

    private void refusePerCpu(String op, String instead) {
        if (definition.isPerCpu()) {
            throw new BpfErrnoException(Errno.EINVAL, subject() + " is per-CPU: " + op + " needs one value per CPU"
                    + (instead == null ? "" : ", use " + instead));
        }
    }

    private boolean isQueueOrStack() {
        return definition.type() == MapType.QUEUE || definition.type() == MapType.STACK;
    }

    private boolean isPushable() {
        return isQueueOrStack() || definition.type() == MapType.BLOOM_FILTER;
    }
}
