package io.bpf4j.isa.text;

import io.bpf4j.BpfException;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.testing.ConformanceFiles;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConformanceCaseTest {

    @Test
    void theWholeSuiteIsThere() {
        assertThat(ConformanceFiles.all()).hasSize(ConformanceFiles.SUITE_SIZE);
    }

    /** Every file of the suite assembles, and the program has the shape its text describes. */
    @TestFactory
    Stream<DynamicTest> everySuiteFileParses() {
        return ConformanceFiles.all().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            ConformanceCase c = ConformanceCase.read(file);
            assertThat(c.name()).isEqualTo(file.getFileName().toString().replace(".data", ""));
            assertThat(c.expectedResult()).as("every suite test expects a result").isPresent();
            assertThat(c.expectedError()).isEmpty();
            assertThat(c.asm()).isNotBlank();
            Instructions program = c.program();
            program.checkControlFlow();
            // canonical: decoding the encoding gives the same instructions back
            assertThat(Instructions.decode(program.encode())).isEqualTo(program);
            assertInstructionsFollowTheText(c);
        }));
    }

    /**
     * Independent of the assembler's logic: each instruction line's mnemonic family must match the kind of
     * the instruction at that position, in order.
     */
    private static void assertInstructionsFollowTheText(ConformanceCase c) {
        List<String> mnemonics = new ArrayList<>();
        for (String line : c.asm().split("\n")) {
            String code = line.replaceAll("#.*", "").replaceAll("^\\s*([A-Za-z0-9_]+:\\s*)+", "").strip();
            if (!code.isEmpty()) mnemonics.add(code.split("\\s+")[0].toLowerCase(Locale.ROOT));
        }
        List<Instruction> instructions = c.program().list();
        if (c.name().equals("lddw")) return; // program from -- raw; compared with its asm separately
        assertThat(instructions).hasSameSizeAs(mnemonics);
        for (int i = 0; i < mnemonics.size(); i++) {
            String m = mnemonics.get(i);
            Class<? extends Instruction> expected;
            if (m.equals("exit")) expected = Instruction.Exit.class;
            else if (m.equals("call")) expected = instructions.get(i) instanceof Instruction.CallIndirect ? Instruction.CallIndirect.class : Instruction.Call.class;
            else if (m.equals("lddw")) expected = Instruction.LoadImm64.class;
            else if (m.equals("lock")) expected = Instruction.Atomic.class;
            else if (m.startsWith("ldx")) expected = Instruction.Load.class;
            else if (m.startsWith("st")) expected = Instruction.Store.class;
            else if (m.startsWith("j")) expected = Instruction.Jump.class;
            else if (m.matches("(le|be|swap|bswap)\\d+")) expected = Instruction.Endian.class;
            else expected = Instruction.Alu.class;
            assertThat(instructions.get(i)).as("instruction %d (%s) of %s", i, m, c.name()).isInstanceOf(expected);
        }
    }

    @Test
    void lddwRawSectionAgreesWithItsAsm() {
        ConformanceCase c = ConformanceCase.read(ConformanceFiles.directory().resolve("lddw.data"));
        assertThat(c.program()).isEqualTo(ConformanceAssembler.assemble(c.asm()));
        assertThat(HexFormat.ofDelimiter(" ").formatHex(c.program().encode()))
                .isEqualTo("18 00 00 00 88 77 66 55 00 00 00 00 44 33 22 11 95 00 00 00 00 00 00 00");
    }

    @Test
    void readsMemoryAndResult() {
        ConformanceCase c = ConformanceCase.parse("t", """
                # Copyright header
                -- asm
                ldxh %r0, [%r1]
                exit
                -- mem
                11 22
                33   # trailing comment
                -- result
                0x1122
                -- c
                int main() { return 0; } -- not a section
                """);
        assertThat(c.memory()).containsExactly(0x11, 0x22, 0x33);
        assertThat(c.expectedResult()).hasValue(0x1122);
        assertThat(c.program().size()).isEqualTo(2);
        assertThat(c.asm()).isEqualTo("ldxh %r0, [%r1]\nexit\n");
    }

    @Test
    void resultIsDecimalWithout0xAndTheLastLineWins() {
        ConformanceCase c = ConformanceCase.parse("t", "-- asm\nexit\n-- result\n0x5\n-1\n\n");
        assertThat(c.expectedResult()).hasValue(-1L);
        assertThat(ConformanceCase.parse("t", "-- asm\nexit\n-- result\n0xFFFFFFFFFFFFFFFF\n").expectedResult()).hasValue(-1L);
        assertThat(ConformanceCase.parse("t", "-- asm\nexit\n-- result\n10\n").expectedResult()).hasValue(10L);
    }

    @Test
    void noMemoryMeansEmptyAndErrorSectionIsKept() {
        ConformanceCase c = ConformanceCase.parse("t", "-- asm\nexit\n-- error\nout of bounds\n");
        assertThat(c.memory()).isEmpty();
        assertThat(c.expectedResult()).isEmpty();
        assertThat(c.expectedError()).hasValue("out of bounds");
    }

    @Test
    void asmErrorsNameTheFileLine() {
        assertThatThrownBy(() -> ConformanceCase.parse("broken", "# header\n-- asm\nmov %r0, 1\nmove %r0, 2\nexit\n-- result\n0x1\n"))
                .isInstanceOf(AssemblyException.class)
                .hasMessage("broken.data:line 4: unknown mnemonic 'move' in `move %r0, 2`");
    }

    @Test
    void rawErrorsNameTheFileLineAndPc() {
        assertThatThrownBy(() -> ConformanceCase.parse("raw", "-- raw\n0x95\n0x00000000000000ff\n-- result\n0\n"))
                .isInstanceOf(AssemblyException.class)
                .hasMessageStartingWith("raw.data:line 3: -- raw slot 1 is not a valid instruction: pc 1 (ff 00 00 00 00 00 00 00)")
                .hasMessageContaining("unknown opcode 0xff");
    }

    @Test
    void badMemoryByte() {
        assertThatThrownBy(() -> ConformanceCase.parse("m", "-- asm\nexit\n-- mem\n00 1g\n"))
                .isInstanceOf(AssemblyException.class)
                .hasMessage("m.data:line 4: memory byte '1g' is not one or two hex digits in `00 1g`");
    }

    @Test
    void aFileWithoutProgramIsRejected() {
        assertThatThrownBy(() -> ConformanceCase.parse("empty", "-- result\n0\n"))
                .isInstanceOf(AssemblyException.class)
                .hasMessageContaining("no -- asm or -- raw section");
    }

    @Test
    void anUnreadableFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("missing.data");
        assertThatThrownBy(() -> ConformanceCase.read(missing))
                .isInstanceOf(BpfException.class)
                .hasMessageStartingWith("cannot read conformance test " + missing + ": java.nio.file.NoSuchFileException");
    }

    @Test
    void memoryCannotBeChangedThroughTheRecord() {
        ConformanceCase c = ConformanceCase.parse("t", "-- asm\nexit\n-- mem\n01\n");
        c.memory()[0] = 9;
        assertThat(c.memory()).containsExactly(1);
    }

}
