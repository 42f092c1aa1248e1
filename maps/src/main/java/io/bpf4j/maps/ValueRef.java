package io.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A live reference to one value's storage inside an embedded map: {@link #segment} is exactly the value's bytes.
 * This is what a program's map-value pointer points at — reads and writes through it change the map itself, and
 * atomics on it are real atomics across threads.
 *
 * <p><b>Why MemorySegments over long[].</b> On JDK 25 the byte[] view VarHandles
 * ({@code MethodHandles.byteArrayViewVarHandle}) support no atomic or volatile access mode at all
 * (UnsupportedOperationException), and heap segments over byte[] cannot be accessed atomically either (their
 * alignment is 1). Heap segments over {@code long[]} are 8-byte aligned, so every value in an embedded map lives
 * in a {@code long[]} and starts on an 8-byte boundary, {@code round_up(value_size, 8)} apart as Linux lays them
 * out; aligned 1/2/4/8-byte accesses with {@link #LONG} / {@link #INT} layouts support every atomic access mode
 * ({@code getAndAdd}, {@code compareAndExchange}, {@code getAndBitwiseOr}, ...).
 *
 * <p>References are stable: a hash map element keeps its storage for as long as anyone holds the reference, so a
 * reference taken before a concurrent delete or replace keeps reading the old element (what RCU gives Linux
 * programs) and never another element's bytes. Instances are immutable and cached by the maps; lookups do not
 * allocate.
 */
public final class ValueRef {
    /** Little-endian, 8-byte aligned u64 (eBPF's layout): {@code (long) LONG_HANDLE.getAndAdd(ref.segment, at, d)}. */
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Little-endian, 4-byte aligned u32. */
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Little-endian, 2-byte aligned u16. */
    public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Coordinates (MemorySegment, long offset). */
    public static final VarHandle LONG_HANDLE = LONG.varHandle();
    public static final VarHandle INT_HANDLE = INT.varHandle();

    /** The value's bytes: a heap segment over a long[] (8-byte aligned start), {@code length} bytes long. */
    public final MemorySegment segment;
    /** value_size. */
    public final int length;

    public ValueRef(MemorySegment segment) {
        if (segment.byteSize() > Integer.MAX_VALUE) throw new IllegalArgumentException("value too large: " + segment.byteSize());
        this.segment = segment;
        this.length = (int) segment.byteSize();
    }

    /** Fresh, zeroed, 8-byte aligned storage for one value of {@code length} bytes. */
    static ValueRef allocate(int length) {
        return new ValueRef(MemorySegment.ofArray(new long[words(length)]).asSlice(0, length));
    }

    /** A copy of the value's bytes (not atomic as a whole). */
    public byte[] copy() {
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Copies {@code length} bytes from {@code src[srcOff..]} into the value (not atomic as a whole). */
    public void copyFrom(byte[] src, int srcOff) {
        MemorySegment.copy(src, srcOff, segment, ValueLayout.JAVA_BYTE, 0, length);
    }

    /** Copies {@code length} bytes from {@code src} at {@code srcOff} into the value. */
    public void copyFrom(MemorySegment src, long srcOff) {
        MemorySegment.copy(src, srcOff, segment, 0, length);
    }

    /** Copies the value into {@code dst[dstOff..]}. */
    public void copyTo(byte[] dst, int dstOff) {
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, 0, dst, dstOff, length);
    }

    /** Zeroes the value. */
    public void clear() {
        segment.fill((byte) 0);
    }

    /** Volatile read of the little-endian u64 at {@code at} (8-byte aligned within the value). */
    public long getLongVolatile(long at) {
        return (long) LONG_HANDLE.getVolatile(segment, at);
    }

    /** Atomic add to the little-endian u64 at {@code at}; returns the previous value. */
    public long getAndAddLong(long at, long delta) {
        return (long) LONG_HANDLE.getAndAdd(segment, at, delta);
    }

    /** Atomic add to the little-endian u32 at {@code at}; returns the previous value. */
    public int getAndAddInt(long at, int delta) {
        return (int) INT_HANDLE.getAndAdd(segment, at, delta);
    }

    @Override
    public String toString() {
        return "ValueRef[" + length + " bytes]";
    }

    static int roundUp8(int n) {
        return (n + 7) & ~7;
    }

    static int words(int bytes) {
        return Math.max(1, (bytes + 7) >>> 3);
    }
}
