package io.bpf4j.cli;

import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** 'bpf4j verify' end to end: the example pipeline passes, a program reading stale stack is refused. */
class VerifyCommandTest {
    static String rejectedObject() {
        try {
            return Path.of(VerifyCommandTest.class.getResource("rejected.o").toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The firewall compares its metadata pointer with NULL and reads headers at variable packet offsets, which
     * Linux allows only with CAP_PERFMON, as root loads XDP programs: accepted with --privileged, refused by
     * default with Linux's reason for !root.
     */
    @Test
    void everyStageOfTheFirewallIsAccepted() {
        Cli.Result r = Cli.run("verify", InspectCommandsTest.FIREWALL, "--privileged");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).containsPattern("xdp_entry +accepted +\\d+ +\\d+ +\\d+ B");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> progs = (List<Map<String, Object>>) ((Map<String, Object>) Cli.run("verify", InspectCommandsTest.FIREWALL,
                "--privileged", "--json").json()).get("programs");
        assertThat(progs).hasSize(8).allSatisfy(p -> {
            assertThat(p.get("accepted")).isEqualTo(true);
            assertThat((Long) p.get("processed_insns")).isPositive();
        });
    }

    @Test
    void withoutCapPerfmonTheFirewallIsRefusedAsLinuxRefusesIt() {
        Cli.Result r = Cli.run("verify", InspectCommandsTest.FIREWALL);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).containsPattern("parse_ipv4 +REJECTED .*R7 pointer comparison prohibited \\(pc 15\\)");
        assertThat(r.err()).contains("add --privileged to verify that way");
    }

    /** tc_classify reads the IP header at a variable packet offset: Linux allows that only with CAP_PERFMON (Spectre v1). */
    @Test
    void theTcExampleIsAccepted() {
        Cli.Result r = Cli.run("verify", InspectCommandsTest.TC, "--privileged");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        Cli.Result unprivileged = Cli.run("verify", InspectCommandsTest.TC);
        assertThat(unprivileged.exitCode()).isEqualTo(1);
        assertThat(unprivileged.out()).contains("R3 has pointer with unsupported alu operation, pointer arithmetic with it prohibited for !root (pc 29)");
    }

    @Test
    void aRejectedProgramIsExitCode1WithTheReasonOnOneLine() {
        Cli.Result r = Cli.run("verify", rejectedObject());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("bpf4j verify: rejected.o: program reads_stale_stack rejected at pc 0: invalid read from stack R10 off=-8 size=8"
                + " (rerun with --log-level 1 for the verifier log); Linux allows this when root loads the program (CAP_PERFMON),"
                + " as XDP and tc programs are loaded: add --privileged to verify that way\n");
        assertThat(r.out()).containsPattern("reads_stale_stack +REJECTED .*invalid read from stack R10 off=-8 size=8 \\(pc 0\\)");
        assertThat(r.out()).containsPattern("accepted +accepted");
    }

    @Test
    void theLogShowsTheSourceLineAndTheMessage() {
        Cli.Result r = Cli.run("verify", rejectedObject(), "--prog", "reads_stale_stack", "--log-level", "1");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("--- verifier log of reads_stale_stack ---").contains("invalid read from stack R10 off=-8 size=8");
        @SuppressWarnings("unchecked")
        Map<String, Object> p = ((List<Map<String, Object>>) ((Map<String, Object>) Cli.run("verify", rejectedObject(), "--prog", "reads_stale_stack", "--json").json()).get("programs")).getFirst();
        assertThat(p).containsEntry("accepted", false).containsEntry("pc", 0L);
        assertThat((String) p.get("log")).contains("invalid read from stack");
    }

    @Test
    void privilegedModeAllowsWhatLinuxAllowsWithCapPerfmon() {
        Cli.Result r = Cli.run("verify", rejectedObject(), "--prog", "reads_stale_stack", "--privileged");
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    @Test
    void aBadLogLevelIsAUsageError() {
        Cli.Result r = Cli.run("verify", rejectedObject(), "--log-level", "3");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("bpf4j verify: --log-level 3: must be 1 or 2\n");
    }
}
