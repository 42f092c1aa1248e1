package io.bpf4j.isa.testing;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Valid instructions of every kind, drawn at random with a bias towards the values where text and encodings
 * go wrong (0, ±1, the extremes of each field, sign bits). Deterministic for a given generator seed.
 */
public final class RandomInstructions {
    private final RandomGenerator random;

    public RandomInstructions(RandomGenerator random) {
        this.random = random;
    }

    private static final int[] INTERESTING_INTS = {0, 1, -1, 2, 5, 16, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000,
            0xffff, 0x10000, 0x7fffffff, Integer.MIN_VALUE, -2, -0x8000, -0x8001, 0x12345678, 0xdeadbeef};

    public int register() {
        return random.nextInt(11);
    }

    public int imm() {
        return random.nextInt(3) == 0 ? random.nextInt() : INTERESTING_INTS[random.nextInt(INTERESTING_INTS.length)];
    }

    public int offset() {
        return switch (random.nextInt(4)) {
            case 0 -> (short) random.nextInt();
            case 1 -> Short.MIN_VALUE;
            case 2 -> Short.MAX_VALUE;
            default -> random.nextInt(-64, 65);
        };
    }

    private <T> T pick(T[] values) {
        return values[random.nextInt(values.length)];
    }

    public Instruction alu() {
        boolean alu64 = random.nextBoolean();
        AluOp op = pick(AluOp.values());
        if (op == AluOp.NEG) return Instruction.Alu.imm(alu64, op, register(), 0);
        if (op.isSignExtendingMove()) {
            if (op == AluOp.MOVSX32) alu64 = true;
            return Instruction.Alu.reg(alu64, op, register(), register());
        }
        return random.nextBoolean() ? Instruction.Alu.reg(alu64, op, register(), register()) : Instruction.Alu.imm(alu64, op, register(), imm());
    }

    public Instruction endian() {
        return new Instruction.Endian(pick(EndianOp.values()), register(), new int[]{16, 32, 64}[random.nextInt(3)]);
    }

    public Instruction jump() {
        JumpOp op = pick(JumpOp.values());
        if (op == JumpOp.JA) return random.nextBoolean() ? Instruction.Jump.always(offset()) : Instruction.Jump.alwaysLong(imm());
        boolean jmp32 = random.nextBoolean();
        return random.nextBoolean() ? Instruction.Jump.ifReg(jmp32, op, register(), register(), offset())
                : Instruction.Jump.ifImm(jmp32, op, register(), imm(), offset());
    }

    public Instruction call() {
        return switch (random.nextInt(4)) {
            case 0 -> Instruction.Call.helper(imm());
            case 1 -> Instruction.Call.local(imm());
            case 2 -> new Instruction.Call(CallKind.KFUNC, imm(), random.nextBoolean() ? 0 : offset());
            default -> new Instruction.CallIndirect(register());
        };
    }

    public Instruction load() {
        Size size = pick(Size.values());
        boolean signed = size != Size.DW && random.nextBoolean();
        return new Instruction.Load(size, signed, register(), register(), offset());
    }

    public Instruction store() {
        Size size = pick(Size.values());
        return random.nextBoolean() ? Instruction.Store.reg(size, register(), offset(), register())
                : Instruction.Store.imm(size, register(), offset(), imm());
    }

    public Instruction atomic() {
        AtomicOp op = pick(AtomicOp.values());
        boolean fetch = op.alwaysFetches() || random.nextBoolean();
        return new Instruction.Atomic(random.nextBoolean() ? Size.W : Size.DW, op, fetch, register(), register(), offset());
    }

    public Instruction loadImm64() {
        Pseudo pseudo = random.nextInt(3) == 0 ? pick(Pseudo.values()) : Pseudo.IMM;
        return new Instruction.LoadImm64(register(), pseudo, imm(), random.nextInt(3) == 0 ? 0 : imm());
    }

    public Instruction packetLoad() {
        Size size = pick(new Size[]{Size.B, Size.H, Size.W});
        return random.nextBoolean() ? new Instruction.PacketLoad(size, false, 0, imm())
                : new Instruction.PacketLoad(size, true, register(), random.nextBoolean() ? 0 : imm());
    }

    /** One instruction; every kind of the sealed model is equally likely. */
    public Instruction next() {
        return switch (random.nextInt(11)) {
            case 0 -> alu();
            case 1 -> endian();
            case 2 -> jump();
            case 3 -> call();
            case 4 -> new Instruction.Exit();
            case 5 -> load();
            case 6 -> store();
            case 7 -> atomic();
            case 8 -> loadImm64();
            case 9 -> packetLoad();
            default -> alu(); // arithmetic dominates real programs
        };
    }

    public List<Instruction> next(int count) {
        List<Instruction> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(next());
        return out;
    }
}
