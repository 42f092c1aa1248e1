package io.bpf4j.isa;

/** The bit fields of the opcode byte (RFC 9669 section 3), named once. */
public final class Opcodes {
    private Opcodes() {}

    // instruction classes: the low three bits
    public static final int CLASS_MASK = 0x07;
    public static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, JMP32 = 0x06, ALU64 = 0x07;

    // arithmetic and jump: source bit and operation nibble
    public static final int SRC_MASK = 0x08;
    public static final int K = 0x00, X = 0x08;
    public static final int OP_MASK = 0xf0;

    // load and store: size bits and mode bits
    public static final int SIZE_MASK = 0x18;
    public static final int SIZE_W = 0x00, SIZE_H = 0x08, SIZE_B = 0x10, SIZE_DW = 0x18;
    public static final int MODE_MASK = 0xe0;
    public static final int MODE_IMM = 0x00, MODE_ABS = 0x20, MODE_IND = 0x40, MODE_MEM = 0x60, MODE_MEMSX = 0x80,
            MODE_ATOMIC = 0xc0;

    // alu operations
    public static final int ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70,
            NEG = 0x80, MOD = 0x90, XOR = 0xa0, MOV = 0xb0, ARSH = 0xc0, END = 0xd0;

    // jump operations
    public static final int JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40, JNE = 0x50, JSGT = 0x60, JSGE = 0x70,
            CALL = 0x80, EXIT = 0x90, JLT = 0xa0, JLE = 0xb0, JSLT = 0xc0, JSLE = 0xd0;

    // atomic operations (in imm)
    public static final int FETCH = 0x01;
    public static final int XCHG = 0xe0 | FETCH, CMPXCHG = 0xf0 | FETCH;

    // call kinds (src register of 0x85)
    public static final int CALL_HELPER = 0, CALL_LOCAL = 1, CALL_KFUNC = 2;

    // whole opcodes used often enough to deserve a name
    public static final int LDDW = LD | SIZE_DW | MODE_IMM; // 0x18
    public static final int CALL_OP = JMP | CALL | K; // 0x85
    public static final int CALLX_OP = JMP | CALL | X; // 0x8d
    public static final int EXIT_OP = JMP | EXIT; // 0x95

    public static final int MAX_REGISTER = 10;
    public static final int FRAME_POINTER = 10;
}
