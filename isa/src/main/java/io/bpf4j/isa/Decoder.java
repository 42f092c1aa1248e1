package io.bpf4j.isa;

import static io.bpf4j.isa.Opcodes.*;

/**
 * Raw slots to canonical {@link Instruction}s. Every field is checked the way Linux checks it at load
 * (reserved fields zero, known opcodes only), so the error can name the pc and the instruction.
 */
public final class Decoder {
    private Decoder() {}

    /**
     * Decodes the instruction at {@code pc}. {@code next} is the following slot (only read for lddw);
     * {@code hasNext} says whether there is one.
     */
    public static Instruction decode(int pc, long raw, long next, boolean hasNext) {
        int opcode = RawInstruction.opcode(raw);
        int dst = RawInstruction.dst(raw);
        int src = RawInstruction.src(raw);
        int off = RawInstruction.offset(raw);
        int imm = RawInstruction.imm(raw);
        Bad bad = problem -> new MalformedInstructionException(pc, raw, problem);
        if (dst > MAX_REGISTER) throw bad.at("invalid destination register r" + dst);
        if (src > MAX_REGISTER && !(opcode == LDDW || (opcode == CALL_OP))) throw bad.at("invalid source register r" + src);
        int cls = opcode & CLASS_MASK;
        return switch (cls) {
            case ALU, ALU64 -> decodeAlu(bad, opcode, dst, src, off, imm);
            case JMP, JMP32 -> decodeJump(bad, opcode, dst, src, off, imm);
            case LDX -> {
                int mode = opcode & MODE_MASK;
                Size size = Size.fromOpcode(opcode);
                if (mode != MODE_MEM && mode != MODE_MEMSX) throw bad.at("unknown opcode 0x" + Integer.toHexString(opcode));
                if (mode == MODE_MEMSX && size == Size.DW) throw bad.at("unknown opcode 0x" + Integer.toHexString(opcode) + " (no 64-bit sign-extending load)");
                if (imm != 0) throw bad.at("BPF_LDX uses reserved fields (imm " + imm + ")");
                yield new Instruction.Load(size, mode == MODE_MEMSX, dst, src, off);
            }
            case ST -> {
                if ((opcode & MODE_MASK) != MODE_MEM) throw bad.at("unknown opcode 0x" + Integer.toHexString(opcode));
                if (src != 0) throw bad.at("BPF_ST uses reserved fields (src r" + src + ")");
                yield Instruction.Store.imm(Size.fromOpcode(opcode), dst, off, imm);
            }
            case STX -> {
                int mode = opcode & MODE_MASK;
                Size size = Size.fromOpcode(opcode);
                if (mode == MODE_MEM) {
                    if (imm != 0) throw bad.at("BPF_STX uses reserved fields (imm " + imm + ")");
                    yield Instruction.Store.reg(size, dst, off, src);
                }
                if (mode == MODE_ATOMIC) {
                    if (size != Size.W && size != Size.DW) throw bad.at("invalid atomic operand size " + size.bytes());
                    AtomicOp op = AtomicOp.decode(imm & ~FETCH);
                    boolean fetch = (imm & FETCH) != 0;
                    if (op == null || (op.alwaysFetches() && !fetch)) throw bad.at("BPF_ATOMIC uses invalid atomic opcode 0x" + Integer.toHexString(imm));
                    yield new Instruction.Atomic(size, op, fetch, dst, src, off);
                }
                throw bad.at("unknown opcode 0x" + Integer.toHexString(opcode));
            }
            default /* LD */ -> {
                if (opcode == LDDW) {
                    if (!hasNext) throw bad.at("invalid bpf_ld_imm64 insn: lddw without its second half");
                    if (off != 0) throw bad.at("invalid bpf_ld_imm64 insn: off " + off);
                    Pseudo pseudo = Pseudo.decode(src);
                    if (pseudo == null) throw bad.at("unrecognized bpf_ld_imm64 insn: source " + src);
                    if ((next & 0xffffffffL) != 0) {
                        throw new MalformedInstructionException(pc + 1, next, "invalid bpf_ld_imm64 insn: second half must have opcode, registers and offset 0");
                    }
                    yield new Instruction.LoadImm64(dst, pseudo, imm, RawInstruction.imm(next));
                }
                int mode = opcode & MODE_MASK;
                Size size = Size.fromOpcode(opcode);
                if ((mode == MODE_ABS || mode == MODE_IND) && size != Size.DW) {
                    if (dst != 0 || off != 0 || (mode == MODE_ABS && src != 0)) throw bad.at("BPF_LD_[ABS|IND] uses reserved fields");
                    yield new Instruction.PacketLoad(size, mode == MODE_IND, src, imm);
                }
                throw bad.at("unknown opcode 0x" + Integer.toHexString(opcode));
            }
        };
    }

