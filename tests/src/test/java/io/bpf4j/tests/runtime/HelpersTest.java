package io.bpf4j.tests.runtime;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.maps.RingBuffer;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.TestRun;
import io.bpf4j.runtime.TestRunResult;
import io.bpf4j.runtime.TracePipe;
import io.bpf4j.runtime.VerifyMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static io.bpf4j.tests.runtime.Asm.code;
import static io.bpf4j.tests.runtime.Asm.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Linux's helpers with their numbers, limits and return values, on each engine. */
class HelpersTest {
    static List<Engine> engines() {
        return RuntimeEngines.all().toList();
    }

    private static BpfRuntime rt(Engine e) {
        return BpfRuntime.builder().cpus(2).engine(e).randomSeed(7).build();
    }

    private static long xdp(BpfRuntime rt, String body, byte[] packet) {
        return rt.load("p", ProgramType.XDP, code(body), List.of()).testRun(TestRun.of(packet)).retval();
    }

    private static TestRunResult xdpRun(BpfRuntime rt, String body, byte[] packet) {
        return rt.load("p", ProgramType.XDP, code(body), List.of()).testRun(TestRun.of(packet));
    }

    /** Stores {@code text} (NUL-padded to a multiple of 8) at {@code r10 - offset}. */
    private static String literal(String text, int offset) {
        byte[] b = Arrays.copyOf(text.getBytes(StandardCharsets.ISO_8859_1), (text.length() + 8) / 8 * 8);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i += 8) {
            long v = 0;
            for (int j = 7; j >= 0; j--) v = v << 8 | (b[i + j] & 0xff);
            sb.append("r1 = 0x").append(Long.toHexString(v)).append(" ll\n*(u64 *)(r10 - ").append(offset - i).append(") = r1\n");
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- xdp_adjust_meta / head / tail

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void xdpAdjustMetaFollowsLinuxLimits(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            String call = "r2 = %d\ncall 54\nexit";
            assertThat(xdp(rt, call.formatted(-4), Asm.packet(64))).isZero();
            assertThat(xdp(rt, call.formatted(-32), Asm.packet(64))).as("32 bytes: Linux's maximum").isZero();
            assertThat(xdp(rt, call.formatted(-36), Asm.packet(64))).as("more than 32 bytes").isEqualTo(-13);
            assertThat(xdp(rt, call.formatted(-2), Asm.packet(64))).as("not a multiple of 4").isEqualTo(-13);
            assertThat(xdp(rt, call.formatted(4), Asm.packet(64))).as("meta beyond data").isEqualTo(-22);
            TestRunResult r = xdpRun(rt, call.formatted(-8), Asm.packet(64));
            assertThat(r.data()).as("data_out starts at data_meta").hasSize(72);
            assertThat(Asm.u32(r.ctx(), 0)).isEqualTo(8);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void xdpAdjustHeadGrowsAndShrinksWithinTheHeadroom(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            String call = "r2 = %d\ncall 44\nexit";
            byte[] packet = Asm.packet(64);
            TestRunResult grown = xdpRun(rt, call.formatted(-14), packet);
            assertThat(grown.retval()).isZero();
            assertThat(grown.data()).hasSize(78);
            assertThat(Arrays.copyOfRange(grown.data(), 14, 78)).isEqualTo(packet);
            TestRunResult shrunk = xdpRun(rt, call.formatted(20), packet);
            assertThat(shrunk.data()).isEqualTo(Arrays.copyOfRange(packet, 20, 64));
            // the headroom is 256 bytes, of which struct xdp_frame (40) may not be taken
            assertThat(xdp(rt, call.formatted(-216), packet)).isZero();
            assertThat(xdp(rt, call.formatted(-217), packet)).isEqualTo(-22);
            // at least an Ethernet header must remain
            assertThat(xdp(rt, call.formatted(50), packet)).isZero();
            assertThat(xdp(rt, call.formatted(51), packet)).isEqualTo(-22);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void xdpAdjustTailGrowsWithZerosUpToTheFrameAndKeepsAnEthernetHeader(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            String call = "r2 = %d\ncall 65\nexit";
            byte[] packet = Asm.packet(64);
            TestRunResult grown = xdpRun(rt, call.formatted(10), packet);
            assertThat(grown.data()).hasSize(74);
            assertThat(Arrays.copyOfRange(grown.data(), 64, 74)).containsOnly(0);
            assertThat(xdp(rt, call.formatted(3520 - 64), packet)).as("to the 3520-byte frame limit").isZero();
            assertThat(xdp(rt, call.formatted(3520 - 64 + 1), packet)).isEqualTo(-22);
            assertThat(xdp(rt, call.formatted(-50), packet)).isZero();
            assertThat(xdp(rt, call.formatted(-51), packet)).isEqualTo(-22);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void packetPointersFollowAdjustHead(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            // after bpf_xdp_adjust_head(-4) the packet is 68 bytes (data + 68 == data_end) and its new first byte writable
            String prog = """
                    r6 = r1
                    r2 = -4
                    call 44
                    r2 = *(u32 *)(r6 + 0)
                    r3 = *(u32 *)(r6 + 4)
                    r0 = 0
                    r1 = r2
                    r1 += 68
                    if r1 > r3 goto +6
                    r1 = 0x7f
                    *(u8 *)(r2 + 0) = r1
                    r0 = 68
                    r1 = r2
                    r1 += 69
                    if r1 > r3 goto +1
                    r0 = 69
                    exit
                    """;
            TestRunResult r = xdpRun(rt, prog, Asm.packet(64));
            assertThat(r.retval()).isEqualTo(68);
            assertThat(r.data()[0]).isEqualTo((byte) 0x7f);
        }
    }

    // ---------------------------------------------------------------- checksums against an independent reference

    /** RFC 1071 over 16-bit big-endian words, computed without bpf4j's code. */
    private static int referenceChecksum(byte[] b, int off, int len) {
        int sum = 0;
        for (int i = 0; i < len; i += 2) sum += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        while (sum >>> 16 != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return ~sum & 0xffff;
    }

    private static byte[] ipv4Udp() {
        byte[] p = Asm.packet(64);
        byte[] ip = {0x45, 0, 0, 50, 0x12, 0x34, 0, 0, 64, 17, 0, 0, (byte) 192, (byte) 168, 1, 2, (byte) 192, (byte) 168, 1, 3};
        System.arraycopy(ip, 0, p, 14, 20);
        int c = referenceChecksum(p, 14, 20);
        p[24] = (byte) (c >>> 8);
        p[25] = (byte) c;
        p[40] = 0x5a; // UDP checksum (some non-zero value)
        p[41] = 0x11;
        return p;
    }

    private static final String REWRITE_SOURCE = """
            r6 = r1
            r1 = r6
            r2 = 26
            r3 = r10
            r3 += -8
            r4 = 4
            call 26
            r1 = 0x0100000a
            *(u32 *)(r10 - 4) = r1
            r1 = r6
            r2 = 26
            r3 = r10
            r3 += -4
            r4 = 4
            r5 = 0
            call 9
            r1 = r6
            r2 = %d
            r3 = *(u32 *)(r10 - 8)
            r4 = *(u32 *)(r10 - 4)
            r5 = %d
            call %d
            exit
            """;

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void l3CsumReplaceKeepsTheIpv4HeaderChecksumValid(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            Program p = rt.load("nat", ProgramType.SCHED_CLS, code(REWRITE_SOURCE.formatted(24, 4, 10)), List.of());
            TestRunResult r = p.testRun(TestRun.of(ipv4Udp()));
            assertThat(r.retval()).isZero();
            byte[] out = r.data();
            assertThat(Arrays.copyOfRange(out, 26, 30)).containsExactly(10, 0, 0, 1);
            assertThat(referenceChecksum(out, 14, 20)).as("a valid header sums to 0").isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void l4CsumReplaceUpdatesByTheSameDifferenceAndLeavesAZeroUdpChecksumWithMarkMangled(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            byte[] in = ipv4Udp();
            Program p = rt.load("nat4", ProgramType.SCHED_CLS, code(REWRITE_SOURCE.formatted(40, 0x10 | 4, 11)), List.of());
            byte[] out = p.testRun(TestRun.of(in)).data();
            // ones'-complement: the new checksum minus the old equals the old address minus the new one
            int before = ((in[40] & 0xff) << 8) | (in[41] & 0xff), after = ((out[40] & 0xff) << 8) | (out[41] & 0xff);
            int oldWords = ((in[26] & 0xff) << 8 | (in[27] & 0xff)) + ((in[28] & 0xff) << 8 | (in[29] & 0xff));
            int newWords = ((out[26] & 0xff) << 8 | (out[27] & 0xff)) + ((out[28] & 0xff) << 8 | (out[29] & 0xff));
            int s = (~before & 0xffff);
            s += (~((in[26] & 0xff) << 8 | (in[27] & 0xff))) & 0xffff;
            s += (~((in[28] & 0xff) << 8 | (in[29] & 0xff))) & 0xffff;
            s += newWords;
            while (s >>> 16 != 0) s = (s & 0xffff) + (s >>> 16);
            assertThat(after).isEqualTo(~s & 0xffff);
            assertThat(oldWords).isNotEqualTo(newWords);

            byte[] noChecksum = ipv4Udp();
            noChecksum[40] = 0;
            noChecksum[41] = 0;
            Program mangled = rt.load("nat4z", ProgramType.SCHED_CLS, code(REWRITE_SOURCE.formatted(40, 0x20 | 4, 11)), List.of());
            byte[] z = mangled.testRun(TestRun.of(noChecksum)).data();
            assertThat(z[40] | z[41]).as("BPF_F_MARK_MANGLED_0 leaves a zero UDP checksum alone").isZero();
            assertThat(rt.load("bad", ProgramType.SCHED_CLS, code(REWRITE_SOURCE.formatted(24, 3, 10)), List.of())
                    .testRun(TestRun.of(ipv4Udp())).retval()).as("field size 3").isEqualTo(-22);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void csumDiffIsTheOnesComplementDifference(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            String prog = """
                    r1 = 0x0a0b0c0d01020304 ll
                    *(u64 *)(r10 - 16) = r1
                    r1 = 0x1a1b1c1d11121314 ll
                    *(u64 *)(r10 - 8) = r1
                    r1 = r10
                    r1 += -16
                    r2 = 8
                    r3 = r10
                    r3 += -8
                    r4 = 8
                    r5 = 0
                    call 28
                    exit
                    """;
            long diff = xdp(rt, prog, Asm.packet(64));
            // reference: fold(diff) == checksum contribution of (to - from) over 16-bit little-endian words
            byte[] from = {4, 3, 2, 1, 0x0d, 0x0c, 0x0b, 0x0a}, to = {0x14, 0x13, 0x12, 0x11, 0x1d, 0x1c, 0x1b, 0x1a};
            long s = 0;
            for (int i = 0; i < 8; i += 2) {
                s += ~((from[i] & 0xff) | (from[i + 1] & 0xff) << 8) & 0xffff;
                s += (to[i] & 0xff) | (to[i + 1] & 0xff) << 8;
            }
            while (s >>> 16 != 0) s = (s & 0xffff) + (s >>> 16);
            long folded = (diff & 0xffff) + ((diff >>> 16) & 0xffff);
            while (folded >>> 16 != 0) folded = (folded & 0xffff) + (folded >>> 16);
            assertThat(folded).isEqualTo(s);
            assertThat(xdp(rt, prog.replace("r2 = 8", "r2 = 6"), Asm.packet(64))).as("sizes must be multiples of 4").isEqualTo(-22);
        }
    }

    // ---------------------------------------------------------------- skb bytes, redirect

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void skbLoadBytesOutsideThePacketFailsWithEfaultAndZeroesTheBuffer(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            String prog = """
                    r2 = 0x1234
                    *(u32 *)(r10 - 4) = r2
                    r2 = %d
                    r3 = r10
                    r3 += -4
                    r4 = 4
                    call 26
                    r0 <<= 32
                    r1 = *(u32 *)(r10 - 4)
                    r0 |= r1
                    exit
                    """;
            Program ok = rt.load("ok", ProgramType.SCHED_CLS, code(prog.formatted(14)), List.of());
            assertThat(ok.testRun(TestRun.of(Asm.packet(60))).retval()).isEqualTo(0x11100f0eL);
            Program beyond = rt.load("beyond", ProgramType.SCHED_CLS, code(prog.formatted(57)), List.of());
            assertThat(beyond.testRun(TestRun.of(Asm.packet(60))).retval()).isEqualTo(-14L << 32);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void redirectRecordsTheVerdict(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            TestRunResult r = xdpRun(rt, "r1 = 5\nr2 = 0\ncall 23\nexit", Asm.packet(64));
            assertThat(r.retval()).isEqualTo(4); // XDP_REDIRECT
            assertThat(r.redirect()).isEqualTo(new TestRunResult.Redirect(5, 0));
            assertThat(xdp(rt, "r1 = 5\nr2 = 1\ncall 23\nexit", Asm.packet(64))).as("XDP takes no flags: XDP_ABORTED").isZero();
            Program tc = rt.load("tc", ProgramType.SCHED_CLS, code("r1 = 3\nr2 = 1\ncall 23\nexit"), List.of());
            TestRunResult t = tc.testRun(TestRun.of(Asm.packet(64)));
            assertThat(t.retval()).isEqualTo(7); // TC_ACT_REDIRECT with BPF_F_INGRESS
            assertThat(t.redirect()).isEqualTo(new TestRunResult.Redirect(3, 1));
        }
    }

    // ---------------------------------------------------------------- maps

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void mapHelpersReturnLinuxErrnos(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            BpfMap hash = rt.createMap(new MapDefinition("h", MapType.HASH, 4, 8, 4));
            String prog = """
                    r1 = 1
                    *(u32 *)(r10 - 4) = r1
                    r1 = 7
                    *(u64 *)(r10 - 16) = r1
                    r6 = 0
                    """;
            String update = "r2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = 1\ncall 2\nr0 &= 0xff\nr6 <<= 8\nr6 |= r0\n";
            String delete = "r2 = r10\nr2 += -4\ncall 3\nr0 &= 0xff\nr6 <<= 8\nr6 |= r0\n";
            Program p = rt.load("maps", ProgramType.XDP, code(prog, map(1, 0), update, map(1, 0), update, map(1, 0), delete, map(1, 0), delete, "r0 = r6\nexit"), List.of(hash));
            // BPF_NOEXIST: 0 then -EEXIST (0xef); delete: 0 then -ENOENT (0xfe)
            assertThat(p.testRun(TestRun.of(Asm.packet(64))).retval()).isEqualTo(0x00ef00feL);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void queuePushPopPeek(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            BpfMap queue = rt.createMap(new MapDefinition("q", MapType.QUEUE, 0, 8, 8));
            String push = "r2 = r10\nr2 += -8\nr3 = 0\ncall 87\n";
            Program p = rt.load("queue", ProgramType.XDP, code("r1 = 5\n*(u64 *)(r10 - 8) = r1", map(1, 0), push,
                    "r1 = 6\n*(u64 *)(r10 - 8) = r1", map(1, 0), push,
                    map(1, 0), "r2 = r10\nr2 += -16\ncall 89\nr6 = *(u64 *)(r10 - 16)",
                    map(1, 0), "r2 = r10\nr2 += -24\ncall 88\nr7 = *(u64 *)(r10 - 24)",
                    "r0 = r6\nr0 <<= 8\nr0 |= r7\nexit"), List.of(queue));
            assertThat(p.testRun(TestRun.of(Asm.packet(64))).retval()).as("peek 5, pop 5").isEqualTo(0x0505);
            assertThat(Asm.u64(queue.pop())).isEqualTo(6);
            assertThat(queue.pop()).isNull();
        }
    }

    // ---------------------------------------------------------------- ring buffer

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void ringbufReserveSubmitOutputDiscardQuery(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            RingBuffer ring = (RingBuffer) rt.createMap(new MapDefinition("events", MapType.RINGBUF, 0, 0, 4096));
            Program p = rt.load("rb", ProgramType.XDP, code(
                    map(1, 0), "r2 = 16\nr3 = 0\ncall 131\nif r0 == 0 goto +7\nr1 = 0x1122\n*(u64 *)(r0 + 0) = r1\nr1 = 0x3344\n*(u64 *)(r0 + 8) = r1\nr1 = r0\nr2 = 0\ncall 132",
                    map(1, 0), "r2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto +3\nr1 = r0\nr2 = 0\ncall 133",
                    "r1 = 0x55\n*(u64 *)(r10 - 8) = r1", map(1, 0), "r2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130",
                    map(1, 0), "r2 = 0\ncall 134\nexit"), List.of(ring));
            // available data: the 16-byte record, the discarded 8-byte one, the 8-byte output, each with an 8-byte header
            assertThat(p.testRun(TestRun.of(Asm.packet(64))).retval()).isEqualTo(24 + 16 + 16);
            assertThat(Asm.u64(ring.poll())).isEqualTo(0x1122);
            assertThat(Asm.u64(ring.poll())).as("the discarded record is skipped").isEqualTo(0x55);
            assertThat(ring.poll()).isNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void aFaultingProgramsReservationIsDiscardedSoTheConsumerDoesNotStall(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).verify(VerifyMode.NONE).build()) {
            RingBuffer ring = (RingBuffer) rt.createMap(new MapDefinition("events", MapType.RINGBUF, 0, 0, 4096));
            Program faulty = rt.load("faulty", ProgramType.XDP, code(map(1, 0), "r2 = 16\nr3 = 0\ncall 131\nr0 = *(u64 *)(r0 + 16)\nexit"), List.of(ring));
            assertThatThrownBy(() -> faulty.testRun(TestRun.of(Asm.packet(64))))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("program 'faulty' pc 5").hasMessageContaining("ring buffer record");
            Program output = rt.load("output", ProgramType.XDP, code("r1 = 0x77\n*(u64 *)(r10 - 8) = r1", map(1, 0), "r2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130\nexit"), List.of(ring));
            output.testRun(TestRun.of(Asm.packet(64)));
            assertThat(Asm.u64(ring.poll())).isEqualTo(0x77);
        }
    }

    // ---------------------------------------------------------------- bpf_loop, trace_printk, clocks, random, user helpers

    private static String loopProgram(int n, int stopAt) {
        return """
                r1 = 0
                *(u64 *)(r10 - 8) = r1
                r1 = %d
                ld_pseudo r2, 0x4, 0x9
                r3 = r10
                r3 += -8
                r4 = 0
                call 181
                r1 = *(u64 *)(r10 - 8)
                r0 <<= 8
                r0 |= r1
                exit
                r3 = *(u64 *)(r2 + 0)
                r3 += r1
                *(u64 *)(r2 + 0) = r3
                r0 = 0
                if r1 != %d goto +1
                r0 = 1
                exit
                """.formatted(n, stopAt);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void bpfLoopCallsTheCallbackWithIndexAndContextUntilItReturnsOne(Engine engine) {
        // bpf4j's verifier refuses this callback ("infinite loop detected"): run it unverified (reported)
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).verify(VerifyMode.NONE).build()) {
            assertThat(xdp(rt, loopProgram(10, 99), Asm.packet(64))).as("10 iterations, sum 45").isEqualTo(10 << 8 | 45);
            assertThat(xdp(rt, loopProgram(10, 3), Asm.packet(64))).as("stops after index 3: 4 calls, sum 6").isEqualTo(4 << 8 | 6);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void tracePrintkWritesToTheTracePipe(Engine engine) {
        List<TracePipe.Line> sink = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).verify(VerifyMode.PRIVILEGED).tracePrintk(sink::add).build()) {
            String prog = literal("v=%d %s!", 16) + literal("hi", 24) + "r1 = r10\nr1 += -16\nr2 = 16\nr3 = 42\nr4 = r10\nr4 += -24\nr5 = 0\ncall 6\nexit";
            Program p = rt.load("printer", ProgramType.XDP, code(prog), List.of());
            assertThat(p.testRun(TestRun.of(Asm.packet(64))).retval()).isEqualTo("v=42 hi!".length());
            assertThat(rt.tracePipe().drain()).containsExactly(new TracePipe.Line(0, "printer", "v=42 hi!"));
            assertThat(sink).containsExactly(new TracePipe.Line(0, "printer", "v=42 hi!"));
            String bad = literal("bad %z", 16) + "r1 = r10\nr1 += -16\nr2 = 16\nr3 = 1\nr4 = 0\nr5 = 0\ncall 6\nexit";
            assertThat(rt.load("bad", ProgramType.XDP, code(bad), List.of()).testRun(TestRun.of(Asm.packet(64))).retval()).isEqualTo(-22);
            assertThat(rt.tracePipe().drain()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void clocksAreMonotonicAndRandomNumbersFollowTheSeed(Engine engine) {
        try (BpfRuntime a = rt(engine); BpfRuntime b = rt(engine)) {
            assertThat(xdp(a, "call 5\nr6 = r0\ncall 125\nr0 -= r6\nexit", Asm.packet(64))).isGreaterThanOrEqualTo(0);
            String random = "call 7\nr6 = r0\ncall 7\nr0 <<= 32\nr0 |= r6\nexit";
            long x = a.load("r", ProgramType.XDP, code(random), List.of()).testRun(TestRun.of(Asm.packet(64)).onCpu(1)).retval();
            long y = b.load("r", ProgramType.XDP, code(random), List.of()).testRun(TestRun.of(Asm.packet(64)).onCpu(1)).retval();
            assertThat(x).isEqualTo(y).isNotZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void userDefinedJavaHelpersAreCallable(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).verify(VerifyMode.NONE)
                .helper(0x1000, "double_it", (inv, r1, r2, r3, r4, r5) -> r1 * 2).build()) {
            assertThat(xdp(rt, "r1 = 21\ncall 4096\nexit", Asm.packet(64))).isEqualTo(42);
            assertThat(rt.helpers().nameOf(0x1000)).isEqualTo("double_it");
        }
    }
}
