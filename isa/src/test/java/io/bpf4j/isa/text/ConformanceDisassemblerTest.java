package io.bpf4j.isa.text;

import io.bpf4j.BpfException;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.testing.ConformanceFiles;
import io.bpf4j.isa.testing.InstructionShapes;
import io.bpf4j.isa.testing.RandomInstructions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConformanceDisassemblerTest {

    private static boolean expressible(Instruction i) {
        return !(i instanceof Instruction.LoadImm64 l && l.pseudo() != Pseudo.IMM)
                && !(i instanceof Instruction.Call c && c.kind() == CallKind.KFUNC && c.offset() != 0);
    }

    @TestFactory
    Stream<DynamicTest> everyConformanceProgramRoundTrips() {
        return ConformanceFiles.all().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            Instructions program = ConformanceCase.read(file).program();
            assertThat(ConformanceAssembler.assemble(ConformanceDisassembler.text(program))).isEqualTo(program);
        }));
    }

    @Test
    void everyExpressibleShapeAndRandomInstructionRoundTrips() {
        List<Instruction> instructions = new ArrayList<>(InstructionShapes.all());
        instructions.addAll(new RandomInstructions(new SplittableRandom(313)).next(50_000));
        List<Instruction> expressible = instructions.stream().filter(ConformanceDisassemblerTest::expressible).toList();
        assertThat(expressible.size()).isGreaterThan(instructions.size() * 9 / 10);
        Instructions program = Instructions.of(expressible);
        assertThat(ConformanceAssembler.assemble(ConformanceDisassembler.text(program)).list()).containsExactlyElementsOf(expressible);
    }

    @Test
    void readsLikeTheSuite() {
        Instructions program = ConformanceAssembler.assemble("""
                mov32 %r0, 0x12345678
                ldxw %r1, [%r10-4]
                jne %r1, 0, +1
                lock fetch add32 [%r10-8], %r1
                call local -1
                exit
                """);
        assertThat(ConformanceDisassembler.text(program)).isEqualTo("""
                mov32 %r0, 0x12345678
                ldxw %r1, [%r10-4]
                jne %r1, 0, +1
                lock fetch add32 [%r10-8], %r1
                call local -1
                exit
                """);
    }

    @Test
    void inexpressibleInstructionsAreNamed() {
        Instructions program = Instructions.of(new Instruction.Exit(), new Instruction.LoadImm64(1, Pseudo.MAP_FD, 3, 0));
        assertThatThrownBy(() -> ConformanceDisassembler.text(program))
                .isInstanceOf(BpfException.class)
                .hasMessage("pc 1: the conformance syntax cannot express an lddw of kind MAP_FD: `ld_pseudo\tr1, 0x1, 0x3`");
    }
}
