package io.bpf4j.runtime.helpers;

import io.bpf4j.runtime.memory.AddressSpace;

import java.util.function.LongFunction;

/**
 * {@code bpf_trace_printk}'s format language as Linux accepts it (kernel/bpf/helpers.c
 * {@code bpf_bprintf_prepare}): at most three conversions among {@code %d %i %u %x %X %c %s %p %%} with
 * optional flags ({@code -+ 0#}), width and length ({@code l}, {@code ll}, {@code h}, {@code hh}); anything
 * else is refused (the helper returns -EINVAL).
 */
public final class PrintkFormat {
    private PrintkFormat() {}

    /** Thrown for a format Linux refuses. */
    public static final class BadFormat extends RuntimeException {
        public BadFormat(String m) {
            super(m);
        }
    }

    /**
     * Formats {@code fmt} with up to three arguments; {@code %s} reads a NUL-terminated string through
     * {@code string} (given the address).
     */
    public static String format(String fmt, long[] args, LongFunction<String> string) {
        StringBuilder out = new StringBuilder();
        int used = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char ch = fmt.charAt(i);
            if (ch != '%') {
                out.append(ch);
                continue;
            }
            if (++i >= fmt.length()) throw new BadFormat("format ends with a lone %");
            if (fmt.charAt(i) == '%') {
                out.append('%');
                continue;
            }
            StringBuilder flags = new StringBuilder();
            while (i < fmt.length() && "-+ 0#".indexOf(fmt.charAt(i)) >= 0) flags.append(fmt.charAt(i++));
            int width = 0;
            while (i < fmt.length() && Character.isDigit(fmt.charAt(i))) width = width * 10 + (fmt.charAt(i++) - '0');
            int length = 32;
            if (i < fmt.length() && fmt.charAt(i) == 'l') {
                length = 64;
                i++;
                if (i < fmt.length() && fmt.charAt(i) == 'l') i++;
            } else if (i < fmt.length() && fmt.charAt(i) == 'h') {
                length = 16;
                i++;
                if (i < fmt.length() && fmt.charAt(i) == 'h') { length = 8; i++; }
            }
            if (i >= fmt.length()) throw new BadFormat("incomplete conversion at the end of the format");
            char conv = fmt.charAt(i);
            if ("diuxXcsp".indexOf(conv) < 0) throw new BadFormat("unsupported conversion %" + conv);
            if (used == 3) throw new BadFormat("more than 3 conversions");
            long v = args[used++];
            long masked = length == 64 ? v : length == 32 ? v & 0xffffffffL : length == 16 ? v & 0xffff : v & 0xff;
            String text = switch (conv) {
                case 'd', 'i' -> Long.toString(length == 64 ? v : length == 32 ? (int) v : length == 16 ? (short) v : (byte) v);
                case 'u' -> Long.toUnsignedString(masked);
                case 'x' -> (flags.indexOf("#") >= 0 ? "0x" : "") + Long.toHexString(masked);
                case 'X' -> (flags.indexOf("#") >= 0 ? "0X" : "") + Long.toHexString(masked).toUpperCase();
                case 'c' -> String.valueOf((char) (v & 0xff));
                case 's' -> string.apply(v);
                default -> "0x" + Long.toHexString(v) + (v == 0 ? "" : " (" + AddressSpace.format(v) + ")");
            };
            if (conv == 'p') text = "0x" + Long.toHexString(v);
            if ((conv == 'd' || conv == 'i') && flags.indexOf("+") >= 0 && !text.startsWith("-")) text = "+" + text;
            if (text.length() < width) {
                String pad = (flags.indexOf("0") >= 0 && flags.indexOf("-") < 0 && conv != 's' && conv != 'c' ? "0" : " ").repeat(width - text.length());
                if (flags.indexOf("-") >= 0) text = text + pad;
                else if (pad.startsWith("0") && text.startsWith("-")) text = "-" + pad + text.substring(1);
                else text = pad + text;
            }
            out.append(text);
        }
        return out.toString();
    }
}
