package io.bpf4j.isa;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 9669's corner cases, each value worked out by hand from the RFC's text, then a differential check of
 * every ALU operation against arbitrary-precision arithmetic written straight from the RFC's definitions.
 */
class SemanticsTest {
    private static final long MIN64 = Long.MIN_VALUE;
    private static final long INT_MIN_ZEXT = 0x8000_0000L;

    @Test
    void unsignedDivisionByZeroGivesZero() {
        assertThat(Semantics.div64(42, 0)).isZero();
        assertThat(Semantics.div32(42, 0)).isZero();
        // only the low 32 bits of the divisor count in 32-bit ALU: 0x1_00000000 is a zero divisor
        assertThat(Semantics.div32(42, 0x1_0000_0000L)).isZero();
        assertThat(Semantics.alu(true, AluOp.DIV, -1, 0)).isZero();
    }

    @Test
    void unsignedModuloByZeroLeavesTheDividend() {
        assertThat(Semantics.mod64(0xdead_beef_0000_0005L, 0)).isEqualTo(0xdead_beef_0000_0005L);
        // mod32 leaves the dividend truncated to 32 bits (then zero-extended)
        assertThat(Semantics.mod32(0xdead_beef_0000_0005L, 0)).isEqualTo(5);
        assertThat(Semantics.mod32(0xffff_ffff_ffff_fffbL, 0)).isEqualTo(0xffff_fffbL);
    }

    @Test
    void unsignedDivisionTreatsOperandsAsUnsigned() {
        assertThat(Semantics.div64(-1, 2)).isEqualTo(0x7fff_ffff_ffff_ffffL);
        assertThat(Semantics.div32(0xffff_ffffL, 2)).isEqualTo(0x7fff_ffffL);
        // the conformance suite's mod with imm -1: 2^32 % (2^64-1) = 2^32 (imm sign-extends to 64 bits)
        assertThat(Semantics.mod64(0x1_0000_0000L, -1)).isEqualTo(0x1_0000_0000L);
    }

    @Test
    void signedDivisionOverflowAndZero() {
        assertThat(Semantics.sdiv64(MIN64, -1)).isEqualTo(MIN64);
        assertThat(Semantics.smod64(MIN64, -1)).isZero();
        assertThat(Semantics.sdiv32(Integer.MIN_VALUE, -1)).isEqualTo(INT_MIN_ZEXT);
        assertThat(Semantics.smod32(Integer.MIN_VALUE, -1)).isZero();
        assertThat(Semantics.sdiv64(-7, 0)).isZero();
        assertThat(Semantics.sdiv32(-7, 0)).isZero();
        assertThat(Semantics.smod64(-7, 0)).isEqualTo(-7);
        assertThat(Semantics.smod32(-7, 0)).isEqualTo(0xffff_fff9L);
    }

    @Test
    void signedDivisionTruncatesTowardZero() {
        assertThat(Semantics.sdiv64(-13, 3)).isEqualTo(-4);
        assertThat(Semantics.smod64(-13, 3)).isEqualTo(-1);
        assertThat(Semantics.smod64(13, -3)).isEqualTo(1);
        assertThat(Semantics.sdiv32(-13, 3)).isEqualTo(0xffff_fffcL);
        assertThat(Semantics.smod32(-13, 3)).isEqualTo(0xffff_ffffL);
    }

    @Test
    void shiftCountsAreMaskedToTheOperandWidth() {
        assertThat(Semantics.lsh64(1, 65)).isEqualTo(2);
        assertThat(Semantics.lsh64(1, 64)).isEqualTo(1);
        assertThat(Semantics.rsh64(MIN64, 127)).isEqualTo(1);
        assertThat(Semantics.arsh64(MIN64, 63)).isEqualTo(-1);
        assertThat(Semantics.lsh32(1, 33)).isEqualTo(2);
        assertThat(Semantics.lsh32(1, 32)).isEqualTo(1);
        assertThat(Semantics.rsh32(0x8000_0000L, 35)).isEqualTo(0x1000_0000L);
        // 32-bit shifts see only the low half of dst
        assertThat(Semantics.rsh32(0xffff_ffff_8000_0000L, 4)).isEqualTo(0x0800_0000L);
        assertThat(Semantics.arsh32(0x8000_0000L, 4)).isEqualTo(0xf800_0000L);
        assertThat(Semantics.arsh32(0x8000_0000L, 36)).isEqualTo(0xf800_0000L);
    }

