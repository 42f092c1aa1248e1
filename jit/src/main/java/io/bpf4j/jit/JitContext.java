package io.bpf4j.jit;

import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.memory.AddressSpace;

/**
 * The JIT's state for one run of a program, passed to every generated method as its first argument: the
 * invocation and its memory, the instruction count, and the hand-over area of tail calls and register exports.
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
    long tailR1;

    /**
     * r0–r9 for a program entered with {@link CompiledCode#entryReads} set (index = register), and the final r1–r5 of
     * a bpf2bpf callee whose caller reads them.
     */
    final long[] arguments = new long[10];

    JitContext(JitEngine engine, Invocation invocation) {
        this.engine = engine;
        this.invocation = invocation;
        this.memory = invocation.memory();
        this.budget = invocation.options().instructionBudget();
        this.executed = 0;
    }

    /** Runs tail call targets in the frame {@code depth} (r10 = {@code fp}) until one exits; returns its r0. */
    long continueTailCalls(long fp, int depth) {
        long r0 = 0;
        CompiledCode target;
        while ((target = tailTarget) != null) {
            tailTarget = null;
            r0 = target.enter(this, tailR1, fp, depth);
        }
        return r0;
    }
}
