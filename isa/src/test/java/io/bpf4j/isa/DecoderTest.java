package io.bpf4j.isa;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Bad bytecode is refused when it is loaded, with an error that names the pc and shows the offending
 * instruction's bytes. Programs are written as hex bytes, the way they sit in an object file.
 */
class DecoderTest {
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");
    private static final String EXIT = "95 00 00 00 00 00 00 00";
    private static final String MOV_R0_1 = "b7 00 00 00 01 00 00 00";

    private static byte[] program(String... slots) {
        return HEX.parseHex(String.join(" ", slots));
    }

    private static MalformedInstructionException decodeFails(byte[] code) {
        return catchThrowableOfType(MalformedInstructionException.class, () -> Instructions.decode(code).checkControlFlow());
    }

    private static void assertNames(MalformedInstructionException e, int pc, String slotBytes, String problem) {
        assertThat(e).as("an error was raised").isNotNull();
        assertThat(e.pc()).isEqualTo(pc);
        assertThat(e).hasMessage("pc " + pc + " (" + slotBytes + "): " + problem);
    }

    @Test
    void truncatedBytecodeNamesThePcAndShowsTheBytesThatAreThere() {
        MalformedInstructionException e = decodeFails(HEX.parseHex(MOV_R0_1 + " 95 00 00"));
        assertThat(e.pc()).isEqualTo(1);
        assertThat(e).hasMessage("pc 1: truncated instruction: only 3 of its 8 bytes (95 00 00); "
                + "bytecode of 11 bytes is not a whole number of 8-byte instructions");
    }

