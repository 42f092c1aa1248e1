package io.bpf4j.verifier;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Semantics;

/**
 * What is known about a 64-bit number: a {@link Tnum} and signed and unsigned ranges of the whole value and of
 * its low 32 bits, kept consistent with one another (each is narrowed by what the others say). Immutable.
 * The same facts the kernel keeps in {@code bpf_reg_state} (var_off, s/u min/max, s32/u32 min/max).
 *
 * <p>Transfer functions ({@link #alu}) over-approximate: the result contains every concrete result of the
 * operation on members of the operands. {@link #refine} narrows both operands of a comparison to the members
 * for which the comparison holds, and answers null when there are none (the branch cannot be taken).
 */
public record ScalarBounds(Tnum tnum, long smin, long smax, long umin, long umax,
                           int s32min, int s32max, int u32min, int u32max) {

    public static final ScalarBounds UNKNOWN = new ScalarBounds(Tnum.UNKNOWN, Long.MIN_VALUE, Long.MAX_VALUE, 0, -1L,
            Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1);
    public static final ScalarBounds ZERO = constant(0);

    public static ScalarBounds constant(long v) {
        return new ScalarBounds(Tnum.constant(v), v, v, v, v, (int) v, (int) v, (int) v, (int) v);
    }

    /** Unknown value of at most {@code bytes} bytes, zero-extended (what a narrow load gives). */
    public static ScalarBounds unknownOfSize(int bytes) {
        if (bytes >= 8) return UNKNOWN;
        long max = (1L << (bytes * 8)) - 1;
        return unsignedRange(0, max);
    }

    /** Any value in the unsigned range [min, max]. */
    public static ScalarBounds unsignedRange(long min, long max) {
        return UNKNOWN.withUnsigned(min, max).normalize();
    }

    public boolean isConst() {
        return tnum.isConst();
    }

    public long constValue() {
        return tnum.value();
    }

    public boolean isConst32() {
        return tnum.subreg().isConst();
    }

    public boolean isEmpty() {
        return Long.compareUnsigned(umin, umax) > 0 || smin > smax || Integer.compareUnsigned(u32min, u32max) > 0
                || s32min > s32max;
    }

    ScalarBounds withUnsigned(long min, long max) {
        return new ScalarBounds(tnum, smin, smax, min, max, s32min, s32max, u32min, u32max);
    }

    ScalarBounds withSigned(long min, long max) {
        return new ScalarBounds(tnum, min, max, umin, umax, s32min, s32max, u32min, u32max);
    }

    ScalarBounds withUnsigned32(int min, int max) {
        return new ScalarBounds(tnum, smin, smax, umin, umax, s32min, s32max, min, max);
    }

    ScalarBounds withSigned32(int min, int max) {
        return new ScalarBounds(tnum, smin, smax, umin, umax, min, max, u32min, u32max);
    }

    ScalarBounds withTnum(Tnum t) {
        return new ScalarBounds(t, smin, smax, umin, umax, s32min, s32max, u32min, u32max);
    }

    // ---- keeping the facts consistent --------------------------------------------------------------

    private static long umaxOf(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    private static long uminOf(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    private static int u32maxOf(int a, int b) {
        return Integer.compareUnsigned(a, b) >= 0 ? a : b;
    }

    private static int u32minOf(int a, int b) {
        return Integer.compareUnsigned(a, b) <= 0 ? a : b;
    }

    /**
     * Narrows every fact by every other until nothing changes (a few rounds suffice). The result may be
     * {@linkplain #isEmpty empty} when the facts contradict each other.
     */
    public ScalarBounds normalize() {
        ScalarBounds b = this;
        for (int round = 0; round < 4; round++) {
            ScalarBounds n = b.step();
            if (n == null) return emptyMarker();
            if (n.equals(b)) return n;
            b = n;
        }
        return b;
    }

    private static ScalarBounds emptyMarker() {
        return new ScalarBounds(Tnum.ZERO, 1, 0, 1, 0, 1, 0, 1, 0);
    }

    private ScalarBounds step() {
        if (isEmpty()) return null;
        Tnum t = tnum;
        long sMin = smin, sMax = smax, uMin = umin, uMax = umax;
        int s32Min = s32min, s32Max = s32max, u32Min = u32min, u32Max = u32max;
        // the tnum bounds every range
        uMin = umaxOf(uMin, t.umin());
        uMax = uminOf(uMax, t.umax());
        sMin = Math.max(sMin, t.smin());
        sMax = Math.min(sMax, t.smax());
        Tnum t32 = t.subreg();
        u32Min = u32maxOf(u32Min, (int) t32.umin());
        u32Max = u32minOf(u32Max, (int) t32.umax());
        s32Min = Math.max(s32Min, (int) (t32.value() | (t32.mask() & 0x80000000L)));
        s32Max = Math.min(s32Max, (int) (t32.value() | (t32.mask() & 0x7fffffffL)));
        // a signed range that does not cross the sign boundary is also an unsigned range, and vice versa
        if (sMin >= 0 || sMax < 0) {
            uMin = umaxOf(uMin, sMin);
            uMax = uminOf(uMax, sMax);
        }
        if ((uMin < 0) == (uMax < 0)) {
            sMin = Math.max(sMin, uMin);
            sMax = Math.min(sMax, uMax);
        }
        if (s32Min >= 0 || s32Max < 0) {
            u32Min = u32maxOf(u32Min, s32Min);
            u32Max = u32minOf(u32Max, s32Max);
        }
        if ((u32Min < 0) == (u32Max < 0)) {
            s32Min = Math.max(s32Min, u32Min);
            s32Max = Math.min(s32Max, u32Max);
        }
        // 64 -> 32: when the upper halves agree, the low halves form a range
        if ((uMin >>> 32) == (uMax >>> 32)) {
            u32Min = u32maxOf(u32Min, (int) uMin);
            u32Max = u32minOf(u32Max, (int) uMax);
        }
        if ((sMin >> 32) == (sMax >> 32)) {
            if ((int) sMin <= (int) sMax) {
                s32Min = Math.max(s32Min, (int) sMin);
                s32Max = Math.min(s32Max, (int) sMax);
            }
        }
        // 32 -> 64: when the upper halves agree, the low-half range bounds the whole value
        if (Integer.compareUnsigned(u32Min, u32Max) <= 0) {
            if ((uMin >>> 32) == (uMax >>> 32)) {
                long hi = uMin & 0xffffffff00000000L;
                uMin = umaxOf(uMin, hi | (u32Min & 0xffffffffL));
                uMax = uminOf(uMax, hi | (u32Max & 0xffffffffL));
            }
            if ((sMin >> 32) == (sMax >> 32)) {
                long hi = sMin & 0xffffffff00000000L;
                sMin = Math.max(sMin, hi | (u32Min & 0xffffffffL));
                sMax = Math.min(sMax, hi | (u32Max & 0xffffffffL));
            }
        }
        ScalarBounds r = new ScalarBounds(t, sMin, sMax, uMin, uMax, s32Min, s32Max, u32Min, u32Max);
        if (r.isEmpty()) return null;
        // the ranges bound the tnum
        Tnum fromRange = Tnum.range(uMin, uMax);
        if (!t.overlaps(fromRange)) return null;
        t = t.intersect(fromRange);
        Tnum low = Tnum.range(u32Min & 0xffffffffL, u32Max & 0xffffffffL);
        if (!t.subreg().overlaps(low)) return null;
        t = t.withSubreg(t.subreg().intersect(low));
        return new ScalarBounds(t, sMin, sMax, uMin, uMax, s32Min, s32Max, u32Min, u32Max);
    }

    /** True when every value this allows, {@code this} also allows: the pruning test ({@code range_within} + {@code tnum_in}). */
    public boolean contains(ScalarBounds o) {
        return smin <= o.smin && smax >= o.smax
                && Long.compareUnsigned(umin, o.umin) <= 0 && Long.compareUnsigned(umax, o.umax) >= 0
                && s32min <= o.s32min && s32max >= o.s32max
                && Integer.compareUnsigned(u32min, o.u32min) <= 0 && Integer.compareUnsigned(u32max, o.u32max) >= 0
                && tnum.contains(o.tnum);
    }

    // ---- ALU -------------------------------------------------------------------------------------

    /** The low 32 bits, zero-extended: what every 32-bit ALU operation leaves in the register. */
    public ScalarBounds zext32() {
        long lo = u32min & 0xffffffffL, hi = u32max & 0xffffffffL;
        return new ScalarBounds(tnum.subreg(), lo, hi, lo, hi, s32min, s32max, u32min, u32max).normalize();
    }

    /** The low 32 bits sign-extended to 64 (movsx from 32). */
    private ScalarBounds sext32() {
        if (isConst32()) return constant((int) tnum.value());
        return new ScalarBounds(Tnum.UNKNOWN, s32min, s32max, 0, -1L, s32min, s32max, u32min, u32max).normalize();
    }

    /**
     * {@code this op src} for scalar operands. For 32-bit operations the operands' low halves are used and
     * the result is zero-extended. Shifts by a constant ≥ the width never reach here (the checks refuse them).
     */
    public ScalarBounds alu(boolean alu64, AluOp op, ScalarBounds src) {
        if (op == AluOp.MOV) return alu64 ? src : src.zext32();
        if (op.isSignExtendingMove()) return movsx(alu64, op, src);
        if (isConst() && src.isConst() || !alu64 && isConst32() && src.isConst32()) {
            return constant(Semantics.alu(alu64, op, tnum.value(), src.tnum.value()));
        }
        if (!alu64) {
            ScalarBounds r = zext32().alu64(op, src.zext32(), 32);
            return r.truncate32();
        }
        return alu64(op, src, 64);
    }

    /** Keeps the low 32 bits of a 64-bit computation on zero-extended operands. */
    private ScalarBounds truncate32() {
        if (Long.compareUnsigned(umax, 0xffffffffL) <= 0) {
            return unsignedRange(umin, umax).withTnum(tnum.subreg()).normalizeFrom(tnum.subreg());
        }
        return unsignedRange(0, 0xffffffffL).withTnum(tnum.subreg()).normalizeFrom(tnum.subreg());
    }

    private ScalarBounds normalizeFrom(Tnum t) {
        return new ScalarBounds(t, smin, smax, umin, umax, s32min, s32max, u32min, u32max).normalize();
    }

    private ScalarBounds alu64(AluOp op, ScalarBounds b, int width) {
        ScalarBounds a = this;
        ScalarBounds r = switch (op) {
            case ADD -> add(a, b);
            case SUB -> sub(a, b);
            case MUL -> mul(a, b);
            case AND -> fromTnum(a.tnum.and(b.tnum)).withUnsigned(0, uminOf(a.umax, b.umax))
                    .withSigned(a.smin >= 0 || b.smin >= 0 ? 0 : Long.MIN_VALUE, Long.MAX_VALUE);
            case OR -> fromTnum(a.tnum.or(b.tnum)).withUnsigned(umaxOf(a.umin, b.umin), -1L)
                    .withSigned(a.smin >= 0 && b.smin >= 0 ? 0 : Long.MIN_VALUE, Long.MAX_VALUE);
            case XOR -> fromTnum(a.tnum.xor(b.tnum))
                    .withSigned(a.smin >= 0 && b.smin >= 0 ? 0 : Long.MIN_VALUE, Long.MAX_VALUE);
            case LSH, RSH, ARSH -> shift(a, op, b, width);
            case DIV -> b.isConst() && b.constValue() != 0
                    ? unsignedRange(Long.divideUnsigned(a.umin, b.constValue()), Long.divideUnsigned(a.umax, b.constValue()))
                    : unsignedRange(0, a.umax);
            case MOD -> b.isConst() && b.constValue() != 0
                    ? unsignedRange(0, uminOf(a.umax, b.constValue() - 1))
                    : unsignedRange(0, a.umax);
            case NEG -> sub(ZERO, a);
            // signed division and modulo: sound but imprecise
            case SDIV, SMOD -> UNKNOWN;
            case MOV, MOVSX8, MOVSX16, MOVSX32 -> throw new IllegalStateException("handled by alu");
        };
        return r.normalize();
    }

    private static ScalarBounds fromTnum(Tnum t) {
        return UNKNOWN.withTnum(t);
    }

    private static ScalarBounds add(ScalarBounds a, ScalarBounds b) {
        long sMin, sMax, uMin, uMax;
        try {
            sMin = Math.addExact(a.smin, b.smin);
            sMax = Math.addExact(a.smax, b.smax);
        } catch (ArithmeticException e) {
            sMin = Long.MIN_VALUE;
            sMax = Long.MAX_VALUE;
        }
        uMin = a.umin + b.umin;
        uMax = a.umax + b.umax;
        if (Long.compareUnsigned(uMax, a.umax) < 0 || Long.compareUnsigned(uMin, a.umin) < 0) {
            uMin = 0;
            uMax = -1L;
        }
        return new ScalarBounds(a.tnum.add(b.tnum), sMin, sMax, uMin, uMax, Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1);
    }

    private static ScalarBounds sub(ScalarBounds a, ScalarBounds b) {
        long sMin, sMax, uMin, uMax;
        try {
            sMin = Math.subtractExact(a.smin, b.smax);
            sMax = Math.subtractExact(a.smax, b.smin);
        } catch (ArithmeticException e) {
            sMin = Long.MIN_VALUE;
            sMax = Long.MAX_VALUE;
        }
        if (Long.compareUnsigned(a.umin, b.umax) >= 0) {
            uMin = a.umin - b.umax;
            uMax = a.umax - b.umin;
        } else {
            uMin = 0;
            uMax = -1L;
        }
        return new ScalarBounds(a.tnum.sub(b.tnum), sMin, sMax, uMin, uMax, Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1);
    }

    private static ScalarBounds mul(ScalarBounds a, ScalarBounds b) {
        Tnum t = a.tnum.mul(b.tnum);
        if (Math.unsignedMultiplyHigh(a.umax, b.umax) == 0) {
            long lo = a.umin * b.umin, hi = a.umax * b.umax;
            return UNKNOWN.withTnum(t).withUnsigned(lo, hi);
        }
        return UNKNOWN.withTnum(t);
    }

    private static ScalarBounds shift(ScalarBounds a, AluOp op, ScalarBounds b, int width) {
        if (!b.isConst() || Long.compareUnsigned(b.constValue(), width) >= 0) {
            return width == 32 ? unsignedRange(0, 0xffffffffL) : UNKNOWN;
        }
        int k = (int) b.constValue();
        return switch (op) {
            case LSH -> {
                Tnum t = a.tnum.lshift(k);
                if (width == 32) t = t.cast(4);
                boolean fits = k == 0 || (a.umax >>> (width - k)) == 0;
                yield fits ? UNKNOWN.withTnum(t).withUnsigned(a.umin << k, a.umax << k) : UNKNOWN.withTnum(t);
            }
            case RSH -> UNKNOWN.withTnum(a.tnum.rshift(k)).withUnsigned(a.umin >>> k, a.umax >>> k);
            case ARSH -> {
                if (width == 32) {
                    yield UNKNOWN.withTnum(a.tnum.arshift(k, 32)).withUnsigned(0, 0xffffffffL)
                            .withSigned32(a.s32min >> k, a.s32max >> k);
                }
                yield UNKNOWN.withTnum(a.tnum.arshift(k, 64)).withSigned(a.smin >> k, a.smax >> k);
            }
            default -> throw new IllegalStateException(op.toString());
        };
    }

    private static ScalarBounds movsx(boolean alu64, AluOp op, ScalarBounds src) {
        int bits = switch (op) {
            case MOVSX8 -> 8;
            case MOVSX16 -> 16;
            default -> 32;
        };
        if (src.isConst()) return constant(Semantics.alu(alu64, op, 0, src.constValue()));
        ScalarBounds r;
        if (bits == 32) {
            r = src.sext32();
        } else {
            long half = 1L << (bits - 1);
            // a value already within [0, 2^(bits-1)) keeps its bounds
            if (Long.compareUnsigned(src.umax, half) < 0) r = src;
            else r = UNKNOWN.withSigned(-half, half - 1).normalize();
        }
        return alu64 ? r : r.zext32();
    }

    /** Byte swaps and truncations ({@code be16}, {@code le32}, {@code bswap64} ...). */
    public ScalarBounds endian(io.bpf4j.isa.EndianOp op, int bits) {
        if (isConst()) return constant(Semantics.endian(op, bits, constValue()));
        if (op == io.bpf4j.isa.EndianOp.TO_LE) {
            if (bits == 64) return this;
            return truncateTo(bits / 8);
        }
        return unknownOfSize(bits / 8);
    }

    /** The low {@code bytes} bytes, zero-extended. */
    public ScalarBounds truncateTo(int bytes) {
        if (bytes >= 8) return this;
        long max = (1L << (bytes * 8)) - 1;
        if (Long.compareUnsigned(umax, max) <= 0) return this;
        return unsignedRange(0, max).withTnum(tnum.cast(bytes)).normalize();
    }

    // ---- comparisons -------------------------------------------------------------------------------

    /** Both operands of a comparison after narrowing; null when the comparison can never hold. */
    public record Pair(ScalarBounds dst, ScalarBounds src) {}

    /**
     * Narrows {@code dst} and {@code src} to the values for which {@code dst op src} holds (compared as
     * 64-bit values, or their low halves when {@code jmp32}). Null when no values make it hold.
     */
    public static Pair refine(boolean jmp32, JumpOp op, ScalarBounds dst, ScalarBounds src) {
        ScalarBounds d = dst, s = src;
        switch (op) {
            case JA -> {
                return new Pair(d, s);
            }
            case JEQ -> {
                if (jmp32) {
                    if (!d.tnum.subreg().overlaps(s.tnum.subreg())) return null;
                    Tnum both = d.tnum.subreg().intersect(s.tnum.subreg());
                    int u0 = u32maxOf(d.u32min, s.u32min), u1 = u32minOf(d.u32max, s.u32max);
                    int s0 = Math.max(d.s32min, s.s32min), s1 = Math.min(d.s32max, s.s32max);
                    d = d.withTnum(d.tnum.withSubreg(both)).withUnsigned32(u0, u1).withSigned32(s0, s1);
                    s = s.withTnum(s.tnum.withSubreg(both)).withUnsigned32(u0, u1).withSigned32(s0, s1);
                } else {
                    if (!d.tnum.overlaps(s.tnum)) return null;
                    Tnum both = d.tnum.intersect(s.tnum);
                    ScalarBounds m = new ScalarBounds(both, Math.max(d.smin, s.smin), Math.min(d.smax, s.smax),
                            umaxOf(d.umin, s.umin), uminOf(d.umax, s.umax),
                            Math.max(d.s32min, s.s32min), Math.min(d.s32max, s.s32max),
                            u32maxOf(d.u32min, s.u32min), u32minOf(d.u32max, s.u32max));
                    d = m;
                    s = m;
                }
            }
            case JNE -> {
                if (jmp32) {
                    if (d.isConst32() && s.isConst32() && (int) d.tnum.value() == (int) s.tnum.value()) return null;
                    if (s.isConst32()) d = d.excludeEndpoint32((int) s.tnum.value());
                    if (d.isConst32()) s = s.excludeEndpoint32((int) d.tnum.value());
                } else {
                    if (d.isConst() && s.isConst() && d.constValue() == s.constValue()) return null;
                    if (s.isConst()) d = d.excludeEndpoint(s.constValue());
                    if (d.isConst()) s = s.excludeEndpoint(d.constValue());
                }
            }
            case JSET -> {
                if (jmp32 ? (d.tnum.subreg().umax() & s.tnum.subreg().umax()) == 0 : (d.tnum.umax() & s.tnum.umax()) == 0) {
                    return null;
                }
                if (s.isConst() && Long.bitCount(s.constValue() & (jmp32 ? 0xffffffffL : -1L)) == 1) {
                    long bit = s.constValue() & (jmp32 ? 0xffffffffL : -1L);
                    Tnum t = d.tnum;
                    d = d.withTnum(new Tnum(t.value() | bit, t.mask() & ~bit));
                }
            }
            case JGT, JGE, JLT, JLE, JSGT, JSGE, JSLT, JSLE -> {
                // normalise to dst < src or dst <= src
                boolean swap = op == JumpOp.JGT || op == JumpOp.JGE || op == JumpOp.JSGT || op == JumpOp.JSGE;
                boolean strict = op == JumpOp.JGT || op == JumpOp.JLT || op == JumpOp.JSGT || op == JumpOp.JSLT;
                boolean signed = op == JumpOp.JSGT || op == JumpOp.JSGE || op == JumpOp.JSLT || op == JumpOp.JSLE;
                ScalarBounds lo = swap ? s : d, hi = swap ? d : s; // lo < (or <=) hi
                ScalarBounds[] r = jmp32 ? lessThan32(lo, hi, strict, signed) : lessThan64(lo, hi, strict, signed);
                if (r == null) return null;
                lo = r[0];
                hi = r[1];
                d = swap ? hi : lo;
                s = swap ? lo : hi;
            }
        }
        d = d.normalize();
        s = s.normalize();
        if (d.isEmpty() || s.isEmpty()) return null;
        return new Pair(d, s);
    }

    /** For the JSET fall-through ({@code dst & src == 0}): bits set in a constant src are known clear in dst. */
    public static Pair refineJsetFalse(boolean jmp32, ScalarBounds dst, ScalarBounds src) {
        if (src.isConst()) {
            long bits = jmp32 ? src.constValue() & 0xffffffffL : src.constValue();
            if ((dst.tnum.value() & bits) != 0) return null;
            ScalarBounds d = dst.withTnum(new Tnum(dst.tnum.value(), dst.tnum.mask() & ~bits)).normalize();
            if (d.isEmpty()) return null;
            return new Pair(d, src);
        }
        return new Pair(dst, src);
    }

    private ScalarBounds excludeEndpoint(long c) {
        ScalarBounds b = this;
        if (b.umin == c) b = b.withUnsigned(c + 1, b.umax);
        else if (b.umax == c) b = b.withUnsigned(b.umin, c - 1);
        if (b.smin == c) b = b.withSigned(c + 1, b.smax);
        else if (b.smax == c) b = b.withSigned(b.smin, c - 1);
        return b;
    }

    private ScalarBounds excludeEndpoint32(int c) {
        ScalarBounds b = this;
        if (b.u32min == c) b = b.withUnsigned32(c + 1, b.u32max);
        else if (b.u32max == c) b = b.withUnsigned32(b.u32min, c - 1);
        if (b.s32min == c) b = b.withSigned32(c + 1, b.s32max);
        else if (b.s32max == c) b = b.withSigned32(b.s32min, c - 1);
        return b;
    }

    private static ScalarBounds[] lessThan64(ScalarBounds lo, ScalarBounds hi, boolean strict, boolean signed) {
        if (signed) {
            long loMax = strict ? hi.smax - 1 : hi.smax;
            long hiMin = strict ? lo.smin + 1 : lo.smin;
            if (strict && (hi.smax == Long.MIN_VALUE || lo.smin == Long.MAX_VALUE)) return null;
            return new ScalarBounds[] {lo.withSigned(lo.smin, Math.min(lo.smax, loMax)), hi.withSigned(Math.max(hi.smin, hiMin), hi.smax)};
        }
        if (strict && (hi.umax == 0 || lo.umin == -1L)) return null;
        long loMax = strict ? hi.umax - 1 : hi.umax;
        long hiMin = strict ? lo.umin + 1 : lo.umin;
        return new ScalarBounds[] {lo.withUnsigned(lo.umin, uminOf(lo.umax, loMax)), hi.withUnsigned(umaxOf(hi.umin, hiMin), hi.umax)};
    }

    private static ScalarBounds[] lessThan32(ScalarBounds lo, ScalarBounds hi, boolean strict, boolean signed) {
        if (signed) {
            if (strict && (hi.s32max == Integer.MIN_VALUE || lo.s32min == Integer.MAX_VALUE)) return null;
            int loMax = strict ? hi.s32max - 1 : hi.s32max;
            int hiMin = strict ? lo.s32min + 1 : lo.s32min;
            return new ScalarBounds[] {lo.withSigned32(lo.s32min, Math.min(lo.s32max, loMax)), hi.withSigned32(Math.max(hi.s32min, hiMin), hi.s32max)};
        }
        if (strict && (hi.u32max == 0 || lo.u32min == -1)) return null;
        int loMax = strict ? hi.u32max - 1 : hi.u32max;
        int hiMin = strict ? lo.u32min + 1 : lo.u32min;
        return new ScalarBounds[] {lo.withUnsigned32(lo.u32min, u32minOf(lo.u32max, loMax)), hi.withUnsigned32(u32maxOf(hi.u32min, hiMin), hi.u32max)};
    }

    private static String snum(long v) {
        return v >= -512 && v <= 512 ? Long.toString(v) : "0x" + Long.toHexString(v);
    }

    private static String unum(long v) {
        return Long.compareUnsigned(v, 512) <= 0 ? Long.toString(v) : "0x" + Long.toHexString(v);
    }

    // ---- printing ----------------------------------------------------------------------------------

    /**
     * The kernel's log notation: a constant prints as its value; otherwise each bound that says something,
     * equal minimums (and equal maximums) joined, e.g. {@code scalar(smin=umin=11,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))}.
     * Numbers within ±512 print in decimal, others in hex.
     */
    public String describe() {
        if (isConst()) return snum(tnum.value());
        String[] names = {"smin", "smax", "umin", "umax", "smin32", "smax32", "umin32", "umax32"};
        long[] vals = {smin, smax, umin, umax, s32min, s32max, u32min & 0xffffffffL, u32max & 0xffffffffL};
        boolean[] omit = {smin == Long.MIN_VALUE, smax == Long.MAX_VALUE, umin == 0, umax == -1L,
                s32min == Integer.MIN_VALUE, s32max == Integer.MAX_VALUE, u32min == 0, u32max == -1};
        StringBuilder sb = new StringBuilder("scalar(");
        String sep = "";
        for (int i = 0; i < names.length; i++) {
            if (omit[i]) continue;
            boolean neg = names[i].charAt(0) == 's' && vals[i] < 0;
            sb.append(sep).append(names[i]).append('=');
            sep = ",";
            for (int k = i + 2; k < names.length; k += 2) {
                if (omit[k] || vals[k] != vals[i]) continue;
                boolean neg2 = names[k].charAt(0) == 's' && vals[k] < 0;
                if (neg2 != neg) continue;
                omit[k] = true;
                sb.append(names[k]).append('=');
            }
            sb.append(names[i].charAt(0) == 's' ? snum(vals[i]) : unum(vals[i]));
        }
        if (!tnum.isUnknown()) sb.append(sep).append("var_off=").append(tnum);
        return sb.append(')').toString();
        }
}
