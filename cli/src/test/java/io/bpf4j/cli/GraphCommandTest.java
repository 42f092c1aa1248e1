package io.bpf4j.cli;

import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** 'bpf4j graph' end to end on the example pipeline and the tail-call fixture. */
class GraphCommandTest {
    static final String FIREWALL = InspectCommandsTest.FIREWALL;

    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return (Map<String, Object>) r.json();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> edges(Map<String, Object> g) {
        return (List<Map<String, Object>>) g.get("edges");
    }

    @Test
    void theFirewallPipelineIsResolvedStatically() {
        Map<String, Object> g = json("graph", FIREWALL, "--json");
        assertThat(g.get("entries")).isEqualTo(List.of("xdp_entry", "policy_v2"));
        assertThat(edges(g)).anySatisfy(e -> {
            assertThat(e).containsEntry("from", "xdp_entry").containsEntry("to", "parse_ipv4").containsEntry("slot", 0L);
            assertThat(e).containsEntry("variable_index", false);
        });
        // parse_ipv4 picks the L4 stage with a computed index: the analysis narrows it to four slots
        assertThat(edges(g)).anySatisfy(e -> {
            assertThat(e).containsEntry("from", "parse_ipv4").containsEntry("to", "parse_udp");
            assertThat(e.get("possible_slots")).isEqualTo(List.of(2L, 3L, 4L, 5L));
        });
        assertThat(edges(g)).noneSatisfy(e -> assertThat(e.get("to")).isNull());
        @SuppressWarnings("unchecked")
        Map<String, Object> longest = (Map<String, Object>) g.get("longest_chain");
        assertThat(longest.get("tail_calls")).isEqualTo(3L);
        assertThat((List<Object>) longest.get("programs")).startsWith("xdp_entry").endsWith("policy");
        assertThat(g.get("cycles")).isEqualTo(List.of());
        assertThat(g.get("limit_reachable")).isEqualTo(false);
    }

    @Test
    void theReportSaysWhatPeopleNeedToKnow() {
        Cli.Result r = Cli.run("graph", FIREWALL);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Longest chain: xdp_entry → parse_ipv4 → parse_tcp → policy (3 tail calls, 4 programs)")
                .contains("Cycles: none")
                .contains("Tail-call limit: cannot be hit: at most 3 of 32 tail calls")
                .contains("Worst-case stack: 32 bytes");
        assertThat(r.out()).containsPattern("parse_ipv4 +\\d+ +parse_ipv4 +one of \\[2, 3, 4, 5\\] +stages\\[3\\] +parse_udp");
    }

    @Test
    void emptyingASlotWithSetTurnsItsEdgesIntoFallThroughs() {
        Map<String, Object> g = json("graph", FIREWALL, "--set", "stages[4]=", "--json");
        assertThat(edges(g)).anySatisfy(e -> {
            assertThat(e).containsEntry("from", "parse_tcp").containsEntry("to", "policy");
        });
        assertThat(edges(g)).anySatisfy(e -> {
            assertThat(e).containsEntry("from", "parse_ipv4").containsEntry("slot", 4L).containsEntry("falls_through", "empty");
            assertThat(e.get("to")).isNull();
        });
        // parse_icmp is no longer reachable from the entry, but it is still a program of the object
        assertThat(edges(g)).noneSatisfy(e -> assertThat(e.get("to")).isEqualTo("parse_icmp"));
    }

    @Test
    void aCycleMakesTheLimitReachableAndSeedAndLinuxLimitsDiffer() {
        String tc = Fixtures.path("tail_calls.o").toString();
        Map<String, Object> g = json("graph", tc, "--json");
        assertThat(g.get("cycles")).isEqualTo(List.of(List.of("loop")));
        assertThat(g.get("limit_reachable")).isEqualTo(true);
        @SuppressWarnings("unchecked")
        Map<String, Object> longest = (Map<String, Object>) g.get("longest_chain");
        assertThat(longest).containsEntry("unbounded", true).containsEntry("tail_calls", 32L);
        Map<String, Object> linux = json("graph", tc, "--tail-call-limit", "33", "--json");
        @SuppressWarnings("unchecked")
        Map<String, Object> linuxLongest = (Map<String, Object>) linux.get("longest_chain");
        assertThat(linuxLongest.get("tail_calls")).isEqualTo(33L);
        // stage_b's tail call to slot 2 falls through: the slot is empty
        assertThat(edges(g)).anySatisfy(e -> assertThat(e).containsEntry("from", "stage_b").containsEntry("slot", 2L).containsEntry("falls_through", "empty"));
        // via_subprog tail-calls from its subprogram: via_subprog's frame stays below leaf
        assertThat(edges(g)).anySatisfy(e -> assertThat(e).containsEntry("from", "via_subprog").containsEntry("function", "tail_from_subprog")
                .containsEntry("to", "leaf").containsEntry("caller_stack", 32L));
    }

