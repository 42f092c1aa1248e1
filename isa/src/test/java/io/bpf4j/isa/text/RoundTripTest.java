package io.bpf4j.isa.text;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.testing.ConformanceFiles;
import io.bpf4j.isa.testing.ElfSections;
import io.bpf4j.isa.testing.InstructionShapes;
import io.bpf4j.isa.testing.RandomInstructions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** bytes → text → bytes is the identity, for the conformance suite, the clang fixtures and random programs. */
class RoundTripTest {

    private static void assertRoundTrip(byte[] bytes, String what) {
        Instructions program = Instructions.decode(bytes);
        String text = Disassembler.text(program);
        assertThat(Assembler.assemble(what, text).encode()).as("%s via text:\n%s", what, text).isEqualTo(bytes);
        String listing = Disassembler.listing(program);
        assertThat(Assembler.assemble(what, listing).encode()).as("%s via listing", what).isEqualTo(bytes);
        String labelled = Disassembler.labelledText(program);
        assertThat(Assembler.assemble(what, labelled).encode()).as("%s via labelled text:\n%s", what, labelled).isEqualTo(bytes);
    }

    @Test
    void labelledTextNamesTargets() {
        Instructions program = ConformanceAssembler.assemble("""
                mov %r0, 0
                lddw %r1, 0x100000000
                jeq %r0, 1, +1
                ja -5
                call local +1
                exit
                ja +0x7fff
                ja -2
                ja -8
                exit
                """);
        // slots 0, 5 and 7 are targets; the jump out of the program and the one into the lddw's second
        // half (slot 2) keep their displacements
        assertThat(Disassembler.labelledText(program)).isEqualTo("""
                L0:
                r0 = 0x0
                r1 = 0x100000000 ll
                if r0 == 0x1 goto L5
                goto L0
                L5:
                call L7
                exit
                L7:
                goto +0x7fff
                goto L7
                goto -0x8
                exit
                """);
        assertThat(Assembler.assemble(Disassembler.labelledText(program))).isEqualTo(program);
    }

    @TestFactory
    Stream<DynamicTest> everyConformanceProgram() {
        return ConformanceFiles.all().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(),
                () -> assertRoundTrip(ConformanceCase.read(file).program().encode(), file.getFileName().toString())));
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureSection() {
        return ElfSections.fixtures().flatMap(object -> {
            List<DynamicTest> tests = new ArrayList<>();
            for (Map.Entry<String, byte[]> section : ElfSections.executable(object).entrySet()) {
                String name = object.getFileName() + " " + section.getKey();
                tests.add(DynamicTest.dynamicTest(name, () -> assertRoundTrip(section.getValue(), name)));
            }
            assertThat(tests).as("%s has code", object).isNotEmpty();
            return tests.stream();
        });
    }

    @Test
    void everyShape() {
        Instructions program = Instructions.of(InstructionShapes.all());
        assertRoundTrip(program.encode(), "shapes");
    }

    @Test
    void hundredThousandRandomInstructions() {
        List<Instruction> random = new RandomInstructions(new SplittableRandom(20261124)).next(100_000);
        Instructions program = Instructions.of(random);
        Instructions back = Assembler.assemble(Disassembler.text(program));
        // compare instruction by instruction first, so a failure names the one that broke
        List<Instruction> got = back.list();
        assertThat(got).hasSameSizeAs(random);
        for (int i = 0; i < random.size(); i++) {
            Instruction expected = random.get(i);
            if (!expected.equals(got.get(i))) {
                assertThat(got.get(i)).as("`%s`", Disassembler.instruction(expected)).isEqualTo(expected);
            }
        }
        assertThat(back.encode()).isEqualTo(program.encode());
    }
}
