package io.bpf4j.linux;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "missing privilege" path for real: the probe runs in a child JVM whose capability bounding set was
 * emptied by {@code setpriv} (still uid 0, but without CAP_BPF and CAP_SYS_ADMIN), where bpf(2) answers EPERM.
 */
class UnprivilegedProbeTest {
    @Test
    void withoutCapabilitiesTheProbeSaysRootOrCapBpfIsNeeded() throws IOException, InterruptedException {
        KernelTests.assumeKernel();
        Path setpriv = Path.of("/usr/bin/setpriv");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(setpriv),
                "skipped: /usr/bin/setpriv (util-linux) is needed to drop capabilities in a child process");
        String unprivileged = Files.readString(Path.of("/proc/sys/kernel/unprivileged_bpf_disabled")).trim();
        org.junit.jupiter.api.Assumptions.assumeFalse(unprivileged.equals("0"),
                "skipped: kernel.unprivileged_bpf_disabled=0 lets unprivileged processes use bpf(2) here");

        List<String> cmd = new ArrayList<>(List.of(setpriv.toString(), "--bounding-set=-all", "--inh-caps=-all", "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                KernelSupport.class.getName(), "XDP"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isEqualTo(1);
        assertThat(out).contains("bpf(2) unavailable: bpf(BPF_MAP_CREATE) answered EPERM: " + KernelException.PRIVILEGE_HINT)
                .contains("this process runs as uid 0 with no CAP_BPF, no CAP_SYS_ADMIN")
                .contains("kernel.unprivileged_bpf_disabled=" + unprivileged);
    }
}
