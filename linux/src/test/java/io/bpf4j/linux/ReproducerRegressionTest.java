package io.bpf4j.linux;

import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;
import io.bpf4j.runtime.Engine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Once a mismatch, always a test: every file in {@code src/test/resources/differential-reproducers/} (a
 * reproducer {@link DifferentialHarness} wrote to {@code target/differential-reproducers/}, copied here when
 * the mismatch was found) is replayed on both engines and in the kernel on every run, and must agree — or, with
 * an {@code expect: explained <NAME>} line, must diverge exactly for that {@link ExplainedDivergence}.
 *
 * <p>Kinds: {@code isa} (program and memory, self-contained), {@code map-helpers} (program with maps as
 * indexes into {@link KernelHelperDifferentialTest#MAPS}, packet, runs), {@code tail-call-group} (the group is
 * generated again from seed and index, and each program's bytes must equal the stored ones, so a changed
 * generator cannot silently replay something else), {@code object} (a fixture, all its runs).
 */
@ExtendWith(KernelTests.class)
class ReproducerRegressionTest {
    static final Path DIRECTORY = Path.of("src", "test", "resources", "differential-reproducers");

    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel(ProgramType.XDP, ProgramType.SCHED_CLS, ProgramType.SOCKET_FILTER);
    }

    static List<Path> files() {
        try (Stream<Path> s = Files.list(DIRECTORY)) {
            return s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Arguments> cases() {
        return KernelDifferentialTest.engines().stream().flatMap(e -> files().stream().map(f -> Arguments.of(f.getFileName().toString(), e)));
    }

    @Test
    void theCheckedInReproducersAreThere() {
        assertThat(files()).as("reproducers in " + DIRECTORY.toAbsolutePath()).isNotEmpty();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void replays(String file, Engine engine) throws IOException {
        DifferentialHarness.Reproducer r = DifferentialHarness.Reproducer.parse(Files.readString(DIRECTORY.resolve(file)));
        String expect = r.fields().getOrDefault("expect", "agree");
        DifferentialHarness harness = new DifferentialHarness("reproducer-" + file + "-" + engine.name());
        HexFormat hex = HexFormat.of();
        if (r.fields().containsKey("rfc-retval")) {
            kernelComputesOtherwise(r, engine, expect, file);
            return;
        }
        switch (r.kind()) {
            case "isa" -> KernelDifferentialTest.compare(harness, engine, file, r,
                    Instructions.decode(hex.parseHex(r.get("program"))), hex.parseHex(r.get("memory")));
            case "map-helpers" -> {
                assertThat(r.get("maps")).as("the maps the reproducer was written with").isEqualTo(KernelHelperDifferentialTest.MAPS.toString());
                KernelHelperDifferentialTest.compareOne(harness, engine, file, Instructions.decode(hex.parseHex(r.get("program"))),
                        hex.parseHex(r.get("packet")), Integer.parseInt(r.get("runs")));
            }
            case "tail-call-group" -> {
                long seed = Long.parseUnsignedLong(r.get("seed"), 16);
                int index = Integer.parseInt(r.get("index"));
                boolean subprograms = Boolean.parseBoolean(r.get("subprograms"));
                KernelTailCallDifferentialTest.Group g = KernelTailCallDifferentialTest.regenerate(seed, index, subprograms);
                assertThat(KernelTailCallDifferentialTest.reproducer(seed, index, subprograms, g).fields())
                        .as("the generator still makes the group this reproducer recorded").containsAllEntriesOf(withoutExtras(r));
                KernelTailCallDifferentialTest.compareOne(harness, engine, seed, index, subprograms, g);
            }
            case "object" -> {
                new KernelObjectDifferentialTest().programsAndMapsEndTheSameAsInTheKernel(engine, r.get("fixture"));
                return;
            }
            default -> throw new IllegalArgumentException(file + ": unknown reproducer kind " + r.kind());
        }
        if (expect.equals("agree")) {
            harness.finish();
            assertThat(harness.programs()).isEqualTo(1);
        } else {
            assertThat(expect).startsWith("explained ");
            ExplainedDivergence why = ExplainedDivergence.valueOf(expect.substring("explained ".length()).trim());
            System.out.println(harness.summary());
            assertThat(harness.mismatches()).isEmpty();
            assertThat(harness.explainedCount(why)).as(file + " still diverges for the documented reason " + why).isEqualTo(1);
        }
    }

    /**
     * A divergence where the kernel runs the program and computes something other than RFC 9669: the file holds
     * the result worked out by hand ({@code rfc-retval}); bpf4j must give exactly that and the kernel must still
     * differ (when it stops differing the kernel is fixed, and the entry goes).
     */
    private static void kernelComputesOtherwise(DifferentialHarness.Reproducer r, Engine engine, String expect, String file) {
        assertThat(r.kind()).isEqualTo("isa");
        assertThat(expect).startsWith("explained ");
        ExplainedDivergence why = ExplainedDivergence.valueOf(expect.substring("explained ".length()).trim());
        HexFormat hex = HexFormat.of();
        Instructions program = Instructions.decode(hex.parseHex(r.get("program")));
        byte[] memory = hex.parseHex(r.get("memory"));
        long rfc = Long.parseUnsignedLong(r.get("rfc-retval"), 16);
        KernelIsaRunner.Ran bpf4j = KernelDifferentialTest.embedded(engine, file, program, memory);
        assertThat(Long.toHexString(bpf4j.r0())).as(engine.name() + " computes what RFC 9669 says").isEqualTo(Long.toHexString(rfc));
        KernelIsaRunner.Outcome kernel = KernelIsaRunner.run("reproducer", program, memory);
        assertThat(kernel).isInstanceOf(KernelIsaRunner.Ran.class);
        assertThat(Long.toHexString(((KernelIsaRunner.Ran) kernel).r0()))
                .as(file + ": the kernel still diverges (" + why + "); if it now gives the RFC result it is fixed: delete the file and the entry")
                .isNotEqualTo(Long.toHexString(rfc));
        assertThat(((KernelIsaRunner.Ran) kernel).memory()).as("memory agrees; only the removed path differs").isEqualTo(bpf4j.memory());
        DifferentialHarness harness = new DifferentialHarness("reproducer-" + file + "-" + engine.name());
        harness.explained(why, file);
        System.out.println(harness.summary());
    }

    /** The generator's fields of a tail-call reproducer (what it recorded minus what the harness added). */
    private static java.util.Map<String, String> withoutExtras(DifferentialHarness.Reproducer r) {
        java.util.Map<String, String> f = new java.util.LinkedHashMap<>(r.fields());
        for (String k : List.of("differential", "engine", "bpf4j", "kernel", "differs", "expect")) f.remove(k);
        return f;
    }
}
