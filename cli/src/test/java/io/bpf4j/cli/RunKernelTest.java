package io.bpf4j.cli;

import io.bpf4j.cli.pcap.PcapReader;
import io.bpf4j.linux.KernelSupport;
import io.bpf4j.abi.ProgramType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** 'bpf4j run --kernel': the examples in the real kernel, where bpf(2) is available (skipped, saying why, where not). */
class RunKernelTest {
    static final String FIREWALL = InspectCommandsTest.FIREWALL;
    static final String PCAP = Cli.example("traffic.pcap");

    @TempDir
    Path dir;

    @BeforeAll
    static void kernel() {
        String why = KernelSupport.probe().unavailableReason(ProgramType.XDP, ProgramType.SCHED_CLS);
        assumeTrue(why == null, "no kernel to run in: " + why);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return (Map<String, Object>) r.json();
    }

    @Test
    void theFirewallPassesWhatIsWellFormedAndDropsWhatIsNot() throws Exception {
        Path passed = dir.resolve("passed.pcap");
        Map<String, Object> r = json("run", FIREWALL, "--prog", "xdp_entry", "--pcap", PCAP, "--kernel", "--out", passed.toString(),
                "--dump-map", "stats", "--json");
        assertThat(r.get("packets")).isEqualTo(1000L);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> verdicts = (List<Map<String, Object>>) r.get("verdicts");
        long pass = verdicts.stream().filter(v -> v.get("verdict").equals("XDP_PASS")).mapToLong(v -> (Long) v.get("packets")).sum();
        long drop = verdicts.stream().filter(v -> v.get("verdict").equals("XDP_DROP")).mapToLong(v -> (Long) v.get("packets")).sum();
        assertThat(pass + drop).isEqualTo(1000);
        assertThat(drop).isPositive();
        assertThat(r.get("written")).isEqualTo(pass);
        // what went on is exactly the input's passed frames, without the metadata the stages left in front
        List<io.bpf4j.cli.pcap.Packet> in = PcapReader.readAll(Path.of(PCAP));
        List<io.bpf4j.cli.pcap.Packet> out = PcapReader.readAll(passed);
        assertThat(out).hasSize((int) pass);
        assertThat(in.stream().map(p -> HexFormat.of().formatHex(p.data())).toList())
                .containsAll(out.stream().map(p -> HexFormat.of().formatHex(p.data())).toList());
        // the per-CPU counters add up: every packet counted once on entry
        @SuppressWarnings("unchecked")
        Map<String, Object> stats = ((List<Map<String, Object>>) r.get("maps")).getFirst();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> entries = (List<Map<String, Object>>) stats.get("entries");
        assertThat(entries.getFirst()).containsEntry("key_number", 0L).containsEntry("total", 1000L);
    }

    @Test
    void aRuleInTheHashMapDropsTelnet() {
        Map<String, Object> open = json("run", FIREWALL, "--prog", "xdp_entry", "--pcap", PCAP, "--kernel", "--json");
        // rules[{proto 6, pad, port 23 little-endian}] = XDP_DROP
        Map<String, Object> closed = json("run", FIREWALL, "--prog", "xdp_entry", "--pcap", PCAP, "--kernel", "--json",
                "--update", "rules[06 00 17 00]=01 00 00 00");
        assertThat(drops(closed)).isGreaterThan(drops(open));
    }

    @SuppressWarnings("unchecked")
    private static long drops(Map<String, Object> r) {
        return ((List<Map<String, Object>>) r.get("verdicts")).stream().filter(v -> v.get("verdict").equals("XDP_DROP"))
                .mapToLong(v -> (Long) v.get("packets")).sum();
    }

    @Test
    void theTcStagesPassStateThroughCb() throws Exception {
        byte[] first = PcapReader.readAll(Path.of(PCAP)).getFirst().data();
        String hex = HexFormat.of().formatHex(first);
        Cli.Result r = Cli.run("run", InspectCommandsTest.TC, "--prog", "tc_classify", "--data-hex", hex, "--kernel");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("retval    0 (TC_ACT_OK)").containsPattern("mark=0xb4f4[0-9a-f]{4}").contains("cb=[0xc1a5");
        // with the second stage gone, the tail call falls through and tc_classify marks the packet 0xdead
        Cli.Result empty = Cli.run("run", InspectCommandsTest.TC, "--prog", "tc_classify", "--data-hex", hex, "--kernel", "--set", "tc_stages[0]=");
        assertThat(empty.out()).contains("mark=0xdead");
    }

    @Test
    void aCaptureThatEndsMidRecordFailsNamingThePacket() throws Exception {
        byte[] all = Files.readAllBytes(Path.of(PCAP));
        Path cut = dir.resolve("cut.pcap");
        Files.write(cut, Arrays.copyOf(all, 2000));
        Cli.Result r = Cli.run("run", FIREWALL, "--prog", "xdp_entry", "--pcap", cut.toString(), "--kernel");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).matches("bpf4j run: .*cut.pcap: packet \\d+ ends mid-record: its header says \\d+ bytes but only \\d+ are left; the capture is truncated \\(at byte \\d+\\)\\n");
    }
}
