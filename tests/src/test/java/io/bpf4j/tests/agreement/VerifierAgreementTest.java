package io.bpf4j.tests.agreement;

import io.bpf4j.abi.ProgramType;
import io.bpf4j.linux.KernelSupport;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Accept/refuse agreement between bpf4j's verifier and this machine's kernel, in both privilege modes, over the
 * fixtures, the conformance programs, the edge-case corpus and seeded random programs. Prints the table and
 * writes it to {@code target/verifier-agreement.md} (every verdict of both sides: {@code target/verifier-agreement.tsv}). Fails on any program bpf4j accepts that the kernel refuses
 * for a memory-safety reason, and on any verifier crash; "bpf4j is stricter" is reported, never a failure.
 */
class VerifierAgreementTest {
    static final long SEED = 0x5eed_a9ee_3e47L;
    static final int RANDOM_FAST = 400, RANDOM_LONG = 10_000;

    @Test
    void bpf4jAgreesWithTheKernelAndNeverAcceptsWhatItRefusesForSafety() throws IOException {
        run(RANDOM_FAST, SEED, "verifier-agreement.md");
    }

    @Test
    @Tag("long")
    void longRunWithTenThousandRandomPrograms() throws IOException {
        run(RANDOM_LONG, SEED ^ 0x10_000L, "verifier-agreement-long.md");
    }

    private static void run(int randomCount, long seed, String reportFile) throws IOException {
        assumeKernel();
        KernelOracle.snapshotClasses();
        String noChild = KernelOracle.unprivilegedUnavailableReason();
        if (noChild != null) Assumptions.abort("agreement test skipped: " + noChild);

        List<AgreementProgram> programs = new ArrayList<>();
        FixturePrograms.Found fixtures = FixturePrograms.programs();
        List<AgreementProgram> conformance = ConformancePrograms.programs();
        assertThat(conformance).as("conformance programs found in " + ConformancePrograms.directory())
                .hasSizeGreaterThanOrEqualTo(ConformancePrograms.EXPECTED_FILES);
        programs.addAll(fixtures.programs());
        programs.addAll(conformance);
        programs.addAll(EdgeCases.programs());
        programs.addAll(RandomUnsafePrograms.generate(seed, randomCount));

        var descriptorsBefore = new java.util.TreeMap<>(io.bpf4j.linux.BpfDescriptors.open());
        long start = System.nanoTime();
        List<Judgement> privileged = AgreementHarness.judge(Mode.PRIVILEGED, programs);
        // a program this machine cannot load even with every capability is excluded from both modes
        List<AgreementProgram> loadable = new ArrayList<>();
        List<Judgement> all = new ArrayList<>(privileged);
        for (Judgement j : privileged) {
            if (j.category() != Judgement.Category.EXCLUDED) loadable.add(j.program());
            else all.add(AgreementHarness.bpf4j(Mode.UNPRIVILEGED, j.program(), j.kernel()));
        }
        all.addAll(AgreementHarness.judge(Mode.UNPRIVILEGED, loadable));
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        var leaked = new java.util.TreeMap<>(io.bpf4j.linux.BpfDescriptors.open());
        leaked.keySet().removeAll(descriptorsBefore.keySet());
        assertThat(leaked).as("bpf descriptors left open by the kernel side").isEmpty();

        checkTheModesReallyDiffer(all);

        // bpf4j's default rounds frames to 32 bytes (Linux's interpreter); this kernel JITs and rounds to 16
        List<String> roundingOnly = all.stream().filter(j -> j.category() == Judgement.Category.AGREE_ACCEPT)
                .filter(j -> !AgreementHarness.accepts(j.program(), j.mode().bpf4jOptions().withStackRounding(32)))
                .map(j -> j.program().id() + " [" + j.mode().label + "]").toList();

        String header = "Run " + Instant.now() + " on Linux " + KernelSupport.probe().kernelRelease() + "; "
                + programs.size() + " programs × 2 modes in " + seconds + " s; random seed 0x" + Long.toHexString(seed)
                + " (" + randomCount + " programs). bpf4j: `VerificationOptions.DEFAULT.withPrivileged(mode).withStackRounding("
                + Mode.KERNEL_STACK_ROUNDING + ")`. Kernel, privileged: " + Mode.PRIVILEGED.kernelSide + "; unprivileged: "
                + Mode.UNPRIVILEGED.kernelSide + ". With bpf4j's default stack rounding of 32 bytes instead, "
                + roundingOnly.size() + " of the programs both accept would be refused by bpf4j (bpf4j stricter)"
                + (roundingOnly.isEmpty() ? "" : ": " + String.join(", ", roundingOnly)) + "."
                + (fixtures.unreadable().isEmpty() ? "" : "\n\nFixtures not compared because bpf4j's object reader refuses them: "
                        + String.join("; ", fixtures.unreadable()) + ".");
        String report = AgreementReport.markdown("Verifier agreement with the kernel", header, all);
        System.out.println(report);
        Path target = Path.of("target");
        Files.createDirectories(target);
        Files.writeString(target.resolve(reportFile), report, StandardCharsets.UTF_8);
        Files.writeString(target.resolve(reportFile.replace(".md", ".tsv")), AgreementReport.tsv(all), StandardCharsets.UTF_8);

        List<String> unsafe = all.stream().filter(j -> j.category() == Judgement.Category.BPF4J_MORE_PERMISSIVE_SAFETY)
                .filter(j -> KnownDivergences.explain(j) == null).map(Judgement::describe).toList();
        List<String> crashes = all.stream().filter(j -> j.category() == Judgement.Category.BPF4J_CRASH).map(Judgement::describe).toList();
        assertThat(crashes).as("programs on which bpf4j's verifier threw instead of giving a verdict").isEmpty();
        assertThat(unsafe).as("programs bpf4j accepts and the kernel refuses for a memory-safety reason"
                + (KnownDivergences.STRICT ? "" : " (beyond the known divergences listed in the report)")).isEmpty();
    }

    /**
     * The unprivileged child must really take the kernel's unprivileged path: stack never written is readable
     * with CAP_PERFMON and refused without it. If this fails, the mode comparison means nothing.
     */
    private static void checkTheModesReallyDiffer(List<Judgement> all) {
        String canary = "read of stack never written";
        for (Mode m : Mode.values()) {
            Judgement j = all.stream().filter(x -> x.mode() == m && x.program().corpus().equals(EdgeCases.CORPUS)
                    && x.program().name().equals(canary)).findFirst().orElseThrow();
            if (j.kernel().isAccepted() != m.privileged) {
                Assertions.fail("the kernel " + (j.kernel().isAccepted() ? "accepted" : "refused") + " '" + canary + "' in the "
                        + m.label + " mode (" + j.kernel().message() + "): the mode's capabilities are not what the comparison assumes");
            }
        }
    }

    private static void assumeKernel() {
        String why = KernelSupport.probe().unavailableReason(ProgramType.XDP, ProgramType.SCHED_CLS, ProgramType.SOCKET_FILTER);
        if (why == null) return;
        if ("1".equals(System.getenv("BPF4J_REQUIRE_KERNEL"))) {
            Assertions.fail("BPF4J_REQUIRE_KERNEL=1 but the kernel backend is unavailable: " + why);
        }
        Assumptions.abort("agreement test skipped: " + why);
    }
}
