package io.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.UpdateFlags;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code BPF_MAP_TYPE_PROG_ARRAY}: the table {@code bpf_tail_call} jumps through. Slots hold program objects of
 * the runtime's type {@code P}.
 *
 * <p><b>Live replacement.</b> Each slot is one element of an array written only by atomic exchanges
 * ({@link #update}, {@link #delete}) and read with acquire semantics ({@link #get}, {@link #readSlot}), as Linux
 * reads a slot with {@code READ_ONCE}. A tail call reads the slot once and runs what it read, so a program already
 * running finishes as it started, and the next tail call sees the new slot; a reader never sees anything but a
 * whole program object or null.
 *
 * <p><b>Linux's rules.</b> key_size and value_size 4; user-space updates only with BPF_ANY (else EINVAL); index
 * ≥ max_entries is E2BIG for update and delete; delete of an empty slot ENOENT; programs cannot update or delete
 * (EINVAL), only tail-call. Before a program enters a slot the runtime's {@link Admission} hook may refuse it
 * (Linux's owner compatibility: program type, attach type, ...); the refusal is EINVAL with the hook's reason and
 * leaves the slot unchanged. {@link #close()} clears every slot, as Linux does when the last user reference to a
 * prog array goes away.
 *
 * @param <P> the runtime's program type
 */
public final class ProgArray<P> extends EmbeddedMap {

    /** The runtime's compatibility check, called before a program enters a slot. */
    @FunctionalInterface
    public interface Admission<P> {
        /**
         * Null to admit {@code program} into {@code array}, else the reason it is refused (the update fails with
         * EINVAL and this text). Calls for one array are serialised, and the slot is written before the next call,
         * so a hook can record the array's owner on first admission without racing another update.
         */
        String refuse(ProgArray<P> array, P program);
    }

    private final int maxEntries;
    /** The slots: elements are P or null, written with {@link #SLOT}'s volatile modes, read with acquire. */
    private final Object[] slots;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private final Object updateLock = new Object();
    private volatile Admission<P> admission;
    private volatile HandleResolver<P> resolver;
    private final AtomicReference<Object> owner = new AtomicReference<>();

    ProgArray(MapDefinition def, HandleResolver<P> resolver) {
        super(def, 1);
        this.maxEntries = def.maxEntries();
        this.slots = new Object[maxEntries];
        this.resolver = resolver;
    }

    /** Installs the runtime's admission check (null: admit everything). */
    public void setAdmission(Admission<P> hook) {
        this.admission = hook;
    }

    /** Installs the resolver the byte[] face uses for 4-byte program handles. */
    public void setResolver(HandleResolver<P> resolver) {
        this.resolver = resolver;
    }

    public int maxEntries() {
        return maxEntries;
    }

    // ---------------------------------------------------------------- ownership (Linux's prog-array owner)

    /**
     * Records {@code candidate} — the runtime's description of a program's compatibility (program type, attach
     * type, ...) — as this array's owner unless one is already recorded; answers the owner now in force. Linux makes
     * the first program that uses the array at load time, or is first inserted into it, the owner; the runtime calls
     * this at both moments (from its {@link Admission} hook for insertions) and compares the answer with the
     * candidate. Atomic: two first users racing agree on one owner.
     */
    public Object claimOwner(Object candidate) {
        if (candidate == null) throw new IllegalArgumentException("prog array '" + def.name() + "': owner must not be null");
        Object prior = owner.compareAndExchange(null, candidate);
        return prior == null ? candidate : prior;
    }

    /** The recorded owner, or null while no program has used the array. */
    public Object owner() {
        return owner.get();
    }

    // ---------------------------------------------------------------- the tail-call hot path

    /**
     * The program in slot {@code index} (the low 32 bits of a tail call's index, unsigned), or null when the
     * index is out of range or the slot is empty: a single acquire read.
     */
    @SuppressWarnings("unchecked")
    public P get(int index) {
        return Integer.compareUnsigned(index, maxEntries) < 0 ? (P) SLOT.getAcquire(slots, index) : null;
    }

    /**
     * The array behind the slots, for engines that compile tail calls and give compiled code the array itself as a
     * constant (a slot is then one load). Its elements are read only with {@link #readSlot}; nothing writes to it
     * but this class (a write through this reference would bypass the admission check).
     */
    public Object[] slotArray() {
        return slots;
    }

    /**
     * Slot {@code index} of a {@link #slotArray()}: a program object or null, read as {@link #get} reads it.
     * {@code index} must be below the array's length.
     */
    public static Object readSlot(Object[] slots, int index) {
        return SLOT.getAcquire(slots, index);
    }

    // ---------------------------------------------------------------- typed user-space face

    /**
     * Puts {@code program} into slot {@code index} atomically; returns the program it replaced (or null).
     *
     * @throws io.bpf4j.abi.BpfErrnoException E2BIG for an index ≥ max_entries, EINVAL for a null program or one the
     *                                        admission hook refuses, EBADF after {@link #close()}
     */
    public P update(int index, P program) {
        checkOpen();
        if (Integer.compareUnsigned(index, maxEntries) >= 0)
            throw error(Errno.E2BIG, "index " + Integer.toUnsignedString(index) + " is not below max_entries " + maxEntries);
        if (program == null) throw error(Errno.EINVAL, "slot " + index + ": a prog array holds programs, not null");
        synchronized (updateLock) {
            Admission<P> hook = admission;
            if (hook != null) {
                String reason = hook.refuse(this, program);
                if (reason != null) throw error(Errno.EINVAL, "slot " + index + ": program refused: " + reason);
            }
            @SuppressWarnings("unchecked")
            P old = (P) SLOT.getAndSet(slots, index, program);
            return old;
        }
    }

    /**
     * Empties slot {@code index} atomically; returns the program it held.
     *
     * @throws io.bpf4j.abi.BpfErrnoException E2BIG for an index ≥ max_entries, ENOENT for an empty slot
     */
    public P delete(int index) {
        checkOpen();
        if (Integer.compareUnsigned(index, maxEntries) >= 0)
            throw error(Errno.E2BIG, "index " + Integer.toUnsignedString(index) + " is not below max_entries " + maxEntries);
        @SuppressWarnings("unchecked")
        P old = (P) SLOT.getAndSet(slots, index, (Object) null);
        if (old == null) throw error(Errno.ENOENT, "slot " + index + " is empty");
        return old;
    }

    /** Empties every slot. */
    public void clear() {
        for (int i = 0; i < maxEntries; i++) SLOT.setVolatile(slots, i, (Object) null);
    }

    /** Number of occupied slots (a snapshot). */
    public int occupied() {
        int n = 0;
        for (int i = 0; i < maxEntries; i++) if (SLOT.getAcquire(slots, i) != null) n++;
        return n;
    }

    @Override
    public void close() {
        if (!isClosed()) clear();
        super.close();
    }

    // ---------------------------------------------------------------- byte[] face (bpf(2)'s view)

    private HandleResolver<P> resolverOrFail() {
        HandleResolver<P> r = resolver;
        if (r == null) throw error(Errno.EINVAL, "has no program resolver; use update(int, program)");
        return r;
    }

    private int index(byte[] key) {
        checkKey(key);
        return u32(key, 0);
    }

    /** The id of the program in the slot (4 bytes), or null when it is empty or the index out of range. */
    @Override
    public byte[] lookup(byte[] key) {
        checkUserRead();
        P p = get(index(key));
        return p == null ? null : u32Bytes(resolverOrFail().idOf(p));
    }

    /** {@code value} is a 4-byte program handle, resolved by the runtime's resolver; only BPF_ANY. */
    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkUserWrite();
        if (flags != UpdateFlags.ANY)
            throw error(Errno.EINVAL, "prog arrays take only BPF_ANY, not flags 0x" + Long.toHexString(flags));
        int index = index(key);
        checkValue(value);
        if (Integer.compareUnsigned(index, maxEntries) >= 0) // Linux checks the index before the handle
            throw error(Errno.E2BIG, "index " + Integer.toUnsignedString(index) + " is not below max_entries " + maxEntries);
        int handle = u32(value, 0);
        P program = resolverOrFail().resolve(handle);
        if (program == null) throw error(Errno.EBADF, "slot " + index + ": no program with handle " + handle);
        update(index, program);
    }

    @Override
    public void delete(byte[] key) {
        checkUserWrite();
        delete(index(key));
    }

    @Override
    public byte[] nextKey(byte[] key) {
        checkUserRead();
        if (key == null) return u32Bytes(0);
        int index = index(key);
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return u32Bytes(0);
        if (index == maxEntries - 1) return null;
        return u32Bytes(index + 1);
    }

    // ---------------------------------------------------------------- programs: only bpf_tail_call

    @Override
    public ValueRef lookupElem(MemorySegment key, long keyOff, int cpu) {
        return null;
    }

    @Override
    public int updateElem(MemorySegment key, long keyOff, MemorySegment value, long valueOff, long flags, int cpu) {
        return negative(Errno.EINVAL);
    }

    @Override
    public int deleteElem(MemorySegment key, long keyOff) {
        return negative(Errno.EINVAL);
    }

    @Override
    public String toString() {
        return "PROG_ARRAY '" + def.name() + "' (" + occupied() + "/" + maxEntries + " slots)";
    }
}
