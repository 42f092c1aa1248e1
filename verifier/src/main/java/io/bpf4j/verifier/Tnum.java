package io.bpf4j.verifier;

/**
 * A tristate number: for each of 64 bits, known 0, known 1 or unknown. {@code value} holds the known 1 bits,
 * {@code mask} the unknown ones (a bit is never set in both). The arithmetic is the kernel's (kernel/bpf/tnum.c,
 * "Tristate numbers" by Edward Cree), written from its description: every operation returns a tnum that
 * contains every result of applying the operation to members of the operands.
 */
public record Tnum(long value, long mask) {
    public static final Tnum UNKNOWN = new Tnum(0, -1L);
    public static final Tnum ZERO = new Tnum(0, 0);

    public Tnum {
        if ((value & mask) != 0) throw new IllegalArgumentException("tnum bit both known and unknown: " + value + "/" + mask);
    }

    public static Tnum constant(long v) {
        return new Tnum(v, 0);
    }

    /** The smallest tnum holding every value in the unsigned range [min, max]. */
    public static Tnum range(long min, long max) {
        long chi = min ^ max;
        int bits = 64 - Long.numberOfLeadingZeros(chi);
        if (bits > 63) return UNKNOWN;
        long delta = (1L << bits) - 1;
        return new Tnum(min & ~delta, delta);
    }

    public boolean isConst() {
        return mask == 0;
    }

    public boolean isUnknown() {
        return mask == -1L;
    }

    /** Smallest and largest unsigned members. */
    public long umin() {
        return value;
    }

    public long umax() {
        return value | mask;
    }

    /** Smallest and largest signed members. */
    public long smin() {
        return value | (mask & Long.MIN_VALUE);
    }

    public long smax() {
        return value | (mask & Long.MAX_VALUE);
    }

    public Tnum lshift(int shift) {
        return new Tnum(value << shift, mask << shift);
    }

    public Tnum rshift(int shift) {
        return new Tnum(value >>> shift, mask >>> shift);
    }

    /** Arithmetic right shift of the low {@code width} (32 or 64) bits. */
    public Tnum arshift(int shift, int width) {
        if (width == 32) {
            return new Tnum((((int) value) >> shift) & 0xffffffffL, (((int) mask) >> shift) & 0xffffffffL);
        }
        return new Tnum(value >> shift, mask >> shift);
    }

    public Tnum add(Tnum b) {
        long sm = mask + b.mask;
        long sv = value + b.value;
        long sigma = sm + sv;
        long chi = sigma ^ sv;
        long mu = chi | mask | b.mask;
        return new Tnum(sv & ~mu, mu);
    }

    public Tnum sub(Tnum b) {
        long dv = value - b.value;
        long alpha = dv + mask;
        long beta = dv - b.mask;
        long chi = alpha ^ beta;
        long mu = chi | mask | b.mask;
        return new Tnum(dv & ~mu, mu);
    }

    public Tnum neg() {
        return ZERO.sub(this);
    }

    public Tnum and(Tnum b) {
        long alpha = value | mask;
        long beta = b.value | b.mask;
        long v = value & b.value;
        return new Tnum(v, alpha & beta & ~v);
    }

    public Tnum or(Tnum b) {
        long v = value | b.value;
        long mu = mask | b.mask;
        return new Tnum(v, mu & ~v);
    }

    public Tnum xor(Tnum b) {
        long v = value ^ b.value;
        long mu = mask | b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** Multiplication by shift-and-add over the bits of {@code this}. */
    public Tnum mul(Tnum b) {
        Tnum a = this;
        Tnum accV = constant(a.value * b.value);
        Tnum accM = ZERO;
        while (a.value != 0 || a.mask != 0) {
            if ((a.value & 1) != 0) {
                accM = accM.add(new Tnum(0, b.mask));
            } else if ((a.mask & 1) != 0) {
                accM = accM.add(new Tnum(0, b.value | b.mask));
            }
            a = a.rshift(1);
            b = b.lshift(1);
        }
        return accV.add(accM);
    }

    /** Members of both (the caller knows they overlap). */
    public Tnum intersect(Tnum b) {
        long v = value | b.value;
        long mu = mask & b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** True when every member of {@code b} is a member of {@code this}. */
    public boolean contains(Tnum b) {
        if ((b.mask & ~mask) != 0) return false;
        return (b.value & ~mask) == value;
    }

    /** Whether some member of this tnum equals some member of {@code b}. */
    public boolean overlaps(Tnum b) {
        long known = ~mask & ~b.mask;
        return ((value ^ b.value) & known) == 0;
    }

    /** The low {@code size} bytes. */
    public Tnum cast(int size) {
        if (size >= 8) return this;
        long keep = (1L << (size * 8)) - 1;
        return new Tnum(value & keep, mask & keep);
    }

    public Tnum subreg() {
        return cast(4);
    }

    /** The high 32 bits kept, the low 32 bits cleared. */
    public Tnum clearSubreg() {
        return rshift(32).lshift(32);
    }

    /** High 32 bits of {@code this} with low 32 bits of {@code low}. */
    public Tnum withSubreg(Tnum low) {
        return clearSubreg().or(low.subreg());
    }

    /** {@code (value; mask)} in hex, as the kernel's log prints {@code var_off}. */
    @Override
    public String toString() {
        return "(0x" + Long.toHexString(value) + "; 0x" + Long.toHexString(mask) + ")";
    }
}
