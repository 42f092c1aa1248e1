package io.bpf4j.isa;

/**
 * What each computing instruction does to concrete values: the single definition that the interpreter
 * calls, the JIT emits calls to (HotSpot inlines them), and the verifier folds constants with.
 *
 * <p>RFC 9669 rules: shift counts are masked to the operand width; unsigned division by zero gives 0 and
 * modulo by zero leaves the dividend; signed {@code MIN / -1} gives MIN and {@code MIN % -1} gives 0;
 * every 32-bit result is zero-extended into the 64-bit register. An immediate operand is the 32-bit
 * immediate sign-extended to 64 bits before any of this.
 */
public final class Semantics {
    private Semantics() {}

    // ---- 64-bit ALU ----------------------------------------------------------------------------

    public static long div64(long a, long b) {
        return b == 0 ? 0 : Long.divideUnsigned(a, b);
    }

    public static long mod64(long a, long b) {
        return b == 0 ? a : Long.remainderUnsigned(a, b);
    }

    public static long sdiv64(long a, long b) {
        if (b == 0) return 0;
        if (b == -1) return -a; // MIN / -1 wraps to MIN, like the hardware would not
        return a / b;
    }

    public static long smod64(long a, long b) {
        if (b == 0) return a;
        if (b == -1) return 0;
        return a % b;
    }

    public static long lsh64(long a, long b) {
        return a << (b & 63);
    }

    public static long rsh64(long a, long b) {
        return a >>> (b & 63);
    }

    public static long arsh64(long a, long b) {
        return a >> (b & 63);
    }

    // ---- 32-bit ALU: operands are the low 32 bits, the result is zero-extended --------------------

    public static long zext(int v) {
        return v & 0xffffffffL;
    }

    public static long div32(long a, long b) {
        int d = (int) b;
        return d == 0 ? 0 : zext(Integer.divideUnsigned((int) a, d));
    }

    public static long mod32(long a, long b) {
        int d = (int) b;
        return d == 0 ? zext((int) a) : zext(Integer.remainderUnsigned((int) a, d));
    }

    public static long sdiv32(long a, long b) {
        int x = (int) a, d = (int) b;
        if (d == 0) return 0;
        if (d == -1) return zext(-x);
        return zext(x / d);
    }

    public static long smod32(long a, long b) {
        int x = (int) a, d = (int) b;
        if (d == 0) return zext(x);
        if (d == -1) return 0;
        return zext(x % d);
    }

    public static long lsh32(long a, long b) {
        return zext((int) a << (b & 31));
    }

    public static long rsh32(long a, long b) {
        return zext((int) a >>> (b & 31));
    }

    public static long arsh32(long a, long b) {
        return zext((int) a >> (b & 31));
    }

    /**
     * One ALU operation. {@code src} is the source register's value or the sign-extended immediate;
     * for NEG it is ignored.
     */
    public static long alu(boolean alu64, AluOp op, long dst, long src) {
        if (alu64) {
            return switch (op) {
                case ADD -> dst + src;
                case SUB -> dst - src;
                case MUL -> dst * src;
                case DIV -> div64(dst, src);
                case SDIV -> sdiv64(dst, src);
                case OR -> dst | src;
                case AND -> dst & src;
                case LSH -> lsh64(dst, src);
                case RSH -> rsh64(dst, src);
                case NEG -> -dst;
                case MOD -> mod64(dst, src);
                case SMOD -> smod64(dst, src);
                case XOR -> dst ^ src;
                case MOV -> src;
                case MOVSX8 -> (byte) src;
                case MOVSX16 -> (short) src;
                case MOVSX32 -> (int) src;
                case ARSH -> arsh64(dst, src);
            };
        }
        return switch (op) {
            case ADD -> zext((int) dst + (int) src);
            case SUB -> zext((int) dst - (int) src);
            case MUL -> zext((int) dst * (int) src);
            case DIV -> div32(dst, src);
            case SDIV -> sdiv32(dst, src);
            case OR -> zext((int) dst | (int) src);
            case AND -> zext((int) dst & (int) src);
            case LSH -> lsh32(dst, src);
            case RSH -> rsh32(dst, src);
            case NEG -> zext(-(int) dst);
            case MOD -> mod32(dst, src);
            case SMOD -> smod32(dst, src);
            case XOR -> zext((int) dst ^ (int) src);
            case MOV -> zext((int) src);
            case MOVSX8 -> zext((byte) src);
            case MOVSX16 -> zext((short) src);
            case MOVSX32 -> zext((int) src); // not encodable; kept total
            case ARSH -> arsh32(dst, src);
        };
    }

    // ---- byte order ------------------------------------------------------------------------------

    public static long endian(EndianOp op, int bits, long v) {
        if (op == EndianOp.TO_LE) {
            return switch (bits) {
                case 16 -> v & 0xffffL;
                case 32 -> v & 0xffffffffL;
                default -> v;
            };
        }
        return switch (bits) {
            case 16 -> Short.reverseBytes((short) v) & 0xffffL;
            case 32 -> Integer.reverseBytes((int) v) & 0xffffffffL;
            default -> Long.reverseBytes(v);
        };
    }

    // ---- jumps -----------------------------------------------------------------------------------

    /** Whether a conditional jump is taken. With {@code jmp32} only the low 32 bits are compared. */
    public static boolean taken(boolean jmp32, JumpOp op, long dst, long src) {
        if (jmp32) {
            int a = (int) dst, b = (int) src;
            return switch (op) {
                case JA -> true;
                case JEQ -> a == b;
                case JNE -> a != b;
                case JGT -> Integer.compareUnsigned(a, b) > 0;
                case JGE -> Integer.compareUnsigned(a, b) >= 0;
                case JLT -> Integer.compareUnsigned(a, b) < 0;
                case JLE -> Integer.compareUnsigned(a, b) <= 0;
                case JSET -> (a & b) != 0;
                case JSGT -> a > b;
                case JSGE -> a >= b;
                case JSLT -> a < b;
                case JSLE -> a <= b;
            };
        }
        return switch (op) {
            case JA -> true;
            case JEQ -> dst == src;
            case JNE -> dst != src;
            case JGT -> Long.compareUnsigned(dst, src) > 0;
            case JGE -> Long.compareUnsigned(dst, src) >= 0;
            case JLT -> Long.compareUnsigned(dst, src) < 0;
            case JLE -> Long.compareUnsigned(dst, src) <= 0;
            case JSET -> (dst & src) != 0;
            case JSGT -> dst > src;
            case JSGE -> dst >= src;
            case JSLT -> dst < src;
            case JSLE -> dst <= src;
        };
    }

    // ---- loads -----------------------------------------------------------------------------------

    /** Widens a value read from memory: zero-extension, or sign-extension for LDXS* loads. */
    public static long extend(long raw, Size size, boolean signed) {
        return switch (size) {
            case B -> signed ? (byte) raw : raw & 0xffL;
            case H -> signed ? (short) raw : raw & 0xffffL;
            case W -> signed ? (int) raw : raw & 0xffffffffL;
            case DW -> raw;
        };
    }

    /** The value an atomic operation stores, given the old memory value and the operand (not XCHG/CMPXCHG). */
    public static long atomic(AtomicOp op, long old, long operand) {
        return switch (op) {
            case ADD -> old + operand;
            case OR -> old | operand;
            case AND -> old & operand;
            case XOR -> old ^ operand;
            case XCHG, CMPXCHG -> operand;
        };
    }
}
