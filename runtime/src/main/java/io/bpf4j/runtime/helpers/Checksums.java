package io.bpf4j.runtime.helpers;

/**
 * The Internet checksum arithmetic of Linux's csum helpers (include/net/checksum.h, RFC 1071/1624), on values as
 * they lie in memory: a ones'-complement sum does not depend on byte order as long as every operand has the same
 * one, so fields are read little-endian and the helper arguments taken as the program loaded them.
 */
public final class Checksums {
    private Checksums() {}

    /** {@code csum_add}: 32-bit ones'-complement addition. */
    public static int add(int a, int b) {
        long s = (a & 0xffffffffL) + (b & 0xffffffffL);
        return (int) (s + (s >>> 32));
    }

    /** {@code csum_partial}: {@code seed} plus the 32-bit little-endian words of {@code words[0..len)} (len % 4 == 0). */
    public static int partial(byte[] words, int len, int seed) {
        int sum = seed;
        for (int i = 0; i + 3 < len; i += 4) {
            int w = (words[i] & 0xff) | (words[i + 1] & 0xff) << 8 | (words[i + 2] & 0xff) << 16 | (words[i + 3] & 0xff) << 24;
            sum = add(sum, w);
        }
        return sum;
    }

    /** {@code csum_fold}: a 32-bit sum folded to the 16-bit checksum, complemented. */
    public static int fold(int csum) {
        int s = (csum & 0xffff) + (csum >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        return ~s & 0xffff;
    }

    /** {@code ~csum_unfold(sum)}: the complement of a 16-bit checksum as a 32-bit partial sum. */
    private static int notUnfold(int sum16) {
        return ~(sum16 & 0xffff);
    }

    /** {@code csum_replace4}: the checksum after a 4-byte field changed from {@code from} to {@code to}. */
    public static int replace4(int sum16, int from, int to) {
        int s = add(add(notUnfold(sum16), ~from), to);
        return fold(s);
    }

    /** {@code csum_replace2}: the checksum after a 2-byte field changed. */
    public static int replace2(int sum16, int from, int to) {
        int s = add16(add16(~sum16 & 0xffff, ~from & 0xffff), to & 0xffff);
        return ~s & 0xffff;
    }

    /** {@code csum_replace_by_diff}: the checksum after data changed by the partial sum {@code diff}. */
    public static int replaceByDiff(int sum16, int diff) {
        return fold(add(diff, notUnfold(sum16)));
    }

    private static int add16(int a, int b) {
        int r = (a + b) & 0xffff;
        return r + (r < b ? 1 : 0);
    }

    /** The checksum of {@code len} bytes from {@code off} (an IPv4 header's, with its checksum field zeroed). */
    public static int checksum(byte[] data, int off, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) sum += (data[off + i] & 0xff) | (data[off + i + 1] & 0xff) << 8;
        if ((len & 1) != 0) sum += data[off + len - 1] & 0xff;
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (int) (~sum & 0xffff);
    }
}