    /** The fixture for the seed's 256-byte rule: the graph's stack analysis must reach the verifier's verdicts. */
    @Test
    void theCallerStackOfATailCallFromASubprogramIsCheckedAgainst256Bytes() {
        Map<String, Object> g = json("graph", Fixtures.path("tail_call_stack.o").toString(), "--json");
        assertThat(edges(g)).anySatisfy(e -> assertThat(e).containsEntry("from", "stack_ok").containsEntry("function", "tail_call_target")
                .containsEntry("caller_stack", 224L).containsEntry("to", "target"));
        assertThat(edges(g)).anySatisfy(e -> assertThat(e).containsEntry("from", "reject_stack_256").containsEntry("caller_stack", 256L));
        @SuppressWarnings("unchecked")
        List<String> warnings = (List<String>) g.get("warnings");
        assertThat(warnings).singleElement().asString().startsWith("reject_stack_256 pc ").contains("256 bytes of caller stack");
        @SuppressWarnings("unchecked")
        Map<String, Object> worst = (Map<String, Object>) g.get("worst_case_stack");
        assertThat(worst.get("bytes")).isEqualTo(256L + 32);
        // and bpf4j's verifier draws the same line
        assertThat(Cli.run("verify", Fixtures.path("tail_call_stack.o").toString(), "--prog", "stack_ok").exitCode()).isZero();
        assertThat(Cli.run("verify", Fixtures.path("tail_call_stack.o").toString(), "--prog", "reject_stack_256").err())
                .contains("tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large");
    }

    @Test
    void svgIsWellFormedAndSelfContained() throws Exception {
        Path svg = dir.resolve("g.svg");
        Cli.Result r = Cli.run("graph", FIREWALL, "-o", svg.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Wrote the svg picture to " + svg);
        String text = Files.readString(svg);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        for (String p : List.of("xdp_entry", "parse_ipv4", "parse_ipv6", "parse_tcp", "parse_udp", "parse_icmp", "policy")) {
            assertThat(text).contains(">" + p + "</text>");
        }
        assertThat(text).contains("Longest chain: xdp_entry → parse_ipv4 → parse_tcp → policy");
        assertThat(text).doesNotContain("href=\"http").doesNotContain("<script").doesNotContain("@import");
        Path cyc = dir.resolve("cycle.svg");
        assertThat(Cli.run("graph", Fixtures.path("tail_calls.o").toString(), "--format", "svg", "-o", cyc.toString()).exitCode()).isZero();
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(cyc.toFile());
        assertThat(Files.readString(cyc)).contains("falls through").contains("<title>loop → loop: jmp_table[7]</title>");
    }

    @Test
    void dotAndMermaidNameEveryEdge() {
        Cli.Result dot = Cli.run("graph", FIREWALL, "--format", "dot");
        assertThat(dot.exitCode()).isZero();
        assertThat(dot.out()).contains("digraph tailcalls {").contains("\"xdp_entry\" -> \"parse_ipv4\" [label=\"stages[0]\"");
        Cli.Result mm = Cli.run("graph", FIREWALL, "--format", "mermaid");
        assertThat(mm.exitCode()).isZero();
        assertThat(mm.out()).contains("flowchart LR").containsPattern("p\\d -- \"stages\\[5\\]\" --> p\\d");
    }

    @Test
    void setRefusesWhatIsNotAProgArraySlot() {
        Cli.Result hash = Cli.run("graph", FIREWALL, "--set", "rules[0]=policy");
        assertThat(hash.exitCode()).isEqualTo(2);
        assertThat(hash.err()).isEqualTo("bpf4j graph: --set rules[0]=policy: rules is a hash map, not a prog array; --set fills prog-array slots (the object's prog arrays: stages)\n");
        Cli.Result range = Cli.run("graph", FIREWALL, "--set", "stages[8]=policy");
        assertThat(range.exitCode()).isEqualTo(2);
        assertThat(range.err()).contains("stages has 8 slots (0..7), so there is no slot 8");
        Cli.Result syntax = Cli.run("graph", FIREWALL, "--set", "stages=policy");
        assertThat(syntax.exitCode()).isEqualTo(2);
        assertThat(syntax.err()).contains("expected MAP[INDEX]=PROG");
        Cli.Result prog = Cli.run("graph", FIREWALL, "--set", "stages[1]=nope");
        assertThat(prog.exitCode()).isEqualTo(2);
        assertThat(prog.err()).contains("has no program 'nope'");
        Cli.Result map = Cli.run("graph", FIREWALL, "--set", "nomap[1]=policy");
        assertThat(map.exitCode()).isEqualTo(2);
        assertThat(map.err()).contains("has no map 'nomap'; its maps are stages, flow, stats, rules, blocked_v4");
    }
}