    @Test
    void truncatedSliceOfALargerArray() {
        byte[] file = HEX.parseHex("ff ff " + MOV_R0_1 + " b7 01");
        MalformedInstructionException e = catchThrowableOfType(MalformedInstructionException.class, () -> Instructions.decode(file, 2, 10));
        assertThat(e).hasMessageStartingWith("pc 1: truncated instruction: only 2 of its 8 bytes (b7 01)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ff 00 00 00 00 00 00 00 | unknown opcode 0xff
            e5 00 05 00 00 00 00 00 | unknown opcode 0xe5
            e4 01 00 00 00 00 00 00 | unknown opcode 0xe4
            df 01 00 00 10 00 00 00 | unknown opcode 0xdf
            38 00 00 00 00 00 00 00 | unknown opcode 0x38
            9d 00 00 00 00 00 00 00 | BPF_EXIT uses reserved fields
            0d 00 00 00 00 00 00 00 | BPF_JA uses reserved fields
            8e 00 00 00 00 00 00 00 | unknown opcode 0x8e
            """)
    void unknownOpcode(String slot, String problem) {
        assertNames(decodeFails(program(MOV_R0_1, slot, EXIT)), 1, slot, problem);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = ';', textBlock = """
            b7 10 00 00 01 00 00 00 ; BPF_ALU uses reserved fields (src r1 in immediate form)
            bf 10 00 00 01 00 00 00 ; BPF_ALU uses reserved fields (imm 1 in register form)
            b7 00 02 00 01 00 00 00 ; BPF_ALU uses reserved fields (off 2)
            87 01 00 00 01 00 00 00 ; BPF_NEG uses reserved fields
            8c 01 00 00 00 00 00 00 ; BPF_NEG uses reserved fields
            d4 01 01 00 10 00 00 00 ; BPF_END uses reserved fields
            d4 01 00 00 08 00 00 00 ; invalid byte swap width 8
            61 10 00 00 01 00 00 00 ; BPF_LDX uses reserved fields (imm 1)
            62 10 00 00 01 00 00 00 ; BPF_ST uses reserved fields (src r1)
            63 10 00 00 01 00 00 00 ; BPF_STX uses reserved fields (imm 1)
            95 01 00 00 00 00 00 00 ; BPF_EXIT uses reserved fields
            85 01 00 00 01 00 00 00 ; BPF_CALL uses reserved fields (dst r1)
            85 30 00 00 01 00 00 00 ; BPF_CALL uses reserved fields (src 3)
            85 00 01 00 01 00 00 00 ; BPF_CALL uses reserved fields (off 1)
            8d 01 00 00 01 00 00 00 ; BPF_CALLX uses reserved fields
            05 00 00 00 01 00 00 00 ; BPF_JA uses reserved fields (imm 1)
            06 00 01 00 00 00 00 00 ; BPF_JA uses reserved fields (off with gotol)
            15 10 00 00 00 00 00 00 ; BPF_JMP uses reserved fields (src r1 in immediate form)
            c3 12 00 00 02 00 00 00 ; BPF_ATOMIC uses invalid atomic opcode 0x2
            c3 12 00 00 e0 00 00 00 ; BPF_ATOMIC uses invalid atomic opcode 0xe0
            d3 12 00 00 00 00 00 00 ; invalid atomic operand size 1
            20 01 00 00 00 00 00 00 ; BPF_LD_[ABS|IND] uses reserved fields
            b7 0b 00 00 01 00 00 00 ; invalid destination register r11
            bf b0 00 00 00 00 00 00 ; invalid source register r11
            """)
    void reservedFieldsSet(String slot, String problem) {
        assertNames(decodeFails(program(MOV_R0_1, slot, EXIT)), 1, slot, problem);
    }

    @Test
    void lddwWithoutItsSecondHalf() {
        String lddw = "18 00 00 00 01 00 00 00";
        assertNames(decodeFails(program(MOV_R0_1, lddw)), 1, lddw, "invalid bpf_ld_imm64 insn: lddw without its second half");
    }

    @Test
    void lddwWhoseSecondHalfIsAnotherInstruction() {
        String lddw = "18 00 00 00 01 00 00 00";
        assertNames(decodeFails(program(lddw, EXIT, EXIT)), 1, EXIT,
                "invalid bpf_ld_imm64 insn: second half must have opcode, registers and offset 0");
    }

    @Test
    void lddwWithAnUnknownPseudoSource() {
        String lddw = "18 71 00 00 01 00 00 00";
        assertNames(decodeFails(program(lddw, "00 00 00 00 00 00 00 00", EXIT)), 0, lddw, "unrecognized bpf_ld_imm64 insn: source 7");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            05 00 02 00 00 00 00 00 | jump out of range from insn 0 to 3
            05 00 fe ff 00 00 00 00 | jump out of range from insn 0 to -1
            15 01 05 00 00 00 00 00 | jump out of range from insn 0 to 6
            06 00 00 00 07 00 00 00 | jump out of range from insn 0 to 8
            85 10 00 00 02 00 00 00 | call out of range from insn 0 to 3
            85 10 00 00 fd ff ff ff | call out of range from insn 0 to -2
            """)
    void jumpOrCallOutOfTheProgram(String first, String problem) {
        assertNames(decodeFails(program(first, MOV_R0_1, EXIT)), 0, first, problem);
    }

    @Test
    void jumpIntoTheMiddleOfAnLddw() {
        String jump = "05 00 01 00 00 00 00 00";
        byte[] code = program(MOV_R0_1, jump, "18 01 00 00 01 00 00 00", "00 00 00 00 00 00 00 00", EXIT);
        assertNames(decodeFails(code), 1, jump, "jump into the middle of ldimm64 insn 2");
    }

    @Test
    void callIntoTheMiddleOfAnLddw() {
        String call = "85 10 00 00 01 00 00 00";
        byte[] code = program(call, "18 01 00 00 01 00 00 00", "00 00 00 00 00 00 00 00", EXIT);
        assertNames(decodeFails(code), 0, call, "call into the middle of ldimm64 insn 1");
    }

    @Test
    void functionReferenceOutOfRange() {
        // like the kernel, a function reference counts from the slot after the lddw's first half: 0 + 1 + 9
        String lddw = "18 41 00 00 09 00 00 00";
        byte[] code = program(lddw, "00 00 00 00 00 00 00 00", EXIT);
        assertNames(decodeFails(code), 0, lddw, "function reference out of range from insn 0 to 10");
    }

    @Test
    void jumpToTheLastInstructionIsFine() {
        byte[] code = program("05 00 01 00 00 00 00 00", MOV_R0_1, EXIT);
        assertThat(Instructions.decode(code).checkControlFlow().size()).isEqualTo(3);
    }

    @Test
    void decodingDoesNotCheckTargetsButCheckControlFlowDoes() {
        // a lone subprogram may be decoded before it is linked; the targets are checked on the linked whole
        byte[] code = program("05 00 05 00 00 00 00 00", EXIT);
        Instructions unlinked = Instructions.decode(code);
        assertThat(unlinked.size()).isEqualTo(2);
        assertThatThrownBy(unlinked::checkControlFlow).isInstanceOf(MalformedInstructionException.class);
    }
}
