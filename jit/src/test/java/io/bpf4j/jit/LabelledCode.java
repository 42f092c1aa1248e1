package io.bpf4j.jit;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Source;

import java.util.ArrayList;
import java.util.List;

/**
 * Code with symbolic labels, for the random program generators: jumps, local calls and function references name a
 * label that is bound later, and {@link #build} turns them into pc-relative offsets once the whole program is known.
 */
final class LabelledCode {
    private record JumpTo(boolean jmp32, JumpOp op, int dst, Source source, int src, int imm, int label) {}

    private record CallTo(int label) {}

    private record FunctionRef(int dst, int label) {}

    private record Bind(int label) {}

    private final List<Object> items = new ArrayList<>();
    private int labels;

    int newLabel() {
        return labels++;
    }

    /** The next instruction added is the label's target. */
    void bind(int label) {
        items.add(new Bind(label));
    }

    void add(Instruction insn) {
        items.add(insn);
    }

    /** {@code if dst op src/imm goto label} ({@code ja} ignores the operands). */
    void jump(boolean jmp32, JumpOp op, int dst, Source source, int src, int imm, int label) {
        items.add(new JumpTo(jmp32, op, dst, source, src, imm, label));
    }

    /** A bpf2bpf call of the function starting at {@code label}. */
    void call(int label) {
        items.add(new CallTo(label));
    }

    /** {@code dst = &function} (lddw with the FUNC pseudo source) of the function starting at {@code label}. */
    void functionRef(int dst, int label) {
        items.add(new FunctionRef(dst, label));
    }

    Instructions build() {
        int[] at = new int[labels];
        int slot = 0;
        for (Object o : items) {
            switch (o) {
                case Bind b -> at[b.label()] = slot;
                case Instruction i -> slot += i.slots();
                case FunctionRef f -> slot += 2;
                default -> slot += 1;
            }
        }
        List<Instruction> out = new ArrayList<>();
        slot = 0;
        for (Object o : items) {
            Instruction insn = switch (o) {
                case Bind b -> null;
                case Instruction i -> i;
                case JumpTo j -> j.op() == JumpOp.JA ? Instruction.Jump.always(at[j.label()] - slot - 1)
                        : new Instruction.Jump(j.jmp32(), j.op(), j.dst(), j.source(), j.src(), at[j.label()] - slot - 1, j.imm());
                case CallTo c -> Instruction.Call.local(at[c.label()] - slot - 1);
                case FunctionRef f -> new Instruction.LoadImm64(f.dst(), Pseudo.FUNC, at[f.label()] - slot - 1, 0);
                default -> throw new IllegalStateException(o.toString());
            };
            if (insn == null) continue;
            out.add(insn);
            slot += insn.slots();
        }
        return Instructions.of(out).checkControlFlow();
    }
}
