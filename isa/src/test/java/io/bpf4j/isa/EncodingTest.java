package io.bpf4j.isa;

import io.bpf4j.isa.testing.InstructionShapes;
import io.bpf4j.isa.testing.RandomInstructions;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** Decoding is canonical: whatever the decoder accepts encodes back to the very same bytes, and vice versa. */
class EncodingTest {

    /**
     * The opcodes RFC 9669 defines (appendix A), plus those Linux also accepts: legacy packet loads and
     * callx. Written out here, independently of {@link Opcodes} and the decoder.
     */
    private static final int[] VALID_OPCODES = {
            // ALU (32-bit): add sub mul div or and lsh rsh (K, X), neg (K), mod xor mov arsh (K, X), le, be
            0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64, 0x6c, 0x74, 0x7c, 0x84,
            0x94, 0x9c, 0xa4, 0xac, 0xb4, 0xbc, 0xc4, 0xcc, 0xd4, 0xdc,
            // ALU64, and bswap
            0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77, 0x7f, 0x87,
            0x97, 0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0xcf, 0xd7,
            // JMP: ja, conditionals (K, X), call, callx, exit
            0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x55, 0x5d, 0x65, 0x6d, 0x75, 0x7d, 0x85, 0x8d,
            0x95, 0xa5, 0xad, 0xb5, 0xbd, 0xc5, 0xcd, 0xd5, 0xdd,
            // JMP32: gotol, conditionals
            0x06, 0x16, 0x1e, 0x26, 0x2e, 0x36, 0x3e, 0x46, 0x4e, 0x56, 0x5e, 0x66, 0x6e, 0x76, 0x7e,
            0xa6, 0xae, 0xb6, 0xbe, 0xc6, 0xce, 0xd6, 0xde,
            // LD: lddw, abs w h b, ind w h b
            0x18, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50,
            // LDX w h b dw, sign-extending w h b
            0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91,
            // ST, STX, atomics w dw
            0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb};

    private static boolean decodes(long slot) {
        try {
            Decoder.decode(0, slot, 0, true);
            return true;
        } catch (MalformedInstructionException e) {
            return false;
        }
    }

    @Test
    void theDecoderAcceptsExactlyTheOpcodesOfTheStandard() {
        TreeSet<Integer> accepted = new TreeSet<>();
        int[] imms = {0, 1, 16, 0x40, 0xe1, 0xf1};
        int[] offsets = {0, 1, 8};
        for (int opcode = 0; opcode < 256; opcode++) {
            search:
            for (int src = 0; src <= 1; src++) {
                for (int off : offsets) {
                    for (int imm : imms) {
                        if (decodes(RawInstruction.pack(opcode, 0, src, off, imm))) {
                            accepted.add(opcode);
                            break search;
                        }
                    }
                }
            }
        }
        TreeSet<Integer> expected = new TreeSet<>();
        for (int op : VALID_OPCODES) expected.add(op);
        assertThat(hex(accepted)).isEqualTo(hex(expected));
    }

    private static List<String> hex(TreeSet<Integer> opcodes) {
        return opcodes.stream().map(o -> String.format("0x%02x", o)).toList();
    }

    /**
     * Random slots, biased towards valid opcodes and small or zero fields so that a good share decodes; every
     * one that decodes must encode back bit for bit.
     */
    @Test
    void everyAcceptedEncodingReencodesIdentically() {
        SplittableRandom random = new SplittableRandom(0x5eed);
        Map<Class<?>, Integer> acceptedByKind = new HashMap<>();
        int accepted = 0;
        int tries = 300_000;
        for (int i = 0; i < tries; i++) {
            int opcode = random.nextInt(4) == 0 ? random.nextInt(256) : VALID_OPCODES[random.nextInt(VALID_OPCODES.length)];
            int dst = random.nextInt(4) == 0 ? random.nextInt(16) : random.nextInt(11);
            int src = random.nextInt(3) == 0 ? random.nextInt(16) : 0;
            int off = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(1 << 16);
                case 1 -> new int[]{1, 8, 16, 32}[random.nextInt(4)];
                default -> 0;
            };
            int imm = switch (random.nextInt(5)) {
                case 0 -> random.nextInt();
                case 1 -> new int[]{16, 32, 64, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1}[random.nextInt(12)];
                default -> 0;
            };
            long slot = RawInstruction.pack(opcode, dst, src, off, imm);
            long next = random.nextInt(4) == 0 ? random.nextLong() : ((long) random.nextInt()) << 32;
            byte[] code = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(slot).putLong(next).array();
            Instructions decoded;
            try {
                decoded = Instructions.decode(code, 0, opcode == Opcodes.LDDW ? 16 : 8);
            } catch (MalformedInstructionException e) {
                continue;
            }
            accepted++;
            acceptedByKind.merge(decoded.at(0).getClass(), 1, Integer::sum);
            byte[] original = opcode == Opcodes.LDDW ? code : java.util.Arrays.copyOf(code, 8);
            assertThat(decoded.encode()).as("%s", decoded.at(0)).isEqualTo(original);
        }
        assertThat(accepted).as("a meaningful share of the random slots decodes").isGreaterThan(tries / 10);
        assertThat(acceptedByKind.keySet()).as("every kind of instruction was exercised")
                .containsExactlyInAnyOrder(Instruction.class.getPermittedSubclasses());
    }

    @Test
    void everyModelInstructionSurvivesEncodeThenDecode() {
        List<Instruction> instructions = new RandomInstructions(new SplittableRandom(17)).next(100_000);
        instructions.addAll(InstructionShapes.all());
        Instructions program = Instructions.of(instructions);
        Instructions back = Instructions.decode(program.encode());
        assertThat(back.list()).containsExactlyElementsOf(instructions);
        assertThat(back).isEqualTo(program);
        assertThat(back.slotCount()).isEqualTo(program.slotCount());
    }
}
