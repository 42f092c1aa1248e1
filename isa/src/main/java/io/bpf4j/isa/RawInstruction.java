package io.bpf4j.isa;

/**
 * Field access on one 8-byte instruction slot, read as a little-endian long.
 *
 * <pre>
 *  bit 63            32 31        16 15   12 11    8 7           0
 *  +------------------+------------+-------+-------+-------------+
 *  |   imm (s32)      | off (s16)  |  src  |  dst  |   opcode    |
 *  +------------------+------------+-------+-------+-------------+
 * </pre>
 */
public final class RawInstruction {
    private RawInstruction() {}

    public static int opcode(long raw) {
        return (int) (raw & 0xff);
    }

    public static int dst(long raw) {
        return (int) ((raw >>> 8) & 0xf);
    }

    public static int src(long raw) {
        return (int) ((raw >>> 12) & 0xf);
    }

    public static int offset(long raw) {
        return (short) (raw >>> 16);
    }

    public static int imm(long raw) {
        return (int) (raw >>> 32);
    }

    public static long pack(int opcode, int dst, int src, int offset, int imm) {
        return (opcode & 0xffL)
                | ((dst & 0xfL) << 8)
                | ((src & 0xfL) << 12)
                | ((offset & 0xffffL) << 16)
                | ((imm & 0xffffffffL) << 32);
    }

    /** The slot's bytes in file order, e.g. {@code b7 01 00 00 05 00 00 00}. */
    public static String hex(long raw) {
        StringBuilder sb = new StringBuilder(23);
        for (int i = 0; i < 8; i++) {
            if (i > 0) sb.append(' ');
            int b = (int) ((raw >>> (8 * i)) & 0xff);
            sb.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }
}
