package io.bpf4j.jit;

import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.TailCallTargets;
import io.bpf4j.runtime.memory.AddressSpace;

/**
 * The JIT's state for one run of a program, passed to every generated method as its first argument: the
 * invocation and its memory, the instruction count, and the hand-over area of tail calls.
 * One per {@code run}, used by one thread.
 *
 * <h2>Tail calls</h2>
 * A successful tail call stores its target in {@link #tailTarget} (and r1 in {@link #tailR1}) and returns from the
 * function it replaces. Whoever called that function — {@link JitExecutable#run} for the entry frame, the bpf2bpf
 * call site for a subprogram frame — finds the target set and runs it in the same frame with
 * {@link #continueTailCalls}, a loop: a chain of any length uses a constant Java stack, and a tail call from a
 * subprogram replaces only that subprogram's frame, its caller getting the last target's r0.
 */
public final class JitContext {
    final Invocation invocation;
    final AddressSpace memory;
    final JitEngine engine;
    /** The instruction budget of the invocation (Long.MAX_VALUE for none). */
    final long budget;
    /** Instructions executed so far; generated code keeps it in a local and writes it here at calls and exits. */
    long executed;

    /** The program a tail call jumps to, set by the tail call and cleared by {@link #continueTailCalls}. */
    CompiledCode tailTarget;
    /** r1 and r10 at the tail call: the target starts with them (r10 is the frame pointer unless the program wrote it). */
    long tailR1, tailR10;

    /**
     * The prog array the last tail call of this run went through, and its address (0: none yet). An address names
     * one object for the whole run, so later tail calls through the same handle skip the address space's lookup.
     */
    long tailArrayAddress;
    TailCallTargets tailArray;

    /**
     * The object the last lddw of a map reference in this run named, and its address (an object has one address for
     * the whole run): a chain of tail-called programs that all load the same prog array looks it up once.
     */
    Object lastObject;
    long lastObjectAddress;

    /**
     * Per frame (index {@code depth * 10 + register}): r0–r9 at the last tail call of the frame, left when the target
     * reads registers at its entry ({@link CompiledCode#entryReads}) or the frame's caller reads r1–r5 afterwards
     * ({@link #capture}); at depth 0 also the r2–r5 a run starts with.
     */
    private long[] registers; // allocated on first use: verified programs never need it

    /**
     * Frames the per-frame arrays cover: 8 until a bpf2bpf call goes deeper (frames pile up across tail calls from
     * subprograms, up to the address space's {@code frameCapacity()}; {@link #coverFrame}).
     */
    private int frames = AddressSpace.MAX_FRAMES;

    long[] registers() {
        long[] r = registers;
        if (r == null) registers = r = new long[frames * 10];
        return r;
    }

    /**
     * Per frame: the r1–r5 (bit n = rn) its caller reloads if the frame ends in a tail call; set by the call site.
     * Starts as a shared array of zeros, into which only zeros are ever stored, and is replaced by one of its own on
     * the first non-zero write.
     */
    int[] capture = NO_CAPTURE;

    private static final int[] NO_CAPTURE = new int[AddressSpace.MAX_FRAMES];

    int[] writableCapture() {
        int[] c = capture;
        if (c == NO_CAPTURE) capture = c = new int[frames];
        return c;
    }

    /** Before a bpf2bpf call opens frame {@code depth} ≥ 8: grows the per-frame arrays to cover it. */
    void coverFrame(int depth) {
        if (depth < frames) return;
        frames = Math.min(memory.frameCapacity(), Math.max(depth + 1, frames * 2));
        if (registers != null) registers = java.util.Arrays.copyOf(registers, frames * 10);
        capture = java.util.Arrays.copyOf(capture, frames); // from NO_CAPTURE: zeros of its own
    }

    JitContext(JitEngine engine, Invocation invocation) {
        this.engine = engine;
        this.invocation = invocation;
        this.memory = invocation.memory();
        this.budget = invocation.options().instructionBudget();
        this.executed = 0;
    }

    /** Runs tail call targets in frame {@code depth} until one exits; returns its r0. */
    long continueTailCalls(int depth) {
        long r0 = 0;
        CompiledCode target;
        while ((target = tailTarget) != null) {
            tailTarget = null;
            r0 = target.enter(this, tailR1, tailR10, depth);
        }
        return r0;
    }
}
