package io.bpf4j.isa.text;

import java.math.BigInteger;

/**
 * Integer literals shared by the assemblers. Every method throws {@link IllegalArgumentException} with a
 * message meant for the user; the assemblers turn it into an {@link AssemblyException} that names the line.
 */
final class Numbers {
    private Numbers() {}

    private static final BigInteger TWO_POW_64 = BigInteger.ONE.shiftLeft(64);

    /**
     * Parses {@code [+-]digits} or {@code [+-]0x hexdigits} exactly, as a mathematical integer. Returns null
     * when the text is not an integer literal at all (so callers can treat it as a label or a register).
     */
    static BigInteger parse(String text) {
        String t = text.strip();
        if (t.isEmpty()) return null;
        boolean negative = false;
        int i = 0;
        if (t.charAt(0) == '+' || t.charAt(0) == '-') {
            negative = t.charAt(0) == '-';
            i = 1;
        }
        int radix = 10;
        if (t.regionMatches(true, i, "0x", 0, 2)) {
            radix = 16;
            i += 2;
        }
        if (i == t.length()) return null;
        for (int j = i; j < t.length(); j++) {
            if (Character.digit(t.charAt(j), radix) < 0) return null;
        }
        BigInteger magnitude = new BigInteger(t.substring(i), radix);
        return negative ? magnitude.negate() : magnitude;
    }

    static boolean isInteger(String text) {
        return parse(text) != null;
    }

    private static BigInteger require(String text, String what) {
        BigInteger v = parse(text);
        if (v == null) throw new IllegalArgumentException(what + " '" + text.strip() + "' is not a number");
        return v;
    }

    /**
     * A 32-bit immediate: anything from -2^31 to 2^32-1, so both {@code -1} and {@code 0xffffffff} give the
     * raw bits {@code 0xffffffff}.
     */
    static int imm32(String text, String what) {
        BigInteger v = require(text, what);
        if (v.bitLength() > 32 || v.compareTo(BigInteger.valueOf(Integer.MIN_VALUE)) < 0) {
            throw new IllegalArgumentException(what + " " + text.strip() + " does not fit 32 bits");
        }
        return v.intValue();
    }

    /** A 64-bit immediate: anything from -2^63 to 2^64-1, kept as raw bits. */
    static long imm64(String text, String what) {
        BigInteger v = require(text, what);
        if (v.signum() < 0 ? v.bitLength() > 63 : v.compareTo(TWO_POW_64) >= 0) {
            throw new IllegalArgumentException(what + " " + text.strip() + " does not fit 64 bits");
        }
        return v.longValue();
    }

    /** A signed value within [min, max] (offsets and displacements). */
    static int signed(String text, String what, int min, int max) {
        BigInteger v = require(text, what);
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new IllegalArgumentException(what + " " + text.strip() + " is outside " + min + ".." + max);
        }
        return v.intValue();
    }

    /** A 16-bit signed offset. */
    static int offset16(String text, String what) {
        return signed(text, what, Short.MIN_VALUE, Short.MAX_VALUE);
    }
}
