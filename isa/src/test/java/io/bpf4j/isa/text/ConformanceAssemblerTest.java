package io.bpf4j.isa.text;

import io.bpf4j.isa.Instructions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each expected encoding below was written by hand from RFC 9669's field layout (opcode, dst|src nibbles,
 * 16-bit offset, 32-bit immediate, all little-endian), not produced by bpf4j.
 */
class ConformanceAssemblerTest {
    private static String bytes(String asm) {
        Instructions program = ConformanceAssembler.assemble(asm);
        return HexFormat.ofDelimiter(" ").formatHex(program.encode());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            mov %r0, 1                      | b7 00 00 00 01 00 00 00
            mov64 %r0, 1                    | b7 00 00 00 01 00 00 00
            mov32 %r1, -1                   | b4 01 00 00 ff ff ff ff
            mov32 %r1, 0xffffffff           | b4 01 00 00 ff ff ff ff
            add %r3, %r9                    | 0f 93 00 00 00 00 00 00
            sub32 %r2, 7                    | 14 02 00 00 07 00 00 00
            mul %r1, -2                     | 27 01 00 00 fe ff ff ff
            div32 %r1, %r2                  | 3c 21 00 00 00 00 00 00
            sdiv32 %r0, 3                   | 34 00 01 00 03 00 00 00
            sdiv %r0, %r1                   | 3f 10 01 00 00 00 00 00
            mod %r4, 10                     | 97 04 00 00 0a 00 00 00
            smod %r0, %r1                   | 9f 10 01 00 00 00 00 00
            smod32 %r0, -3                  | 94 00 01 00 fd ff ff ff
            or %r1, 0x80                    | 47 01 00 00 80 00 00 00
            and32 %r1, %r1                  | 5c 11 00 00 00 00 00 00
            lsh %r1, 63                     | 67 01 00 00 3f 00 00 00
            rsh32 %r1, %r2                  | 7c 21 00 00 00 00 00 00
            arsh %r1, 1                     | c7 01 00 00 01 00 00 00
            xor32 %r5, %r6                  | ac 65 00 00 00 00 00 00
            neg %r3                         | 87 03 00 00 00 00 00 00
            neg32 %r3                       | 84 03 00 00 00 00 00 00
            movsx832 %r0, %r1               | bc 10 08 00 00 00 00 00
            movsx864 %r0, %r1               | bf 10 08 00 00 00 00 00
            movsx1632 %r0, %r1              | bc 10 10 00 00 00 00 00
            movsx1664 %r0, %r1              | bf 10 10 00 00 00 00 00
            movsx3264 %r0, %r1              | bf 10 20 00 00 00 00 00
            le16 %r0                        | d4 00 00 00 10 00 00 00
            le64 %r2                        | d4 02 00 00 40 00 00 00
            be32 %r0                        | dc 00 00 00 20 00 00 00
            swap16 %r1                      | d7 01 00 00 10 00 00 00
            bswap64 %r1                     | d7 01 00 00 40 00 00 00
            ldxb %r0, [%r1]                 | 71 10 00 00 00 00 00 00
            ldxh %r0, [%r1+2]               | 69 10 02 00 00 00 00 00
            ldxw %r1, [%r2+4]               | 61 21 04 00 00 00 00 00
            ldxdw %r0, [%r10-8]             | 79 a0 f8 ff 00 00 00 00
            ldxsb %r0, [%r10-1]             | 91 a0 ff ff 00 00 00 00
            ldxsh %r0, [%r10-2]             | 89 a0 fe ff 00 00 00 00
            ldxsw %r0, [%r10-4]             | 81 a0 fc ff 00 00 00 00
            stb [%r1+2], 0x11               | 72 01 02 00 11 00 00 00
            sth [%r1], 0x2211               | 6a 01 00 00 11 22 00 00
            stw [%r1+2], 0x44332211         | 62 01 02 00 11 22 33 44
            stdw [%r10-16], 0xab            | 7a 0a f0 ff ab 00 00 00
            stxb [%r1+0x10], %r2            | 73 21 10 00 00 00 00 00
            stxh [%r1], %r2                 | 6b 21 00 00 00 00 00 00
            stxw [%r1], %r2                 | 63 21 00 00 00 00 00 00
            stxdw [%r10-8], %r1             | 7b 1a f8 ff 00 00 00 00
            lddw %r0, 0x1122334455667788    | 18 00 00 00 88 77 66 55 00 00 00 00 44 33 22 11
            lddw %r1, -1                    | 18 01 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff
            lddw %r0, 2147483648            | 18 00 00 00 00 00 00 80 00 00 00 00 00 00 00 00
            ja +1                           | 05 00 01 00 00 00 00 00
            ja -1                           | 05 00 ff ff 00 00 00 00
            ja32 +2                         | 06 00 00 00 02 00 00 00
            jeq %r1, 0xb, +1                | 15 01 01 00 0b 00 00 00
            jne %r1, %r2, -2                | 5d 21 fe ff 00 00 00 00
            jgt32 %r1, 5, +3                | 26 01 03 00 05 00 00 00
            jsle32 %r1, %r2, +0             | de 21 00 00 00 00 00 00
            jset %r1, 0x80000000, +1        | 45 01 01 00 00 00 00 80
            jlt %r1, 1, +1                  | a5 01 01 00 01 00 00 00
            jsge %r1, -1, +1                | 75 01 01 00 ff ff ff ff
            call 5                          | 85 00 00 00 05 00 00 00
            call helper 12                  | 85 00 00 00 0c 00 00 00
            call %r2                        | 8d 02 00 00 00 00 00 00
            call local +3                   | 85 10 00 00 03 00 00 00
            call runtime 7                  | 85 20 00 00 07 00 00 00
            exit                            | 95 00 00 00 00 00 00 00
            lock add [%r10-8], %r1          | db 1a f8 ff 00 00 00 00
            lock add32 [%r10-4], %r1        | c3 1a fc ff 00 00 00 00
            lock fetch add [%r10-8], %r1    | db 1a f8 ff 01 00 00 00
            lock or [%r1], %r2              | db 21 00 00 40 00 00 00
            lock fetch and32 [%r1], %r2     | c3 21 00 00 51 00 00 00
            lock fetch xor [%r1], %r2       | db 21 00 00 a1 00 00 00
            lock xchg [%r10-8], %r1         | db 1a f8 ff e1 00 00 00
            lock xchg32 [%r10-8], %r1       | c3 1a f8 ff e1 00 00 00
            lock cmpxchg [%r10-8], %r1      | db 1a f8 ff f1 00 00 00
            lock cmpxchg32 [%r10-8], %r1    | c3 1a f8 ff f1 00 00 00
            ldabsh 12                       | 28 00 00 00 0c 00 00 00
            ldindb %r3, 0x1                 | 50 30 00 00 01 00 00 00
            """)
    void encodesEachInstructionAsTheRfcSays(String asm, String expected) {
        assertThat(bytes(asm)).isEqualTo(expected);
    }

    @Test
    void labelsResolveForwardAndBackwardRelativeToTheNextSlot() {
        String asm = """
                start:
                  mov %r0, 0
                  lddw %r1, 0x100000000
                  jeq %r0, 1, done   # forward over nothing: displacement 1
                  ja start           # back to slot 0 from slot 4: displacement -5
                done: exit
                """;
        Instructions p = ConformanceAssembler.assemble(asm);
        assertThat(p.slotCount()).isEqualTo(6);
        assertThat(HexFormat.ofDelimiter(" ").formatHex(p.encode(), 24, 40))
                .isEqualTo("15 00 01 00 01 00 00 00 05 00 fb ff 00 00 00 00");
        p.checkControlFlow();
    }

    @Test
    void exitNamesTheFirstExitInstructionUnlessDefined() {
        Instructions implicit = ConformanceAssembler.assemble("""
                jne %r0, 0, exit
                mov %r0, 1
                exit
                mov %r0, 2
                exit
                """);
        assertThat(implicit.encode()[2]).isEqualTo((byte) 1); // displacement to slot 2 from slot 0
        Instructions explicit = ConformanceAssembler.assemble("""
                jne %r0, 0, exit
                exit
                exit:
                mov %r0, 2
                exit
                """);
        assertThat(explicit.encode()[2]).isEqualTo((byte) 1); // the label, slot 2, not the first exit at slot 1
    }

    @Test
    void localCallToALabel() {
        Instructions p = ConformanceAssembler.assemble("""
                call local func1
                exit
                func1:
                mov %r0, 7
                exit
                """);
        assertThat(HexFormat.ofDelimiter(" ").formatHex(p.encode(), 0, 8)).isEqualTo("85 10 00 00 01 00 00 00");
    }

    @Test
    void commentsBlankLinesAndSpacingAreIgnored() {
        assertThat(bytes("""
                # a comment

                   mov   %r0 ,  1   # trailing
                ldxw %r1, [ %r2 + 4 ]
                """)).isEqualTo("b7 00 00 00 01 00 00 00 61 21 04 00 00 00 00 00");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            frobnicate %r0                  | unknown mnemonic 'frobnicate'
            mov %r11, 1                     | register %r11 does not exist
            mov r1, 1                       | 'r1' is not a register
            mov %r0                         | mov takes 2 operands, found 1
            exit %r0                        | exit takes 0 operands, found 1
            mov32 %r0, 0x100000000          | does not fit 32 bits
            lddw %r0, 0x10000000000000000   | does not fit 64 bits
            ldxw %r0, [%r1+40000]           | offset +40000 is outside -32768..32767
            ldxw %r0, %r1                   | memory operand '%r1' is not [%rN]
            ja +40000                       | jump displacement +40000 is outside
            jeq %r0, 1, nowhere             | undefined label 'nowhere'
            jeq %r0, 1, ?                   | jump target '?' is neither a label nor +N/-N
            lock nand [%r1], %r2            | unknown atomic operation 'nand'
            call far 1                      | unknown call kind 'far'
            movsx3232 %r0, %r1              | movsx3232 does not exist
            ldxsdw %r0, [%r1]               | ldxsdw does not exist
            """)
    void errorsNameTheLineAndItsText(String bad, String problem) {
        String asm = "mov %r0, 0\n" + bad + "\nexit\n";
        assertThatThrownBy(() -> ConformanceAssembler.assemble("prog.asm", asm))
                .isInstanceOf(AssemblyException.class)
                .hasMessageStartingWith("prog.asm:line 2: ")
                .hasMessageContaining(problem)
                .hasMessageContaining("`" + bad + "`")
                .satisfies(e -> assertThat(((AssemblyException) e).line()).isEqualTo(2));
    }

    @Test
    void duplicateLabelNamesBothLines() {
        assertThatThrownBy(() -> ConformanceAssembler.assemble("a:\nexit\na:\nexit\n"))
                .isInstanceOf(AssemblyException.class)
                .hasMessage("line 3: label 'a' is already defined at line 1 in `a:`");
    }

    @Test
    void labelTooFarForASixteenBitOffsetIsReportedAtTheJump() {
        StringBuilder asm = new StringBuilder("ja far\n");
        asm.append("mov %r0, 0\n".repeat(40_000));
        asm.append("far: exit\n");
        assertThatThrownBy(() -> ConformanceAssembler.assemble(asm.toString()))
                .isInstanceOf(AssemblyException.class)
                .hasMessageStartingWith("line 1: label 'far' is 40000 slots away");
        // gotol reaches it
        assertThat(ConformanceAssembler.assemble(asm.toString().replaceFirst("ja far", "ja32 far")).slotCount()).isEqualTo(40_002);
    }
}
