package io.bpf4j.linux;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Size;
import io.bpf4j.isa.Source;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Random programs the kernel's verifier accepts under the conformance contract (r1 = 64 bytes of memory):
 * every scratch register starts as an unknown scalar loaded from memory (so nothing is constant-folded by
 * the verifier) and is spilled to the stack ({@value #STACK} bytes below r10), then ALU, byte-swap, load,
 * store, atomic and forward-jump instructions mix them, on the memory and on the stack; r0 ends as the xor
 * of all scratch registers folded with every stack slot, so a wrong stack byte shows in r0. No loops, no
 * helper calls, no constant shift ≥ width, no division by a constant zero, no read of a stack byte not
 * written before — the only things the verifier refuses in this instruction mix — and no atomic on the stack
 * (Linux miscomputes some: {@link ExplainedDivergence#KERNEL_DIVERGES_FROM_RFC_ON_STACK_SPILLS}).
 */
final class RandomPrograms {
    static final int MEMORY = 64;
    /** Bytes of stack the programs use: r10 - STACK .. r10 - 1, all written in the prologue. */
    static final int STACK = 64;
    private static final int[] SCRATCH = {0, 2, 3, 4, 5, 6, 7, 8, 9};
    private static final AluOp[] ALU = {AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.DIV, AluOp.SDIV, AluOp.OR, AluOp.AND,
            AluOp.LSH, AluOp.RSH, AluOp.NEG, AluOp.MOD, AluOp.SMOD, AluOp.XOR, AluOp.MOV, AluOp.MOVSX8, AluOp.MOVSX16,
            AluOp.MOVSX32, AluOp.ARSH};
    private static final JumpOp[] CONDITIONS = {JumpOp.JEQ, JumpOp.JGT, JumpOp.JGE, JumpOp.JSET, JumpOp.JNE, JumpOp.JSGT,
            JumpOp.JSGE, JumpOp.JLT, JumpOp.JLE, JumpOp.JSLT, JumpOp.JSLE};
    private static final Size[] SIZES = Size.values();

    private final RandomGenerator random;

    RandomPrograms(RandomGenerator random) {
        this.random = random;
    }

    byte[] memory() {
        byte[] m = new byte[MEMORY];
        random.nextBytes(m);
        return m;
    }

    Instructions program(int bodyLength) {
        List<Instruction> out = new ArrayList<>();
        for (int r : SCRATCH) {
            Size size = SIZES[random.nextInt(SIZES.length)];
            boolean signed = size != Size.DW && random.nextBoolean();
            out.add(new Instruction.Load(size, signed, r, 1, aligned(size)));
        }
        for (int slot = 0; slot < STACK / 8; slot++) out.add(Instruction.Store.reg(Size.DW, 10, -8 * (slot + 1), SCRATCH[slot + 1]));
        List<Instruction> body = new ArrayList<>();
        for (int i = 0; i < bodyLength; i++) body.add(instruction());
        // forward jumps: over 1..3 of the following body instructions, never past the end of the body
        for (int i = 0; i < body.size(); i++) {
            if (random.nextInt(6) == 0) {
                int skip = Math.min(1 + random.nextInt(3), body.size() - i - 1);
                if (skip > 0) body.set(i, jump(skip, body, i));
            }
        }
        out.addAll(body);
        for (int r : SCRATCH) if (r != 0) out.add(Instruction.Alu.reg(true, AluOp.XOR, 0, r));
        for (int slot = 0; slot < STACK / 8; slot++) { // r0 = r0 * 31 ^ slot
            out.add(new Instruction.Load(Size.DW, false, 2, 10, -8 * (slot + 1)));
            out.add(Instruction.Alu.imm(true, AluOp.MUL, 0, 31));
            out.add(Instruction.Alu.reg(true, AluOp.XOR, 0, 2));
        }
        out.add(new Instruction.Exit());
        return Instructions.of(out);
    }

    private Instruction jump(int skip, List<Instruction> body, int at) {
        int slots = 0;
        for (int k = at + 1; k <= at + skip; k++) slots += body.get(k).slots();
        JumpOp op = CONDITIONS[random.nextInt(CONDITIONS.length)];
        boolean jmp32 = random.nextBoolean();
        int dst = scratch();
        return random.nextBoolean() ? Instruction.Jump.ifReg(jmp32, op, dst, scratch(), slots)
                : Instruction.Jump.ifImm(jmp32, op, dst, immediate(), slots);
    }

    private Instruction instruction() {
        int kind = random.nextInt(24);
        if (kind < 12) return alu();
        if (kind >= 20) return access(10, -STACK, STACK);
        if (kind < 14) {
            EndianOp op = EndianOp.values()[random.nextInt(EndianOp.values().length)];
            return new Instruction.Endian(op, scratch(), new int[] {16, 32, 64}[random.nextInt(3)]);
        }
        return access(1, 0, MEMORY);
    }

    /** A load, store or atomic on {@code base + from .. base + from + length - 1}, naturally aligned. */
    private Instruction access(int base, int from, int length) {
        // Linux 6.18's verifier mis-models atomics on stack slots that hold spilled registers and then removes
        // paths the program takes (ExplainedDivergence.KERNEL_DIVERGES_FROM_RFC_ON_STACK_SPILLS):
        // atomics go to the memory only
        int kind = random.nextInt(base == 10 ? 4 : 6);
        if (kind < 2) {
            Size size = SIZES[random.nextInt(SIZES.length)];
            return new Instruction.Load(size, size != Size.DW && random.nextBoolean(), scratch(), base, from + aligned(size, length));
        }
        if (kind < 4) {
            Size size = SIZES[random.nextInt(SIZES.length)];
            return random.nextBoolean() ? Instruction.Store.reg(size, base, from + aligned(size, length), scratch())
                    : Instruction.Store.imm(size, base, from + aligned(size, length), immediate());
        }
        Size size = random.nextBoolean() ? Size.W : Size.DW;
        AtomicOp op = AtomicOp.values()[random.nextInt(AtomicOp.values().length)];
        boolean fetch = op.alwaysFetches() || random.nextBoolean();
        int src = scratch();
        if (op == AtomicOp.CMPXCHG && src == 0) src = 2; // cmpxchg compares with r0; r0 as the source is refused
        return new Instruction.Atomic(size, op, fetch, base, src, from + aligned(size, length));
    }

    private Instruction alu() {
        AluOp op = ALU[random.nextInt(ALU.length)];
        boolean alu64 = op == AluOp.MOVSX32 || random.nextBoolean();
        int dst = scratch();
        if (op == AluOp.NEG) return new Instruction.Alu(alu64, op, dst, Source.IMM, 0, 0);
        if (op.isSignExtendingMove()) return Instruction.Alu.reg(alu64, op, dst, scratch());
        if (random.nextBoolean()) return Instruction.Alu.reg(alu64, op, dst, scratch());
        int imm = immediate();
        if (op == AluOp.LSH || op == AluOp.RSH || op == AluOp.ARSH) imm &= alu64 ? 63 : 31;
        if (op.isDivision() && imm == 0) imm = 1 + random.nextInt(7);
        return Instruction.Alu.imm(alu64, op, dst, imm);
    }

    private int immediate() {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(-8, 9);
            case 1 -> random.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE;
            case 2 -> -1;
            default -> random.nextInt();
        };
    }

    private int scratch() {
        return SCRATCH[random.nextInt(SCRATCH.length)];
    }

    private int aligned(Size size) {
        return aligned(size, MEMORY);
    }

    private int aligned(Size size, int length) {
        return random.nextInt(length / size.bytes()) * size.bytes();
    }
}
