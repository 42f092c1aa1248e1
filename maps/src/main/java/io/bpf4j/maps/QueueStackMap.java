package io.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;

/**
 * {@code BPF_MAP_TYPE_QUEUE} (FIFO) and {@code BPF_MAP_TYPE_STACK} (LIFO): up to {@code max_entries} values, no
 * keys. Linux's rules: push into a full map is E2BIG unless the flags are BPF_EXIST, which overwrites the oldest
 * value; BPF_NOEXIST or unknown flags are EINVAL; pop and peek of an empty map are ENOENT (null on the user-space
 * face). Through bpf(2) a lookup is a peek, an update a push; delete and next-key are EINVAL.
 *
 * <p>All operations hold one lock, as Linux's do (a raw spinlock); values are copied in and out whole.
 */
public final class QueueStackMap extends EmbeddedMap {
    private final boolean stack;
    private final int valueSize;
    private final int stride;
    private final int capacity;
    private final MemorySegment storage;
    private int head;  // index of the oldest value
    private int count;

    QueueStackMap(MapDefinition def) {
        super(def, 1);
        this.stack = def.type() == MapType.STACK;
        this.valueSize = def.valueSize();
        this.stride = ValueRef.roundUp8(valueSize);
        this.capacity = def.maxEntries();
        try {
            this.storage = MemorySegment.ofArray(new byte[stride * capacity]);
        } catch (OutOfMemoryError oom) {
            throw error(Errno.ENOMEM, "cannot allocate " + capacity + " values of " + valueSize + " bytes");
        }
    }

    public synchronized int size() {
        return count;
    }

    // ---------------------------------------------------------------- programs (and the core of user space)

    /** {@code bpf_map_push_elem}: 0, -EINVAL for bad flags, -E2BIG when full without BPF_EXIST. */
    public int pushElem(MemorySegment value, long valueOff, long flags) {
        if ((flags & UpdateFlags.NOEXIST) != 0 || flags > UpdateFlags.EXIST || flags < 0) return negative(Errno.EINVAL);
        synchronized (this) {
            if (count == capacity) {
                if (flags != UpdateFlags.EXIST) return negative(Errno.E2BIG);
                head = next(head); // drop the oldest
                count--;
            }
            int slot = (head + count) % capacity;
            MemorySegment.copy(value, valueOff, storage, (long) slot * stride, valueSize);
            count++;
            return 0;
        }
    }

    /** {@code bpf_map_pop_elem}: copies the next value to {@code dst[dstOff..]}; 0 or -ENOENT. */
    public int popElem(MemorySegment dst, long dstOff) {
        return take(dst, dstOff, true);
    }

    /** {@code bpf_map_peek_elem}: like pop without removing; 0 or -ENOENT. */
    public int peekElem(MemorySegment dst, long dstOff) {
        return take(dst, dstOff, false);
    }

    private synchronized int take(MemorySegment dst, long dstOff, boolean remove) {
        if (count == 0) return negative(Errno.ENOENT);
        int slot = stack ? (head + count - 1) % capacity : head;
        MemorySegment.copy(storage, (long) slot * stride, dst, dstOff, valueSize);
        if (remove) {
            if (!stack) head = next(head);
            count--;
        }
        return 0;
    }

    private int next(int i) {
        return i + 1 == capacity ? 0 : i + 1;
    }

    @Override
    public int updateElem(MemorySegment key, long keyOff, MemorySegment value, long valueOff, long flags, int cpu) {
        return negative(Errno.EINVAL); // programs use push
    }

    // ---------------------------------------------------------------- user space

    @Override
    public void push(byte[] value, long flags) {
        checkUserWrite();
        checkValue(value);
        int r = pushElem(MemorySegment.ofArray(value), 0, flags);
        if (r == negative(Errno.EINVAL))
            throw error(Errno.EINVAL, "push flags 0x" + Long.toHexString(flags) + " (only BPF_ANY or BPF_EXIST)");
        if (r == negative(Errno.E2BIG))
            throw error(Errno.E2BIG, "is full (max_entries " + capacity + "); push with BPF_EXIST to overwrite the oldest");
    }

    @Override
    public byte[] pop() {
        checkUserWrite();
        byte[] out = new byte[valueSize];
        return popElem(MemorySegment.ofArray(out), 0) == 0 ? out : null;
    }

    @Override
    public byte[] peek() {
        checkUserRead();
        byte[] out = new byte[valueSize];
        return peekElem(MemorySegment.ofArray(out), 0) == 0 ? out : null;
    }

    /** bpf(2)'s lookup on a queue or stack is a peek; the key must be empty (key_size 0). */
    @Override
    public byte[] lookup(byte[] key) {
        checkNoKey(key);
        return peek();
    }

    /** bpf(2)'s update on a queue or stack is a push. */
    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkNoKey(key);
        push(value, flags);
    }

    @Override
    public void delete(byte[] key) {
        checkOpen();
        throw error(Errno.EINVAL, "has no keys to delete; use pop");
    }

    @Override
    public byte[] nextKey(byte[] key) {
        checkOpen();
        throw error(Errno.EINVAL, "has no keys to iterate");
    }

    private void checkNoKey(byte[] key) {
        if (key != null && key.length != 0) throw error(Errno.EINVAL, "has no keys; pass null or an empty key");
    }
}
