package io.bpf4j.runtime.interpreter;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Semantics;
import io.bpf4j.isa.Size;
import io.bpf4j.runtime.Programs;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The interpreter's dispatch writes the trivial operations (add, compare, ...) inline for speed; this test holds
 * it to {@link Semantics}, the one definition: every ALU operation, jump condition, byte swap and load width, in
 * 32 and 64 bits, register and immediate forms, over edge values and random ones.
 */
class SemanticsAgreementTest {
    private static final long[] EDGES = {0, 1, -1, 2, -2, 7, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff, 0x8000, 0xffff,
            Integer.MAX_VALUE, Integer.MIN_VALUE, 0xffff_ffffL, 0x1_0000_0000L, 0x1_0000_0001L, Long.MAX_VALUE, Long.MIN_VALUE,
            0x8000_0000_0000_0001L, 0x1234_5678_9abc_def0L, 0xffff_fffe_0000_0001L};

    private static List<long[]> operandPairs() {
        List<long[]> pairs = new ArrayList<>();
        for (long a : EDGES) for (long b : EDGES) pairs.add(new long[] {a, b});
        SplittableRandom random = new SplittableRandom(9669);
        for (int i = 0; i < 300; i++) pairs.add(new long[] {random.nextLong(), random.nextInt(4) == 0 ? random.nextInt(70) : random.nextLong()});
        return pairs;
    }

    private static long run(Instruction... middle) {
        List<Instruction> code = new ArrayList<>();
        for (Instruction i : middle) code.add(i);
        code.add(new Instruction.Exit());
        return Programs.run(Programs.image("agreement", Instructions.of(code)));
    }

    @Test
    void everyAluOperationAgreesWithSemantics() {
        int checked = 0;
        for (AluOp op : AluOp.values()) {
            for (boolean alu64 : new boolean[] {false, true}) {
                if (op == AluOp.MOVSX32 && !alu64) continue;
                for (long[] p : operandPairs()) {
                    long a = p[0], b = p[1];
                    // register form
                    Instruction insn = op == AluOp.NEG ? Instruction.Alu.imm(alu64, op, 0, 0) : Instruction.Alu.reg(alu64, op, 0, 1);
                    long got = run(Instruction.LoadImm64.constant(0, a), Instruction.LoadImm64.constant(1, b), insn);
                    assertThat(got).as("%s%s 0x%x, 0x%x", op, alu64 ? "64" : "32", a, b).isEqualTo(Semantics.alu(alu64, op, a, b));
                    // immediate form: the 32-bit immediate is sign-extended first
                    if (!op.isSignExtendingMove() && op != AluOp.NEG) {
                        int imm = (int) b;
                        long gotImm = run(Instruction.LoadImm64.constant(0, a), Instruction.Alu.imm(alu64, op, 0, imm));
                        assertThat(gotImm).as("%s%s 0x%x, imm %d", op, alu64 ? "64" : "32", a, imm).isEqualTo(Semantics.alu(alu64, op, a, (long) imm));
                    }
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(10_000);
    }

    @Test
    void everyJumpConditionAgreesWithSemantics() {
        for (JumpOp op : JumpOp.values()) {
            if (!op.isConditional()) continue;
            for (boolean jmp32 : new boolean[] {false, true}) {
                for (long[] p : operandPairs()) {
                    long a = p[0], b = p[1];
                    long reg = run(Instruction.LoadImm64.constant(1, a), Instruction.LoadImm64.constant(2, b), Instruction.Alu.imm(true, AluOp.MOV, 0, 1),
                            Instruction.Jump.ifReg(jmp32, op, 1, 2, 1), Instruction.Alu.imm(true, AluOp.MOV, 0, 0));
                    assertThat(reg == 1).as("%s%s 0x%x, 0x%x", op, jmp32 ? "32" : "", a, b).isEqualTo(Semantics.taken(jmp32, op, a, b));
                    int imm = (int) b;
                    long immediate = run(Instruction.LoadImm64.constant(1, a), Instruction.Alu.imm(true, AluOp.MOV, 0, 1),
                            Instruction.Jump.ifImm(jmp32, op, 1, imm, 1), Instruction.Alu.imm(true, AluOp.MOV, 0, 0));
                    assertThat(immediate == 1).as("%s%s 0x%x, imm %d", op, jmp32 ? "32" : "", a, imm).isEqualTo(Semantics.taken(jmp32, op, a, imm));
                }
            }
        }
    }

    @Test
    void byteSwapsAgreeWithSemantics() {
        for (EndianOp op : EndianOp.values()) {
            for (int bits : new int[] {16, 32, 64}) {
                for (long v : EDGES) {
                    long got = run(Instruction.LoadImm64.constant(0, v), new Instruction.Endian(op, 0, bits));
                    assertThat(got).as("%s%d 0x%x", op, bits, v).isEqualTo(Semantics.endian(op, bits, v));
                }
            }
        }
    }

    @Test
    void loadsWidenAsSemanticsSays() {
        long pattern = 0x8182_8384_8586_8788L;
        for (Size size : Size.values()) {
            for (boolean signed : new boolean[] {false, true}) {
                if (signed && size == Size.DW) continue;
                long got = run(Instruction.LoadImm64.constant(1, pattern), Instruction.Store.reg(Size.DW, 10, -8, 1),
                        new Instruction.Load(size, signed, 0, 10, -8));
                assertThat(got).as("load %s signed=%s", size, signed).isEqualTo(Semantics.extend(pattern, size, signed));
            }
        }
    }
}
