package io.bpf4j.cli;

import io.bpf4j.abi.ProgramType;
import io.bpf4j.cli.pcap.PcapReader;
import io.bpf4j.linux.KernelSupport;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** 'bpf4j run' on bpf4j's own runtime, end to end: the pipeline, its trace, the limit, and agreement with Linux. */
class RunEmbeddedTest {
    /**
     * The example firewall and tc classifier read headers at variable packet offsets (the IPv4 header's length),
     * which Linux allows only with CAP_PERFMON (without it, Spectre v1: "pointer arithmetic with it prohibited for
     * !root"), and are loaded as root like every XDP and tc program: they run with --privileged.
     */
    static final String FIREWALL = InspectCommandsTest.FIREWALL;
    static final String PCAP = Cli.example("traffic.pcap");

    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return (Map<String, Object>) r.json();
    }

    @SuppressWarnings("unchecked")
    static List<String> path(Map<String, Object> run) {
        return ((List<Map<String, Object>>) run.get("hops")).stream().map(h -> (String) h.get("program")).toList();
    }

    static String firstPacketHex() throws Exception {
        return HexFormat.of().formatHex(PcapReader.readAll(Path.of(PCAP)).getFirst().data());
    }

    @Test
    void aDnsAnswerGoesEntryIpv4UdpPolicyAndPasses() throws Exception {
        Map<String, Object> r = json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--data-hex", firstPacketHex(), "--json");
        assertThat(r.get("verdict")).isEqualTo("XDP_PASS");
        assertThat(path(r)).containsExactly("xdp_entry", "parse_ipv4", "parse_udp", "policy");
        // the stages left their 8 bytes of struct meta in front of the packet: l3_off 14, l4_off 34, UDP (17), IPv4
        assertThat(r.get("meta_length")).isEqualTo(8L);
        assertThat((String) r.get("data_out")).startsWith("0e002200110413");
    }

    @Test
    void theTraceSaysWhyATailCallFellThrough() throws Exception {
        Cli.Result r = Cli.run("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--data-hex", firstPacketHex(), "--trace", "--set", "stages[5]=");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("  #2 parse_udp\n       tail call stages[5] fell through: slot 5 is empty\n       exit: r0 = XDP_ABORTED");
        assertThat(r.out()).contains("retval    0 (XDP_ABORTED)");
    }

    @Test
    void aCaptureSummaryCountsVerdictsPathsAndRuns() {
        Map<String, Object> r = json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--json");
        assertThat(r.get("packets")).isEqualTo(1000L);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> paths = (List<Map<String, Object>>) r.get("paths");
        assertThat(paths.stream().mapToLong(p -> (Long) p.get("packets")).sum()).isEqualTo(1000);
        assertThat(paths).anySatisfy(p -> assertThat(p.get("path")).isEqualTo("xdp_entry → parse_ipv6 → parse_icmp → policy"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> runs = (List<Map<String, Object>>) r.get("program_runs");
        assertThat(runs).anySatisfy(p -> assertThat(p).containsEntry("program", "xdp_entry").containsEntry("runs", 1000L));
        assertThat(runs).noneSatisfy(p -> assertThat(p.get("program")).isEqualTo("policy_v2"));
    }

    @Test
    void tracingOnePacketOfACapture() {
        Cli.Result r = Cli.run("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--packet", "2", "--trace");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("packet 2: IPv4 TCP 10.0.0.145:57686 → 192.0.2.20:443 [PA] (596 bytes) → XDP_PASS\n  #0 xdp_entry\n");
        assertThat(r.out()).contains("tail call stages[2] → parse_tcp");
    }

    @Test
    void swappingInTheStricterPolicyDropsPingsFromOutside() {
        Map<String, Object> before = json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--json");
        Map<String, Object> after = json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--json", "--set", "stages[5]=policy_v2");
        assertThat(count(after, "XDP_DROP")).isGreaterThan(count(before, "XDP_DROP"));
        assertThat(count(after, "XDP_ABORTED")).isZero();
    }

    @SuppressWarnings("unchecked")
    static long count(Map<String, Object> r, String verdict) {
        return ((List<Map<String, Object>>) r.get("verdicts")).stream().filter(v -> v.get("verdict").equals(verdict))
                .mapToLong(v -> (Long) v.get("packets")).sum();
    }

    @Test
    void theTcStagesPassStateThroughCb() throws Exception {
        Map<String, Object> r = json("run", InspectCommandsTest.TC, "--privileged", "--prog", "tc_classify", "--data-hex", firstPacketHex(), "--json");
        assertThat(path(r)).containsExactly("tc_classify", "tc_prio");
        @SuppressWarnings("unchecked")
        Map<String, Object> ctx = (Map<String, Object>) r.get("context_fields");
        assertThat((Long) ctx.get("mark") >>> 16).isEqualTo(0xb4f4L);
        assertThat(((List<?>) ctx.get("cb")).getFirst()).isEqualTo(0xc1a50000L);
    }

    @Test
    void aSelfTailCallRunsUntilTheLimitSeedOrLinux() {
        String tc = Fixtures.path("tail_calls.o").toString();
        for (int limit : new int[]{32, 33}) {
            Map<String, Object> r = json("run", tc, "--prog", "loop", "--data-hex", "00".repeat(64), "--tail-call-limit", String.valueOf(limit),
                    "--dump-map", "loop_runs", "--json");
            assertThat(path(r)).hasSize(limit + 1).allMatch("loop"::equals);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> hops = (List<Map<String, Object>>) r.get("hops");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> last = (List<Map<String, Object>>) hops.getLast().get("tail_calls");
            assertThat((String) last.getFirst().get("fell_through")).contains("already made " + limit + " tail calls");
            @SuppressWarnings("unchecked")
            Map<String, Object> runs = ((List<Map<String, Object>>) r.get("maps")).getFirst();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> entries = (List<Map<String, Object>>) runs.get("entries");
            assertThat(entries.getFirst().get("value_number")).isEqualTo((long) limit + 1);
        }
    }

    @Test
    void aProgramTheVerifierRefusesDoesNotRunAndPrivilegedModeIsOffered() {
        String obj = VerifyCommandTest.rejectedObject();
        Cli.Result r = Cli.run("run", obj, "--prog", "reads_stale_stack", "--data-hex", "00".repeat(20));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("bpf4j run: rejected.o: program reads_stale_stack rejected at pc 0: invalid read from stack R10 off=-8 size=8")
                .contains("add --privileged");
        assertThat(r.err().lines().count()).isEqualTo(1);
        Cli.Result privileged = Cli.run("run", obj, "--prog", "reads_stale_stack", "--data-hex", "00".repeat(20), "--privileged");
        assertThat(privileged.exitCode()).as(privileged.toString()).isZero();
    }

    @Test
    void severalCpusShareTheCaptureByFlowAndKeepTheirOwnCounters() {
        Map<String, Object> r = json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--cpus", "4", "--dump-map", "stats", "--json");
        @SuppressWarnings("unchecked")
        Map<String, Object> packetsEntry = ((List<Map<String, Object>>) ((List<Map<String, Object>>) r.get("maps")).getFirst().get("entries")).getFirst();
        assertThat(packetsEntry.get("total")).isEqualTo(1000L);
        @SuppressWarnings("unchecked")
        List<String> perCpu = (List<String>) packetsEntry.get("values");
        assertThat(perCpu).hasSize(4);
        assertThat(perCpu.stream().filter(v -> !v.equals("0000000000000000")).count()).as("CPUs that saw packets").isEqualTo(4);
        assertThat(count(r, "XDP_DROP")).isEqualTo(count(json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--json"), "XDP_DROP"));
    }

    @Test
    void theJitAgreesWithTheInterpreter() {
        Map<String, Object> interp = json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--json", "--limit", "300", "--dump-map", "stats", "--engine", "interpreter");
        Map<String, Object> jit = json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--json", "--limit", "300", "--dump-map", "stats", "--engine", "jit");
        assertThat(jit.get("verdicts")).isEqualTo(interp.get("verdicts"));
        assertThat(jit.get("paths").toString().replaceAll("median_ns=\\d+", "")).isEqualTo(interp.get("paths").toString().replaceAll("median_ns=\\d+", ""));
        assertThat(jit.get("maps")).isEqualTo(interp.get("maps"));
    }

    @Test
    void theJitIsTheDefaultEngineAndAnUnknownEngineIsAUsageError() {
        Cli.Result byDefault = Cli.run("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--limit", "3");
        assertThat(byDefault.exitCode()).as(byDefault.toString()).isZero();
        assertThat(byDefault.out()).contains("bpf4j jit,");
        Cli.Result bad = Cli.run("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--engine", "turbo");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--engine").doesNotContain("Exception");
    }

    @Test
    void aPcapngCaptureRunsLikeTheSamePacketsInClassicPcap() throws Exception {
        List<io.bpf4j.cli.pcap.Packet> packets = PcapReader.readAll(Path.of(PCAP)).subList(0, 50);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(block(0x0a0d0d0a, le(0x1a2b3c4d), new byte[]{1, 0, 0, 0}, le(-1), le(-1)));
        out.writeBytes(block(1, new byte[]{1, 0, 0, 0}, le(0), new byte[]{9, 0, 1, 0, 9, 0, 0, 0}, new byte[4]));
        for (io.bpf4j.cli.pcap.Packet p : packets) {
            byte[] d = p.data();
            byte[] padded = java.util.Arrays.copyOf(d, (d.length + 3) & ~3);
            long ts = p.timestampNanos();
            out.writeBytes(block(6, le(0), le((int) (ts >>> 32)), le((int) ts), le(d.length), le(d.length), padded));
        }
        Path ng = dir.resolve("traffic.pcapng");
        Files.write(ng, out.toByteArray());
        Map<String, Object> a = json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", ng.toString(), "--json");
        Map<String, Object> b = json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--limit", "50", "--json");
        assertThat(a.get("packets")).isEqualTo(50L);
        assertThat(a.get("verdicts")).isEqualTo(b.get("verdicts"));
        assertThat(a.get("program_runs").toString().replaceAll("estimated_ns_per_run=\\d+", ""))
                .isEqualTo(b.get("program_runs").toString().replaceAll("estimated_ns_per_run=\\d+", ""));
    }

    private static byte[] le(int v) {
        return java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static byte[] block(int type, byte[]... parts) {
        int len = 12;
        for (byte[] p : parts) len += p.length;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(len).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(len);
        for (byte[] p : parts) b.put(p);
        b.putInt(len);
        return b.array();
    }

    @Test
    void aCaptureThatEndsMidRecordFailsNamingThePacket() throws Exception {
        byte[] all = Files.readAllBytes(Path.of(PCAP));
        Path cut = dir.resolve("cut.pcap");
        Files.write(cut, java.util.Arrays.copyOf(all, 3000));
        Cli.Result r = Cli.run("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", cut.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).matches("bpf4j run: .*cut.pcap: packet \\d+ ends mid-record: its header says \\d+ bytes but only \\d+ are left; "
                + "the capture is truncated \\(at byte \\d+\\)\\n");
        assertThat(r.out()).isEmpty();
    }

    /** The oracle: the same capture through the kernel gives the same verdicts, counters and output packets. */
    @Test
    void theRuntimeAgreesWithLinuxPacketForPacket() throws Exception {
        String why = KernelSupport.probe().unavailableReason(ProgramType.XDP);
        assumeTrue(why == null, "no kernel to compare with: " + why);
        Path ours = dir.resolve("ours.pcap"), linux = dir.resolve("linux.pcap");
        Map<String, Object> a = json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--json", "--dump-map", "stats", "--out", ours.toString());
        Map<String, Object> b = json("run", FIREWALL, "--privileged", "--prog", "xdp_entry", "--pcap", PCAP, "--json", "--dump-map", "stats", "--out", linux.toString(), "--kernel");
        assertThat(a.get("verdicts")).isEqualTo(b.get("verdicts"));
        assertThat(totals(a)).isEqualTo(totals(b));
        assertThat(Files.readAllBytes(ours)).isEqualTo(Files.readAllBytes(linux));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> totals(Map<String, Object> r) {
        return ((List<Map<String, Object>>) ((List<Map<String, Object>>) r.get("maps")).getFirst().get("entries")).stream()
                .map(e -> e.get("total")).toList();
    }
}
