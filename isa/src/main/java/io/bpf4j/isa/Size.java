package io.bpf4j.isa;

/** Width of a memory access. */
public enum Size {
    B(1, Opcodes.SIZE_B, "u8"),
    H(2, Opcodes.SIZE_H, "u16"),
    W(4, Opcodes.SIZE_W, "u32"),
    DW(8, Opcodes.SIZE_DW, "u64");

    private final int bytes;
    private final int bits;
    private final String cType;

    Size(int bytes, int bits, String cType) {
        this.bytes = bytes;
        this.bits = bits;
        this.cType = cType;
    }

    public int bytes() {
        return bytes;
    }

    /** The size bits within the opcode byte. */
    public int opcodeBits() {
        return bits;
    }

    /** The unsigned C type llvm-objdump prints for this width ({@code u8} … {@code u64}). */
    public String cType() {
        return cType;
    }

    /** The signed C type ({@code s8} … {@code s64}). */
    public String signedCType() {
        return "s" + cType.substring(1);
    }

    public static Size fromOpcode(int opcode) {
        return switch (opcode & Opcodes.SIZE_MASK) {
            case Opcodes.SIZE_W -> W;
            case Opcodes.SIZE_H -> H;
            case Opcodes.SIZE_B -> B;
            default -> DW;
        };
    }

    public static Size ofBytes(int n) {
        return switch (n) {
            case 1 -> B;
            case 2 -> H;
            case 4 -> W;
            case 8 -> DW;
            default -> throw new IllegalArgumentException("no access size of " + n + " bytes");
        };
    }
}
