package io.bpf4j.verifier;

import io.bpf4j.abi.Helper;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.TreeSet;

/**
 * What the program's shape shows before any path is explored (Linux's {@code check_subprogs} and
 * {@code check_cfg}): where subprograms start, that jumps stay inside their subprogram and land on an
 * instruction, that no subprogram falls off its end, that every instruction is reachable, and where the
 * explorer may compare states (prune points).
 */
final class ProgramStructure {
    final Instructions insns;
    final int[] subprogStart; // sorted, subprogStart[0] == 0
    final boolean[] hasTailCall;
    final boolean[] prunePoint;
    /** Targets of jumps that go backwards (loop heads). */
    final boolean[] loopHead;

    private ProgramStructure(Instructions insns, int[] starts, boolean[] hasTailCall, boolean[] prune, boolean[] loopHead) {
        this.insns = insns;
        this.subprogStart = starts;
        this.hasTailCall = hasTailCall;
        this.prunePoint = prune;
        this.loopHead = loopHead;
    }

    int subprogCount() {
        return subprogStart.length;
    }

    /** The subprogram that contains {@code pc}. */
    int subprogOf(int pc) {
        int i = Arrays.binarySearch(subprogStart, pc);
        return i >= 0 ? i : -i - 2;
    }

    int subprogEnd(int s) {
        return s + 1 < subprogStart.length ? subprogStart[s + 1] : insns.slotCount();
    }

    /** The subprogram starting exactly at {@code pc}, or -1. */
    int subprogAt(int pc) {
        int i = Arrays.binarySearch(subprogStart, pc);
        return i >= 0 ? i : -1;
    }

    static ProgramStructure analyse(Instructions insns) {
        int n = insns.slotCount();
        if (n == 0) throw new Checker.Reject(-1, "last insn is not an exit or jmp");
        TreeSet<Integer> starts = new TreeSet<>();
        starts.add(0);
        for (Instructions.At at : insns) {
            int target = switch (at.instruction()) {
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> c.target(at.pc());
                case Instruction.LoadImm64 l when l.pseudo() == Pseudo.FUNC -> at.pc() + 1 + l.imm();
                default -> -2;
            };
            if (target == -2) continue;
            if (target < 0 || target >= n) throw new Checker.Reject(at.pc(), "call to invalid destination");
            if (insns.isSecondHalf(target)) throw new Checker.Reject(at.pc(), "call to invalid destination");
            starts.add(target);
        }
        int[] s = starts.stream().mapToInt(Integer::intValue).toArray();
        boolean[] hasTailCall = new boolean[s.length];
        boolean[] prune = new boolean[n];
        boolean[] loopHead = new boolean[n];
        ProgramStructure ps = new ProgramStructure(insns, s, hasTailCall, prune, loopHead);

        // jumps stay inside their subprogram; each subprogram ends with exit or an unconditional jump
        for (Instructions.At at : insns) {
            int pc = at.pc();
            int sub = ps.subprogOf(pc);
            if (at.instruction() instanceof Instruction.Jump j) {
                int t = j.target(pc);
                if (t < 0 || t >= n || ps.subprogOf(t) != sub) {
                    throw new Checker.Reject(pc, "jump out of range from insn " + pc + " to " + t);
                }
                if (insns.isSecondHalf(t)) throw new Checker.Reject(pc, "jump into the middle of ldimm64 insn " + (t - 1));
                prune[t] = true;
                if (j.op() != JumpOp.JA) prune[pc + 1 < n ? pc + 1 : pc] = true;
                if (t <= pc) loopHead[t] = true;
            }
            if (at.instruction() instanceof Instruction.Call c && c.kind() == CallKind.HELPER && c.imm() == Helper.TAIL_CALL.id()) {
                hasTailCall[sub] = true;
            }
            if (at.instruction() instanceof Instruction.Call && pc + 1 < n) prune[pc + 1] = true;
        }
        for (int i = 0; i < s.length; i++) {
            int last = lastInsn(insns, ps.subprogEnd(i));
            Instruction li = insns.at(last);
            boolean ok = li instanceof Instruction.Exit || li instanceof Instruction.Jump j && j.op() == JumpOp.JA;
            if (!ok) throw new Checker.Reject(last, "last insn is not an exit or jmp");
            prune[s[i]] = true;
        }

        // every instruction reachable from the entry, following jumps, calls and function references
        boolean[] seen = new boolean[n];
        Deque<Integer> work = new ArrayDeque<>();
        work.push(0);
        seen[0] = true;
        while (!work.isEmpty()) {
            int pc = work.pop();
            Instruction insn = insns.at(pc);
            int next = pc + insn.slots();
            switch (insn) {
                case Instruction.Exit e -> {
                }
                case Instruction.Jump j -> {
                    visit(j.target(pc), seen, work);
                    if (j.op() != JumpOp.JA) visit(next, seen, work);
                }
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> {
                    visit(c.target(pc), seen, work);
                    visit(next, seen, work);
                }
                case Instruction.LoadImm64 l when l.pseudo() == Pseudo.FUNC -> {
                    visit(pc + 1 + l.imm(), seen, work);
                    visit(next, seen, work);
                }
                default -> visit(next, seen, work);
            }
        }
        for (Instructions.At at : insns) {
            if (!seen[at.pc()]) throw new Checker.Reject(at.pc(), "unreachable insn " + at.pc());
        }
        return ps;
    }

    private static void visit(int pc, boolean[] seen, Deque<Integer> work) {
        if (pc < seen.length && !seen[pc]) {
            seen[pc] = true;
            work.push(pc);
        }
    }

    private static int lastInsn(Instructions insns, int end) {
        int last = end - 1;
        if (insns.isSecondHalf(last)) last--;
        return last;
    }
}
