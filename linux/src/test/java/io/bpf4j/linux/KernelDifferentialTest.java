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

    static String describe(KernelIsaRunner.Ran r) {
        return "r0=0x" + Long.toHexString(r.r0()) + " memory=" + HexFormat.of().formatHex(r.memory());
    }

    @ParameterizedTest
    @MethodSource("engines")
    void conformanceProgramsLeaveTheSameR0AndMemoryInBpf4jAndTheKernel(Engine engine) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(KernelConformanceTest.suite()),
                "skipped: no conformance suite at " + KernelConformanceTest.suite());
        List<String> differences = new ArrayList<>();
        int compared = 0;
        for (ConformanceCase c : KernelConformanceTest.cases()) {
            if (KernelConformanceTest.usesUnwindHelper(c.program())) continue;
            if (!(KernelIsaRunner.run("conf", c.program(), c.memory()) instanceof KernelIsaRunner.Ran kernel)) continue;
            KernelIsaRunner.Ran bpf4j = embedded(engine, c.name(), c.program(), c.memory());
            compared++;
            if (bpf4j.r0() != kernel.r0() || !java.util.Arrays.equals(bpf4j.memory(), kernel.memory())) {
                differences.add(c.name() + ": " + engine.name() + " " + describe(bpf4j) + " / kernel " + describe(kernel));
            }
        }
        assertThat(differences).isEmpty();
        assertThat(compared).isGreaterThanOrEqualTo(299);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void randomProgramsAgree(Engine engine) {
        compareRandom(engine, 0xB4F4_2026L, 300, 40);
    }

    @ParameterizedTest
    @MethodSource("engines")
    @Tag("long")
    void manyRandomProgramsAgree(Engine engine) {
        compareRandom(engine, 0x5EED_0001L, 20_000, 80);
    }

    static void compareRandom(Engine engine, long seed, int programs, int bodyLength) {
        SplittableRandom random = new SplittableRandom(seed);
        RandomPrograms generator = new RandomPrograms(random);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < programs && problems.size() < 5; i++) {
            Instructions program = generator.program(bodyLength);
            byte[] memory = generator.memory();
            String name = "seed " + Long.toHexString(seed) + " #" + i;
            switch (KernelIsaRunner.run("diff", program, memory)) {
                case KernelIsaRunner.Rejected r -> problems.add(name + ": the kernel refused a generated program ("
                        + r.error().getMessage() + "); the generator must only make verifiable programs\n"
                        + io.bpf4j.isa.text.Disassembler.listing(program) + "\n" + VerifierLog.lastLines(r.error().log(), 12));
                case KernelIsaRunner.Ran kernel -> {
                    KernelIsaRunner.Ran bpf4j = embedded(engine, name, program, memory);
                    if (bpf4j.r0() != kernel.r0() || !java.util.Arrays.equals(bpf4j.memory(), kernel.memory())) {
                        problems.add(name + " on memory " +  HexFormat.of().formatHex(memory) + ":\n  " + engine.name() + " "
                                + describe(bpf4j) + "\n  kernel " + describe(kernel) + "\n" + io.bpf4j.isa.text.Disassembler.listing(program));
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }
}
