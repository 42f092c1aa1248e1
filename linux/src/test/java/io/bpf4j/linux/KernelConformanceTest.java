package io.bpf4j.linux;

import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.text.ConformanceCase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kernel as the oracle for instruction semantics: every bpf_conformance case the kernel's verifier
 * accepts must give the suite's expected 64-bit r0 when the kernel runs it. The kernel refuses a known few
 * (README: 12 constant shifts out of range, callx); any other refusal or any wrong result fails.
 */
@ExtendWith(KernelTests.class)
class KernelConformanceTest {
    static Path suite() {
        return Path.of(System.getProperty("bpf4j.shared", "../../shared"), "conformance", "tests");
    }

    static List<ConformanceCase> cases() throws IOException {
        try (Stream<Path> files = Files.list(suite())) {
            return files.filter(f -> f.toString().endsWith(".data")).sorted().map(ConformanceCase::read).toList();
        }
    }

    /** uBPF's "unwind" helper 5 is not Linux's helper 5 (bpf_ktime_get_ns): those cases mean nothing here. */
    static boolean usesUnwindHelper(Instructions program) {
        for (Instruction i : program.list()) {
            if (i instanceof Instruction.Call c && c.kind() == CallKind.HELPER && c.imm() == 5) return true;
        }
        return false;
    }

    @Test
    void theKernelComputesWhatTheSuiteExpectsForEveryProgramItAccepts() throws IOException {
        KernelTests.assumeKernel(ProgramType.XDP);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(suite()), "skipped: no conformance suite at " + suite());
        List<ConformanceCase> cases = cases();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(313);
        int passed = 0;
        Map<String, String> rejected = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (ConformanceCase c : cases) {
            if (c.expectedResult().isEmpty() || usesUnwindHelper(c.program())) continue;
            switch (KernelIsaRunner.run("conf", c.program(), c.memory())) {
                case KernelIsaRunner.Ran ran -> {
                    if (ran.r0() == c.expectedResult().getAsLong()) passed++;
                    else wrong.add(c.name() + ": kernel r0 0x" + Long.toHexString(ran.r0()) + ", suite expects 0x"
                            + Long.toHexString(c.expectedResult().getAsLong()));
                }
                case KernelIsaRunner.Rejected r -> rejected.put(c.name(), r.error().getMessage());
            }
        }
        System.out.printf("kernel conformance: %d of %d cases agree with the suite; refused %s%n", passed, cases.size(), rejected.keySet());
        assertThat(wrong).as("results that differ from the suite").isEmpty();
        assertThat(rejected.values()).as("refusals other than the kernel's known ones: " + rejected)
                .allSatisfy(m -> assertThat(m).containsAnyOf("invalid shift", "unknown opcode 8d"));
        assertThat(passed).as("cases the kernel ran and agreed with; refused: " + rejected.keySet()).isGreaterThanOrEqualTo(298);
    }
}