    @Test
    void thirtyTwoBitResultsZeroExtend() {
        assertThat(Semantics.alu(false, AluOp.ADD, 0xffff_ffffL, 1)).isZero();
        assertThat(Semantics.alu(false, AluOp.SUB, 0, 1)).isEqualTo(0xffff_ffffL);
        assertThat(Semantics.alu(false, AluOp.MOV, 0x1234_5678_9abc_def0L, -1)).isEqualTo(0xffff_ffffL);
        assertThat(Semantics.alu(false, AluOp.NEG, 1, 0)).isEqualTo(0xffff_ffffL);
        assertThat(Semantics.alu(false, AluOp.MUL, 0x1_0000_0002L, 0x8000_0000L)).isZero();
        assertThat(Semantics.alu(false, AluOp.OR, 0xffff_ffff_0000_0000L, 1)).isEqualTo(1);
        assertThat(Semantics.alu(false, AluOp.XOR, 0xffff_ffff_0000_0000L, 0)).isZero();
        assertThat(Semantics.alu(true, AluOp.NEG, 1, 0)).isEqualTo(-1);
        // an ALU64 immediate is sign-extended before the operation: mov r0, -1 gives all ones
        assertThat(Semantics.alu(true, AluOp.MOV, 0, (int) 0xffff_ffffL)).isEqualTo(-1);
    }

    @Test
    void signExtendingMoves() {
        assertThat(Semantics.alu(true, AluOp.MOVSX8, 0, 0x80)).isEqualTo(0xffff_ffff_ffff_ff80L);
        assertThat(Semantics.alu(true, AluOp.MOVSX8, 0, 0x7f)).isEqualTo(0x7f);
        assertThat(Semantics.alu(true, AluOp.MOVSX16, 0, 0x1_8000)).isEqualTo(0xffff_ffff_ffff_8000L);
        assertThat(Semantics.alu(true, AluOp.MOVSX32, 0, 0x8000_0000L)).isEqualTo(0xffff_ffff_8000_0000L);
        assertThat(Semantics.alu(true, AluOp.MOVSX32, 0, 0xffff_ffff_0f0f_0f0fL)).isEqualTo(0x0f0f_0f0fL);
        // the 32-bit forms sign-extend into 32 bits, then zero the upper half
        assertThat(Semantics.alu(false, AluOp.MOVSX8, 0, 0x80)).isEqualTo(0xffff_ff80L);
        assertThat(Semantics.alu(false, AluOp.MOVSX16, 0, 0x8000)).isEqualTo(0xffff_8000L);
    }

    @Test
    void byteSwaps() {
        long v = 0x1122_3344_5566_7788L;
        assertThat(Semantics.endian(EndianOp.TO_BE, 16, v)).isEqualTo(0x8877L);
        assertThat(Semantics.endian(EndianOp.TO_BE, 32, v)).isEqualTo(0x8877_6655L);
        assertThat(Semantics.endian(EndianOp.TO_BE, 64, v)).isEqualTo(0x8877_6655_4433_2211L);
        assertThat(Semantics.endian(EndianOp.TO_LE, 16, v)).isEqualTo(0x7788L);
        assertThat(Semantics.endian(EndianOp.TO_LE, 32, v)).isEqualTo(0x5566_7788L);
        assertThat(Semantics.endian(EndianOp.TO_LE, 64, v)).isEqualTo(v);
        assertThat(Semantics.endian(EndianOp.BSWAP, 16, v)).isEqualTo(0x8877L);
        assertThat(Semantics.endian(EndianOp.BSWAP, 32, v)).isEqualTo(0x8877_6655L);
        assertThat(Semantics.endian(EndianOp.BSWAP, 64, v)).isEqualTo(0x8877_6655_4433_2211L);
    }

    @Test
    void thirtyTwoBitJumpsCompareOnlyTheLowHalf() {
        assertThat(Semantics.taken(true, JumpOp.JEQ, 0x1_0000_0005L, 5)).isTrue();
        assertThat(Semantics.taken(false, JumpOp.JEQ, 0x1_0000_0005L, 5)).isFalse();
        assertThat(Semantics.taken(true, JumpOp.JGT, 0x1_0000_0000L, 0)).isFalse();
        assertThat(Semantics.taken(true, JumpOp.JSLT, 0x8000_0000L, 0)).isTrue();
        assertThat(Semantics.taken(false, JumpOp.JSLT, 0x8000_0000L, 0)).isFalse();
        assertThat(Semantics.taken(true, JumpOp.JGT, 0xffff_ffffL, 1)).isTrue();
        assertThat(Semantics.taken(true, JumpOp.JSGT, 0xffff_ffffL, 1)).isFalse();
        assertThat(Semantics.taken(true, JumpOp.JSET, 0x1_0000_0000L, 0x1_0000_0000L)).isFalse();
        assertThat(Semantics.taken(false, JumpOp.JSET, 0x1_0000_0000L, 0x1_0000_0000L)).isTrue();
        assertThat(Semantics.taken(true, JumpOp.JLE, 0x7_0000_0003L, 3)).isTrue();
        assertThat(Semantics.taken(true, JumpOp.JSGE, -1, -1)).isTrue();
    }

    @Test
    void sixtyFourBitJumpsDistinguishSignedness() {
        assertThat(Semantics.taken(false, JumpOp.JGT, -1, 1)).isTrue();
        assertThat(Semantics.taken(false, JumpOp.JSGT, -1, 1)).isFalse();
        assertThat(Semantics.taken(false, JumpOp.JLT, 1, -1)).isTrue();
        assertThat(Semantics.taken(false, JumpOp.JSLT, 1, -1)).isFalse();
        assertThat(Semantics.taken(false, JumpOp.JGE, 5, 5)).isTrue();
        assertThat(Semantics.taken(false, JumpOp.JNE, 5, 5)).isFalse();
        assertThat(Semantics.taken(false, JumpOp.JSLE, MIN64, Long.MAX_VALUE)).isTrue();
        assertThat(Semantics.taken(false, JumpOp.JA, 0, 0)).isTrue();
    }

