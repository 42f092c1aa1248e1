package io.bpf4j.runtime.memory;

import io.bpf4j.BpfException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The memory a program sees during one invocation: a table of {@link Region}s addressed by 64-bit values. This
 * is the only way programs, helpers and every engine (interpreter and JIT) touch program memory, so the checks
 * are written once, here.
 *
 * <pre>
 *  bit 63           48 47           32 31                               0
 *  +----------------+----------------+----------------------------------+
 *  |   generation   |  region index  |        offset in the region      |
 *  +----------------+----------------+----------------------------------+
 *  generation 0 is never memory: 0 is NULL, 0x0000_0001_xxxx_xxxx are function pointers
 * </pre>
 *
 * An access of {@code size} bytes at {@code address} is allowed when the region table has a live region at the
 * index, registered in this invocation's generation, and {@code offset + size <= length}, and the region permits
 * the access. Anything else raises a {@link MemoryFault}. Plain loads and stores check the tag here and leave
 * bounds and write permission to the region's segment (its own check, which it makes anyway; a region that may
 * not be written has a read-only segment): a lookup is a shift, two array loads and a compare before the
 * segment access. Only the fault path works out what exactly was wrong.
 * Pointer arithmetic that leaves a region lands on an offset beyond its length (or, borrowing into the index
 * bits, on another index with a huge offset), so it faults rather than reaching neighbouring memory.
 *
 * <p>The generation changes with every invocation ({@link #beginInvocation}), so a pointer an earlier invocation
 * left behind (in a map, say) is detected as dangling. Generations are 16 bits: a stale pointer from exactly a
 * multiple of 65,535 invocations ago on the same address space is not recognised as stale; it then names a
 * region of the current invocation and is checked against that region's bounds, so it still cannot reach
 * memory outside the program's regions.
 *
 * <p>Stack frames of bpf2bpf calls are 512 bytes each and live only while their call is active. Frames 0–7 are indices
 * 0–7 (one 8-byte aligned backing array). A program may have at most {@link #MAX_FRAMES} frames open counted from the
 * frame it was entered in, but a tail call from a subprogram replaces only that frame, so callers' frames pile up
 * across tail calls (the seed's stack example): an invocation may open up to {@link #frameCapacity()} frames. Frames
 * 8 and beyond get their memory on first use (kept for later invocations) and are registered as regions of the
 * invocation the first time it opens them, so a run that never goes deeper than 8 frames pays nothing for them.
 * Other regions (context, packet, map values, caller memory, object handles) are registered per invocation.
 *
 * <p>Not thread-safe: one address space serves one invocation at a time (one per virtual CPU or thread). The
 * memory behind map value regions is shared, and atomics on it are real atomics.
 */
public final class AddressSpace {
    /** Bytes of stack per frame, as in Linux ({@code MAX_BPF_STACK}). */
    public static final int FRAME_SIZE = 512;
    /**
     * Frames of bpf2bpf calls one program may have open, including the frame it was entered in ({@code MAX_CALL_FRAMES},
     * a per-program rule in Linux). Frames of the programs that tail-called from subprograms before it stay open below.
     */
    public static final int MAX_FRAMES = 8;
    /**
     * A ceiling on frames open in one invocation whatever the tail call limit (1,024 frames, 512 KiB of stack), so a
     * huge limit cannot make the Java stack the limit.
     */
    public static final int MAX_INVOCATION_FRAMES = 1024;
    /** Upper 32 bits of a function pointer (generation 0, index 1); the low 32 bits are the entry slot. */
    public static final long FUNCTION_POINTER_BASE = 1L << 32;
    /** At most this many regions per invocation (the width of the index field). */
    public static final int MAX_REGIONS = 1 << 16;

    // Plain accesses may be unaligned (as in eBPF); atomics use the aligned layouts, which support every atomic mode.
    private static final VarHandle BYTE = ValueLayout.JAVA_BYTE.varHandle();
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle ATOMIC_INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle ATOMIC_LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private static final AtomicInteger GENERATION_SEED = new AtomicInteger(1);

    /** Frames 0–7, 64 words each; also what compiled code reads and writes directly ({@link #frameWords}). */
    private final long[] stackWords = new long[FRAME_SIZE * MAX_FRAMES / 8];
    private final MemorySegment stack = MemorySegment.ofArray(stackWords);
    /** How many frames an invocation may have open at once (all programs of a chain of tail calls together). */
    private final int frameCapacity;
    /** The deepest open frame, -1 before the first invocation. */
    private int deepest = -1;
    /** Frames 8 and up: their regions (allocated on first use, kept), indexed by frame. */
    private Region[] deepRegions = new Region[0];
    /** Frames 8 and up: their region index in this invocation, 0 until the invocation first opens them. */
    private int[] deepIndex = new int[0];
    /** One past the deepest frame ≥ 8 this invocation has opened ({@link #MAX_FRAMES} when none). */
    private int deepOpened = MAX_FRAMES;
    private Region[] regions = new Region[32];
    /** {@code tags[i]} is the upper half of addresses in region i while it is live in this generation, else 0. */
    private int[] tags = new int[32];
    private int count;
    private int generation;
    /** How often each frame was opened: tells a frame apart from an earlier frame at the same depth. */
    private long[] frameOpenings = new long[MAX_FRAMES];

    /** An address space for the seed's tail call limit (32): up to {@code frameCapacity(32)} = 264 frames. */
    public AddressSpace() {
        this(framesFor(32));
    }

    /**
     * The frames an invocation may have open with {@code tailCallLimit}: {@link #MAX_FRAMES} for each program a chain
     * can run ({@code (tailCallLimit + 1) × 8}), at most {@link #MAX_INVOCATION_FRAMES}. Each program adds at most 7
     * frames above the frame it was entered in, so the limit per program is what stops a run in practice.
     */
    public static int framesFor(int tailCallLimit) {
        if (tailCallLimit < 0) throw new IllegalArgumentException("tail call limit must not be negative, got " + tailCallLimit);
        return (int) Math.min(MAX_INVOCATION_FRAMES, (tailCallLimit + 1L) * MAX_FRAMES);
    }

    /** @param frameCapacity frames one invocation may have open at once ({@link #framesFor}), 8 to 1,024 */
    public AddressSpace(int frameCapacity) {
        if (frameCapacity < MAX_FRAMES || frameCapacity > MAX_INVOCATION_FRAMES) {
            throw new IllegalArgumentException("frame capacity must be in " + MAX_FRAMES + ".." + MAX_INVOCATION_FRAMES + ", got " + frameCapacity);
        }
        this.frameCapacity = frameCapacity;
        // spread the starting generation so different address spaces rarely share one
        generation = (GENERATION_SEED.getAndAdd(4099) & 0xffff);
        for (int f = 0; f < MAX_FRAMES; f++) {
            regions[f] = Region.of(RegionKind.STACK, "frame " + f, stack.asSlice((long) f * FRAME_SIZE, FRAME_SIZE), true);
            regions[f].stackWords = stackWords;
        }
        count = MAX_FRAMES;
    }

    // ---- invocation lifecycle ------------------------------------------------------------------------------

    /**
     * Starts a new invocation: forgets every region of the previous one (their addresses become dangling) and
     * opens frame 0 with a zeroed stack. Returns the address just past the end of frame 0 (the entry r10).
     */
    public long beginInvocation() {
        generation = (generation + 1) & 0xffff;
        if (generation == 0) generation = 1;
        Arrays.fill(regions, MAX_FRAMES, count, null);
        Arrays.fill(tags, 0, count, 0);
        count = MAX_FRAMES;
        if (deepOpened > MAX_FRAMES) { // the deep frames' indices belonged to the previous invocation
            Arrays.fill(deepIndex, MAX_FRAMES, deepOpened, 0);
            deepOpened = MAX_FRAMES;
        }
        return openFrame(0);
    }

    /** How many frames an invocation may have open at once. */
    public int frameCapacity() {
        return frameCapacity;
    }

    /** The current generation (1–65535). */
    public int generation() {
        return generation;
    }

    /** Opens bpf2bpf frame {@code frame} with a zeroed stack; returns its r10 (the address one past its end). */
    public long openFrame(int frame) {
        if (frame < 0 || frame >= MAX_FRAMES) return openDeepFrame(frame);
        // zeroed through the backing words: MemorySegment.fill on these 512 bytes cost ~14 ns, half of what an empty
        // run of a JIT-compiled program costs; Arrays.fill of 64 longs is compiled to a few vector stores
        Arrays.fill(stackWords, frame * (FRAME_SIZE / 8), (frame + 1) * (FRAME_SIZE / 8), 0L);
        frameOpenings[frame]++;
        int tag = (generation << 16) | frame;
        tags[frame] = tag;
        deepest = frame;
        return ((long) tag << 32) + FRAME_SIZE;
    }

    /** Frame 8 or deeper (frames piled up across tail calls from subprograms): allocated and registered on first use. */
    private long openDeepFrame(int frame) {
        if (frame < 0 || frame >= frameCapacity) throw new BpfException("stack frame " + frame + " does not exist (at most " + frameCapacity + " frames)");
        if (frame >= deepIndex.length) {
            int n = Math.min(frameCapacity, Math.max(frame + 1, 2 * Math.max(MAX_FRAMES, deepIndex.length)));
            deepIndex = Arrays.copyOf(deepIndex, n);
            deepRegions = Arrays.copyOf(deepRegions, n);
            frameOpenings = Arrays.copyOf(frameOpenings, n);
        }
        Region region = deepRegions[frame];
        if (region == null) {
            long[] words = new long[FRAME_SIZE / 8];
            deepRegions[frame] = region = Region.of(RegionKind.STACK, "frame " + frame, MemorySegment.ofArray(words), true);
            region.stackWords = words;
        } else {
            Arrays.fill(region.stackWords, 0L);
        }
        int index = deepIndex[frame];
        if (index == 0) {
            index = (int) (register(region) >>> 32) & 0xffff;
            deepIndex[frame] = index;
            deepOpened = Math.max(deepOpened, frame + 1);
        }
        frameOpenings[frame]++;
        int tag = (generation << 16) | index;
        tags[index] = tag;
        deepest = frame;
        return ((long) tag << 32) + FRAME_SIZE;
    }

    /** The r10 of an open frame (the address one past its end). */
    public long frameTop(int frame) {
        int tag = frame >= 0 && frame < MAX_FRAMES ? tags[frame]
                : frame >= MAX_FRAMES && frame < deepIndex.length && deepIndex[frame] != 0 ? tags[deepIndex[frame]] : 0;
        if (tag == 0) throw new BpfException("stack frame " + frame + " is not open (was Invocation.begin() called?)");
        return ((long) tag << 32) + FRAME_SIZE;
    }

    /**
     * For compiled code that addresses its own frame directly: the words backing the live frame whose top (r10) is
     * {@code fp}, or null when {@code fp} is not exactly the top of a live frame. The frame's bytes are
     * {@code words[frameWordBase(fp)] .. words[frameWordBase(fp) + 63]}, little-endian within each word (the
     * byte order of the frame's segment on little-endian hardware; null on any other). A frame is live from its
     * opening to its closing, so the words stay the frame's for as long as the code that owns the frame runs.
     */
    public long[] frameWords(long fp) {
        int hi = (int) (fp >>> 32);
        int index = hi & 0xffff;
        if ((int) fp != FRAME_SIZE || hi == 0 || index >= count || tags[index] != hi || !NATIVE_LITTLE_ENDIAN) return null;
        return regions[index].stackWords;
    }

    /** The index in {@link #frameWords} of the first word of the frame whose top is {@code fp}. */
    public static int frameWordBase(long fp) {
        int index = (int) (fp >>> 32) & 0xffff;
        return index < MAX_FRAMES ? index * (FRAME_SIZE / 8) : 0;
    }

    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    /**
     * For engines that cache the region of an access site: the live region {@code address} names if it is one whose
     * identity cannot change for the rest of the invocation — not a stack frame (frames close and reopen), not an
     * object handle — else null. With {@code plainOnly}, also null for a context with pointer fields (a 4-byte load
     * there is not a plain load). An access through the region's segment at {@code address & 0xffffffffL} then does
     * what this address space's accesses do, as long as the address has the same upper 32 bits.
     */
    public Region cacheableRegion(long address, boolean plainOnly) {
        Region r = regionAt(address);
        if (r == null || r.kind() == RegionKind.STACK || r.object != null || plainOnly && r.pointerOffsets != null) return null;
        return r;
    }

    /** The deepest open bpf2bpf frame (0 for the entry frame), or -1 when none is open. */
    public int deepestOpenFrame() {
        return deepest;
    }

    /** A number that changes every time {@code frame} is opened: a frame's identity within this address space. */
    public long frameOpening(int frame) {
        return frameOpenings[frame];
    }

    /** Closes a returned frame: pointers into it fault from now on. */
    public void closeFrame(int frame) {
        tags[frame < MAX_FRAMES ? frame : deepIndex[frame]] = 0;
        deepest = frame - 1;
    }

    /** Registers a region for this invocation and returns the address of its first byte. */
    public long register(Region region) {
        int index = count;
        if (index >= MAX_REGIONS) {
            throw new BpfException("address space full: an invocation may use at most " + MAX_REGIONS + " regions (registering " + region.describe() + ")");
        }
        if (index == regions.length) {
            int n = Math.min(MAX_REGIONS, index * 2);
            regions = Arrays.copyOf(regions, n);
            tags = Arrays.copyOf(tags, n);
        }
        regions[index] = region;
        int tag = (generation << 16) | index;
        tags[index] = tag;
        count = index + 1;
        return (long) tag << 32;
    }

    /** The address of byte {@code offset} of a function entry at {@code slot}: see {@link #FUNCTION_POINTER_BASE}. */
    public static long functionPointer(int slot) {
        return FUNCTION_POINTER_BASE | (slot & 0xffffffffL);
    }

    /** True when {@code value} has the function pointer shape (the slot is not checked here). */
    public static boolean isFunctionPointer(long value) {
        return (value >>> 32) == 1;
    }

    // ---- lookups for helpers ----------------------------------------------------------------------------------

    /** The live region {@code address} names in this invocation, or null. Does not check bounds. */
    public Region regionAt(long address) {
        int hi = (int) (address >>> 32);
        int index = hi & 0xffff;
        return index < count && tags[index] == hi && hi != 0 ? regions[index] : null;
    }

    /**
     * Checks an access of {@code size} bytes and returns the region; the bytes are at offset
     * {@code address & 0xffffffffL} of {@code region.segment()}. For helpers that copy in bulk.
     */
    public Region check(long address, long size, Access access) {
        if (size < 0 || size > Integer.MAX_VALUE) throw fault(access, address, (int) Math.min(Integer.MAX_VALUE, Math.max(0, size)), "size " + size + " is not a valid length");
        Region r = regionAt(address);
        if (r == null || !permits(r, access) || (address & 0xffffffffL) + size > r.length) throw fault(access, address, (int) size);
        return r;
    }

    /** A copy of {@code length} bytes at {@code address}. */
    public byte[] read(long address, int length) {
        Region r = check(address, length, Access.READ);
        byte[] out = new byte[length];
        MemorySegment.copy(r.segment, ValueLayout.JAVA_BYTE, address & 0xffffffffL, out, 0, length);
        return out;
    }

    /** Writes {@code data} at {@code address}. */
    public void write(long address, byte[] data) {
        Region r = check(address, data.length, Access.WRITE);
        MemorySegment.copy(data, 0, r.segment, ValueLayout.JAVA_BYTE, address & 0xffffffffL, data.length);
    }

    /** The object behind a handle address (see {@link Region#handle}), or a fault saying what the address is instead. */
    public <T> T object(long address, Class<T> type) {
        return object(address, type, type.getSimpleName());
    }

    /**
     * The object behind a live handle address (offset 0), or null for anything else: for engines' fast paths, which
     * fall back to {@link #object(long, Class, String)} (and its precise fault) when this answers null.
     */
    public Object handleObject(long address) {
        int hi = (int) (address >>> 32);
        int index = hi & 0xffff;
        if ((int) address != 0 || index >= count || tags[index] != hi || hi == 0) return null;
        return regions[index].object;
    }

    /** {@link #object(long, Class)} with {@code what} naming the expected object in messages (e.g. "prog array"). */
    public <T> T object(long address, Class<T> type, String what) {
        Region r = regionAt(address);
        String wanted = "expected a " + what + " handle";
        if (r == null || r.object == null || (int) address != 0) {
            String found = r == null ? diagnose(Access.READ, address, 0)
                    : r.object == null ? "found " + r.describe() : "found an offset of " + (address & 0xffffffffL) + " into " + r.describe();
            throw new MemoryFault(Access.HANDLE, address, 0, r, wanted + ", " + found);
        }
        if (!type.isInstance(r.object)) {
            throw new MemoryFault(Access.HANDLE, address, 0, r, wanted + ", found " + r.describe() + " (" + r.object.getClass().getSimpleName() + ")");
        }
        return type.cast(r.object);
    }

    // ---- the checked accesses engines use ------------------------------------------------------------------------

    private Region readable(long address, int size) {
        int hi = (int) (address >>> 32);
        int index = hi & 0xffff;
        if (index < count && tags[index] == hi) return regions[index];
        throw fault(Access.READ, address, size);
    }

    private Region writable(long address, int size) {
        int hi = (int) (address >>> 32);
        int index = hi & 0xffff;
        if (index < count && tags[index] == hi) return regions[index];
        throw fault(Access.WRITE, address, size);
    }

    private Region atomic(long address, int size) {
        int hi = (int) (address >>> 32);
        int index = hi & 0xffff;
        if (index < count) {
            Region r = regions[index];
            if (tags[index] == hi && (address & 0xffffffffL) + size <= r.length && r.writable && r.readable
                    && ((r.alignmentBase + (address & 0xffffffffL)) & (size - 1)) == 0 && r.maxAlignment >= size) return r;
        }
        throw fault(Access.ATOMIC, address, size);
    }

    // The loads read a long[]-backed region's words directly once the offset is inside the region (DirectAccess), and
    // use the segment only for other regions: less code than a segment access, which matters because the
    // interpreter's dispatch loop inlines these loads (docs/PERFORMANCE.md, "Interpreter").

    /** Zero-extended 8-bit load. */
    public long load8(long address) {
        Region r = readable(address, 1);
        long o = address & 0xffffffffL;
        long[] w = DirectAccess.words(r);
        if (w != null && o < r.length) return DirectAccess.load8(w, r.alignmentBase, o);
        try {
            return (byte) BYTE.get(r.segment, o) & 0xffL;
        } catch (IndexOutOfBoundsException e) {
            throw fault(Access.READ, address, 1);
        }
    }

    /** Zero-extended 16-bit little-endian load. */
    public long load16(long address) {
        Region r = readable(address, 2);
        long o = address & 0xffffffffL;
        long[] w = DirectAccess.words(r);
        if (w != null && o <= r.length - 2) return DirectAccess.load16(w, r.alignmentBase, o);
        try {
            return (short) SHORT.get(r.segment, o) & 0xffffL;
        } catch (IndexOutOfBoundsException e) {
            throw fault(Access.READ, address, 2);
        }
    }

    /** Zero-extended 32-bit little-endian load. */
    public long load32(long address) {
        Region r = readable(address, 4);
        long o = address & 0xffffffffL;
        if (r.pointerOffsets == null) {
            long[] w = DirectAccess.words(r);
            if (w != null && o <= r.length - 4) return DirectAccess.load32(w, r.alignmentBase, o);
        }
        try {
            // a context's pointer fields (xdp_md->data...) read as addresses; past its end it faults like any region
            if (r.pointerOffsets != null) return r.contextLoad32(o);
            return (int) INT.get(r.segment, o) & 0xffffffffL;
        } catch (IndexOutOfBoundsException e) {
            throw fault(Access.READ, address, 4);
        }
    }

    /** 64-bit little-endian load. */
    public long load64(long address) {
        Region r = readable(address, 8);
        long o = address & 0xffffffffL;
        long[] w = DirectAccess.words(r);
        if (w != null && o <= r.length - 8) return DirectAccess.load64(w, r.alignmentBase, o);
        try {
            return (long) LONG.get(r.segment, o);
        } catch (IndexOutOfBoundsException e) {
            throw fault(Access.READ, address, 8);
        }
    }

    public void store8(long address, long value) {
        Region r = writable(address, 1);
        try {
            BYTE.set(r.segment, address & 0xffffffffL, (byte) value);
        } catch (IndexOutOfBoundsException | UnsupportedOperationException | IllegalArgumentException e) {
            throw fault(Access.WRITE, address, 1);
        }
    }

    public void store16(long address, long value) {
        Region r = writable(address, 2);
        try {
            SHORT.set(r.segment, address & 0xffffffffL, (short) value);
        } catch (IndexOutOfBoundsException | UnsupportedOperationException | IllegalArgumentException e) {
            throw fault(Access.WRITE, address, 2);
        }
    }

    public void store32(long address, long value) {
        Region r = writable(address, 4);
        try {
            INT.set(r.segment, address & 0xffffffffL, (int) value);
        } catch (IndexOutOfBoundsException | UnsupportedOperationException | IllegalArgumentException e) {
            throw fault(Access.WRITE, address, 4);
        }
    }

    public void store64(long address, long value) {
        Region r = writable(address, 8);
        try {
            LONG.set(r.segment, address & 0xffffffffL, value);
        } catch (IndexOutOfBoundsException | UnsupportedOperationException | IllegalArgumentException e) {
            throw fault(Access.WRITE, address, 8);
        }
    }

    /** Loads {@code bytes} (1, 2, 4, 8) zero-extended. */
    public long load(long address, int bytes) {
        return switch (bytes) {
            case 1 -> load8(address);
            case 2 -> load16(address);
            case 4 -> load32(address);
            default -> load64(address);
        };
    }

    /** Stores the low {@code bytes} (1, 2, 4, 8) of {@code value}. */
    public void store(long address, int bytes, long value) {
        switch (bytes) {
            case 1 -> store8(address, value);
            case 2 -> store16(address, value);
            case 4 -> store32(address, value);
            default -> store64(address, value);
        }
    }

    // Atomics: sequentially consistent, on naturally aligned addresses only (as Linux requires); each returns
    // the old value (32-bit results zero-extended).

    public long fetchAdd32(long address, long operand) {
        Region r = atomic(address, 4);
        return (int) ATOMIC_INT.getAndAdd(r.segment, address & 0xffffffffL, (int) operand) & 0xffffffffL;
    }

    public long fetchAdd64(long address, long operand) {
        Region r = atomic(address, 8);
        return (long) ATOMIC_LONG.getAndAdd(r.segment, address & 0xffffffffL, operand);
    }

    public long fetchOr32(long address, long operand) {
        Region r = atomic(address, 4);
        return (int) ATOMIC_INT.getAndBitwiseOr(r.segment, address & 0xffffffffL, (int) operand) & 0xffffffffL;
    }

    public long fetchOr64(long address, long operand) {
        Region r = atomic(address, 8);
        return (long) ATOMIC_LONG.getAndBitwiseOr(r.segment, address & 0xffffffffL, operand);
    }

    public long fetchAnd32(long address, long operand) {
        Region r = atomic(address, 4);
        return (int) ATOMIC_INT.getAndBitwiseAnd(r.segment, address & 0xffffffffL, (int) operand) & 0xffffffffL;
    }

    public long fetchAnd64(long address, long operand) {
        Region r = atomic(address, 8);
        return (long) ATOMIC_LONG.getAndBitwiseAnd(r.segment, address & 0xffffffffL, operand);
    }

    public long fetchXor32(long address, long operand) {
        Region r = atomic(address, 4);
        return (int) ATOMIC_INT.getAndBitwiseXor(r.segment, address & 0xffffffffL, (int) operand) & 0xffffffffL;
    }

    public long fetchXor64(long address, long operand) {
        Region r = atomic(address, 8);
        return (long) ATOMIC_LONG.getAndBitwiseXor(r.segment, address & 0xffffffffL, operand);
    }

    public long exchange32(long address, long operand) {
        Region r = atomic(address, 4);
        return (int) ATOMIC_INT.getAndSet(r.segment, address & 0xffffffffL, (int) operand) & 0xffffffffL;
    }

    public long exchange64(long address, long operand) {
        Region r = atomic(address, 8);
        return (long) ATOMIC_LONG.getAndSet(r.segment, address & 0xffffffffL, operand);
    }

    /** Stores {@code operand} if memory equals the low 32 bits of {@code expected}; returns the old value. */
    public long compareExchange32(long address, long expected, long operand) {
        Region r = atomic(address, 4);
        return (int) ATOMIC_INT.compareAndExchange(r.segment, address & 0xffffffffL, (int) expected, (int) operand) & 0xffffffffL;
    }

    public long compareExchange64(long address, long expected, long operand) {
        Region r = atomic(address, 8);
        return (long) ATOMIC_LONG.compareAndExchange(r.segment, address & 0xffffffffL, expected, operand);
    }

    // ---- faults: the slow path says exactly what was wrong -------------------------------------------------------

    private static boolean permits(Region r, Access access) {
        return switch (access) {
            case READ -> r.readable;
            case WRITE -> r.writable;
            case ATOMIC -> r.readable && r.writable;
            case HANDLE -> r.object != null;
        };
    }

    private MemoryFault fault(Access access, long address, int size) {
        return fault(access, address, size, diagnose(access, address, size));
    }

    private MemoryFault fault(Access access, long address, int size, String problem) {
        return new MemoryFault(access, address, size, regionAt(address), problem);
    }

    private String diagnose(Access access, long address, int size) {
        int hi = (int) (address >>> 32);
        int gen = hi >>> 16;
        int index = hi & 0xffff;
        long offset = address & 0xffffffffL;
        if (address == 0) return "null pointer";
        // an address just below a live region borrowed from the index field: report it against that region
        Region below = regionAt(address + (1L << 32));
        if (below != null && offset > 0x8000_0000L) {
            int belowIndex = (int) ((address + (1L << 32)) >>> 32) & 0xffff;
            return "out of bounds of " + below.describe() + " at region #" + belowIndex + ": offset -" + ((1L << 32) - offset) + " is before its start";
        }
        if (gen == 0) {
            if (index == 1) return "a function pointer is not memory";
            return "not a pointer (a plain number: no region has generation 0)";
        }
        if (gen != generation) {
            return "dangling pointer: region #" + index + " of generation " + gen + " belongs to an earlier invocation (now generation " + generation + ")";
        }
        if (index >= count || regions[index] == null) return "no region #" + index + " in this invocation (" + count + " regions)";
        Region r = regions[index];
        if (tags[index] != hi) {
            return r.kind() == RegionKind.STACK ? "stack " + r.label() + " is not live (its call has returned or not begun)" : "region #" + index + " is not live";
        }
        String where = r.describe() + " at region #" + index;
        if (!permits(r, access)) {
            return (r.kind() == RegionKind.OBJECT ? "an object handle is not memory: " : "forbidden by permissions of ") + where;
        }
        if (offset + size > r.length) {
            return "out of bounds of " + where + ": offset " + offset + " + " + size + " > length " + r.length;
        }
        if (access == Access.ATOMIC && r.maxAlignment < size) {
            return "atomic access to " + where + ", whose storage is not " + size + "-byte aligned memory (a byte[] view?)";
        }
        if (access == Access.ATOMIC && ((r.alignmentBase + offset) & (size - 1)) != 0) {
            return "misaligned atomic access at offset " + offset + " of " + where + " (needs " + size + "-byte alignment)";
        }
        return "refused by " + where;
    }

    /** An address as {@code 0x0001_0002_0000_0010}-style hex, easy to split into generation, index and offset. */
    public static String format(long address) {
        String h = String.format("%016x", address);
        return "0x" + h.substring(0, 4) + "_" + h.substring(4, 8) + "_" + h.substring(8, 16);
    }
}