    private static Instruction decodeAlu(Bad bad, int opcode, int dst, int src, int off, int imm) {
        boolean alu64 = (opcode & CLASS_MASK) == ALU64;
        int code = opcode & OP_MASK;
        boolean reg = (opcode & SRC_MASK) == X;
        if (code == END) {
            if (src != 0 || off != 0) throw bad.at("BPF_END uses reserved fields");
            if (imm != 16 && imm != 32 && imm != 64) throw bad.at("invalid byte swap width " + imm);
            EndianOp op;
            if (!alu64) op = reg ? EndianOp.TO_BE : EndianOp.TO_LE;
            else if (!reg) op = EndianOp.BSWAP;
            else throw bad.at("unknown opcode 0x" + Integer.toHexString(opcode));
            return new Instruction.Endian(op, dst, imm);
        }
        if (code > END) throw bad.at("unknown opcode 0x" + Integer.toHexString(opcode));
        if (code == NEG) {
            if (reg || src != 0 || off != 0 || imm != 0) throw bad.at("BPF_NEG uses reserved fields");
            return new Instruction.Alu(alu64, AluOp.NEG, dst, Source.IMM, 0, 0);
        }
        AluOp op = AluOp.decode(code, off);
        if (op == null) throw bad.at("BPF_ALU uses reserved fields (off " + off + ")");
        if (op == AluOp.MOVSX32 && !alu64) throw bad.at("BPF_ALU uses reserved fields (movsx32 in 32-bit ALU)");
        if (op.isSignExtendingMove() && !reg) throw bad.at("BPF_MOV uses reserved fields (movsx with immediate)");
        if (reg) {
            if (imm != 0) throw bad.at("BPF_ALU uses reserved fields (imm " + imm + " in register form)");
            return Instruction.Alu.reg(alu64, op, dst, src);
        }
        if (src != 0) throw bad.at("BPF_ALU uses reserved fields (src r" + src + " in immediate form)");
        return Instruction.Alu.imm(alu64, op, dst, imm);
    }

    private static Instruction decodeJump(Bad bad, int opcode, int dst, int src, int off, int imm) {
        boolean jmp32 = (opcode & CLASS_MASK) == JMP32;
        int code = opcode & OP_MASK;
        boolean reg = (opcode & SRC_MASK) == X;
        if (code == CALL) {
            if (jmp32) throw bad.at("unknown opcode 0x" + Integer.toHexString(opcode));
            if (reg) {
                if (src != 0 || off != 0 || imm != 0) throw bad.at("BPF_CALLX uses reserved fields");
                return new Instruction.CallIndirect(dst);
            }
            if (dst != 0) throw bad.at("BPF_CALL uses reserved fields (dst r" + dst + ")");
            CallKind kind = switch (src) {
                case CALL_HELPER -> CallKind.HELPER;
                case CALL_LOCAL -> CallKind.LOCAL;
                case CALL_KFUNC -> CallKind.KFUNC;
                default -> throw bad.at("BPF_CALL uses reserved fields (src " + src + ")");
            };
            if (kind != CallKind.KFUNC && off != 0) throw bad.at("BPF_CALL uses reserved fields (off " + off + ")");
            return new Instruction.Call(kind, imm, off);
        }
        if (code == EXIT) {
            if (jmp32 || reg || dst != 0 || src != 0 || off != 0 || imm != 0) throw bad.at("BPF_EXIT uses reserved fields");
            return new Instruction.Exit();
        }
        JumpOp op = JumpOp.decode(code);
        if (op == null) throw bad.at("unknown opcode 0x" + Integer.toHexString(opcode));
        if (op == JumpOp.JA) {
            if (reg || dst != 0 || src != 0) throw bad.at("BPF_JA uses reserved fields");
            if (jmp32) {
                if (off != 0) throw bad.at("BPF_JA uses reserved fields (off with gotol)");
                return Instruction.Jump.alwaysLong(imm);
            }
            if (imm != 0) throw bad.at("BPF_JA uses reserved fields (imm " + imm + ")");
            return Instruction.Jump.always(off);
        }
        if (reg) {
            if (imm != 0) throw bad.at("BPF_JMP uses reserved fields (imm " + imm + " in register form)");
            return Instruction.Jump.ifReg(jmp32, op, dst, src, off);
        }
        if (src != 0) throw bad.at("BPF_JMP uses reserved fields (src r" + src + " in immediate form)");
        return Instruction.Jump.ifImm(jmp32, op, dst, imm, off);
    }

    @FunctionalInterface
    private interface Bad {
        MalformedInstructionException at(String problem);
    }
}
