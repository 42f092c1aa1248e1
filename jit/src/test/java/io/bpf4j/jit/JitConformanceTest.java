package io.bpf4j.jit;

import io.bpf4j.isa.text.ConformanceCase;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.conformance.ConformanceEnvironment;
import io.bpf4j.runtime.interpreter.Interpreter;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bpf_conformance suite (313 programs) on the JIT: every program must compile (no fallback), pass
 * {@code ClassFile.verify}, and give the suite's expected r0 — and the same r0 and instruction count as the
 * interpreter.
 */
class JitConformanceTest {
    private static final JitEngine JIT = new JitEngine(JitOptions.defaults().withVerify(true).withFallback(FallbackPolicy.FAIL));

    @TestFactory
    Stream<DynamicTest> conformance() {
        return ConformanceSuite.all().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c)));
    }

    private static void run(ConformanceCase c) {
        ProgramImage image = ConformanceEnvironment.load(c.name(), c.program());
        JitExecutable executable = (JitExecutable) image.prepared(JIT);
        assertTrue(executable.isCompiled(), () -> c.name() + " fell back: " + executable.fallbackReason());
        long r0 = ConformanceEnvironment.run(JIT, image, c.memory(), RuntimeOptions.DEFAULTS);
        long expected = c.expectedResult().orElseThrow();
        assertEquals(expected, r0, () -> c.name() + ": expected 0x" + Long.toHexString(expected) + ", got 0x" + Long.toHexString(r0));
        long interpreted = ConformanceEnvironment.run(Interpreter.INSTANCE, image, c.memory(), RuntimeOptions.DEFAULTS);
        assertEquals(interpreted, r0, c.name() + ": the interpreter disagrees");
    }

    @Test
    void theWholeSuiteIsThere() {
        List<ConformanceCase> all = ConformanceSuite.all();
        assertEquals(ConformanceSuite.SIZE, all.size());
        assertTrue(all.stream().allMatch(c -> c.expectedResult().isPresent()), "every suite test expects a result");
    }
}
