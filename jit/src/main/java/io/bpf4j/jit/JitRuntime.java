package io.bpf4j.jit;

import io.bpf4j.abi.Helper;
import io.bpf4j.maps.ProgArray;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.ExecutionException.Reason;
import io.bpf4j.runtime.Executable;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.TailCallTargets;
import io.bpf4j.runtime.TailCalls;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.AddressSpace;

/**
 * The static methods generated code calls besides the runtime's own ({@link AddressSpace}'s accesses,
 * {@link TailCalls#resolve}, helper functions): the slow paths and the small pieces of glue. Error messages are the
 * interpreter's, word for word, so both engines report a failing program the same way.
 */
final class JitRuntime {
    private JitRuntime() {}

    /**
     * Turns what an instruction at {@code pc} threw into the engine's error, recording the instructions executed up
     * to and including it (as the interpreter does).
     */
    static ExecutionException fault(Throwable t, int pc, JitContext ctx, long executed, ProgramInfo info) {
        ctx.executed = executed + info.countThrough[pc];
        if (t instanceof ExecutionException e) return e;
        ExecutionException.Failure f = ExecutionException.Failure.of(t, info.isCall(pc), info.isTailCall(pc));
        return info.error(f.reason(), pc, f.message(), f.cause());
    }

    /** {@code executed} already counts the instruction at {@code pc}: it is what went over the budget. */
    static ExecutionException budgetExhausted(JitContext ctx, long executed, int pc, ProgramInfo info) {
        ctx.executed = executed;
        return info.error(Reason.BUDGET_EXHAUSTED, pc, "instruction budget of " + ctx.budget + " exhausted (an endless or too long loop?)", null);
    }

    /**
     * A bpf2bpf call from frame {@code depth} ≥ 7 (the slow path): the running program may have 8 frames counted from
     * the frame it was entered in, frames piled up by tail calls from subprograms below it do not count
     * ({@link Invocation#callDepthProblem}); grows the context's per-frame arrays. {@code executed} already counts the call.
     */
    static void deepCall(JitContext ctx, long executed, int pc, ProgramInfo info, int depth) {
        String problem = ctx.invocation.callDepthProblem(depth);
        if (problem != null) {
            ctx.executed = executed;
            throw info.error(Reason.CALL_STACK_OVERFLOW, pc, "bpf2bpf call would need " + problem, null);
        }
        ctx.coverFrame(depth + 1);
    }

    /** The program ends here with {@code r0} (helper exit request, legacy load outside the packet). */
    static ProgramExit exit(JitContext ctx, long executed, int pc, ProgramInfo info, long r0) {
        ctx.executed = executed + info.countThrough[pc];
        return new ProgramExit(r0);
    }

    /**
     * Classifies a callx target: the index of the function whose entry the function pointer names, or -1 for a helper
     * number (uBPF's and the conformance suite's reading of callx).
     */
    static int callxTarget(long value, int register, int pc, ProgramInfo info) {
        if (!AddressSpace.isFunctionPointer(value)) {
            if (value < 0 || value > Integer.MAX_VALUE) {
                throw info.error(Reason.BAD_CALL_TARGET, pc, "callx through r" + register + " = 0x" + Long.toHexString(value)
                        + ": neither a function pointer nor a helper number", null);
            }
            if (value == Helper.TAIL_CALL.id()) {
                throw info.error(Reason.BAD_CALL_TARGET, pc, "callx cannot make a tail call (r" + register + " = 12)", null);
            }
            return -1;
        }
        int slot = (int) value;
        if (!info.image.isFunctionEntry(slot) || slot >= info.functionAt.length || info.functionAt[slot] < 0) {
            throw info.error(Reason.BAD_CALL_TARGET, pc, "callx through r" + register + " = " + AddressSpace.format(value)
                    + ": slot " + slot + " is not a function entry of this program", null);
        }
        return info.functionAt[slot];
    }

    /** A helper called by number at run time (callx). */
    static long callHelper(JitContext ctx, ProgramInfo info, int pc, long id, long r1, long r2, long r3, long r4, long r5) {
        HelperRegistry helpers = info.image.helpers();
        HelperRegistry.Entry helper = helpers.lookup(id);
        if (helper == null) {
            throw info.error(Reason.UNKNOWN_HELPER, pc, "call to unknown helper " + helpers.nameOf(id) + " (#" + id + ")", null);
        }
        return helper.function().call(ctx.invocation, r1, r2, r3, r4, r5);
    }

