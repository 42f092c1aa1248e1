package io.bpf4j.runtime.interpreter;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Semantics;
import io.bpf4j.isa.Source;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.ExecutionException.Reason;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.Programs;
import io.bpf4j.runtime.RuntimeOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.bpf4j.runtime.Programs.code;
import static org.assertj.core.api.Assertions.assertThat;

/** The fused pairs of {@link InterpretedProgram#fuse}: same results, same counts, same errors as one at a time. */
class SuperinstructionTest {

    private static long[] prepared(ProgramImage image) {
        return ((InterpretedProgram) image.prepared(Interpreter.INSTANCE)).code;
    }

    private static final String COUNTDOWN = """
            mov %r0, 0
            mov %r1, 5
            loop:
            add %r0, 1
            sub %r1, 1
            jne %r1, 0, loop
            exit
            """;

    @Test
    void aLoopCounterAndItsJumpAreOneDispatchAndCountAsTwo() {
        ProgramImage p = Programs.image("countdown", code(COUNTDOWN));
        assertThat(prepared(p)[3] & 0xff).isEqualTo(Interpreter.ADDK_JNEK);
        Invocation inv = new Invocation();
        assertThat(Programs.run(p, inv, null)).isEqualTo(5);
        assertThat(inv.executedInstructions()).isEqualTo(2 + 5 * 3 + 1);
    }

    @Test
    void aBudgetExhaustedInTheSecondHalfOfAPairNamesTheJumpAndTheExactCount() {
        ProgramImage p = Programs.image("countdown", code(COUNTDOWN));
        assertThat(prepared(p)[3] & 0xff).isEqualTo(Interpreter.ADDK_JNEK);
        // 2 + 3 + 3 = 8 after two rounds; the third round's jump is instruction 11, one over the budget of 10
        Invocation inv = new Invocation(RuntimeOptions.DEFAULTS.withInstructionBudget(10));
        try {
            Programs.run(p, inv, null);
            throw new AssertionError("expected the budget to run out");
        } catch (ExecutionException e) {
            assertThat(e.reason()).isEqualTo(Reason.BUDGET_EXHAUSTED);
            assertThat(e.pc()).isEqualTo(4);
            assertThat(e.getMessage()).startsWith("program 'countdown' pc 4 (55 01 fd ff 00 00 00 00: ");
        }
        assertThat(inv.executedInstructions()).isEqualTo(11);
    }

    @Test
    void aJumpIntoTheMiddleOfAWouldBePairRunsTheSecondInstructionAlone() {
        ProgramImage p = Programs.image("middle", code("""
                mov %r0, 1
                mov %r1, 0
                jeq %r1, 0, mid
                mov %r1, %r0
                mid:
                add %r1, 7
                mov %r0, %r1
                exit
                """));
        assertThat(prepared(p)[3] & 0xff).as("mov; add with a jump target between them is not fused").isEqualTo(0xbf);
        Invocation inv = new Invocation();
        assertThat(Programs.run(p, inv, null)).isEqualTo(7);
        assertThat(inv.executedInstructions()).isEqualTo(6);

        // the same pair with nothing jumping between its halves is fused, and means the same
        ProgramImage straight = Programs.image("straight", code("""
                mov %r0, 1
                mov %r1, %r0
                add %r1, 7
                mov %r0, %r1
                exit
                """));
        assertThat(prepared(straight)[1] & 0xff).isEqualTo(Interpreter.MOVX_ADDK);
        Invocation inv2 = new Invocation();
        assertThat(Programs.run(straight, inv2, null)).isEqualTo(8);
        assertThat(inv2.executedInstructions()).isEqualTo(5);
    }

    @Test
    void theClosingJumpOfALoopThatAccessesMemoryIsFusedLikeAnyOther() {
        ProgramImage p = Programs.image("sum", code("""
                mov %r0, 0
                mov %r3, 0
                loop:
                stxdw [%r10-8], %r3
                ldxdw %r4, [%r10-8]
                add %r0, %r4
                add %r3, 1
                jlt %r3, 10, loop
                exit
                """));
        assertThat(prepared(p)[5] & 0xff).isEqualTo(Interpreter.ADDK_JLTK);
        Invocation inv = new Invocation();
        assertThat(Programs.run(p, inv, null)).isEqualTo(45);
        assertThat(inv.executedInstructions()).isEqualTo(2 + 10 * 5 + 1);
    }

