package io.bpf4j.isa;

/**
 * Arithmetic operations, canonical: the signed division forms and the sign-extending moves are their
 * own operations here although the encoding folds them into DIV/MOD/MOV with a non-zero offset.
 */
public enum AluOp {
    ADD(Opcodes.ADD, 0, "+="),
    SUB(Opcodes.SUB, 0, "-="),
    MUL(Opcodes.MUL, 0, "*="),
    DIV(Opcodes.DIV, 0, "/="),
    SDIV(Opcodes.DIV, 1, "s/="),
    OR(Opcodes.OR, 0, "|="),
    AND(Opcodes.AND, 0, "&="),
    LSH(Opcodes.LSH, 0, "<<="),
    RSH(Opcodes.RSH, 0, ">>="),
    NEG(Opcodes.NEG, 0, "= -"),
    MOD(Opcodes.MOD, 0, "%="),
    SMOD(Opcodes.MOD, 1, "s%="),
    XOR(Opcodes.XOR, 0, "^="),
    MOV(Opcodes.MOV, 0, "="),
    MOVSX8(Opcodes.MOV, 8, "= (s8)"),
    MOVSX16(Opcodes.MOV, 16, "= (s16)"),
    MOVSX32(Opcodes.MOV, 32, "= (s32)"),
    ARSH(Opcodes.ARSH, 0, "s>>=");

    private final int code;
    private final int offset;
    private final String symbol;

    AluOp(int code, int offset, String symbol) {
        this.code = code;
        this.offset = offset;
        this.symbol = symbol;
    }

    /** The operation nibble of the opcode byte. */
    public int code() {
        return code;
    }

    /** The value the offset field carries for this operation (1 for sdiv/smod, 8/16/32 for movsx). */
    public int offset() {
        return offset;
    }

    /** The operator llvm-objdump prints, e.g. {@code +=} or {@code s>>=}. */
    public String symbol() {
        return symbol;
    }

    public boolean isSignExtendingMove() {
        return this == MOVSX8 || this == MOVSX16 || this == MOVSX32;
    }

    /** Operations that may trap in other ISAs but are total in eBPF: division and modulo. */
    public boolean isDivision() {
        return this == DIV || this == SDIV || this == MOD || this == SMOD;
    }

    public boolean isShift() {
        return this == LSH || this == RSH || this == ARSH;
    }

    static AluOp decode(int code, int offset) {
        for (AluOp op : values()) {
            if (op.code == code && op.offset == offset) return op;
        }
        return null;
    }
}