    /** The address of a map (or global data) {@code object} in this run: what lddw of a map reference loads. */
    static long objectAddress(JitContext ctx, Object object) {
        if (ctx.lastObject == object) return ctx.lastObjectAddress;
        long address = ctx.invocation.addressOf(object);
        ctx.lastObject = object;
        ctx.lastObjectAddress = address;
        return address;
    }

    /**
     * What {@link #tailCall} answers when the target is the calling program itself and the call site can start it
     * over (a loop instead of a call). Never entered.
     */
    static final CompiledCode SELF = new CompiledCode(0) {
        @Override
        long enter(JitContext context, long r1, long fp, int depth) {
            throw new IllegalStateException("the self tail call marker was entered");
        }
    };

    /**
     * bpf_tail_call: the compiled target, {@link #SELF} when it is {@code self}, or null when the call falls through
     * ({@link TailCalls#resolve} decides). {@code self} is the calling program when the site can start it over, else
     * null; {@code recorded} says that this method activation made such a call before, so the frame's record already
     * names the program and only the count changes. {@code known} is the one prog array the calling method names
     * (null if none), {@code knownAddress} its address in this run (0 until the method loaded it) and {@code slots}
     * its slot array, a constant in the generated code: a call through it reads the slot with one load.
     */
    static CompiledCode tailCall(JitContext ctx, long progArray, long index, long knownAddress, TailCallTargets known,
                                 Object[] slots, TailSite site, ProgramImage self, boolean recorded) {
        // Small and shallow on purpose: C2 inlines this into every site, several programs deep along a chain of
        // direct tail calls, within MaxInlineLevel; the rest is in generalTailCall.
        Invocation inv = ctx.invocation;
        if (slots == null || progArray != knownAddress || knownAddress == 0 || inv.observer() != null) {
            return generalTailCall(ctx, progArray, index, site, self, recorded);
        }
        int slot = (int) index;
        if (Integer.compareUnsigned(slot, slots.length) >= 0) return null;
        int made = inv.tailCallsBelowLimit(); // before the slot's acquire read: see Invocation.tailCallsBelowLimit
        if (made < 0) return null;
        Object found = ProgArray.readSlot(slots, slot);
        if (found == null) return null;
        ProgramImage target = known.imageOf(found);
        if (target == self) {
            if (recorded) inv.countRepeatedTailCall(made);
            else inv.countTailCall(target, made);
            return SELF;
        }
        inv.countTailCall(target, made);
        TailSite.Entry last = site.last;
        return last != null && last.image() == target ? last.code() : codeFor(ctx, target, site);
    }

    /** {@link #tailCall} through a handle: a prog array looked up in the address space, or any observer installed. */
    private static CompiledCode generalTailCall(JitContext ctx, long progArray, long index, TailSite site, ProgramImage self, boolean recorded) {
        Invocation inv = ctx.invocation;
        ProgramImage target;
        // The common case without an observer (no tracing, no preemption): the same decisions as TailCalls.resolve
        // in the same order (index, slot, limit), nobody to tell why a call falls through. Anything else (a handle
        // that is not a prog array of programs, an observer) takes resolve itself.
        TailCallTargets targets = progArray == ctx.tailArrayAddress ? ctx.tailArray : null;
        if (targets == null && ctx.memory.handleObject(progArray) instanceof TailCallTargets found) {
            ctx.tailArrayAddress = progArray;
            ctx.tailArray = targets = found;
        }
        if (targets != null && inv.observer() == null) {
            int slot = (int) index;
            if (Integer.compareUnsigned(slot, targets.maxEntries()) >= 0) return null;
            target = targets.target(slot);
            if (target == null) return null;
            if (target == self) return (recorded ? inv.countRepeatedTailCall() : inv.countTailCall(target)) ? SELF : null;
            if (!inv.countTailCall(target)) return null;
            return codeFor(ctx, target, site);
        }
        target = TailCalls.resolve(inv, progArray, index);
        return target == null ? null : codeFor(ctx, target, site);
    }

    /**
     * Whether a tail call may call its target directly: the Java stack grows by at most
     * {@link Emitter#DIRECT_TAIL_CALLS} frames per invocation, later hops go back to the trampoline.
     */
    static boolean callsDirectly(JitContext ctx) {
        return ctx.invocation.tailCalls() <= Emitter.DIRECT_TAIL_CALLS;
    }

