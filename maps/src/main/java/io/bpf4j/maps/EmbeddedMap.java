package io.bpf4j.maps;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.UpdateFlags;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Base of the maps that live in the JVM. Two faces:
 * <ul>
 *   <li><b>User space</b> — {@link BpfMap}: byte[] keys and values copied in and out, failures as
 *       {@link BpfErrnoException} with the errno bpf(2) would give.</li>
 *   <li><b>Programs</b> — the {@code ...Elem} methods the runtime's helpers call: keys and values read straight
 *       from the program's memory ({@code MemorySegment} + offset), lookups answering a live {@link ValueRef}
 *       (cached, not allocated), results as
 *       {@code 0} or a negative errno (what the helper returns in R0); no exceptions, no allocation on the hot
 *       path.</li>
 * </ul>
 *
 * <p>Every map is safe for concurrent use by any number of threads, from both faces at once.
 */
public abstract class EmbeddedMap implements BpfMap {
    protected final MapDefinition def;
    protected final int cpus;
    private volatile boolean frozen;
    private volatile boolean closed;

    protected EmbeddedMap(MapDefinition def, int possibleCpus) {
        this.def = def;
        this.cpus = possibleCpus;
    }

    @Override
    public MapDefinition definition() {
        return def;
    }

    @Override
    public int possibleCpus() {
        return def.isPerCpu() ? cpus : 1;
    }

    /** The number of virtual CPUs the runtime told this map about at creation (per-CPU maps keep one value each). */
    public int cpuCount() {
        return cpus;
    }

    // ---------------------------------------------------------------- freezing and access flags

    /**
     * {@code BPF_MAP_FREEZE}: from now on user space cannot change the map (EPERM); programs still can unless the
     * map is {@linkplain #isReadOnlyForPrograms() read-only for programs}. This is how {@code .rodata} becomes
     * constant. A second freeze fails with EBUSY, as in Linux.
     */
    @Override
    public synchronized void freeze() {
        checkOpen();
        if (frozen) throw error(Errno.EBUSY, "is already frozen");
        frozen = true;
    }

    public boolean isFrozen() {
        return frozen;
    }

    /** {@code BPF_F_RDONLY_PROG}: programs may read but not write values (the runtime and verifier enforce it). */
    public boolean isReadOnlyForPrograms() {
        return (def.flags() & MapDefinition.F_RDONLY_PROG) != 0;
    }

    /** {@code BPF_F_WRONLY_PROG}: programs may write but not read values. */
    public boolean isWriteOnlyForPrograms() {
        return (def.flags() & MapDefinition.F_WRONLY_PROG) != 0;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Releases the user-space handle: later user-space calls fail with EBADF. Programs that hold the map keep
     * using it, as programs keep a kernel map alive after its last file descriptor is closed.
     */
    @Override
    public void close() {
        closed = true;
    }

    // ---------------------------------------------------------------- program face (defaults: not supported)

    /**
     * {@code bpf_map_lookup_elem}: the live value for the key at {@code key[keyOff..]}, or null. {@code cpu} (in
     * {@code [0, cpuCount())}) picks the value of per-CPU maps; other maps ignore it. The runtime has already checked
     * that {@code key_size} bytes (and for updates {@code value_size} bytes) are readable at the offsets.
     */
    public ValueRef lookupElem(MemorySegment key, long keyOff, int cpu) {
        return null;
    }

    /** {@code bpf_map_update_elem}: 0 or a negative errno. Per-CPU maps write only {@code cpu}'s value. */
    public int updateElem(MemorySegment key, long keyOff, MemorySegment value, long valueOff, long flags, int cpu) {
        return -Errno.EINVAL.number();
    }

    /** {@code bpf_map_delete_elem}: 0 or a negative errno (arrays: -EINVAL). */
    public int deleteElem(MemorySegment key, long keyOff) {
        return -Errno.EINVAL.number();
    }

    // ---------------------------------------------------------------- helpers for implementations

    /** An errno exception whose message names this map and says what went wrong. */
    protected final BpfErrnoException error(Errno errno, String what) {
        return new BpfErrnoException(errno, "map '" + def.name() + "' (" + def.type() + "): " + what);
    }

    protected final void checkOpen() {
        if (closed) throw error(Errno.EBADF, "is closed");
    }

    /** What bpf(2) checks before a user-space write: the handle is open, the map not frozen or read-only. */
    protected final void checkUserWrite() {
        checkOpen();
        if (frozen) throw error(Errno.EPERM, "is frozen; user space cannot change it");
        if ((def.flags() & MapDefinition.F_RDONLY) != 0)
            throw error(Errno.EPERM, "was created BPF_F_RDONLY; user space cannot change it");
    }

    /** What bpf(2) checks before a user-space read. */
    protected final void checkUserRead() {
        checkOpen();
        if ((def.flags() & MapDefinition.F_WRONLY) != 0)
            throw error(Errno.EPERM, "was created BPF_F_WRONLY; user space cannot read it");
    }

    protected final void checkKey(byte[] key) {
        if (key == null) throw error(Errno.EINVAL, "key is null; expected " + def.keySize() + " bytes");
        if (key.length != def.keySize())
            throw error(Errno.EINVAL, "key has " + key.length + " bytes; expected key_size " + def.keySize());
    }

    protected final void checkValue(byte[] value) {
        if (value == null) throw error(Errno.EINVAL, "value is null; expected " + def.valueSize() + " bytes");
        if (value.length != def.valueSize())
            throw error(Errno.EINVAL, "value has " + value.length + " bytes; expected value_size " + def.valueSize());
    }

    /** The update flags arrays and hashes accept: ANY, NOEXIST or EXIST, optionally with F_LOCK. */
    protected static boolean validUpdateFlags(long flags) {
        return (flags & ~UpdateFlags.F_LOCK) <= UpdateFlags.EXIST && flags >= 0;
    }

    protected final void checkUpdateFlags(long flags) {
        if (!validUpdateFlags(flags)) throw error(Errno.EINVAL, "unknown update flags 0x" + Long.toHexString(flags));
        if ((flags & UpdateFlags.F_LOCK) != 0)
            throw error(Errno.EINVAL, "BPF_F_LOCK needs a value with a bpf_spin_lock, which this map does not have");
    }

    protected final void checkCpu(int cpu) {
        if (cpu < 0 || cpu >= cpus)
            throw new IllegalArgumentException("map '" + def.name() + "': cpu " + cpu + " outside 0.." + (cpus - 1));
    }

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    protected static int u32(MemorySegment m, long off) {
        return m.get(U32, off);
    }

    protected static int u32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    protected static byte[] u32Bytes(int v) {
        return new byte[]{(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    protected static int negative(Errno e) {
        return -e.number();
    }

    @Override
    public String toString() {
        return def.type() + " map '" + def.name() + "' (key " + def.keySize() + ", value " + def.valueSize()
                + ", max_entries " + def.maxEntries() + ")";
    }
}
