package io.bpf4j.jit;

import io.bpf4j.isa.text.ConformanceCase;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The conformance programs that need no runtime (no memory, no helpers), compiled with the standalone compiler
 * and checked against the suite's expected r0, with generated classes verified.
 */
class StandaloneConformanceTest {
    private static final JitCompiler COMPILER = JitCompiler.standalone(JitOptions.defaults().withVerify(true));

    @TestFactory
    Stream<DynamicTest> conformance() {
        return ConformanceSuite.all().stream()
                .filter(c -> c.memory().length == 0 && ConformanceSuite.standalone(c.program()))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c)));
    }

    private static void run(ConformanceCase c) {
        JitCompiler.Compiled compiled = COMPILER.compile(c.name(), c.program());
        long r0 = compiled.code().run(null, 0, 0, 0);
        assertEquals(c.expectedResult().orElseThrow(), r0,
                () -> c.name() + ": expected 0x" + Long.toHexString(c.expectedResult().getAsLong()) + ", got 0x" + Long.toHexString(r0));
    }

    @Test
    void theStandaloneSubsetIsWhatItShouldBe() {
        List<ConformanceCase> subset = ConformanceSuite.all().stream()
                .filter(c -> c.memory().length == 0 && ConformanceSuite.standalone(c.program())).toList();
        // the suite's programs without memory, helpers or atomics: a smaller number means the filter lost some
        assertEquals(221, subset.size(), "standalone conformance programs");
    }
}
