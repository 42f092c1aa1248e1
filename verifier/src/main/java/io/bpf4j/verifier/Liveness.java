package io.bpf4j.verifier;

import io.bpf4j.abi.Helper;
import io.bpf4j.abi.HelperPrototype;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Source;

/**
 * Which registers of the current frame may still be read before being written, at the start of each
 * instruction (a backward data-flow fixpoint over each subprogram). A register that is dead at a prune point
 * cannot influence what happens next, so state comparison ignores it — a static, coarser stand-in for Linux's
 * liveness marks.
 */
final class Liveness {
    private static final int ARGS = 0b111110, CALLER_SAVED = 0b111111;

    private final int[] liveIn;

    private Liveness(int[] liveIn) {
        this.liveIn = liveIn;
    }

    /** Bit r set when register r (0..9) may be read before being written, from {@code pc} on. */
    int liveAt(int pc) {
        return liveIn[pc];
    }

    static Liveness analyse(ProgramStructure ps) {
        Instructions insns = ps.insns;
        int n = insns.slotCount();
        int[] use = new int[n], def = new int[n];
        for (Instructions.At at : insns) {
            int pc = at.pc();
            switch (at.instruction()) {
                case Instruction.Alu a -> {
                    if (a.source() == Source.REG) use[pc] |= bit(a.src());
                    if (a.op() != AluOp.MOV && !a.op().isSignExtendingMove()) use[pc] |= bit(a.dst());
                    def[pc] = bit(a.dst());
                }
                case Instruction.Endian e -> {
                    use[pc] = bit(e.dst());
                    def[pc] = bit(e.dst());
                }
                case Instruction.Load l -> {
                    use[pc] = bit(l.src());
                    def[pc] = bit(l.dst());
                }
                case Instruction.Store s -> use[pc] = bit(s.dst()) | (s.source() == Source.REG ? bit(s.src()) : 0);
                case Instruction.Atomic a -> {
                    use[pc] = bit(a.dst()) | bit(a.src()) | (a.op() == AtomicOp.CMPXCHG ? bit(0) : 0);
                    if (a.fetch()) def[pc] = bit(a.op() == AtomicOp.CMPXCHG ? 0 : a.src());
                }
                case Instruction.LoadImm64 l -> def[pc] = bit(l.dst());
                case Instruction.PacketLoad p -> {
                    use[pc] = bit(6) | (p.indirect() ? bit(p.src()) : 0);
                    def[pc] = CALLER_SAVED;
                }
                case Instruction.Jump j -> {
                    if (j.op() != JumpOp.JA) use[pc] = bit(j.dst()) | (j.source() == Source.REG ? bit(j.src()) : 0);
                }
                case Instruction.Call c -> {
                    use[pc] = c.kind() == CallKind.HELPER ? helperArgs(c.imm()) : ARGS;
                    def[pc] = CALLER_SAVED;
                }
                case Instruction.CallIndirect c -> use[pc] = bit(c.reg()) | ARGS;
                case Instruction.Exit e -> use[pc] = bit(0);
            }
        }
        int[] live = new int[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int pc = n - 1; pc >= 0; pc--) {
                Instruction insn = insns.slot(pc);
                if (insn == null) continue;
                int out = 0;
                int next = pc + insn.slots();
                switch (insn) {
                    case Instruction.Exit e -> {
                    }
                    case Instruction.Jump j -> {
                        out |= live[j.target(pc)];
                        if (j.op() != JumpOp.JA && next < n) out |= live[next];
                    }
                    default -> {
                        if (next < n) out |= live[next];
                    }
                }
                int in = use[pc] | (out & ~def[pc]);
                if (in != live[pc]) {
                    live[pc] = in;
                    changed = true;
                }
            }
        }
        return new Liveness(live);
    }

    private static int helperArgs(int id) {
        Helper h = Helper.ofId(id);
        if (h == null) return ARGS;
        return HelperPrototype.of(h).map(p -> {
            int m = 0;
            for (int i = 0; i < p.args().size(); i++) m |= bit(i + 1);
            return m;
        }).orElse(ARGS);
    }

    private static int bit(int r) {
        return r >= 10 ? 0 : 1 << r;
    }
}
