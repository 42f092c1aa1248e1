package io.bpf4j.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** README's "swap a stage" example runs as a user runs it (java SwapStage.java) and loses no packet. */
class SwapStageExampleTest {
    @Test
    void replacingThePolicyWhilePacketsFlowLosesNothing() throws Exception {
        Path root = Cli.root();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                root.resolve("examples/swap-stage/SwapStage.java").toString(), root.toString(), "1")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("4 threads ran 4,000 packets").contains("went from policy to policy_v2")
                .contains("No packet lost");
        assertThat(out).containsPattern("before the swap +[\\d,]+ +[\\d,]+ +0\\n").containsPattern("after the swap +[\\d,]+ +[\\d,]+ +0\\n");
    }
}