    @Test
    void loadsExtend() {
        assertThat(Semantics.extend(0xff, Size.B, false)).isEqualTo(0xff);
        assertThat(Semantics.extend(0xff, Size.B, true)).isEqualTo(-1);
        assertThat(Semantics.extend(0x1_8000, Size.H, true)).isEqualTo(0xffff_ffff_ffff_8000L);
        assertThat(Semantics.extend(0xffff_ffff_8000_0000L, Size.W, false)).isEqualTo(0x8000_0000L);
        assertThat(Semantics.extend(0x8000_0000L, Size.W, true)).isEqualTo(0xffff_ffff_8000_0000L);
        assertThat(Semantics.extend(-1, Size.DW, false)).isEqualTo(-1);
    }

    @Test
    void atomicOperationsStore() {
        assertThat(Semantics.atomic(AtomicOp.ADD, 40, 2)).isEqualTo(42);
        assertThat(Semantics.atomic(AtomicOp.OR, 0xf0, 0x0f)).isEqualTo(0xff);
        assertThat(Semantics.atomic(AtomicOp.AND, 0xf0, 0x3c)).isEqualTo(0x30);
        assertThat(Semantics.atomic(AtomicOp.XOR, 0xff, 0x0f)).isEqualTo(0xf0);
        assertThat(Semantics.atomic(AtomicOp.XCHG, 1, 2)).isEqualTo(2);
    }

    // ---- differential: every ALU op against BigInteger arithmetic written from the RFC's definitions ----

    private static final BigInteger TWO64 = BigInteger.ONE.shiftLeft(64);

    private static BigInteger unsigned(long v, int bits) {
        BigInteger b = BigInteger.valueOf(v);
        if (b.signum() < 0) b = b.add(TWO64);
        return b.mod(BigInteger.ONE.shiftLeft(bits));
    }

    private static BigInteger signed(long v, int bits) {
        BigInteger u = unsigned(v, bits);
        return u.testBit(bits - 1) ? u.subtract(BigInteger.ONE.shiftLeft(bits)) : u;
    }

    /** The RFC's definition of each operation at width {@code bits}, result truncated to that width (zero-extended). */
    private static long reference(AluOp op, int bits, long dst, long src) {
        BigInteger a = unsigned(dst, bits), b = unsigned(src, bits);
        BigInteger sa = signed(dst, bits), sb = signed(src, bits);
        int mask = bits - 1;
        BigInteger r = switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.subtract(b);
            case MUL -> a.multiply(b);
            case DIV -> b.signum() == 0 ? BigInteger.ZERO : a.divide(b);
            case MOD -> b.signum() == 0 ? a : a.mod(b);
            // BigInteger divide/remainder truncate toward zero, as the RFC's sdiv/smod do
            case SDIV -> sb.signum() == 0 ? BigInteger.ZERO : sa.divide(sb);
            case SMOD -> sb.signum() == 0 ? sa : sa.remainder(sb);
            case OR -> a.or(b);
            case AND -> a.and(b);
            case XOR -> a.xor(b);
            case LSH -> a.shiftLeft(b.intValue() & mask);
            case RSH -> a.shiftRight(b.intValue() & mask);
            case ARSH -> sa.shiftRight(b.intValue() & mask);
            case NEG -> sa.negate();
            case MOV -> b;
            case MOVSX8 -> signed(src, 8);
            case MOVSX16 -> signed(src, 16);
            case MOVSX32 -> signed(src, 32);
        };
        return unsigned(r.longValue(), bits).longValue();
    }

    @Test
    void everyAluOperationAgreesWithTheRfcDefinition() {
        SplittableRandom random = new SplittableRandom(9669);
        long[] interesting = {0, 1, -1, 2, -2, 31, 32, 63, 64, MIN64, Long.MAX_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE,
                0xffff_ffffL, 0x8000_0000L, 0x1_0000_0000L, 0x80, 0x8000};
        for (AluOp op : AluOp.values()) {
            for (boolean alu64 : new boolean[]{false, true}) {
                if (op == AluOp.MOVSX32 && !alu64) continue; // not encodable
                for (int i = 0; i < 5_000; i++) {
                    long dst = i < 400 ? interesting[i % interesting.length] : random.nextLong();
                    long src = i < 400 ? interesting[(i / interesting.length) % interesting.length] : random.nextLong();
                    long expected = reference(op, alu64 ? 64 : 32, dst, src);
                    assertThat(Semantics.alu(alu64, op, dst, src))
                            .as("%s%s 0x%x, 0x%x", op, alu64 ? "" : "32", dst, src).isEqualTo(expected);
                }
            }
        }
    }
}
