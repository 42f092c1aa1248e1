package io.bpf4j.cli;

import java.util.HexFormat;

/** Hex text from the command line ({@code --data-hex}, {@code --ctx-hex}), read forgivingly, refused clearly. */
final class Hex {
    private Hex() {}

    /**
     * Bytes from hex digits; spaces, colons, dashes and a leading {@code 0x} are ignored, so {@code "01 02"},
     * {@code "01:02"} and {@code "0x0102"} are the same two bytes.
     */
    static byte[] parse(String option, String text) {
        String t = text.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) t = t.substring(2);
        StringBuilder digits = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == ' ' || c == ':' || c == '-' || c == '\t' || c == '\n' || c == '_') continue;
            if (Character.digit(c, 16) < 0) {
                throw CliException.usage(option + ": '" + c + "' at position " + (text.indexOf(c) + 1) + " is not a hex digit (give bytes like 0a1b2c or \"0a 1b 2c\")");
            }
            digits.append(c);
        }
        if (digits.length() % 2 != 0) {
            throw CliException.usage(option + ": " + digits.length() + " hex digits is not a whole number of bytes (each byte is two digits)");
        }
        return HexFormat.of().parseHex(digits);
    }

    static String format(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** Spaced bytes, at most {@code max} of them, then an ellipsis and the length. */
    static String spaced(byte[] b, int max) {
        if (b.length <= max) return HexFormat.ofDelimiter(" ").formatHex(b);
        return HexFormat.ofDelimiter(" ").formatHex(b, 0, max) + " … (" + b.length + " bytes)";
    }

    /** The little-endian unsigned value of 1, 2, 4 or 8 bytes, or null for other lengths. */
    static Long littleEndian(byte[] b) {
        if (b.length != 1 && b.length != 2 && b.length != 4 && b.length != 8) return null;
        long v = 0;
        for (int i = b.length - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    static String unsigned(long v) {
        return Long.toUnsignedString(v);
    }
}
