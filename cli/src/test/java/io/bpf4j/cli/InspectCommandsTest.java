package io.bpf4j.cli;

import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** progs, maps and disasm, run end to end on the examples and on every test fixture. */
class InspectCommandsTest {
    static final String FIREWALL = Cli.example("xdp-firewall/firewall.o");
    static final String TC = Cli.example("tc-cb/tc_prio.o");

    /** core.o is the fixture bpf4j must refuse (CO-RE relocations); see {@link #anUnsupportedObjectIsOneLineAndExitCode1}. */
    static List<String> fixtures() {
        return Fixtures.names().stream().filter(n -> !n.equals("core.o")).toList();
    }

    @Test
    void anUnsupportedObjectIsOneLineAndExitCode1() {
        for (String command : List.of("progs", "maps", "disasm")) {
            Cli.Result r = Cli.run(command, Fixtures.path("core.o").toString());
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.err()).startsWith("bpf4j " + command + ": core.o: ").contains("program read_pid at pc 0: CO-RE relocation");
            assertThat(r.err().lines().count()).isEqualTo(1);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void progsListsTheFirewallStagesAndTheSlotsTheySitIn() {
        Cli.Result r = Cli.run("progs", FIREWALL);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out().lines().findFirst().orElseThrow()).startsWith("NAME").contains("SECTION", "TYPE", "ATTACH", "INSNS");
        assertThat(r.out()).containsPattern("parse_ipv4 +xdp +xdp +xdp +\\d+ +1 .*stages\\[0\\]");
        assertThat(r.out()).containsPattern("xdp_entry .* -\\n");

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> progs = (List<Map<String, Object>>) ((Map<String, Object>) Cli.run("progs", FIREWALL, "--json").json()).get("programs");
        assertThat(progs).extracting(p -> p.get("name"))
                .containsExactlyInAnyOrder("xdp_entry", "parse_ipv4", "parse_ipv6", "parse_tcp", "parse_udp", "parse_icmp", "policy", "policy_v2");
        Map<String, Object> policy = progs.stream().filter(p -> p.get("name").equals("policy")).findFirst().orElseThrow();
        assertThat(policy.get("type")).isEqualTo("xdp");
        assertThat(policy.get("type_id")).isEqualTo(6L);
        assertThat(policy.get("in_prog_arrays")).isEqualTo(List.of("stages[5]"));
        assertThat((List<Object>) policy.get("maps")).contains("rules", "blocked_v4");
        assertThat((Long) policy.get("instructions")).isPositive();
    }

    @Test
    void mapsShowsTypesSizesAndStaticProgArraySlots() {
        Cli.Result r = Cli.run("maps", FIREWALL);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("stages +prog_array +4 +4 +8 .*\\[0\\]=parse_ipv4 \\[1\\]=parse_ipv6 \\[2\\]=parse_tcp");
        assertThat(r.out()).containsPattern("stats +percpu_array +4 +8 +15");

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> maps = (List<Map<String, Object>>) ((Map<String, Object>) Cli.run("maps", FIREWALL, "--json").json()).get("maps");
        Map<String, Object> stages = maps.stream().filter(m -> m.get("name").equals("stages")).findFirst().orElseThrow();
        assertThat(stages.get("type")).isEqualTo("prog_array");
        assertThat(stages.get("max_entries")).isEqualTo(8L);
        assertThat(stages.get("program_slots")).isEqualTo(Map.of("0", "parse_ipv4", "1", "parse_ipv6", "2", "parse_tcp",
                "3", "parse_udp", "4", "parse_icmp", "5", "policy"));
        Map<String, Object> rules = maps.stream().filter(m -> m.get("name").equals("rules")).findFirst().orElseThrow();
        assertThat(rules).containsEntry("type", "hash").containsEntry("key_size", 4L).containsEntry("value_size", 4L);
    }

