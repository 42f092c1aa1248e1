package io.bpf4j.jit;

import io.bpf4j.object.ObjectSpec;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Collection;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.TestRun;
import io.bpf4j.runtime.TestRunResult;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every program of every clang-built fixture object, loaded (and verified) by the embedded runtime, test-run on the
 * interpreter and on the JIT with the same inputs, three times in a row (maps keep their state between runs): return
 * value, packet, context, tail calls and trace must agree, or the same error.
 */
class FixtureAgreementTest {
    private static final Engine JIT = new JitEngine(JitOptions.defaults().withVerify(true).withFallback(FallbackPolicy.FAIL));

    @TestFactory
    Stream<DynamicTest> fixtures() {
        return Fixtures.names().stream().map(name -> DynamicTest.dynamicTest(name, () -> compare(name)));
    }

    private static void compare(String name) {
        List<String> interpreted = runAll(name, io.bpf4j.runtime.interpreter.Interpreter.INSTANCE);
        List<String> compiled = runAll(name, JIT);
        assertEquals(interpreted.size(), compiled.size(), name);
        for (int i = 0; i < interpreted.size(); i++) assertEquals(interpreted.get(i), compiled.get(i), name);
        assertTrue(!interpreted.isEmpty(), name + " ran nothing");
        COMPLETED_RUNS.addAndGet((int) compiled.stream().filter(l -> l.contains(": retval ")).count());
    }

    private static final java.util.concurrent.atomic.AtomicInteger COMPLETED_RUNS = new java.util.concurrent.atomic.AtomicInteger();

    /** Agreement on load errors alone would prove nothing: most fixtures must load and run. */
    @org.junit.jupiter.api.AfterAll
    static void programsReallyRan() {
        assertTrue(COMPLETED_RUNS.get() >= 50, "only " + COMPLETED_RUNS.get() + " test runs completed on the JIT");
    }

    /** What each program did, as text: one line per run. */
    private static List<String> runAll(String name, Engine engine) {
        List<String> out = new ArrayList<>();
        BpfRuntime.Builder builder = BpfRuntime.builder().cpus(1).engine(engine).randomSeed(42);
        try (BpfRuntime rt = builder.build()) {
            Collection c;
            try {
                c = rt.load(ObjectSpec.read(name, Fixtures.bytes(name)));
            } catch (RuntimeException e) {
                out.add("load: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                return out;
            }
            try (c) {
                for (var entry : new TreeMap<>(c.programs()).entrySet()) {
                    Program p = entry.getValue();
                    for (int round = 0; round < 3; round++) {
                        byte[] packet = new byte[64];
                        for (int i = 0; i < packet.length; i++) packet[i] = (byte) (i * 7 + round);
                        out.add(entry.getKey() + " #" + round + ": " + describe(() -> p.testRun(TestRun.of(packet).traced())));
                    }
                }
            }
        }
        return out;
    }

    private static String describe(java.util.function.Supplier<TestRunResult> run) {
        try {
            TestRunResult r = run.get();
            return "retval " + r.retval() + " data " + Arrays.toString(r.data()) + " ctx " + Arrays.toString(r.ctx())
                    + " tail calls " + r.tailCalls() + " redirect " + r.redirect() + " trace " + r.trace();
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}
