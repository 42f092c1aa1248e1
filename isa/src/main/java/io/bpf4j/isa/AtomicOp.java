package io.bpf4j.isa;

/** Read-modify-write operations of {@code STX | ATOMIC}. */
public enum AtomicOp {
    ADD(Opcodes.ADD, "+="),
    OR(Opcodes.OR, "|="),
    AND(Opcodes.AND, "&="),
    XOR(Opcodes.XOR, "^="),
    XCHG(Opcodes.XCHG & ~Opcodes.FETCH, null),
    CMPXCHG(Opcodes.CMPXCHG & ~Opcodes.FETCH, null);

    private final int code;
    private final String symbol;

    AtomicOp(int code, String symbol) {
        this.code = code;
        this.symbol = symbol;
    }

    /** The imm value without the fetch bit. */
    public int code() {
        return code;
    }

    public String symbol() {
        return symbol;
    }

    /** XCHG and CMPXCHG always return the old value; the others only with the fetch bit. */
    public boolean alwaysFetches() {
        return this == XCHG || this == CMPXCHG;
    }

    static AtomicOp decode(int code) {
        for (AtomicOp op : values()) {
            if (op.code == code) return op;
        }
        return null;
    }
}