    @Test
    void mapsShowsGlobalDataInitialValues() {
        Cli.Result r = Cli.run("maps", Fixtures.path("globals.o").toString(), "--json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> maps = (List<Map<String, Object>>) ((Map<String, Object>) r.json()).get("maps");
        assertThat(maps).anySatisfy(m -> {
            assertThat(m.get("name")).isEqualTo(".rodata");
            assertThat(m.get("read_only")).isEqualTo(true);
            assertThat((String) m.get("initial_value")).isNotEmpty();
        });
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void everyCommandReadsEveryFixture(String fixture) {
        String path = Fixtures.path(fixture).toString();
        for (String command : List.of("progs", "maps", "disasm")) {
            Cli.Result r = Cli.run(command, path, "--json");
            assertThat(r.exitCode()).as(command + " " + fixture + "\n" + r).isZero();
            assertThat(r.json()).isInstanceOf(Map.class);
            Cli.Result text = Cli.run(command, path);
            assertThat(text.exitCode()).as(command + " " + fixture + "\n" + text).isZero();
            assertThat(text.err()).isEmpty();
        }
    }

    @Test
    void disasmWithSourceShowsTheCLinesFromBtf() {
        Cli.Result r = Cli.run("disasm", FIREWALL, "--prog", "xdp_entry", "-S");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("firewall.o:\tfile format elf64-bpf");
        assertThat(r.out()).contains("Disassembly of program xdp_entry (section xdp");
        assertThat(r.out()).contains("0000000000000000 <xdp_entry>:");
        assertThat(r.out()).contains("; \tif (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct meta)))");
        assertThat(r.out()).containsPattern("R_BPF_64_64\tstages");
        assertThat(r.out()).containsPattern("goto [+-]0x[0-9a-f]+ <xdp_entry\\+0x[0-9a-f]+>");
        assertThat(r.out()).doesNotContain("Disassembly of program policy");

        @SuppressWarnings("unchecked")
        Map<String, Object> prog = ((List<Map<String, Object>>) ((Map<String, Object>) Cli.run("disasm", FIREWALL, "--prog", "xdp_entry", "-S", "--json").json()).get("programs")).getFirst();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> insns = (List<Map<String, Object>>) prog.get("instructions");
        assertThat(insns).anySatisfy(i -> {
            assertThat(i.get("helper")).isEqualTo("bpf_tail_call");
            assertThat(i.get("text")).isEqualTo("call 0xc");
        });
        assertThat(insns).anySatisfy(i -> assertThat(i.get("map")).isEqualTo("stages"));
        assertThat(insns).allSatisfy(i -> assertThat(i).containsKey("source"));
    }

    @Test
    void disasmShowsLinkedSubprogramsAsTheirOwnFunctions() {
        Cli.Result r = Cli.run("disasm", Fixtures.path("tail_calls.o").toString(), "--prog", "via_subprog");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("call pc\\+\\d+ <tail_from_subprog>");
        assertThat(r.out()).containsPattern("\\n[0-9a-f]{16} <tail_from_subprog>:\\n");
    }

    /**
     * For each program that is one function, the instruction lines must read exactly as llvm-objdump-19 prints
     * them for that symbol, map references included (shown as the object holds them, with a relocation line).
     */
    @ParameterizedTest
    @MethodSource("fixtures")
    void disasmReadsLikeLlvmObjdump(String fixture) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/llvm-objdump-19")), "llvm-objdump-19 is not installed (apt-get install llvm-19)");
        Path path = Fixtures.path(fixture);
        Process p = new ProcessBuilder("/usr/bin/llvm-objdump-19", "-d", path.toString()).redirectErrorStream(true).start();
        String llvm = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Cli.Result ours = Cli.run("disasm", path.toString());
        assertThat(ours.exitCode()).as(ours.toString()).isZero();
        Map<String, List<String>> llvmBodies = bodies(llvm);
        Map<String, List<String>> ourBodies = bodies(ours.out());
        int compared = 0;
        for (Map.Entry<String, List<String>> e : ourBodies.entrySet()) {
            List<String> theirs = llvmBodies.get(e.getKey());
            if (theirs == null || theirs.size() != e.getValue().size()) continue; // a function linked into several programs
            for (int i = 0; i < theirs.size(); i++) {
                String a = theirs.get(i), b = e.getValue().get(i);
                // bpf2bpf calls: the object holds an unrelocated "call -0x1", a linked program the real displacement
                // function pointers (ld_pseudo ... 0x4): the object holds the callee's section offset, a linked program
                // its displacement
                if (b.contains("call pc") || a.contains("call -0x1") || b.contains("ld_pseudo")) continue;
                assertThat(b).as(fixture + " <" + e.getKey() + "> line " + i).isEqualTo(a);
                compared++;
            }
        }
        assertThat(compared).as("lines compared in " + fixture).isPositive();
    }

    /** Function name → instruction lines without the pc column and without relocation lines. */
    private static Map<String, List<String>> bodies(String listing) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        List<String> current = null;
        for (String line : listing.split("\n")) {
            var m = java.util.regex.Pattern.compile("^[0-9a-f]{16} <(.+)>:$").matcher(line);
            if (m.matches()) {
                current = new ArrayList<>();
                out.putIfAbsent(m.group(1), current);
                continue;
            }
            if (current != null && line.matches("^ +\\d+:\t.*")) current.add(line.substring(line.indexOf(":\t") + 2));
        }
        return out;
    }

    @Test
    void aMissingFileIsOneLineAndExitCode2() {
        Cli.Result r = Cli.run("progs", "no/such/file.o");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("bpf4j progs: no/such/file.o: no such file (check the path; the examples are under examples/, e.g. examples/xdp-firewall/firewall.o)\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void somethingThatIsNotAnElfIsOneLineAndExitCode1() {
        Cli.Result r = Cli.run("maps", Cli.example("traffic.pcap"));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("traffic.pcap").contains("not an ELF file").contains("clang -O2 -g -target bpf");
    }

    @Test
    void verboseAddsTheStackTrace() {
        Cli.Result r = Cli.run("maps", Cli.example("traffic.pcap"), "--verbose");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().lines().count()).isGreaterThan(3);
        assertThat(r.err()).contains("\tat io.bpf4j.");
    }

    @Test
    void anUnknownProgramNamesTheOnesThereAre() {
        Cli.Result r = Cli.run("disasm", FIREWALL, "--prog", "nope");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("bpf4j disasm: firewall.o has no program 'nope'; its programs are parse_ipv4, parse_ipv6, parse_tcp, "
                + "parse_udp, parse_icmp, policy, xdp_entry, policy_v2 (see 'bpf4j progs firewall.o')\n");
    }

    @Test
    void usageErrorsAreOneLineWithWhereToLook() {
        Cli.Result r = Cli.run("progs");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("bpf4j progs: Missing required parameter: 'OBJ' (see 'bpf4j progs --help')\n");
        Cli.Result unknown = Cli.run("frobnicate");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("bpf4j: unknown command 'frobnicate'; the commands are progs, maps, disasm");
    }

    @Test
    void everyCommandHasHelpAndTheToolHasAVersion() throws IOException {
        for (String c : List.of("progs", "maps", "disasm", "conformance-plugin")) {
            Cli.Result r = Cli.run(c, "--help");
            assertThat(r.exitCode()).as(c).isZero();
            assertThat(r.out()).contains("Usage: bpf4j " + c);
        }
        Cli.Result v = Cli.run("--version");
        assertThat(v.exitCode()).isZero();
        assertThat(v.out()).startsWith("bpf4j 0.1.0");
    }
}
