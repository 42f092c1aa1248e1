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

    /** A 4-byte load from a region that may be a context with pointer fields: {@link AddressSpace#load32}'s rule. */
    public static long load32(Region r, long offset) {
        int[] offsets = r.pointerOffsets;
        if (offsets != null) {
            for (int i = 0; i < offsets.length; i++) if (offsets[i] == (int) offset) return r.pointerValues[i];
        }
        return (int) INT.get(r.segment, offset) & 0xffffffffL;
    }
}
