package io.bpf4j.verifier;

import io.bpf4j.abi.Helper;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.bpf4j.verifier.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Random programs: the verifier always answers (accepts, or rejects with a message), never fails with a bug of its
 * own, and never accepts a program whose stack reads or exits it could not justify.
 */
class VerifierFuzzTest {
    private static final ProgramType[] TYPES = {ProgramType.SOCKET_FILTER, ProgramType.SCHED_CLS, ProgramType.XDP};
    private static final int[] HELPERS = {Helper.MAP_LOOKUP_ELEM.id(), Helper.MAP_UPDATE_ELEM.id(), Helper.TAIL_CALL.id(),
            Helper.KTIME_GET_NS.id(), Helper.GET_PRANDOM_U32.id(), Helper.RINGBUF_RESERVE.id(), Helper.RINGBUF_SUBMIT.id(),
            Helper.SKB_LOAD_BYTES.id(), Helper.XDP_ADJUST_HEAD.id(), Helper.CSUM_DIFF.id(), Helper.LOOP.id()};

    static Instruction random(Random r, int pc, int len, int[] helpers) {
        int reg = r.nextInt(11), src = r.nextInt(11);
        int[] offs = {0, -4, -8, -16, 4, 8, 12, 14, 48, 76, 80};
        int off = offs[r.nextInt(offs.length)];
        Size size = Size.values()[r.nextInt(4)];
        return switch (r.nextInt(14)) {
            case 0, 1 -> mov(reg, r.nextInt(40) - 8);
            case 2 -> movr(reg, src);
            case 3 -> {
                AluOp[] ops = {AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.DIV, AluOp.SDIV, AluOp.OR, AluOp.AND, AluOp.LSH,
                        AluOp.RSH, AluOp.MOD, AluOp.SMOD, AluOp.XOR, AluOp.ARSH};
                AluOp op = ops[r.nextInt(ops.length)];
                yield r.nextBoolean() ? alu(op, reg, r.nextInt(64)) : alu32(op, reg, r.nextInt(32));
            }
            case 4 -> alur(r.nextBoolean() ? AluOp.ADD : AluOp.SUB, reg, src);
            case 5 -> ldx(size, reg, src, off);
            case 6 -> stx(size, reg, off, src);
            case 7 -> st(size, reg, off, r.nextInt(3));
            case 8 -> {
                int target = r.nextInt(len);
                yield jmp(JumpOp.values()[1 + r.nextInt(11)], reg, r.nextInt(20), target - pc - 1);
            }
            case 9 -> {
                int target = r.nextInt(len);
                yield jmpr(JumpOp.values()[1 + r.nextInt(11)], reg, src, target - pc - 1);
            }
            case 10 -> call(helpers[r.nextInt(helpers.length)]);
            case 11 -> new Instruction.Atomic(r.nextBoolean() ? Size.W : Size.DW, AtomicOp.ADD, r.nextBoolean(), reg, src, off);
            case 12 -> switch (r.nextInt(3)) {
                case 0 -> callLocal(r.nextInt(Math.max(1, len - pc - 1)));
                case 1 -> lddwFunc(reg == 10 ? 2 : reg, r.nextInt(Math.max(1, len - pc - 2)));
                default -> lddwMap(reg, 1 + r.nextInt(5));
            };
            default -> exit();
        };
    }

    @Test
    void randomProgramsGetAVerdictNeverAnInternalError() {
        Random r = new Random(42);
        int accepted = 0;
        for (int i = 0; i < 20000; i++) {
            int len = 3 + r.nextInt(25);
            List<Instruction> code = new ArrayList<>();
            int slots = 0;
            while (slots < len - 2) {
                Instruction insn = random(r, slots, len, HELPERS);
                code.add(insn);
                slots += insn.slots();
            }
            code.add(mov(0, 0));
            code.add(exit());
            Instructions p;
            try {
                p = Instructions.of(code);
            } catch (IllegalArgumentException e) {
                continue;
            }
            VerificationRequest req = VerificationRequest.of("fuzz" + i, p, TYPES[r.nextInt(TYPES.length)])
                    .withMaps(VerifierCorpus.MAPS)
                    .withOptions(VerificationOptions.DEFAULT.withLogLevel(0).withComplexityLimit(50_000).withPrivileged(r.nextInt(4) == 0));
            try {
                Verifier.verify(req);
                accepted++;
            } catch (ProgramRejectedException e) {
                if (e.getMessage().contains(Checker.INTERNAL_ERROR)) {
                    fail("program " + i + " " + code + ": " + e.getMessage(), e.getCause());
                }
            }
        }
        assertThat(accepted).as("some random programs are valid").isPositive();
    }
}
