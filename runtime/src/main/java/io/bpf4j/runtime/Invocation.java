package io.bpf4j.runtime;

import io.bpf4j.runtime.memory.AddressSpace;
import io.bpf4j.runtime.memory.Region;

import java.util.Objects;

/**
 * The state of one run of a program — its address space, its counters (tail calls, executed instructions), what
 * helpers may ask of the engine — reused run after run by one thread or virtual CPU. Not thread-safe.
 *
 * <p>Use: {@link #begin()}, register the regions the program gets (context, packet, caller memory) in
 * {@link #memory()}, then {@link Executable#run}. Every {@code begin()} starts a new generation of addresses, so
 * pointers from an earlier run are dangling.
 */
public final class Invocation {
    private final RuntimeOptions options;
    private final AddressSpace memory;
    int tailCalls;
    /** {@code options.tailCallLimit()}, read on every tail call. */
    private final int tailCallLimit;
    long executedInstructions;
    boolean exitRequested;
    private long legacyPacket;
    private Object[] handleObjects = new Object[4];
    private long[] handleAddresses = new long[4];
    private int handleCount;
    private Object attachment;
    private TailCallObserver observer;
    private int cpu;
    /**
     * The program each frame depth runs after a tail call there, valid while that frame opening lasts; grown when
     * frames pile up beyond 8 (tail calls from subprograms).
     */
    private ProgramImage[] frameImages = new ProgramImage[AddressSpace.MAX_FRAMES];
    private long[] frameImageOpenings = new long[AddressSpace.MAX_FRAMES];
    /** One past the deepest frame with a record in this run: what {@link #begin()} clears. */
    private int recordedFrames;
    private ProgramImage entryImage;

    public Invocation() {
        this(RuntimeOptions.DEFAULTS);
    }

    public Invocation(RuntimeOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.tailCallLimit = options.tailCallLimit();
        this.memory = new AddressSpace(AddressSpace.framesFor(options.tailCallLimit()));
    }

    public RuntimeOptions options() {
        return options;
    }

    public AddressSpace memory() {
        return memory;
    }

    /** Starts a new run: new address generation, zeroed entry frame, counters reset. */
    public Invocation begin() {
        memory.beginInvocation();
        tailCalls = 0;
        executedInstructions = 0;
        exitRequested = false;
        legacyPacket = 0;
        attachment = null;
        entryImage = null;
        java.util.Arrays.fill(frameImages, 0, recordedFrames, null);
        recordedFrames = 0;
        java.util.Arrays.fill(handleObjects, 0, handleCount, null);
        handleCount = 0;
        return this;
    }

    /**
     * The address of {@code object} in this run, registering it on first use: a {@link Region} is registered as
     * itself (global data), anything else as an object handle ({@link Region#handle}). What lddw map references
     * load; repeated lddw of the same map reuse one region.
     */
    public long addressOf(Object object) {
        for (int i = 0; i < handleCount; i++) {
            if (handleObjects[i] == object) return handleAddresses[i];
        }
        long address = memory.register(object instanceof Region r ? r : handleFor(object));
        if (handleCount == handleObjects.length) {
            handleObjects = java.util.Arrays.copyOf(handleObjects, handleCount * 2);
            handleAddresses = java.util.Arrays.copyOf(handleAddresses, handleCount * 2);
        }
        handleObjects[handleCount] = object;
        handleAddresses[handleCount++] = address;
        return address;
    }

    /**
     * The handle region of {@code object}, made once and registered again by every later run (a region is an
     * immutable view; its label, the object's {@code toString}, costs more than the rest of a short run).
     */
    private Region handleFor(Object object) {
        for (int i = 0; i < madeHandles; i++) if (madeHandleObjects[i] == object) return madeHandleRegions[i];
        Region r = Region.handle(String.valueOf(object), object);
        if (madeHandles == madeHandleObjects.length) { // a few maps per program: keep the most recent ones
            System.arraycopy(madeHandleObjects, 1, madeHandleObjects, 0, madeHandles - 1);
            System.arraycopy(madeHandleRegions, 1, madeHandleRegions, 0, madeHandles - 1);
            madeHandles--;
        }
        madeHandleObjects[madeHandles] = object;
        madeHandleRegions[madeHandles++] = r;
        return r;
    }

    private final Object[] madeHandleObjects = new Object[16];
    private final Region[] madeHandleRegions = new Region[16];
    private int madeHandles;

    /** Successful tail calls so far in this run. */
    public int tailCalls() {
        return tailCalls;
    }

