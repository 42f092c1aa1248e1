package io.bpf4j.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConformancePluginCommandTest {
    @Test
    void runsAProgramFromStdinAndPrintsR0InHex() {
        // r0 = *(u32 *)(r1 + 0); exit — with memory 01 02 03 04
        Cli.Result r = Cli.runWithInput("61 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00\n",
                "conformance-plugin", "01 02 03 04", "--budget", "100");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("4030201\n");
    }

    @Test
    void aBadProgramIsExitCode1WithOneLine() {
        Cli.Result r = Cli.runWithInput("zz\n", "conformance-plugin");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().lines().count()).isEqualTo(1);
    }
}
