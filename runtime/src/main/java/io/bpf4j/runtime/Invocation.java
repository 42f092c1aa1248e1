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
    private final AddressSpace memory = new AddressSpace();
    int tailCalls;
    long executedInstructions;
    boolean exitRequested;
    private long legacyPacket;
    private Object[] handleObjects = new Object[4];
    private long[] handleAddresses = new long[4];
    private int handleCount;
    private Object attachment;
    private TailCallObserver observer;
    private int cpu;
    /** The program each frame depth runs after a tail call there, valid while that frame opening lasts. */
    private final ProgramImage[] frameImages = new ProgramImage[AddressSpace.MAX_FRAMES];
    private final long[] frameImageOpenings = new long[AddressSpace.MAX_FRAMES];
    private ProgramImage entryImage;

    public Invocation() {
        this(RuntimeOptions.DEFAULTS);
    }

    public Invocation(RuntimeOptions options) {
        this.options = Objects.requireNonNull(options, "options");
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
        java.util.Arrays.fill(frameImages, null);
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
        long address = memory.register(object instanceof Region r ? r : Region.handle(String.valueOf(object), object));
        if (handleCount == handleObjects.length) {
            handleObjects = java.util.Arrays.copyOf(handleObjects, handleCount * 2);
            handleAddresses = java.util.Arrays.copyOf(handleAddresses, handleCount * 2);
        }
        handleObjects[handleCount] = object;
        handleAddresses[handleCount++] = address;
        return address;
    }

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

    /** For the tail call mechanism: the frame at {@code depth} now runs {@code target}. */
    void recordTailCall(int depth, ProgramImage target) {
        if (depth < 0) return;
        frameImages[depth] = target;
        frameImageOpenings[depth] = memory.frameOpening(depth);
    }

    /**
     * The program the deepest open frame is running: the entry program, or the target of the latest tail call
     * made in that frame or a frame below it that is still the same call. For helpers that call back into the
     * program ({@code bpf_loop}) and for tracing. Null when {@link #enter} was not called.
     */
    public ProgramImage currentImage() {
        int depth = memory.deepestOpenFrame();
        for (int d = depth; d >= 0; d--) {
            if (frameImages[d] != null && frameImageOpenings[d] == memory.frameOpening(d)) return frameImages[d];
        }
        return entryImage;
    }
}