    /** Instructions executed by the last (or current) run, all frames and tail call targets included. */
    public long executedInstructions() {
        return executedInstructions;
    }

    /** For engines: records the count when a run ends. */
    public void recordExecuted(long count) {
        executedInstructions = count;
    }

    /**
     * Called by a helper: end the program as soon as this helper returns, with r0 = the helper's return value
     * (uBPF's "unwind"; the conformance suite's helper 5).
     */
    public void requestExit() {
        exitRequested = true;
    }

    /** For engines: whether a helper asked to end the program; clears the request. */
    public boolean takeExitRequest() {
        boolean r = exitRequested;
        exitRequested = false;
        return r;
    }

    /**
     * The start of the packet that legacy {@code LD_ABS}/{@code LD_IND} loads read (socket filters: skb->data);
     * 0 when the program has none.
     */
    public long legacyPacket() {
        return legacyPacket;
    }

    /** What a legacy packet load gives when its bytes lie outside the packet: Linux then ends the program with 0. */
    public static final long OUTSIDE_PACKET = -1;

    /** The error text both engines use for a legacy packet load in a program that has no packet. */
    public static final String NO_LEGACY_PACKET = "legacy packet load (LD_ABS/LD_IND) without a packet: only socket filter style programs have one";

    /**
     * LD_ABS / LD_IND, defined once for every engine: the big-endian value of {@code size} bytes at {@code offset}
     * (already {@code [src +] imm}) of this run's {@link #legacyPacket()}, or {@link #OUTSIDE_PACKET}. The caller
     * has checked that there is a packet.
     */
    public long legacyPacketLoad(long offset, int size) {
        long packet = legacyPacket;
        io.bpf4j.runtime.memory.Region region = memory.regionAt(packet);
        long start = (packet & 0xffffffffL) + offset;
        if (region == null || offset < 0 || start + size > region.length()) return OUTSIDE_PACKET;
        long raw = memory.load(packet + offset, size);
        return switch (size) {
            case 1 -> raw;
            case 2 -> io.bpf4j.isa.Semantics.endian(io.bpf4j.isa.EndianOp.TO_BE, 16, raw);
            default -> io.bpf4j.isa.Semantics.endian(io.bpf4j.isa.EndianOp.TO_BE, 32, raw);
        };
    }

    public void setLegacyPacket(long address) {
        legacyPacket = address;
    }

    /** Whatever the embedder wants helpers of this run to see (a context object, a virtual CPU). */
    public Object attachment() {
        return attachment;
    }

    public void setAttachment(Object attachment) {
        this.attachment = attachment;
    }

    /** Who hears about tail calls (tracing, preemption simulation); null for nobody, the fast path. */
    public TailCallObserver observer() {
        return observer;
    }

    /** Installs a tail call observer; it survives {@link #begin()} (it belongs to the CPU, not to one run). */
    public void setObserver(TailCallObserver observer) {
        this.observer = observer;
    }

    /** The virtual CPU this invocation runs on ({@code bpf_get_smp_processor_id}); survives {@link #begin()}. */
    public int cpu() {
        return cpu;
    }

    public void setCpu(int cpu) {
        if (cpu < 0) throw new IllegalArgumentException("cpu " + cpu);
        this.cpu = cpu;
    }

    /** Records the program a run starts with, for {@link #currentImage()}; call after {@link #begin()}. */
    public void enter(ProgramImage entry) {
        this.entryImage = entry;
    }

    /**
     * For engines' fast path of a tail call that found {@code target} in its slot while no observer is installed
     * ({@link #observer()} null): counts it and records that the deepest open frame now runs {@code target}, as
     * {@link TailCalls#resolve} does, and answers true; false, changing nothing, when the limit is reached (the call
     * falls through).
     */
    public boolean countTailCall(ProgramImage target) {
        int made = tailCallsBelowLimit();
        if (made < 0) return false;
        countTailCall(target, made);
        return true;
    }

    /**
     * {@link #countTailCall} for a tail call by which a program replaces itself in a frame whose record already names
     * it (the engine knows: it made the previous tail call there): only the count changes.
     */
    public boolean countRepeatedTailCall() {
        int made = tailCallsBelowLimit();
        if (made < 0) return false;
        countRepeatedTailCall(made);
        return true;
    }

