package io.bpf4j.jit;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Semantics;
import io.bpf4j.isa.Source;

/**
 * A deliberately naive evaluator of runtime-free programs (ALU, byte order, jumps, lddw constants, exit) for
 * tests that must not depend on the runtime module: every operation goes through {@link Semantics}, the same
 * single definition the JIT uses, one instruction at a time, so it checks the compiler's control flow and its
 * inlined operations against the definitions they replace.
 */
final class ReferenceEvaluator {
    private ReferenceEvaluator() {}

    static long run(Instructions code, long r1, long r2, long r10, long maxSteps) {
        long[] reg = new long[11];
        reg[1] = r1;
        reg[2] = r2;
        reg[10] = r10;
        int pc = 0;
        for (long step = 0; step < maxSteps; step++) {
            Instruction insn = code.at(pc);
            int next = pc + insn.slots();
            switch (insn) {
                case Instruction.Alu a -> reg[a.dst()] = Semantics.alu(a.alu64(), a.op(), reg[a.dst()],
                        a.source() == Source.REG ? reg[a.src()] : a.imm());
                case Instruction.Endian e -> reg[e.dst()] = Semantics.endian(e.op(), e.bits(), reg[e.dst()]);
                case Instruction.Jump j -> {
                    long b = j.source() == Source.REG ? reg[j.src()] : j.imm();
                    if (j.op() == JumpOp.JA || Semantics.taken(j.jmp32(), j.op(), reg[j.dst()], b)) next = j.target(pc);
                }
                case Instruction.LoadImm64 l when l.pseudo() == Pseudo.IMM -> reg[l.dst()] = l.value();
                case Instruction.Exit x -> {
                    return reg[0];
                }
                default -> throw new IllegalArgumentException("the reference evaluator does not run " + insn);
            }
            pc = next;
        }
        throw new IllegalStateException("no exit after " + maxSteps + " steps");
    }
}
