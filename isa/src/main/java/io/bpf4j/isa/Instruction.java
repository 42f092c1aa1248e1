package io.bpf4j.isa;

/**
 * One eBPF instruction in canonical form. Decoding validates every field (reserved fields must be zero,
 * as Linux demands), so {@link #encode} of a decoded instruction gives back the exact bytes.
 *
 * <p>A switch over this sealed interface is exhaustive: adding an instruction kind breaks the build
 * wherever it still has to be handled (interpreter, verifier, JIT, disassembler).
 */
public sealed interface Instruction
        permits Instruction.Alu, Instruction.Endian, Instruction.Jump, Instruction.Call, Instruction.CallIndirect,
                Instruction.Exit, Instruction.Load, Instruction.Store, Instruction.Atomic, Instruction.LoadImm64,
                Instruction.PacketLoad {

    /** Number of 8-byte slots: 2 for {@code lddw}, 1 for everything else. */
    default int slots() {
        return 1;
    }

    /** The opcode byte. */
    int opcode();

    /** The first (or only) slot, little-endian. */
    long encode();

    private static int checkReg(int r, String what) {
        if (r < 0 || r > Opcodes.MAX_REGISTER) throw new IllegalArgumentException(what + " register r" + r + " does not exist");
        return r;
    }

    /** ALU (32-bit, zero-extending) or ALU64 arithmetic: {@code dst = dst op src}, or {@code dst = op src} for NEG/MOV. */
    record Alu(boolean alu64, AluOp op, int dst, Source source, int src, int imm) implements Instruction {
        public Alu {
            Instruction.checkReg(dst, "destination");
            Instruction.checkReg(src, "source");
            if (source == Source.IMM && src != 0) throw new IllegalArgumentException("immediate form with source register r" + src);
            if (source == Source.REG && imm != 0) throw new IllegalArgumentException("register form with immediate " + imm);
            if (op == AluOp.NEG && (source != Source.IMM || imm != 0)) throw new IllegalArgumentException("neg takes no operand");
            if (op.isSignExtendingMove() && source != Source.REG) throw new IllegalArgumentException("movsx needs a source register");
            if (op == AluOp.MOVSX32 && !alu64) throw new IllegalArgumentException("32-bit movsx from 32 bits does not exist");
        }

        public static Alu reg(boolean alu64, AluOp op, int dst, int src) {
            return new Alu(alu64, op, dst, Source.REG, src, 0);
        }

        public static Alu imm(boolean alu64, AluOp op, int dst, int imm) {
            return new Alu(alu64, op, dst, Source.IMM, 0, imm);
        }

        @Override
        public int opcode() {
            return (alu64 ? Opcodes.ALU64 : Opcodes.ALU) | op.code() | (source == Source.REG ? Opcodes.X : Opcodes.K);
        }

        @Override
        public long encode() {
            return RawInstruction.pack(opcode(), dst, src, op.offset(), imm);
        }
    }

    /** Byte swap or endianness conversion of {@code dst} to {@code bits} (16, 32 or 64). */
    record Endian(EndianOp op, int dst, int bits) implements Instruction {
        public Endian {
            Instruction.checkReg(dst, "destination");
            if (bits != 16 && bits != 32 && bits != 64) throw new IllegalArgumentException("byte swap width " + bits);
        }

        @Override
        public int opcode() {
            return switch (op) {
                case TO_LE -> Opcodes.ALU | Opcodes.END | Opcodes.K;
                case TO_BE -> Opcodes.ALU | Opcodes.END | Opcodes.X;
                case BSWAP -> Opcodes.ALU64 | Opcodes.END | Opcodes.K;
            };
        }

        @Override
        public long encode() {
            return RawInstruction.pack(opcode(), dst, 0, 0, bits);
        }
    }

    /**
     * A jump. Conditional jumps compare {@code dst} with {@code src} or {@code imm} (the low 32 bits when
     * {@code jmp32}). {@code JA} in the JMP class jumps by {@code offset}; in the JMP32 class (gotol, cpu v4)
     * it jumps by {@code imm}.
     */
    record Jump(boolean jmp32, JumpOp op, int dst, Source source, int src, int offset, int imm) implements Instruction {
        public Jump {
            Instruction.checkReg(dst, "destination");
            Instruction.checkReg(src, "source");
            if (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE) throw new IllegalArgumentException("jump offset " + offset + " does not fit 16 bits");
            if (op == JumpOp.JA) {
                if (dst != 0 || src != 0 || source != Source.IMM) throw new IllegalArgumentException("ja takes no registers");
                if (jmp32 ? offset != 0 : imm != 0) throw new IllegalArgumentException("ja uses " + (jmp32 ? "imm" : "off") + " only");
            } else {
                if (source == Source.IMM && src != 0) throw new IllegalArgumentException("immediate form with source register r" + src);
                if (source == Source.REG && imm != 0) throw new IllegalArgumentException("register form with immediate " + imm);
            }
        }

        public static Jump always(int offset) {
            return new Jump(false, JumpOp.JA, 0, Source.IMM, 0, offset, 0);
        }

        public static Jump alwaysLong(int offset) {
            return new Jump(true, JumpOp.JA, 0, Source.IMM, 0, 0, offset);
        }

        public static Jump ifImm(boolean jmp32, JumpOp op, int dst, int imm, int offset) {
            return new Jump(jmp32, op, dst, Source.IMM, 0, offset, imm);
        }

        public static Jump ifReg(boolean jmp32, JumpOp op, int dst, int src, int offset) {
            return new Jump(jmp32, op, dst, Source.REG, src, offset, 0);
        }

        /** True for the 32-bit-displacement form {@code gotol}. */
        public boolean isLong() {
            return jmp32 && op == JumpOp.JA;
        }

        /** Slots to skip after the next instruction when the jump is taken. */
        public int displacement() {
            return isLong() ? imm : offset;
        }

        /** The slot the jump lands on when taken, from this instruction's slot {@code pc}. */
        public int target(int pc) {
            return pc + 1 + displacement();
        }

        @Override
        public int opcode() {
            return (jmp32 ? Opcodes.JMP32 : Opcodes.JMP) | op.code() | (source == Source.REG ? Opcodes.X : Opcodes.K);
        }

        @Override
        public long encode() {
            return RawInstruction.pack(opcode(), dst, src, offset, imm);
        }
    }

    /** {@code call}: a helper by number, a local subprogram by relative offset, or a kfunc by BTF id. */
    record Call(CallKind kind, int imm, int offset) implements Instruction {
        public Call {
            if (kind != CallKind.KFUNC && offset != 0) throw new IllegalArgumentException(kind + " call with offset " + offset);
        }

        public static Call helper(int id) {
            return new Call(CallKind.HELPER, id, 0);
        }

        public static Call local(int relative) {
            return new Call(CallKind.LOCAL, relative, 0);
        }

        /** For a local call: the first slot of the callee, from this instruction's slot {@code pc}. */
        public int target(int pc) {
            return pc + 1 + imm;
        }

        @Override
        public int opcode() {
            return Opcodes.CALL_OP;
        }

        @Override
        public long encode() {
            return RawInstruction.pack(opcode(), 0, kind.src(), offset, imm);
        }
    }

    /** {@code callx}: a local call through a function pointer held in {@code reg}. */
    record CallIndirect(int reg) implements Instruction {
        public CallIndirect {
            Instruction.checkReg(reg, "target");
        }

        @Override
        public int opcode() {
            return Opcodes.CALLX_OP;
        }

        @Override
        public long encode() {
            return RawInstruction.pack(opcode(), reg, 0, 0, 0);
        }
    }

    /** {@code exit}: return r0 to the caller frame, or end the program. */
    record Exit() implements Instruction {
        @Override
        public int opcode() {
            return Opcodes.EXIT_OP;
        }

        @Override
        public long encode() {
            return RawInstruction.pack(opcode(), 0, 0, 0, 0);
        }
    }

    /** {@code dst = *(size *)(src + offset)}, zero- or sign-extended. */
    record Load(Size size, boolean signExtend, int dst, int src, int offset) implements Instruction {
        public Load {
            Instruction.checkReg(dst, "destination");
            Instruction.checkReg(src, "source");
            checkOffset(offset);
            if (signExtend && size == Size.DW) throw new IllegalArgumentException("sign-extending 64-bit load does not exist");
        }

        @Override
        public int opcode() {
            return Opcodes.LDX | size.opcodeBits() | (signExtend ? Opcodes.MODE_MEMSX : Opcodes.MODE_MEM);
        }

        @Override
        public long encode() {
            return RawInstruction.pack(opcode(), dst, src, offset, 0);
        }
    }

    /** {@code *(size *)(dst + offset) = src} (STX) or {@code = imm} (ST). */
    record Store(Size size, int dst, int offset, Source source, int src, int imm) implements Instruction {
        public Store {
            Instruction.checkReg(dst, "destination");
            Instruction.checkReg(src, "source");
            checkOffset(offset);
            if (source == Source.IMM && src != 0) throw new IllegalArgumentException("immediate store with source register r" + src);
            if (source == Source.REG && imm != 0) throw new IllegalArgumentException("register store with immediate " + imm);
        }

        public static Store reg(Size size, int dst, int offset, int src) {
            return new Store(size, dst, offset, Source.REG, src, 0);
        }

        public static Store imm(Size size, int dst, int offset, int imm) {
            return new Store(size, dst, offset, Source.IMM, 0, imm);
        }

        @Override
        public int opcode() {
            return (source == Source.REG ? Opcodes.STX : Opcodes.ST) | size.opcodeBits() | Opcodes.MODE_MEM;
        }

        @Override
        public long encode() {
            return RawInstruction.pack(opcode(), dst, src, offset, imm);
        }
    }

    /**
     * Atomic read-modify-write of {@code *(size *)(dst + offset)} with {@code src}. With {@code fetch} the old
     * value lands in {@code src}; CMPXCHG compares with and returns into r0.
     */
    record Atomic(Size size, AtomicOp op, boolean fetch, int dst, int src, int offset) implements Instruction {
        public Atomic {
            Instruction.checkReg(dst, "destination");
            Instruction.checkReg(src, "source");
            checkOffset(offset);
            if (size != Size.W && size != Size.DW) throw new IllegalArgumentException("atomic access of " + size.bytes() + " bytes");
            if (op.alwaysFetches() && !fetch) throw new IllegalArgumentException(op + " always fetches");
        }

        public int immediate() {
            return op.code() | (fetch ? Opcodes.FETCH : 0);
        }

        @Override
        public int opcode() {
            return Opcodes.STX | size.opcodeBits() | Opcodes.MODE_ATOMIC;
        }

        @Override
        public long encode() {
            return RawInstruction.pack(opcode(), dst, src, offset, immediate());
        }
    }

    /**
     * {@code lddw}: a 64-bit immediate over two slots. {@code pseudo} says whether it is a plain constant or
     * names a map, a map value, a BTF id or a function; {@code imm} and {@code nextImm} are the two halves.
     */
    record LoadImm64(int dst, Pseudo pseudo, int imm, int nextImm) implements Instruction {
        public LoadImm64 {
            Instruction.checkReg(dst, "destination");
        }

        public static LoadImm64 constant(int dst, long value) {
            return new LoadImm64(dst, Pseudo.IMM, (int) value, (int) (value >>> 32));
        }

        /** The 64-bit constant (for {@link Pseudo#IMM}); for other kinds the two halves joined. */
        public long value() {
            return (imm & 0xffffffffL) | ((long) nextImm << 32);
        }

        @Override
        public int slots() {
            return 2;
        }

        @Override
        public int opcode() {
            return Opcodes.LDDW;
        }

        @Override
        public long encode() {
            return RawInstruction.pack(opcode(), dst, pseudo.src(), 0, imm);
        }

        /** The second slot: opcode 0, only the upper immediate. */
        public long encodeSecond() {
            return RawInstruction.pack(0, 0, 0, 0, nextImm);
        }
    }

    /**
     * Legacy packet load ({@code LD_ABS} / {@code LD_IND}): {@code r0 = ntoh(*(size *)(skb->data + [src +] imm))}.
     * Only socket-filter style programs may use it.
     */
    record PacketLoad(Size size, boolean indirect, int src, int imm) implements Instruction {
        public PacketLoad {
            Instruction.checkReg(src, "source");
            if (size == Size.DW) throw new IllegalArgumentException("64-bit legacy packet load does not exist");
            if (!indirect && src != 0) throw new IllegalArgumentException("absolute packet load with source register r" + src);
        }

        @Override
        public int opcode() {
            return Opcodes.LD | size.opcodeBits() | (indirect ? Opcodes.MODE_IND : Opcodes.MODE_ABS);
        }

        @Override
        public long encode() {
            return RawInstruction.pack(opcode(), 0, src, 0, imm);
        }
    }

    private static void checkOffset(int offset) {
        if (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE) throw new IllegalArgumentException("offset " + offset + " does not fit 16 bits");
    }
}