    /**
     * A tail call that returns to whoever called this function to run {@code target} there ({@link JitContext}):
     * leaves the target, r1, r10 and the count; answers the r0 to return (unused: the caller runs the target).
     */
    static long handOver(JitContext ctx, CompiledCode target, long r1, long r10, long executed) {
        ctx.tailTarget = target;
        ctx.tailR1 = r1;
        ctx.tailR10 = r10;
        ctx.executed = executed;
        return 0;
    }

    /** The compiled code of {@code target}, through the site's cache. */
    private static CompiledCode codeFor(JitContext ctx, ProgramImage target, TailSite site) {
        TailSite.Entry last = site.last;
        if (last != null && last.image() == target) return last.code();
        CompiledCode code = ctx.engine.codeFor(target);
        site.last = new TailSite.Entry(target, code);
        return code;
    }

    /**
     * At a tail call whose target reads registers at its entry, or whose frame's caller reads r1–r5 afterwards
     * ({@code needed}, never for verified programs): leaves r0–r9 of frame {@code depth} in the context (the slow
     * path), or stops the run when a register needed is one this site cannot give exactly ({@code exact}).
     */
    static void leaveRegisters(JitContext ctx, long executed, int pc, ProgramInfo info, int needed, int exact, int depth,
                               long r0, long r1, long r2, long r3, long r4, long r5, long r6, long r7, long r8, long r9) {
        int missing = needed & ~exact & Liveness.R0_TO_R9;
        if (missing != 0) {
            ctx.executed = executed + info.countThrough[pc];
            throw info.error(Reason.UNSUPPORTED, pc, "after this tail call r" + Integer.numberOfTrailingZeros(missing)
                    + " is read before it is written, and this program may have left it as it found it, a value the JIT does"
                    + " not keep (verified programs never read it; run unverified programs like this one on the interpreter)", null);
        }
        long[] a = ctx.registers();
        int base = depth * 10;
        a[base] = r0;
        a[base + 1] = r1;
        a[base + 2] = r2;
        a[base + 3] = r3;
        a[base + 4] = r4;
        a[base + 5] = r5;
        a[base + 6] = r6;
        a[base + 7] = r7;
        a[base + 8] = r8;
        a[base + 9] = r9;
    }

    /**
     * LD_ABS / LD_IND: the big-endian value at {@code offset} of the invocation's legacy packet, or -1 when the bytes
     * are outside it (the program then ends with 0, as on Linux). The same definition as the interpreter's.
     */
    static long legacyPacketLoad(JitContext ctx, ProgramInfo info, int pc, int size, long offset) {
        Invocation inv = ctx.invocation;
        if (inv.legacyPacket() == 0) throw info.error(Reason.UNSUPPORTED, pc, Invocation.NO_LEGACY_PACKET, null);
        return inv.legacyPacketLoad(offset, size);
    }

    /**
     * A program the JIT could not compile runs on the interpreter when a tail call reaches it from the entry frame. The
     * interpreter starts it with r1–r5 from the call and r0, r6–r9 zero; a target that reads any of those before
     * writing them (only an unverified one does) is refused at the tail call rather than given different values.
     */
    static CompiledCode interpreterBridge(ProgramImage image, Executable interpreted, String reason) {
        int reads;
        try {
            reads = Liveness.entryReads(ProgramLayout.of(image.name(), image.instructions()), Helper.TAIL_CALL.id());
        } catch (JitCompilationException e) {
            reads = 0b111100; // cannot analyse: assume it reads r2-r5, the registers the interpreter can be given
        }
        final boolean readsUnpassable = (reads & (Liveness.R0 | 0b11_1100_0000)) != 0;
        return new CompiledCode(reads) {
            @Override
            long enter(JitContext ctx, long r1, long fp, int depth) {
                if (depth != 0) {
                    throw new ExecutionException(Reason.UNSUPPORTED, image.name(), 0, image.slots()[0], image.describe(0),
                            "a tail call from a JIT-compiled subprogram cannot continue in this program, which runs on the"
                                    + " interpreter because the JIT could not compile it (" + reason + ")", null);
                }
                if (readsUnpassable) {
                    throw new ExecutionException(Reason.UNSUPPORTED, image.name(), 0, image.slots()[0], image.describe(0),
                            "this program reads r0 or r6-r9 at its entry, which a tail call cannot pass to the interpreter"
                                    + " (it runs there because the JIT could not compile it: " + reason + ")", null);
                }
                long[] a = ctx.registers(); // depth 0
                long before = ctx.executed;
                try {
                    return interpreted.run(ctx.invocation, r1, a[2], a[3], a[4], a[5]);
                } finally {
                    ctx.executed = before + ctx.invocation.executedInstructions();
                }
            }
        };
    }
}
