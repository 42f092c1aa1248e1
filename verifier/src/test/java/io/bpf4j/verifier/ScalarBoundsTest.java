package io.bpf4j.verifier;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Semantics;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Soundness, checked on random members: whatever concrete values the operands hold, the concrete result is a
 * member of the abstract result, and a comparison that holds is never declared impossible.
 */
class ScalarBoundsTest {
    private static final int ROUNDS = 8_000;

    /** A random abstract value and one concrete member of it. */
    private record Sample(ScalarBounds bounds, long member) {}

    static boolean member(ScalarBounds b, long x) {
        int lo = (int) x;
        return !b.isEmpty() && x >= b.smin() && x <= b.smax()
                && Long.compareUnsigned(x, b.umin()) >= 0 && Long.compareUnsigned(x, b.umax()) <= 0
                && lo >= b.s32min() && lo <= b.s32max()
                && Integer.compareUnsigned(lo, b.u32min()) >= 0 && Integer.compareUnsigned(lo, b.u32max()) <= 0
                && b.tnum().contains(Tnum.constant(x));
    }

    private static long interesting(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> r.nextInt(16) - 8;
            case 1 -> r.nextInt(1 << 16);
            case 2 -> r.nextLong();
            case 3 -> 0xffffffffL - r.nextInt(4);
            case 4 -> Long.MIN_VALUE + r.nextInt(4);
            default -> r.nextInt();
        };
    }

    private static Sample sample(Random r) {
        long x = interesting(r);
        return switch (r.nextInt(5)) {
            case 0 -> new Sample(ScalarBounds.constant(x), x);
            case 1 -> {
                long spread = r.nextBoolean() ? r.nextInt(300) : r.nextLong() >>> r.nextInt(64);
                long lo = x - (spread == 0 ? 0 : Math.floorMod(r.nextLong(), spread + 1));
                long hi = lo + spread;
                // [lo, hi] as an unsigned range when it does not wrap, else unknown
                ScalarBounds b = Long.compareUnsigned(lo, hi) <= 0 && Long.compareUnsigned(lo, x) <= 0 && Long.compareUnsigned(x, hi) <= 0
                        ? ScalarBounds.unsignedRange(lo, hi) : ScalarBounds.UNKNOWN;
                yield new Sample(b, x);
            }
            case 2 -> {
                long mask = r.nextLong() & r.nextLong();
                Tnum t = new Tnum(x & ~mask, mask);
                yield new Sample(ScalarBounds.UNKNOWN.withTnum(t).normalize(), x);
            }
            case 3 -> {
                long lo = Math.min(x, x - r.nextInt(1000)), hi = Math.max(x, x + r.nextInt(1000));
                if (lo > x || hi < x) yield new Sample(ScalarBounds.constant(x), x);
                yield new Sample(ScalarBounds.UNKNOWN.withSigned(lo, hi).normalize(), x);
            }
            default -> new Sample(ScalarBounds.UNKNOWN, x);
        };
    }

    @Test
    void samplesAreMembers() {
        Random r = new Random(1);
        for (int i = 0; i < ROUNDS; i++) {
            Sample s = sample(r);
            assertThat(member(s.bounds(), s.member())).as("%s has %d", s.bounds(), s.member()).isTrue();
        }
    }

    @Test
    void aluResultsContainTheConcreteResult() {
        Random r = new Random(2);
        for (AluOp op : AluOp.values()) {
            for (boolean alu64 : new boolean[] {true, false}) {
                if (op == AluOp.MOVSX32 && !alu64) continue;
                for (int i = 0; i < ROUNDS / 4; i++) {
                    Sample a = sample(r), b = sample(r);
                    if (op.isShift() && r.nextBoolean()) {
                        long k = r.nextInt(alu64 ? 64 : 32);
                        b = new Sample(ScalarBounds.constant(k), k);
                    }
                    if (op == AluOp.NEG) b = new Sample(ScalarBounds.ZERO, 0);
                    ScalarBounds res = a.bounds().alu(alu64, op, b.bounds());
                    long concrete = Semantics.alu(alu64, op, a.member(), b.member());
                    assertThat(member(res, concrete))
                            .as("%s%s: %s (%d) op %s (%d) = %d, got %s", op, alu64 ? "" : "32", a.bounds().describe(), a.member(),
                                    b.bounds().describe(), b.member(), concrete, res.describe())
                            .isTrue();
                }
            }
        }
    }

    @Test
    void endianResultsContainTheConcreteResult() {
        Random r = new Random(3);
        for (EndianOp op : EndianOp.values()) {
            for (int bits : new int[] {16, 32, 64}) {
                for (int i = 0; i < 2000; i++) {
                    Sample a = sample(r);
                    assertThat(member(a.bounds().endian(op, bits), Semantics.endian(op, bits, a.member()))).isTrue();
                }
            }
        }
    }

    @Test
    void comparisonsNeverLoseAPossibleOutcome() {
        Random r = new Random(4);
        for (JumpOp op : JumpOp.values()) {
            if (op == JumpOp.JA) continue;
            for (boolean jmp32 : new boolean[] {true, false}) {
                for (int i = 0; i < ROUNDS / 4; i++) {
                    Sample a = sample(r), b = sample(r);
                    if (r.nextInt(4) == 0) b = new Sample(ScalarBounds.constant(a.member()), a.member());
                    boolean taken = Semantics.taken(jmp32, op, a.member(), b.member());
                    ScalarBounds.Pair p;
                    if (taken) {
                        p = ScalarBounds.refine(jmp32, op, a.bounds(), b.bounds());
                    } else if (op == JumpOp.JSET) {
                        p = ScalarBounds.refineJsetFalse(jmp32, a.bounds(), b.bounds());
                    } else {
                        p = ScalarBounds.refine(jmp32, op.negate(), a.bounds(), b.bounds());
                    }
                    String what = String.format("%s%s %s (%d) vs %s (%d) taken=%b", op, jmp32 ? "32" : "",
                            a.bounds().describe(), a.member(), b.bounds().describe(), b.member(), taken);
                    assertThat(p).as(what).isNotNull();
                    assertThat(member(p.dst(), a.member())).as(what + " dst " + p.dst().describe()).isTrue();
                    assertThat(member(p.src(), b.member())).as(what + " src " + p.src().describe()).isTrue();
                }
            }
        }
    }

    @Test
    void comparisonsNarrow() {
        ScalarBounds x = ScalarBounds.unknownOfSize(4);
        ScalarBounds.Pair p = ScalarBounds.refine(false, JumpOp.JLT, x, ScalarBounds.constant(10));
        assertThat(p.dst().umax()).isEqualTo(9);
        assertThat(p.dst().smin()).isEqualTo(0);
        assertThat(ScalarBounds.refine(false, JumpOp.JGT, ScalarBounds.constant(3), ScalarBounds.constant(5))).isNull();
        ScalarBounds.Pair s = ScalarBounds.refine(false, JumpOp.JSGE, ScalarBounds.UNKNOWN, ScalarBounds.ZERO);
        assertThat(s.dst().umax()).isEqualTo(Long.MAX_VALUE);
        ScalarBounds.Pair w = ScalarBounds.refine(true, JumpOp.JLE, ScalarBounds.unknownOfSize(4), ScalarBounds.constant(100));
        assertThat(w.dst().umax()).isEqualTo(100);
    }

    @Test
    void tnumArithmeticIsSound() {
        Random r = new Random(5);
        for (int i = 0; i < ROUNDS; i++) {
            long ma = r.nextLong() & r.nextLong(), mb = r.nextLong() & r.nextLong();
            long x = r.nextLong(), y = r.nextLong();
            Tnum a = new Tnum(x & ~ma, ma), b = new Tnum(y & ~mb, mb);
            assertThat(a.add(b).contains(Tnum.constant(x + y))).isTrue();
            assertThat(a.sub(b).contains(Tnum.constant(x - y))).isTrue();
            assertThat(a.mul(b).contains(Tnum.constant(x * y))).isTrue();
            assertThat(a.and(b).contains(Tnum.constant(x & y))).isTrue();
            assertThat(a.or(b).contains(Tnum.constant(x | y))).isTrue();
            assertThat(a.xor(b).contains(Tnum.constant(x ^ y))).isTrue();
            int k = r.nextInt(64);
            assertThat(a.lshift(k).contains(Tnum.constant(x << k))).isTrue();
            assertThat(a.rshift(k).contains(Tnum.constant(x >>> k))).isTrue();
            assertThat(a.arshift(k, 64).contains(Tnum.constant(x >> k))).isTrue();
            long lo = Math.min(x, y), hi = Math.max(x, y);
            if (Long.compareUnsigned(lo, hi) > 0) { long t = lo; lo = hi; hi = t; }
            long mid = lo + ((hi - lo) >>> 1);
            assertThat(Tnum.range(lo, hi).contains(Tnum.constant(mid))).isTrue();
        }
    }
}