    private static final AluOp[] OPS = {AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.OR, AluOp.AND, AluOp.LSH, AluOp.RSH,
            AluOp.XOR, AluOp.MOV, AluOp.ARSH, AluOp.NEG, AluOp.DIV, AluOp.MOD};
    private static final JumpOp[] CONDS = {JumpOp.JEQ, JumpOp.JNE, JumpOp.JGT, JumpOp.JGE, JumpOp.JLT, JumpOp.JLE,
            JumpOp.JSGT, JumpOp.JSGE, JumpOp.JSLT, JumpOp.JSLE, JumpOp.JSET};

    /**
     * Random programs of 64-bit ALU operations and forward conditional jumps, dense in the pairs that are fused,
     * against a reference that executes them one at a time with {@link Semantics}: same r0, same count.
     */
    @Test
    void randomProgramsMeanWhatSemanticsSaysOneInstructionAtATime() {
        Random random = new Random(0x5eed_f05e);
        Set<Integer> fusedSeen = new HashSet<>();
        for (int n = 0; n < 3000; n++) {
            List<Instruction> program = new ArrayList<>();
            for (int reg = 0; reg <= 9; reg++) program.add(Instruction.LoadImm64.constant(reg, random.nextLong()));
            int body = 10 + random.nextInt(40);
            for (int i = 0; i < body; i++) {
                int dst = random.nextInt(4) == 0 ? random.nextInt(10) : random.nextInt(3);
                int src = random.nextInt(10);
                if (random.nextInt(5) == 0 && i < body - 2) {
                    JumpOp cond = CONDS[random.nextInt(CONDS.length)];
                    int skip = random.nextInt(2);
                    program.add(random.nextBoolean()
                            ? Instruction.Jump.ifImm(false, cond, dst, smallOrAny(random), skip)
                            : Instruction.Jump.ifReg(false, cond, dst, src, skip));
                    continue;
                }
                AluOp op = OPS[random.nextInt(OPS.length)];
                boolean alu64 = random.nextInt(8) != 0;
                if (op == AluOp.NEG) program.add(Instruction.Alu.imm(alu64, op, dst, 0));
                else if (random.nextBoolean()) program.add(Instruction.Alu.reg(alu64, op, dst, src));
                else program.add(Instruction.Alu.imm(alu64, op, dst, op.isShift() ? random.nextInt(64) : smallOrAny(random)));
            }
            for (int reg = 1; reg <= 9; reg++) { // fold every register into r0
                program.add(Instruction.Alu.imm(true, AluOp.MUL, 0, 31));
                program.add(Instruction.Alu.reg(true, AluOp.XOR, 0, reg));
            }
            program.add(new Instruction.Exit());
            Instructions code = Instructions.of(program);

            long[] expected = reference(code);
            ProgramImage image = Programs.image("random" + n, code);
            long[] prepared = prepared(image);
            for (int pc = 0; pc < prepared.length; pc++) { // these programs have no opcodes the interpreter renames
                if ((prepared[pc] & 0xff) != (image.slots()[pc] & 0xff)) fusedSeen.add((int) prepared[pc] & 0xff);
            }
            Invocation inv = new Invocation();
            long r0 = Programs.run(image, inv, null);
            assertThat(r0).as("r0 of program %d:%n%s", n, code).isEqualTo(expected[0]);
            assertThat(inv.executedInstructions()).as("count of program %d:%n%s", n, code).isEqualTo(expected[1]);
        }
        assertThat(fusedSeen).as("superinstructions the random programs exercised").hasSizeGreaterThan(30);
    }

    private static int smallOrAny(Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> random.nextInt(17) - 8;
            case 1 -> random.nextInt(65536) - 32768;
            default -> random.nextInt();
        };
    }

    /** r0 at exit and the instruction count, executing one instruction at a time with {@link Semantics}. */
    private static long[] reference(Instructions code) {
        long[] r = new long[11];
        long count = 0;
        int pc = 0;
        for (;;) {
            Instruction insn = code.at(pc);
            count++;
            switch (insn) {
                case Instruction.LoadImm64 l -> { r[l.dst()] = l.value(); pc += 2; }
                case Instruction.Alu a -> {
                    r[a.dst()] = Semantics.alu(a.alu64(), a.op(), r[a.dst()], a.source() == Source.REG ? r[a.src()] : a.imm());
                    pc++;
                }
                case Instruction.Jump j -> {
                    boolean taken = Semantics.taken(j.jmp32(), j.op(), r[j.dst()], j.source() == Source.REG ? r[j.src()] : j.imm());
                    pc = taken ? j.target(pc) : pc + 1;
                }
                case Instruction.Exit x -> { return new long[] {r[0], count}; }
                default -> throw new AssertionError(insn);
            }
        }
    }
}
