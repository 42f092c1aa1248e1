package io.bpf4j.isa;

/** Jump conditions. {@link #JA} is unconditional. */
public enum JumpOp {
    JA(Opcodes.JA, null),
    JEQ(Opcodes.JEQ, "=="),
    JGT(Opcodes.JGT, ">"),
    JGE(Opcodes.JGE, ">="),
    JSET(Opcodes.JSET, "&"),
    JNE(Opcodes.JNE, "!="),
    JSGT(Opcodes.JSGT, "s>"),
    JSGE(Opcodes.JSGE, "s>="),
    JLT(Opcodes.JLT, "<"),
    JLE(Opcodes.JLE, "<="),
    JSLT(Opcodes.JSLT, "s<"),
    JSLE(Opcodes.JSLE, "s<=");

    private final int code;
    private final String symbol;

    JumpOp(int code, String symbol) {
        this.code = code;
        this.symbol = symbol;
    }

    public int code() {
        return code;
    }

    /** The comparison llvm-objdump prints, e.g. {@code s>=}; null for JA. */
    public String symbol() {
        return symbol;
    }

    public boolean isConditional() {
        return this != JA;
    }

    /** The condition that holds exactly when this one does not (JSET has none: returns null). */
    public JumpOp negate() {
        return switch (this) {
            case JEQ -> JNE;
            case JNE -> JEQ;
            case JGT -> JLE;
            case JLE -> JGT;
            case JGE -> JLT;
            case JLT -> JGE;
            case JSGT -> JSLE;
            case JSLE -> JSGT;
            case JSGE -> JSLT;
            case JSLT -> JSGE;
            case JA, JSET -> null;
        };
    }

    static JumpOp decode(int code) {
        for (JumpOp op : values()) {
            if (op.code == code) return op;
        }
        return null;
    }
}
