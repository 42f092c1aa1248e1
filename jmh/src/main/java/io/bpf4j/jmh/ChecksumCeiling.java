package io.bpf4j.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * How fast the JVM can run {@link XdpPrograms#CHECKSUM_1K}'s loop at all: the loop written by hand in Java, in the
 * forms a translation of it could take, timed like {@link XdpCpuTime} (thread CPU time, best of 20 rounds of about
 * 50 ms after warm-up). Each form sums the 256 u32 words of the benchmark's 1 KiB packet and returns the sum plus the
 * instruction count, so the JVM cannot drop any of them; they are checked to agree.
 *
 * <ul>
 *   <li>{@code faithful}: what bpf4j's JIT must do for every iteration, written as plainly as Java allows: 64-bit
 *       registers, a tagged address checked against the region by one unsigned compare, a load from the region's
 *       {@code long[]} words (two words when the 4 bytes straddle them), the instruction count and the budget check at
 *       the taken back edge. No exception handlers, no other locals.</li>
 *   <li>{@code counted}: the same with an {@code int} loop counter, the count added and the budget checked once after
 *       the loop: the shape C2 turns into a counted loop (unrolled). A JIT could only emit it for loops whose trip
 *       count it can bound before entering them.</li>
 *   <li>{@code unchecked}: {@code faithful} without the region, bounds and budget checks (only the JVM's own array
 *       bounds check is left): no safe translation can be faster per iteration than this.</li>
 * </ul>
 *
 * <pre>java -cp jmh/target/benchmarks.jar io.bpf4j.jmh.ChecksumCeiling</pre>
 */
public final class ChecksumCeiling {
    private ChecksumCeiling() {}

    private static final long TAG_BASE = 0x1234_0005L << 32; // an address's upper half: generation and region index
    private static final long BUDGET = 1_000_000;

    static long faithful(long[] words, long tagBase, long length, long base, long data, long dataEnd, long budget) {
        long r0 = 0, r4 = 0, executed = 4;
        while (true) {
            long r5 = data + r4;
            long r6 = r5 + 4;
            executed += 5;
            if (Long.compareUnsigned(r6, dataEnd) > 0) break;
            long o = r5 - tagBase;
            if (Long.compareUnsigned(o, length - 4) > 0) throw new IllegalStateException("outside the region");
            long p = base + o;
            int i = (int) (p >>> 3), s = (int) (p & 7) << 3;
            long v = words[i] >>> s;
            if (s > 32) v |= words[i + 1] << (64 - s);
            r0 += v & 0xffffffffL;
            r4 += 4;
            executed += 4;
            if (Long.compareUnsigned(r4, 0x400) >= 0) break;
            if (executed > budget) throw new IllegalStateException("budget exhausted");
        }
        return r0 + executed;
    }

    static long counted(long[] words, long tagBase, long length, long base, long data, long dataEnd, long budget) {
        long r0 = 0;
        int n = 0;
        for (int r4 = 0; r4 < 0x400; r4 += 4) {
            long r5 = data + r4;
            n++;
            if (Long.compareUnsigned(r5 + 4, dataEnd) > 0) break;
            long o = r5 - tagBase;
            if (Long.compareUnsigned(o, length - 4) > 0) throw new IllegalStateException("outside the region");
            long p = base + o;
            int i = (int) (p >>> 3), s = (int) (p & 7) << 3;
            long v = words[i] >>> s;
            if (s > 32) v |= words[i + 1] << (64 - s);
            r0 += v & 0xffffffffL;
        }
        long executed = 4 + 9L * n; // as faithful counts them when every iteration completes
        if (executed > budget) throw new IllegalStateException("budget exhausted");
        return r0 + executed;
    }

    static long unchecked(long[] words, long tagBase, long length, long base, long data, long dataEnd, long budget) {
        long r0 = 0, r4 = 0, executed = 4;
        while (true) {
            long r5 = data + r4;
            executed += 5;
            if (Long.compareUnsigned(r5 + 4, dataEnd) > 0) break;
            long p = base + (r5 & 0xffffffffL);
            int i = (int) (p >>> 3), s = (int) (p & 7) << 3;
            long v = words[i] >>> s;
            if (s > 32) v |= words[i + 1] << (64 - s);
            r0 += v & 0xffffffffL;
            r4 += 4;
            executed += 4;
            if (Long.compareUnsigned(r4, 0x400) >= 0) break;
        }
        return r0 + executed;
    }

    interface Form {
        long run(long[] words, long tagBase, long length, long base, long data, long dataEnd, long budget);
    }

    /** {@code times} runs of {@code form} on the packet's words: a method of its own, so C2 compiles it whole (not OSR). */
    private static long repeat(Form form, long[] words, int length, int times) {
        long sink = 0;
        for (int i = 0; i < times; i++) sink += form.run(words, TAG_BASE, length, 0, TAG_BASE, TAG_BASE + length, BUDGET);
        return sink;
    }

    public static void main(String[] args) {
        byte[] packet = XdpPrograms.CHECKSUM_1K.packet();
        long[] words = new long[packet.length / 8];
        for (int b = 0; b < packet.length; b++) words[b >>> 3] |= (packet[b] & 0xffL) << ((b & 7) * 8);
        long expected = 0;
        for (int b = 0; b < packet.length; b += 4) {
            expected += (packet[b] & 0xffL) | (packet[b + 1] & 0xffL) << 8 | (packet[b + 2] & 0xffL) << 16 | (packet[b + 3] & 0xffL) << 24;
        }
        expected += 4 + 9 * 256; // instructions before the fold, as the interpreter counts them
        String[] names = args.length > 0 ? args : new String[] {"faithful", "counted", "unchecked"};
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (String name : names) {
            Form form = switch (name) {
                case "faithful" -> ChecksumCeiling::faithful;
                case "counted" -> ChecksumCeiling::counted;
                case "unchecked" -> ChecksumCeiling::unchecked;
                default -> throw new IllegalArgumentException("form: faithful, counted or unchecked, not " + name);
            };
            long got = form.run(words, TAG_BASE, packet.length, 0, TAG_BASE, TAG_BASE + packet.length, BUDGET);
            if (got != expected) throw new IllegalStateException(name + " computed " + got + ", expected " + expected);
            long sink = 0;
            long warmUntil = threads.getCurrentThreadCpuTime() + 300_000_000L;
            while (threads.getCurrentThreadCpuTime() < warmUntil) sink += repeat(form, words, packet.length, 1000);
            int perRound = 1;
            while (true) {
                long start = threads.getCurrentThreadCpuTime();
                sink += repeat(form, words, packet.length, perRound);
                if (threads.getCurrentThreadCpuTime() - start > 50_000_000L || perRound > 1 << 28) break;
                perRound *= 2;
            }
            double best = Double.MAX_VALUE;
            for (int round = 0; round < 30; round++) {
                long start = threads.getCurrentThreadCpuTime();
                sink += repeat(form, words, packet.length, perRound);
                double ns = (threads.getCurrentThreadCpuTime() - start) / (double) perRound;
                if (round >= 10) best = Math.min(best, ns);
            }
            System.out.printf("# ceiling %s: %.2f ns per 1 KiB checksum loop (thread CPU time, best of 20 rounds of %d) sink %d%n",
                    name, best, perRound, sink & 1);
        }
    }
}