    /**
     * The tail calls made so far when another one is allowed, -1 when the limit is reached (the call falls through,
     * changing nothing). For a compiled fast path that checks the limit before it reads the slot and then counts
     * with {@link #countTailCall(ProgramImage, int)} or {@link #countRepeatedTailCall(int)} and this answer: the
     * count then never waits on the slot's acquire read (a hop that loops on itself is not held up by the store of
     * the previous hop's count). Falling through for the limit or for an empty slot changes nothing either way, so
     * the order of the two checks is not observable without an observer.
     */
    public int tailCallsBelowLimit() {
        int made = tailCalls;
        return made < tailCallLimit ? made : -1;
    }

    /** Counts a tail call to {@code target} when {@link #tailCallsBelowLimit()} answered {@code made}; see {@link #countTailCall}. */
    public void countTailCall(ProgramImage target, int made) {
        tailCalls = made + 1;
        recordTailCall(memory.deepestOpenFrame(), target);
    }

    /** Counts a repeated tail call (see {@link #countRepeatedTailCall()}) when {@link #tailCallsBelowLimit()} answered {@code made}. */
    public void countRepeatedTailCall(int made) {
        tailCalls = made + 1;
    }

    /** Frames deeper than the records cover (piled up by tail calls from subprograms): rare, kept out of the hot path. */
    private void growFrameRecords(int depth) {
        int n = Math.min(memory.frameCapacity(), Math.max(depth + 1, frameImages.length * 2));
        frameImages = java.util.Arrays.copyOf(frameImages, n);
        frameImageOpenings = java.util.Arrays.copyOf(frameImageOpenings, n);
    }

    /** For the tail call mechanism: the frame at {@code depth} now runs {@code target}. */
    void recordTailCall(int depth, ProgramImage target) {
        if (depth < 0) return;
        if (depth >= frameImages.length) growFrameRecords(depth);
        // stores only when something changed: a program tail-calling itself, or a chain coming back to a frame's
        // program, leaves the record as it is (a reference store into this long-lived array costs G1 a card mark)
        if (frameImages[depth] != target) frameImages[depth] = target;
        long opening = memory.frameOpening(depth);
        if (frameImageOpenings[depth] != opening) frameImageOpenings[depth] = opening;
        if (depth >= recordedFrames) recordedFrames = depth + 1;
    }

    /**
     * The frame where the program running in frame {@code depth} was entered: the deepest frame at or below it in
     * which a tail call was made during its current opening, else 0 (the entry program). A tail call from a
     * subprogram replaces only that frame, so its callers' frames stay open below the target.
     */
    public int programEntryFrame(int depth) {
        for (int d = Math.min(depth, recordedFrames - 1); d > 0; d--) {
            if (frameImages[d] != null && frameImageOpenings[d] == memory.frameOpening(d)) return d;
        }
        return 0;
    }

    /**
     * For engines, before a bpf2bpf call (or a helper's callback) from frame {@code depth} opens frame
     * {@code depth + 1}: null when it may, else why not, to follow "... would need ". The running program may have
     * {@link AddressSpace#MAX_FRAMES} frames open counted from the frame it was entered in (Linux's per-program
     * limit); all programs of the invocation together at most {@link AddressSpace#frameCapacity()}.
     */
    public String callDepthProblem(int depth) {
        int entered = programEntryFrame(depth);
        int frame = depth + 2 - entered; // the new frame, counted from 1 at the program's own first frame
        if (frame > AddressSpace.MAX_FRAMES) {
            String problem = "frame " + frame + " but at most " + AddressSpace.MAX_FRAMES + " frames are allowed";
            return entered == 0 ? problem : problem + " per program (this one was entered by a tail call in frame "
                    + (entered + 1) + " of the invocation)";
        }
        if (depth + 1 >= memory.frameCapacity()) {
            return "frame " + (depth + 2) + " of the invocation but at most " + memory.frameCapacity()
                    + " frames may be open in one invocation (tail call limit " + options.tailCallLimit() + ")";
        }
        return null;
    }

    /**
     * The program the deepest open frame is running: the entry program, or the target of the latest tail call
     * made in that frame or a frame below it that is still the same call. For helpers that call back into the
     * program ({@code bpf_loop}) and for tracing. Null when {@link #enter} was not called.
     */
    public ProgramImage currentImage() {
        int depth = Math.min(memory.deepestOpenFrame(), recordedFrames - 1);
        for (int d = depth; d >= 0; d--) {
            if (frameImages[d] != null && frameImageOpenings[d] == memory.frameOpening(d)) return frameImages[d];
        }
        return entryImage;
    }
}
