package io.bpf4j.linux;

import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.text.ConformanceCase;
import io.bpf4j.jit.JitEngine;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.conformance.ConformanceEnvironment;
import io.bpf4j.runtime.interpreter.Interpreter;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential: each bpf4j engine (interpreter, JIT) and the Linux kernel run the same programs on the same
 * memory and must leave the same r0 and the same memory. The programs are the conformance suite's (where the kernel accepts
 * them) and seeded random ones; a difference names the program (seed and index) and both outcomes.
 */
@ExtendWith(KernelTests.class)
class KernelDifferentialTest {
    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel(ProgramType.XDP);
    }

    static List<Engine> engines() {
        return List.of(Interpreter.INSTANCE, JitEngine.create());
    }

    /** A bpf4j engine under the same contract; the memory after the run is read back from its region. */
    static KernelIsaRunner.Ran embedded(Engine engine, String name, Instructions program, byte[] memory) {
        ProgramImage image = ConformanceEnvironment.load(name, program);
        Invocation invocation = new Invocation(RuntimeOptions.DEFAULTS).begin();
        Region region = memory.length == 0 ? null : Region.copyOf(RegionKind.CALLER_MEMORY, "input", memory, true);
        long r1 = region == null ? 0 : invocation.memory().register(region);
        long r0 = image.prepared(engine).run(invocation, r1, memory.length);
        return new KernelIsaRunner.Ran(r0, region == null ? new byte[0] : region.segment().toArray(JAVA_BYTE));
    }

    @ParameterizedTest
    @MethodSource("engines")
    void conformanceProgramsLeaveTheSameR0AndMemoryInBpf4jAndTheKernel(Engine engine) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(KernelConformanceTest.suite()),
                "skipped: no conformance suite at " + KernelConformanceTest.suite());
        DifferentialHarness harness = new DifferentialHarness("conformance-" + engine.name());
        for (ConformanceCase c : KernelConformanceTest.cases()) {
            DifferentialHarness.Reproducer reproducer = DifferentialHarness.Reproducer.isa("conformance " + c.name(), c.program(), c.memory());
            if (KernelConformanceTest.usesUnwindHelper(c.program())) {
                harness.explained(ExplainedDivergence.UNWIND_HELPER_IS_NOT_LINUX_HELPER_5, c.name());
                continue;
            }
            compare(harness, engine, c.name(), reproducer, c.program(), c.memory());
        }
        harness.finish();
        assertThat(harness.programs() - harness.explainedCount(ExplainedDivergence.KERNEL_REFUSES_CONSTANT_SHIFT)
                - harness.explainedCount(ExplainedDivergence.KERNEL_REFUSES_CALLX)
                - harness.explainedCount(ExplainedDivergence.UNWIND_HELPER_IS_NOT_LINUX_HELPER_5))
                .as("conformance cases run on both sides").isGreaterThanOrEqualTo(299);
    }

    /**
     * Runs one program under the instruction-set contract on the kernel and on {@code engine} and compares
     * them through the harness; a kernel refusal is explained (constant shift, callx) or a mismatch.
     */
    static void compare(DifferentialHarness harness, Engine engine, String what, DifferentialHarness.Reproducer reproducer,
                        Instructions program, byte[] memory) {
        switch (KernelIsaRunner.run("diff", program, memory)) {
            case KernelIsaRunner.Rejected r -> {
                ExplainedDivergence why = ExplainedDivergence.ofKernelRefusal(r.error().getMessage());
                if (why != null) harness.explained(why, what);
                else harness.unexplained(what, reproducer, engine.name(), "the kernel refused the program: " + r.error().getMessage()
                        + "\n" + VerifierLog.lastLines(r.error().log(), 12));
            }
            case KernelIsaRunner.Ran kernel -> {
                DifferentialHarness.Outcome bpf4j;
                try {
                    bpf4j = DifferentialHarness.Outcome.isa(embedded(engine, what, program, memory));
                } catch (io.bpf4j.BpfException e) {
                    harness.unexplained(what, reproducer, engine.name(), "the kernel ran it (" + DifferentialHarness.Outcome.isa(kernel).describe()
                            + ") but bpf4j failed: " + e.getMessage());
                    return;
                }
                DifferentialHarness.Outcome k = DifferentialHarness.Outcome.isa(kernel);
                if (!bpf4j.differences(k).isEmpty()) {
                    // a third opinion: an independent RFC 9669 emulator; if it sides with bpf4j, the kernel diverges
                    var rfc = RfcReference.run(program, memory).map(DifferentialHarness.Outcome::isa);
                    if (rfc.isPresent() && rfc.get().differences(bpf4j).isEmpty()) {
                        harness.explained(ExplainedDivergence.KERNEL_DIVERGES_FROM_RFC_ON_STACK_SPILLS, what, reproducer, engine.name(), bpf4j, k);
                        return;
                    }
                }
                harness.compare(what, reproducer, engine.name(), bpf4j, k);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void randomProgramsAgree(Engine engine) {
        compareRandom(engine, 0xB4F4_2026L, 300, 40);
    }

    /**
     * The long run: 20,000 programs per engine by default; {@code -Dbpf4j.differential.programs=N} and
     * {@code -Dbpf4j.differential.seed=<hex>} choose another count and seed (chunks of a large run).
     */
    @ParameterizedTest
    @MethodSource("engines")
    @Tag("long")
    void manyRandomProgramsAgree(Engine engine) {
        long seed = Long.parseUnsignedLong(System.getProperty("bpf4j.differential.seed", "5eed0001"), 16);
        int programs = Integer.getInteger("bpf4j.differential.programs", 20_000);
        compareRandom(engine, seed, programs, 80);
    }

    static void compareRandom(Engine engine, long seed, int programs, int bodyLength) {
        SplittableRandom random = new SplittableRandom(seed);
        RandomPrograms generator = new RandomPrograms(random);
        DifferentialHarness harness = new DifferentialHarness("random-isa-" + engine.name() + "-seed-" + Long.toHexString(seed));
        long started = System.nanoTime();
        for (int i = 0; i < programs && harness.mismatches().size() < 5; i++) {
            Instructions program = generator.program(bodyLength);
            byte[] memory = generator.memory();
            String what = "seed " + Long.toHexString(seed) + " #" + i;
            compare(harness, engine, what, DifferentialHarness.Reproducer.isa(what, program, memory), program, memory);
        }
        System.out.printf("random-isa %s seed %x: %d programs in %.1f s%n", engine.name(), seed, harness.programs(),
                (System.nanoTime() - started) / 1e9);
        harness.finish();
        assertThat(harness.programs()).isEqualTo(programs);
    }
}
