package io.bpf4j.runtime.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Accesses through a region's segment that an engine has already resolved ({@link AddressSpace#cacheableRegion}): the
 * bytes at {@code offset} (the low 32 bits of the address), bounds- and permission-checked by the segment only. Any
 * exception (out of bounds, a read-only segment) means the access must be redone through the {@link AddressSpace},
 * which raises the precise {@link MemoryFault}. The same layouts as the address space's plain accesses.
 */
public final class DirectAccess {
    private DirectAccess() {}

    private static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    public static long load8(MemorySegment s, long offset) {
        return (byte) BYTE.get(s, offset) & 0xffL;
    }

    public static long load16(MemorySegment s, long offset) {
        return (short) SHORT.get(s, offset) & 0xffffL;
    }

    public static long load32(MemorySegment s, long offset) {
        return (int) INT.get(s, offset) & 0xffffffffL;
    }

    public static long load64(MemorySegment s, long offset) {
        return (long) LONG.get(s, offset);
    }

    public static void store8(MemorySegment s, long offset, long value) {
        BYTE.set(s, offset, (byte) value);
    }

    public static void store16(MemorySegment s, long offset, long value) {
        SHORT.set(s, offset, (short) value);
    }

    public static void store32(MemorySegment s, long offset, long value) {
        INT.set(s, offset, (int) value);
    }

    public static void store64(MemorySegment s, long offset, long value) {
        LONG.set(s, offset, value);
    }

    /**
     * The {@code long[]} behind a writable heap segment (what {@link Region#allocate} and the packet buffers use), or
     * null: the loads below read its words directly, little-endian, as the segment's plain accesses do on
     * little-endian hardware (null on any other). Byte {@code o} of the segment is byte {@code segment.address() + o}
     * of the array.
     */
    public static long[] words(MemorySegment s) {
        return NATIVE_LITTLE_ENDIAN && !s.isReadOnly() && s.heapBase().orElse(null) instanceof long[] a ? a : null;
    }

    /**
     * {@link #words(MemorySegment)} of the region's segment, worked out once per region (a benign race: every thread
     * computes the same answer); byte 0 of the region is byte {@link #wordBase} of the words.
     */
    public static long[] words(Region r) {
        byte state = r.wordsState;
        if (state == 0) {
            long[] w = words(r.segment);
            r.words = w;
            r.wordsState = state = (byte) (w != null ? 1 : 2);
        }
        return state == 1 ? r.words : null;
    }

    /** The byte offset of the region's first byte in {@link #words(Region)}. */
    public static long wordBase(Region r) {
        return r.alignmentBase; // segment.address(): for a heap segment, the offset in its array
    }

    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    /**
     * {@link #words(Region)} for the loads below, which do not check the region's bounds themselves: null (use the
     * segment) when the region is shorter than 8 bytes, so that a caller checking {@code o <= length - size} with
     * {@link #checkedLength} never sees a negative limit.
     */
    public static long[] wordsForLoads(Region r) {
        return r.length() >= 8 ? words(r) : null;
    }

    /** The length a caller of the loads below checks offsets against: the region's, or 8 when it has no words. */
    public static long checkedLength(Region r) {
        return Math.max(8, r.length());
    }

    // Loads of 1, 2, 4 and 8 bytes at offset o of a region whose byte 0 is byte `base` of `words` (see words()). The
    // caller has checked o <= length - size (the address space's loads directly; the JIT with one unsigned compare of
    // the address minus the region's tagged base, which also checks the region); the array's bounds are checked by
    // the JVM, and in the JIT an exception makes the access be redone through the address space, which faults.

    public static long load8(long[] words, long base, long o) {
        long p = base + o;
        return words[(int) (p >>> 3)] >>> ((p & 7) << 3) & 0xffL;
    }

    public static long load16(long[] words, long base, long o) {
        long p = base + o;
        int i = (int) (p >>> 3), s = (int) (p & 7) << 3;
        long v = words[i] >>> s;
        if (s > 48) v |= words[i + 1] << (64 - s);
        return v & 0xffffL;
    }

    public static long load32(long[] words, long base, long o) {
        long p = base + o;
        int i = (int) (p >>> 3), s = (int) (p & 7) << 3;
        long v = words[i] >>> s;
        if (s > 32) v |= words[i + 1] << (64 - s);
        return v & 0xffffffffL;
    }

    public static long load64(long[] words, long base, long o) {
        long p = base + o;
        int i = (int) (p >>> 3), s = (int) (p & 7) << 3;
        long v = words[i];
        return s == 0 ? v : v >>> s | words[i + 1] << (64 - s);
    }

    /** A 4-byte load from a region that may be a context with pointer fields: {@link AddressSpace#load32}'s rule. */
    public static long load32(Region r, long offset) {
        return r.pointerOffsets != null ? r.contextLoad32(offset) : (int) INT.get(r.segment, offset) & 0xffffffffL;
    }
}
