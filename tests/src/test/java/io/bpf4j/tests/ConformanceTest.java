package io.bpf4j.tests;

import io.bpf4j.isa.text.ConformanceCase;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.conformance.ConformanceEnvironment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every file of the bpf_conformance suite on each engine and prints the score. Fails on any failure: there
 * are no documented exceptions, every engine must pass 313/313 (callx included).
 */
class ConformanceTest {

    static Stream<Engine> engines() {
        return Engines.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void everyConformanceFilePasses(Engine engine) {
        List<ConformanceCase> cases = ConformanceSuite.cases();
        assertThat(cases).as("conformance files in " + ConformanceSuite.directory()).hasSize(ConformanceSuite.EXPECTED_FILES);
        List<String> failures = new ArrayList<>();
        int passed = 0;
        for (ConformanceCase c : cases) {
            String outcome = run(engine, c);
            if (outcome == null) passed++;
            else failures.add(c.name() + ": " + outcome);
        }
        System.out.println("conformance (" + engine.name() + "): " + passed + "/" + cases.size() + " passed");
        failures.forEach(f -> System.out.println("  FAIL " + f));
        assertThat(failures).as("conformance failures on " + engine.name()).isEmpty();
        assertThat(passed).isEqualTo(ConformanceSuite.EXPECTED_FILES);
    }

    /** Null when the case passes, else what went wrong. */
    private static String run(Engine engine, ConformanceCase c) {
        try {
            long r0 = ConformanceEnvironment.run(engine, ConformanceEnvironment.load(c.name(), c.program()), c.memory(), RuntimeOptions.DEFAULTS);
            if (c.expectedError().isPresent()) return "expected error '" + c.expectedError().get() + "', got r0 = 0x" + Long.toHexString(r0);
            if (c.expectedResult().isEmpty()) return "the file expects no result";
            long expected = c.expectedResult().getAsLong();
            return r0 == expected ? null : "r0 = 0x" + Long.toHexString(r0) + ", expected 0x" + Long.toHexString(expected);
        } catch (RuntimeException e) {
            if (c.expectedError().isPresent() && String.valueOf(e.getMessage()).contains(c.expectedError().get())) return null;
            return e.toString();
        }
    }
}
