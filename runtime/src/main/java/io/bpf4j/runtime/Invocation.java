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
}
