package io.bpf4j.runtime.interpreter;

import io.bpf4j.BpfException;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.RawInstruction;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile programs: random instruction streams (every valid opcode, random registers, offsets and immediates,
 * pointers into every region kind) must end with a result or a clear {@link ExecutionException} — never an
 * internal error, a raw JVM exception or a hang. A bounded smoke run here; {@code -Plong} runs a million.
 */
class RandomProgramTest {
    private static final int[] OPCODES = {
            0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77, 0x7f, 0x87, 0x97, 0x9f,
            0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0xcf, 0xd7, 0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c,
            0x64, 0x6c, 0x74, 0x7c, 0x84, 0x94, 0x9c, 0xa4, 0xac, 0xb4, 0xbc, 0xc4, 0xcc, 0xd4, 0xdc,
            0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb,
            0x05, 0x06, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x55, 0x5d, 0x65, 0x6d, 0x75, 0x7d, 0xa5, 0xad,
            0xb5, 0xbd, 0xc5, 0xcd, 0xd5, 0xdd, 0x16, 0x1e, 0x26, 0x2e, 0x36, 0x3e, 0x46, 0x4e, 0x56, 0x5e, 0x66, 0x6e,
            0x76, 0x7e, 0xa6, 0xae, 0xb6, 0xbe, 0xc6, 0xce, 0xd6, 0xde, 0x85, 0x8d, 0x95, 0x18};
    private static final int[] ATOMIC_IMMS = {0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1};
    private static final HelperRegistry HELPERS = HelperRegistry.empty()
            .with(1, "read8", (inv, a, b, c, d, e) -> inv.memory().load8(a))
            .with(2, "echo", (inv, a, b, c, d, e) -> a ^ b);

    private static long randomSlot(SplittableRandom rnd, int length, int pc) {
        int op = OPCODES[rnd.nextInt(OPCODES.length)];
        int dst = rnd.nextInt(11), src = rnd.nextInt(11);
        int off = switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextInt(-length - 2, length + 2); // jumps that stay near the program
            case 1 -> rnd.nextInt(-520, 8);                  // stack offsets
            case 2 -> rnd.nextInt(0, 70);                    // memory offsets
            default -> rnd.nextInt(Short.MIN_VALUE, Short.MAX_VALUE + 1);
        };
        int imm = switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextInt(-4, 70);
            case 1 -> rnd.nextInt();
            case 2 -> new int[] {16, 32, 64, 1, 2, 5, 12}[rnd.nextInt(7)];
            default -> ATOMIC_IMMS[rnd.nextInt(ATOMIC_IMMS.length)];
        };
        int cls = op & 0x07;
        boolean reg = (op & 0x08) != 0;
        if (cls == 0x04 || cls == 0x07) { // ALU: K form has no source register, X form no immediate
            if ((op & 0xf0) == 0xd0) { // byte swaps
                src = 0;
                off = 0;
                imm = new int[] {16, 32, 64}[rnd.nextInt(3)];
            } else {
                if ((op & 0xf0) == 0x30 || (op & 0xf0) == 0x90) off = rnd.nextInt(2);
                else if (op == 0xbf) off = new int[] {0, 8, 16, 32}[rnd.nextInt(4)];
                else if (op == 0xbc) off = new int[] {0, 8, 16}[rnd.nextInt(3)];
                else off = 0;
                if (reg) imm = 0;
                else src = 0;
                if ((op & 0xf0) == 0x80) { src = 0; imm = 0; } // neg
            }
        } else if (cls == 0x05 || cls == 0x06) {
            if (rnd.nextInt(8) != 0) off = rnd.nextInt(-pc - 1, length - pc - 1); // mostly inside the program
            if (op == 0x05) { dst = 0; src = 0; imm = 0; }
            else if (op == 0x06) { dst = 0; src = 0; imm = off; off = 0; }
            else if (op == 0x95) { dst = 0; src = 0; off = 0; imm = 0; }
            else if (op == 0x85) { dst = 0; src = 0; off = 0; imm = new int[] {1, 2, 12, 1, 2, 12, 1000}[rnd.nextInt(7)]; }
            else if (op == 0x8d) { src = 0; off = 0; imm = 0; }
            else if (reg) imm = 0;
            else src = 0;
        } else if (cls == 0x01) {
            imm = 0;
        } else if (cls == 0x02) {
            src = 0;
        } else if (cls == 0x03 && (op & 0xe0) != 0xc0) {
            imm = 0;
        } else if (op == 0x18) {
            src = 0;
            off = 0;
        }
        return RawInstruction.pack(op, dst, src, off, imm);
    }

    private static void runMany(long programs, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int ran = 0, faults = 0, results = 0;
        for (long n = 0; n < programs; n++) {
            int length = rnd.nextInt(2, 24);
            long[] slots = new long[length];
            for (int i = 0; i < length; i++) {
                slots[i] = randomSlot(rnd, length, i);
                if ((slots[i] & 0xff) == 0x18) { // lddw: a second slot with only the upper immediate
                    if (i + 1 < length) slots[++i] = RawInstruction.pack(0, 0, 0, 0, rnd.nextInt());
                    else slots[i] = RawInstruction.pack(0x95, 0, 0, 0, 0);
                }
            }
            slots[length - 1] = RawInstruction.pack(0x95, 0, 0, 0, 0);
            ProgramImage image;
            try {
                image = ProgramImage.load("random" + n, Instructions.decode(slots), HELPERS);
            } catch (BpfException refused) {
                continue; // malformed or unloadable: refused with a message, which is what we want
            }
            ran++;
            Invocation inv = new Invocation(RuntimeOptions.DEFAULTS.withInstructionBudget(5_000)).begin();
            long mem = inv.memory().register(Region.allocate(RegionKind.CALLER_MEMORY, "m", 64));
            long ro = inv.memory().register(Region.copyOf(RegionKind.PACKET, "ro", new byte[32], false));
            try {
                image.prepared(Interpreter.INSTANCE).run(inv, mem, 64, ro, inv.memory().frameTop(0) - 8, 0);
                results++;
            } catch (ExecutionException e) {
                faults++;
                assertThat(e.reason()).as("program %d: %s", n, e.getMessage()).isNotEqualTo(ExecutionException.Reason.INTERNAL_ERROR);
                assertThat(e.getMessage()).contains("pc " + e.pc());
            }
        }
        System.out.println("random programs: " + programs + " generated, " + ran + " loaded, " + results + " ended with a result, " + faults + " with a clear error");
        assertThat(ran).as("programs that loaded").isGreaterThan((int) (programs / 20));
        assertThat(results).isPositive();
        assertThat(faults).isPositive();
    }

    @Test
    @Timeout(120)
    void randomProgramsEndWithAResultOrAClearError() {
        runMany(20_000, 6_18);
    }

    @Test
    @Tag("long")
    void aMillionRandomPrograms() {
        runMany(1_000_000, System.nanoTime());
    }
}
