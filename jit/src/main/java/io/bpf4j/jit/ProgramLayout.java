package io.bpf4j.jit;

import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.TreeSet;

/**
 * The shape of a linked program as the JIT needs it: its functions (the main program and each bpf2bpf
 * subprogram, found from local calls and function references) and the pcs that jumps land on. Checks what the
 * compiler relies on and a verifier would have refused: jumps stay inside their function and no function runs
 * off its end into the next one.
 */
final class ProgramLayout {
    /** A function: the slots {@code [start, end)}; function 0 is the program's entry. */
    record Function(int index, int start, int end) {
        boolean contains(int pc) {
            return pc >= start && pc < end;
        }
    }

    final String program;
    final Instructions code;
    final List<Function> functions;
    /** Slots that some jump lands on. */
    final BitSet jumpTargets;
    private final int[] functionOfSlot;

    private ProgramLayout(String program, Instructions code, List<Function> functions, BitSet jumpTargets, int[] functionOfSlot) {
        this.program = program;
        this.code = code;
        this.functions = functions;
        this.jumpTargets = jumpTargets;
        this.functionOfSlot = functionOfSlot;
    }

    static ProgramLayout of(String program, Instructions code) {
        int slots = code.slotCount();
        if (slots == 0) throw new JitCompilationException(program, -1, "the program has no instructions");
        TreeSet<Integer> entries = new TreeSet<>();
        entries.add(0);
        BitSet targets = new BitSet(slots);
        for (Instructions.At at : code) {
            int pc = at.pc();
            switch (at.instruction()) {
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> entries.add(checkTarget(program, code, pc, c.target(pc), "call"));
                case Instruction.LoadImm64 l when l.pseudo() == Pseudo.FUNC -> entries.add(checkTarget(program, code, pc, pc + 1 + l.imm(), "function reference"));
                case Instruction.Jump j -> targets.set(checkTarget(program, code, pc, j.target(pc), "jump"));
                default -> {
                }
            }
        }
        List<Function> functions = new ArrayList<>();
        int[] functionOfSlot = new int[slots];
        Integer[] starts = entries.toArray(new Integer[0]);
        for (int i = 0; i < starts.length; i++) {
            int end = i + 1 < starts.length ? starts[i + 1] : slots;
            functions.add(new Function(i, starts[i], end));
            for (int pc = starts[i]; pc < end; pc++) functionOfSlot[pc] = i;
        }
        ProgramLayout layout = new ProgramLayout(program, code, List.copyOf(functions), targets, functionOfSlot);
        layout.checkFunctions();
        return layout;
    }

    private static int checkTarget(String program, Instructions code, int pc, int target, String what) {
        if (target < 0 || target >= code.slotCount()) {
            throw new JitCompilationException(program, pc, what + " out of range to " + target);
        }
        if (code.isSecondHalf(target)) {
            throw new JitCompilationException(program, pc, what + " into the middle of the lddw at " + (target - 1));
        }
        return target;
    }

    private void checkFunctions() {
        for (Instructions.At at : code) {
            int pc = at.pc();
            Function f = functionAt(pc);
            Instruction insn = at.instruction();
            if (insn instanceof Instruction.Jump j && !f.contains(j.target(pc))) {
                throw new JitCompilationException(program, pc, "jump from function at " + f.start() + " into the function at "
                        + functionAt(j.target(pc)).start());
            }
            boolean fallsThrough = !(insn instanceof Instruction.Exit)
                    && !(insn instanceof Instruction.Jump j && j.op() == JumpOp.JA);
            if (fallsThrough && pc + insn.slots() >= f.end()) {
                throw new JitCompilationException(program, pc, f.end() == code.slotCount()
                        ? "the program runs off its end (the last instruction is not an exit or a jump)"
                        : "the function at " + f.start() + " runs into the function at " + f.end());
            }
        }
    }

    Function functionAt(int pc) {
        return functions.get(functionOfSlot[pc]);
    }

    Function functionStartingAt(int pc) {
        Function f = functionAt(pc);
        if (f.start() != pc) throw new IllegalArgumentException("no function starts at " + pc);
        return f;
    }
}
