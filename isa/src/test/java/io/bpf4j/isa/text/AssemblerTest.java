package io.bpf4j.isa.text;

import io.bpf4j.isa.Instructions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Expected bytes are written by hand from RFC 9669's layout, as in {@link ConformanceAssemblerTest}. */
class AssemblerTest {
    private static String bytes(String text) {
        return HexFormat.ofDelimiter(" ").formatHex(Assembler.assemble(text).encode());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            r0 = 0x1                                   | b7 00 00 00 01 00 00 00
            r0 = 1                                     | b7 00 00 00 01 00 00 00
            w1 = -0x1                                  | b4 01 00 00 ff ff ff ff
            w1 = 0xffffffff                            | b4 01 00 00 ff ff ff ff
            r3 += r9                                   | 0f 93 00 00 00 00 00 00
            w1 s/= w2                                  | 3c 21 01 00 00 00 00 00
            r1 s%= 0x7                                 | 97 01 01 00 07 00 00 00
            r1 s>>= 0x1                                | c7 01 00 00 01 00 00 00
            w1 <<= 0x8                                 | 64 01 00 00 08 00 00 00
            r1 = -r1                                   | 87 01 00 00 00 00 00 00
            w2 = (s16)w1                               | bc 12 10 00 00 00 00 00
            r0 = (s32)r1                               | bf 10 20 00 00 00 00 00
            r5 = bswap32 r5                            | d7 05 00 00 20 00 00 00
            r1 = be16 r1                               | dc 01 00 00 10 00 00 00
            r1 = le64 r1                               | d4 01 00 00 40 00 00 00
            if r1 > 0x5 goto +0x3                      | 25 01 03 00 05 00 00 00
            if r1 > 5 goto +3                          | 25 01 03 00 05 00 00 00
            if w5 s< w2 goto -0x1                      | ce 25 ff ff 00 00 00 00
            if r1 & 0x80 goto +0x0                     | 45 01 00 00 80 00 00 00
            goto +0x7fff                               | 05 00 ff 7f 00 00 00 00
            gotol -0x80000000                          | 06 00 00 00 00 00 00 80
            call 0xc                                   | 85 00 00 00 0c 00 00 00
            call pc+4                                  | 85 10 00 00 04 00 00 00
            call pc-1                                  | 85 10 00 00 ff ff ff ff
            call kfunc 0x4d                            | 85 20 00 00 4d 00 00 00
            call kfunc 0x4d, 0x2                       | 85 20 02 00 4d 00 00 00
            callx r3                                   | 8d 03 00 00 00 00 00 00
            exit                                       | 95 00 00 00 00 00 00 00
            r0 = *(u32 *)(r1 + 0x4)                    | 61 10 04 00 00 00 00 00
            w0 = *(u32 *)(r1 + 0x4)                    | 61 10 04 00 00 00 00 00
            r4 = *(s8 *)(r3 + 0x0)                     | 91 34 00 00 00 00 00 00
            r1 = *(u64 *)(r10 - 0x8000)                | 79 a1 00 80 00 00 00 00
            *(u32 *)(r10 - 0x4) = r1                   | 63 1a fc ff 00 00 00 00
            *(u8 *)(r10 - 0x4) = w1                    | 73 1a fc ff 00 00 00 00
            *(u64 *)(r1 + 0x0) = -0x1                  | 7a 01 00 00 ff ff ff ff
            r1 = 0x1122334455667788 ll                 | 18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11
            r1 = -0x1 ll                               | 18 01 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff
            ld_pseudo r1, 0x1, 0x3                     | 18 11 00 00 03 00 00 00 00 00 00 00 00 00 00 00
            ld_pseudo r1, 0x2, 0x3, 0x10               | 18 21 00 00 03 00 00 00 00 00 00 00 10 00 00 00
            r0 = *(u16 *)skb[0xc]                      | 28 00 00 00 0c 00 00 00
            r0 = *(u8 *)skb[r3]                        | 50 30 00 00 00 00 00 00
            r0 = *(u32 *)skb[r3 - 0x2]                 | 40 30 00 00 fe ff ff ff
            lock *(u64 *)(r10 - 0x8) += r1             | db 1a f8 ff 00 00 00 00
            lock *(u32 *)(r10 - 0x8) ^= w1             | c3 1a f8 ff a0 00 00 00
            lock *(u32 *)(r10 - 0x8) += r1             | c3 1a f8 ff 00 00 00 00
            r2 = atomic_fetch_and((u64 *)(r1 + 0x8), r2) | db 21 08 00 51 00 00 00
            w2 = atomic_fetch_or((u32 *)(r1 + 0x8), w2)  | c3 21 08 00 41 00 00 00
            r2 = xchg_64(r1 + 0x8, r2)                 | db 21 08 00 e1 00 00 00
            w2 = xchg32_32(r1 + 0x8, w2)               | c3 21 08 00 e1 00 00 00
            r0 = cmpxchg_64(r1 + 0x8, r0, r2)          | db 21 08 00 f1 00 00 00
            w0 = cmpxchg32_32(r1 - 0x8, w0, w2)        | c3 21 f8 ff f1 00 00 00
            """)
    void encodes(String text, String expected) {
        assertThat(bytes(text)).isEqualTo(expected);
    }

    @Test
    void readsAnObjdumpListingAsPrinted() {
        String objdump = """

                prog.o:\tfile format elf64-bpf

                Disassembly of section xdp:

                0000000000000000 <entry>:
                       0:\tb7 00 00 00 00 00 00 00\tr0 = 0x0
                       1:\t18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00\tr1 = 0x0 ll
                \t\t0000000000000008:  R_BPF_64_64\tmy_map
                       3:\t25 01 01 00 05 00 00 00\tif r1 > 0x5 goto +0x1 <entry+0x28>
                       4:\t07 00 00 00 01 00 00 00\tr0 += 0x1
                       5:\t95 00 00 00 00 00 00 00\texit
                """;
        assertThat(bytes(objdump)).isEqualTo("b7 00 00 00 00 00 00 00 18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
                + "25 01 01 00 05 00 00 00 07 00 00 00 01 00 00 00 95 00 00 00 00 00 00 00");
    }

    @Test
    void labelsAndCommentsAndSymbolizedOperands() {
        Instructions p = Assembler.assemble("""
                # count down
                loop:   r1 -= 0x1        ; decrement
                        if r1 != 0x0 goto loop   // back edge
                <L0>:
                        call sub
                        gotol L0
                sub:    exit
                """);
        assertThat(HexFormat.ofDelimiter(" ").formatHex(p.encode())).isEqualTo(
                "17 01 00 00 01 00 00 00 55 01 fe ff 00 00 00 00 85 10 00 00 01 00 00 00 06 00 00 00 fe ff ff ff 95 00 00 00 00 00 00 00");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            r0 == 1                                    | not a BPF instruction in llvm-objdump syntax
            r11 = 0x1                                  | register r11 does not exist
            r1 = w2                                    | expected a 64-bit register r0..r10, found w2
            w1 += r2                                   | expected a 32-bit register w0..w10, found r2
            if r1 > w2 goto +0x1                       | expected a 64-bit register r0..r10, found w2
            r1 = -r2                                   | neg works in place
            r1 = be16 r2                               | byte swaps work in place
            w1 = (s32)w2                               | a 32-bit move cannot sign-extend from 32 bits
            r1 = *(s64 *)(r2 + 0x0)                    | there is no sign-extending 64-bit load
            w1 = *(u64 *)(r2 + 0x0)                    | expected a 64-bit register r0..r10, found w1
            *(u64 *)(r1 + 0x0) = w2                    | expected a 64-bit register r0..r10, found w2
            r1 = *(u32 *)(r2 + 0x8000)                 | offset +0x8000 is outside -32768..32767
            goto +0x8000                               | jump displacement +0x8000 is outside -32768..32767
            r1 = 0x100000000                           | immediate 0x100000000 does not fit 32 bits
            r1 = map ll                                | a symbol in lddw needs a relocation
            r2 = xchg_64(r1 + 0x8, r3)                 | xchg returns the old value in its operand register
            r1 = cmpxchg_64(r1 + 0x8, r0, r2)          | cmpxchg compares with and returns into r0
            r1 = *(u8 *)skb[0x1]                       | legacy packet loads always write r0
            lock *(u16 *)(r1 + 0x0) += w2              | atomics operate on u32 or u64, not u16
            ld_pseudo r1, 0x9, 0x0                     | ld_pseudo kind 9 does not exist
            goto nowhere                               | undefined label 'nowhere'
            <unknown>                                  | llvm-objdump could not decode this instruction
            ...                                        | disassemble with -z
            """)
    void errorsNameTheLineAndItsText(String bad, String problem) {
        String text = "r0 = 0x0\n" + bad + "\nexit\n";
        assertThatThrownBy(() -> Assembler.assemble("prog.s", text))
                .isInstanceOf(AssemblyException.class)
                .hasMessageStartingWith("prog.s:line 2: ")
                .hasMessageContaining(problem)
                .hasMessageEndingWith(" in `" + bad + "`");
    }

    @Test
    void duplicateLabel() {
        assertThatThrownBy(() -> Assembler.assemble("a: exit\na: exit\n"))
                .isInstanceOf(AssemblyException.class)
                .hasMessage("line 2: label 'a' is already defined at line 1 in `a: exit`");
    }
}
