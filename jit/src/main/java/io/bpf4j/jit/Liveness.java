package io.bpf4j.jit;

import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Source;

/**
 * Which registers cross function boundaries, so that compiled code computes exactly what the interpreter computes
 * even for programs no verifier has seen, while verified programs pay nothing for it.
 *
 * <p>In the interpreter a bpf2bpf callee starts with a copy of all its caller's registers (r10 aside), and only r0
 * comes back — except when the callee's frame ended in a tail call: then the caller gets back r1–r5 as they were at
 * the last tail call of that frame. In compiled code each function keeps registers in its own locals, so:
 * <ul>
 *   <li>a function's <em>parameters</em> are the registers r0–r9 it may read before writing them (backward
 *       liveness, interprocedural to a fixpoint); a verified callee reads only its arguments;</li>
 *   <li>where a caller may read r1–r5 after calling a function that makes tail calls, the call site asks the tail
 *       call sites of that frame to leave their registers in the context ({@link JitContext#capture}) and reloads
 *       the live ones if a tail call happened; verified programs never read them;</li>
 *   <li>at each tail call site the registers whose locals hold the interpreter's value (<em>exact</em>: parameters,
 *       r10, and registers written on every path since the function began) are recorded: a target that reads
 *       more than r1 at its entry (only unverified programs do) gets those values, and an inexact one stops the
 *       run with an error rather than a wrong value.</li>
 * </ul>
 */
final class Liveness {
    static final int R0 = 1, R1 = 1 << 1, R1_TO_R5 = 0b111110, R0_TO_R9 = 0x3ff, R10 = 1 << 10, ALL = 0x7ff;

    /** Per function: registers (bit n = rn, r0–r9) the function reads before writing: its parameters. */
    final int[] params;
    /** Per function: it contains a tail call (at its own level, not in functions it calls). */
    final boolean[] hasTailCall;
    /** Per slot of a call: the r1–r5 the caller reloads from the context when the callee's frame ended in a tail call. */
    final int[] reloadAfterCall;
    /** Per slot of a tail call: registers whose locals hold the interpreter's values there. */
    final int[] exactAtTailCall;

    private final ProgramLayout layout;
    private final int tailCallHelper;

    private Liveness(ProgramLayout layout, int tailCallHelper) {
        this.layout = layout;
        this.tailCallHelper = tailCallHelper;
        int n = layout.functions.size();
        params = new int[n];
        hasTailCall = new boolean[n];
        for (ProgramLayout.Function f : layout.functions) {
            for (int pc = f.start(); pc < f.end(); pc++) {
                if (!layout.code.isSecondHalf(pc) && isTailCall(layout.code.at(pc))) hasTailCall[f.index()] = true;
            }
        }
        reloadAfterCall = new int[layout.code.slotCount()];
        exactAtTailCall = new int[layout.code.slotCount()];
    }

    static Liveness of(ProgramLayout layout, int tailCallHelper) {
        Liveness l = new Liveness(layout, tailCallHelper);
        l.solve();
        l.exactness();
        return l;
    }

    /**
     * The registers other than r1 a program may read at its entry before writing them, for a program the JIT does
     * not compile; all of r0–r9 but r1 when its shape cannot even be analysed.
     */
    static int entryReads(ProgramLayout layout, int tailCallHelper) {
        Liveness l = new Liveness(layout, tailCallHelper);
        l.solve();
        return l.params[0] & ~R1;
    }

    boolean isTailCall(Instruction insn) {
        return insn instanceof Instruction.Call c && c.kind() == CallKind.HELPER && c.imm() == tailCallHelper;
    }

    private int allParams() {
        int m = 0;
        for (int p : params) m |= p;
        return m;
    }

