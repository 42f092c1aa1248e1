package io.bpf4j.runtime.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A bounds-checked window of program-visible memory: the bytes of a {@link MemorySegment}. The region is a
 * view, not a copy: a map value region writes straight into the map's storage, so
 * programs, helpers and user space see each other's writes, and atomics on it are atomic across threads.
 *
 * <p>A region is registered in an {@link AddressSpace}, which gives it an address. Regions are cheap; one is
 * made per context, packet, map value lookup and so on.
 */
public final class Region {
    private static final long[] NO_WORDS = new long[0];

    private final RegionKind kind;
    private final String label;
    final MemorySegment segment;
    final int length;
    final boolean readable;
    final boolean writable;
    final Object object;
    /** {@code segment.address()}: with {@link #maxAlignment}, decides whether an atomic access is aligned. */
    final long alignmentBase;
    final long maxAlignment;
    /**
     * Context pointer fields (null for every other region): a 4-byte load at {@code pointerOffsets[i]} yields the
     * 64-bit address {@code pointerValues[i]}, as Linux's verifier rewrites {@code ctx->data} loads into loads of
     * the kernel pointer. Set by the runtime that owns the context; read by {@link AddressSpace#load32}.
     */
    final int[] pointerOffsets;
    final long[] pointerValues;
    /** A stack frame's backing words (set by the address space that made the frame); null for every other region. */
    long[] stackWords;
    /** {@link DirectAccess#words(Region)}, worked out on first use: 0 not yet, 1 {@link #words} set, 2 none. */
    byte wordsState;
    long[] words;

    private Region(RegionKind kind, String label, MemorySegment segment, boolean readable, boolean writable, Object object) {
        this(kind, label, segment, readable, writable, object, null);
    }

    private Region(RegionKind kind, String label, MemorySegment segment, boolean readable, boolean writable, Object object, int[] pointerOffsets) {
        this.pointerOffsets = pointerOffsets;
        this.pointerValues = pointerOffsets == null ? null : new long[pointerOffsets.length];
        this.kind = Objects.requireNonNull(kind, "kind");
        this.label = label;
        if (segment.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(kind.description() + " region of " + segment.byteSize() + " bytes: at most " + Integer.MAX_VALUE + " bytes");
        }
        this.segment = segment;
        this.length = (int) segment.byteSize();
        this.readable = readable;
        this.writable = writable;
        this.object = object;
        this.alignmentBase = segment.address();
        this.maxAlignment = segment.maxByteAlignment();
    }

    /**
     * A region viewing {@code segment} (not a copy: writes go to the segment's storage). Atomics need the storage
     * to be 8-byte aligned: heap segments over {@code long[]} (as {@code io.bpf4j.maps.ValueRef} has them) or
     * native memory; over {@code byte[]} every atomic access faults.
     *
     * @param label what it is, for messages (e.g. the map's name); null for none
     */
    public static Region of(RegionKind kind, String label, MemorySegment segment, boolean writable) {
        Objects.requireNonNull(segment, "segment");
        if (kind == RegionKind.OBJECT) throw new IllegalArgumentException("an object handle has no memory: use Region.handle");
        // a region that may not be written is backed by a read-only view: the address space leaves the write check
        // to the segment, and helpers that write through segment() are refused the same way
        return new Region(kind, label, writable ? segment : segment.asReadOnly(), true, writable && !segment.isReadOnly(), null);
    }

    /**
     * A program context whose u32 fields at {@code pointerOffsets} (e.g. {@code xdp_md->data}) read as 64-bit
     * packet addresses set with {@link #setPointer}: a 4-byte load at such an offset gives the whole address, as a
     * load of {@code ctx->data} gives a pointer on Linux. Every other byte is plain memory.
     */
    public static Region context(String label, MemorySegment segment, int... pointerOffsets) {
        Objects.requireNonNull(segment, "segment");
        return new Region(RegionKind.CONTEXT, label, segment, true, !segment.isReadOnly(), null, pointerOffsets.clone());
    }

    /**
     * A 4-byte load at {@code offset} of a context: the address a pointer field holds, else the little-endian u32
     * there. {@link IndexOutOfBoundsException} past the end. One definition for the address space's checked load and
     * the engines' direct one.
     */
    long contextLoad32(long offset) {
        for (int i = 0; i < pointerOffsets.length; i++) if (pointerOffsets[i] == offset) return pointerValues[i];
        return DirectAccess.load32(segment, offset);
    }

    /** Sets what a 4-byte load at context offset {@code offset} (one of the pointer offsets) yields. */
    public void setPointer(int offset, long address) {
        if (pointerOffsets != null) {
            for (int i = 0; i < pointerOffsets.length; i++) {
                if (pointerOffsets[i] == offset) {
                    pointerValues[i] = address;
                    return;
                }
            }
        }
        throw new IllegalArgumentException(describe() + " has no pointer field at offset " + offset);
    }

    /** The address a pointer field at {@code offset} holds. */
    public long pointer(int offset) {
        if (pointerOffsets != null) for (int i = 0; i < pointerOffsets.length; i++) if (pointerOffsets[i] == offset) return pointerValues[i];
        throw new IllegalArgumentException(describe() + " has no pointer field at offset " + offset);
    }

    /** Zeroed, 8-byte aligned (atomics work) memory of {@code length} bytes. */
    public static Region allocate(RegionKind kind, String label, int length) {
        if (length < 0) throw new IllegalArgumentException("negative length " + length);
        return of(kind, label, MemorySegment.ofArray(new long[(length + 7) >>> 3]).asSlice(0, length), true);
    }

    /** An 8-byte aligned copy of {@code data} (atomics work); the array itself is not used afterwards. */
    public static Region copyOf(RegionKind kind, String label, byte[] data, boolean writable) {
        Region r = allocate(kind, label, data.length);
        MemorySegment.copy(data, 0, r.segment, ValueLayout.JAVA_BYTE, 0, data.length);
        return writable ? r : of(kind, label, r.segment.asReadOnly(), false);
    }

    /** A handle to a runtime object: an address a helper can turn back into the object; never readable or writable. */
    public static Region handle(String label, Object object) {
        return new Region(RegionKind.OBJECT, label, MemorySegment.ofArray(NO_WORDS), false, false, Objects.requireNonNull(object, "object"));
    }

    public RegionKind kind() {
        return kind;
    }

    public String label() {
        return label;
    }

    public int length() {
        return length;
    }

    public boolean writable() {
        return writable;
    }

    public boolean readable() {
        return readable;
    }

    /** The object behind a handle region, or null for memory. */
    public Object object() {
        return object;
    }

    /** The memory; for helpers that copy in bulk after {@link AddressSpace#check}. */
    public MemorySegment segment() {
        return segment;
    }

    /** E.g. {@code "map value 'counters' (8 bytes, read-write)"}. */
    public String describe() {
        StringBuilder sb = new StringBuilder(kind.description());
        if (label != null) sb.append(" '").append(label).append('\'');
        if (kind != RegionKind.OBJECT) {
            sb.append(" (").append(length).append(" bytes, ").append(readable ? (writable ? "read-write" : "read-only") : "no access").append(')');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