    private void solve() {
        Instructions code = layout.code;
        int[] liveIn = new int[code.slotCount()];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (ProgramLayout.Function f : layout.functions) {
                // backward passes over the function until its live-in sets settle
                boolean moved = true;
                while (moved) {
                    moved = false;
                    for (int pc = f.end() - 1; pc >= f.start(); pc--) {
                        if (code.isSecondHalf(pc)) continue;
                        Instruction insn = code.at(pc);
                        int next = pc + insn.slots();
                        int out = 0;
                        switch (insn) {
                            case Instruction.Exit x -> out = 0;
                            case Instruction.Jump j -> {
                                out = liveIn[j.target(pc)];
                                if (j.op() != JumpOp.JA) out |= liveIn[next];
                            }
                            default -> out = liveIn[next];
                        }
                        int in = transfer(pc, insn, out);
                        if (in != liveIn[pc]) {
                            liveIn[pc] = in;
                            moved = true;
                        }
                    }
                }
                int p = liveIn[f.start()] & R0_TO_R9;
                if (p != params[f.index()]) {
                    params[f.index()] = p;
                    changed = true;
                }
                // calls after which r1-r5 are read: reloaded if the callee's frame ends in a tail call
                for (int pc = f.start(); pc < f.end(); pc++) {
                    if (code.isSecondHalf(pc)) continue;
                    Instruction insn = code.at(pc);
                    boolean mayTailCall;
                    if (insn instanceof Instruction.Call c && c.kind() == CallKind.LOCAL) {
                        mayTailCall = hasTailCall[layout.functionStartingAt(c.target(pc)).index()];
                    } else if (insn instanceof Instruction.CallIndirect) {
                        mayTailCall = anyTailCall();
                    } else {
                        continue;
                    }
                    reloadAfterCall[pc] = mayTailCall ? liveIn[pc + 1] & R1_TO_R5 : 0;
                }
            }
        }
    }

    private boolean anyTailCall() {
        for (boolean b : hasTailCall) if (b) return true;
        return false;
    }

    /** Registers live before {@code insn} given those live after it. */
    private int transfer(int pc, Instruction insn, int out) {
        int use, def;
        switch (insn) {
            case Instruction.Alu a -> {
                boolean move = a.op() == io.bpf4j.isa.AluOp.MOV || a.op().isSignExtendingMove();
                use = (move ? 0 : bit(a.dst())) | (a.source() == Source.REG ? bit(a.src()) : 0);
                def = bit(a.dst());
            }
            case Instruction.Endian e -> {
                use = bit(e.dst());
                def = bit(e.dst());
            }
            case Instruction.Jump j -> {
                use = j.op() == JumpOp.JA ? 0 : bit(j.dst()) | (j.source() == Source.REG ? bit(j.src()) : 0);
                def = 0;
            }
            case Instruction.Exit x -> {
                use = R0;
                def = 0;
            }
            case Instruction.LoadImm64 l -> {
                use = 0;
                def = bit(l.dst());
            }
            case Instruction.Load l -> {
                use = bit(l.src());
                def = bit(l.dst());
            }
            case Instruction.Store s -> {
                use = bit(s.dst()) | (s.source() == Source.REG ? bit(s.src()) : 0);
                def = 0;
            }
            case Instruction.Atomic a -> {
                use = bit(a.dst()) | bit(a.src()) | (a.op() == AtomicOp.CMPXCHG ? R0 : 0);
                def = a.op() == AtomicOp.CMPXCHG ? R0 : a.fetch() ? bit(a.src()) : 0;
            }
            case Instruction.PacketLoad p -> {
                use = p.indirect() ? bit(p.src()) : 0;
                def = R0;
            }
            case Instruction.Call c when c.kind() == CallKind.LOCAL -> {
                use = params[layout.functionStartingAt(c.target(pc)).index()];
                def = R0; // r1-r5 come back unchanged, or (after a tail call in the callee) reloaded: not killed
            }
            case Instruction.Call c when isTailCall(c) -> {
                use = R1 | 1 << 2 | 1 << 3;
                def = 0; // a failed tail call falls through without writing r0
            }
            case Instruction.Call c -> {
                use = R1_TO_R5;
                def = R0;
            }
            case Instruction.CallIndirect c -> {
                use = bit(c.reg()) | R1_TO_R5 | allParams();
                def = R0;
            }
        }
        return (out & ~def) | use;
    }

    /** Forward must-analysis: which registers hold the interpreter's value at each tail call site. */
    private void exactness() {
        Instructions code = layout.code;
        for (ProgramLayout.Function f : layout.functions) {
            if (!hasTailCall[f.index()]) continue;
            int[] in = new int[code.slotCount()];
            boolean[] seen = new boolean[code.slotCount()];
            in[f.start()] = params[f.index()] | R10;
            seen[f.start()] = true;
            boolean moved = true;
            while (moved) {
                moved = false;
                for (int pc = f.start(); pc < f.end(); pc++) {
                    if (!seen[pc] || code.isSecondHalf(pc)) continue;
                    Instruction insn = code.at(pc);
                    int out = in[pc] | defs(insn);
                    boolean callMayTailCall = insn instanceof Instruction.Call c && c.kind() == CallKind.LOCAL
                            && hasTailCall[layout.functionStartingAt(c.target(pc)).index()]
                            || insn instanceof Instruction.CallIndirect && anyTailCall();
                    if (callMayTailCall) {
                        out &= ~(R1_TO_R5 & ~reloadAfterCall[pc]); // not reloaded: the interpreter may have the callee's
                    }
                    int next = pc + insn.slots();
                    switch (insn) {
                        case Instruction.Exit x -> {
                        }
                        case Instruction.Jump j -> {
                            moved |= merge(in, seen, j.target(pc), out);
                            if (j.op() != JumpOp.JA) moved |= merge(in, seen, next, out);
                        }
                        default -> moved |= merge(in, seen, next, out);
                    }
                }
            }
            for (int pc = f.start(); pc < f.end(); pc++) {
                if (!code.isSecondHalf(pc) && isTailCall(code.at(pc))) exactAtTailCall[pc] = seen[pc] ? in[pc] : ALL;
            }
        }
    }

    private static boolean merge(int[] in, boolean[] seen, int pc, int value) {
        if (!seen[pc]) {
            seen[pc] = true;
            in[pc] = value;
            return true;
        }
        int m = in[pc] & value;
        if (m == in[pc]) return false;
        in[pc] = m;
        return true;
    }

    private int defs(Instruction insn) {
        if (isTailCall(insn)) return 0; // a failed tail call leaves r0 alone
        return switch (insn) {
            case Instruction.Alu a -> bit(a.dst());
            case Instruction.Endian e -> bit(e.dst());
            case Instruction.LoadImm64 l -> bit(l.dst());
            case Instruction.Load l -> bit(l.dst());
            case Instruction.Atomic a -> a.op() == AtomicOp.CMPXCHG ? R0 : a.fetch() ? bit(a.src()) : 0;
            case Instruction.PacketLoad p -> R0;
            case Instruction.Call c -> R0;
            case Instruction.CallIndirect c -> R0;
            default -> 0;
        };
    }

    private static int bit(int register) {
        return 1 << register;
    }
}
