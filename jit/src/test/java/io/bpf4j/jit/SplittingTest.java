package io.bpf4j.jit;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.helpers.HelperRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Programs too big for one JVM method are split into chunks that HotSpot will still compile. */
class SplittingTest {
    private static final AluOp[] OPS = {AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.DIV, AluOp.SDIV, AluOp.OR, AluOp.AND,
            AluOp.LSH, AluOp.RSH, AluOp.MOD, AluOp.SMOD, AluOp.XOR, AluOp.MOV, AluOp.ARSH, AluOp.NEG};
    private static final int[] WORK_REGISTERS = {0, 1, 2, 3, 4, 5, 7, 8, 9}; // r6 counts the outer loop

    /**
     * A loop whose body is {@code bodySize} random ALU instructions, with forward conditional jumps every few
     * dozen instructions that skip over chunk boundaries, and one back edge over the whole body.
     */
    static Instructions bigProgram(long seed, int bodySize, int iterations) {
        Random rnd = new Random(seed);
        List<Instruction> insns = new ArrayList<>();
        for (int r : WORK_REGISTERS) insns.add(Instruction.LoadImm64.constant(r, rnd.nextLong()));
        insns.add(Instruction.Alu.imm(true, AluOp.MOV, 6, iterations));
        int loopStart = slots(insns);
        for (int i = 0; i < bodySize; i++) {
            if (i % 37 == 36) {
                int skip = 1 + rnd.nextInt(300);
                insns.add(Instruction.Jump.ifImm(rnd.nextBoolean(), JumpOp.values()[1 + rnd.nextInt(11)],
                        WORK_REGISTERS[rnd.nextInt(WORK_REGISTERS.length)], rnd.nextInt(), Math.min(skip, bodySize - i - 1)));
            } else if (i % 53 == 52) {
                insns.add(new Instruction.Endian(EndianOp.values()[rnd.nextInt(3)], WORK_REGISTERS[rnd.nextInt(WORK_REGISTERS.length)], 16 << rnd.nextInt(3)));
            } else {
                AluOp op = OPS[rnd.nextInt(OPS.length)];
                int dst = WORK_REGISTERS[rnd.nextInt(WORK_REGISTERS.length)];
                boolean alu64 = rnd.nextBoolean();
                if (op == AluOp.NEG) insns.add(Instruction.Alu.imm(alu64, op, dst, 0));
                else if (rnd.nextBoolean()) insns.add(Instruction.Alu.reg(alu64, op, dst, WORK_REGISTERS[rnd.nextInt(WORK_REGISTERS.length)]));
                else insns.add(Instruction.Alu.imm(alu64, op, dst, rnd.nextInt()));
            }
        }
        insns.add(Instruction.Alu.imm(true, AluOp.SUB, 6, 1));
        int here = slots(insns);
        insns.add(Instruction.Jump.ifImm(false, JumpOp.JNE, 6, 0, loopStart - (here + 1)));
        for (int r : WORK_REGISTERS) if (r != 0) insns.add(Instruction.Alu.reg(true, AluOp.XOR, 0, r));
        insns.add(new Instruction.Exit());
        return Instructions.of(insns).checkControlFlow();
    }

    static JitCompiler.Compiled compile(JitOptions options, String name, Instructions program) {
        return new JitCompiler(options).compile(ProgramImage.load(name, program, HelperRegistry.empty()), new JitEngine(options));
    }

    /** Runs compiled code directly, in a fresh invocation with r1 = r2 = 0. */
    static long run(JitCompiler.Compiled compiled) {
        Invocation inv = new Invocation().begin();
        JitContext ctx = new JitContext(null, inv);
        return compiled.code().enter(ctx, 0, inv.memory().frameTop(0), 0);
    }

    private static int slots(List<Instruction> insns) {
        return insns.stream().mapToInt(Instruction::slots).sum();
    }

    @Test
    void aTwelveThousandInstructionProgramIsSplitUnderTheHotSpotLimitAndComputesTheSame() {
        Instructions program = bigProgram(42, 12_000, 3);
        JitCompiler.Compiled compiled = compile(JitOptions.defaults().withVerify(true), "big", program);
        assertTrue(compiled.split(), "a 12,000-instruction function must be split");
        assertTrue(compiled.largestMethod() <= JitOptions.HOTSPOT_HUGE_METHOD_LIMIT,
                "largest method has " + compiled.largestMethod() + " bytes");
        assertTrue(compiled.methods().size() > 10, compiled.methods().size() + " methods");
        long expected = ReferenceEvaluator.run(program, 0, 0, 0, 10_000_000);
        assertEquals(expected, run(compiled));
    }

    @Test
    void smallBudgetsGiveManySmallChunksWithTheSameResult() {
        for (long seed = 1; seed <= 5; seed++) {
            Instructions program = bigProgram(seed, 1_500, 2);
            long expected = ReferenceEvaluator.run(program, 0, 0, 0, 10_000_000);
            JitCompiler.Compiled whole = compile(JitOptions.defaults().withVerify(true).withMethodLimit(65535, 60000), "whole" + seed, program);
            assertFalse(whole.split(), "with a 64 KiB budget the program fits one method");
            JitCompiler.Compiled tiny = compile(JitOptions.defaults().withVerify(true).withMethodLimit(1000, 400), "tiny" + seed, program);
            assertTrue(tiny.largestMethod() <= 1000, "largest method " + tiny.largestMethod());
            assertTrue(tiny.methods().size() > 20, tiny.methods().size() + " methods");
            assertTrue(tiny.methods().stream().anyMatch(m -> m.name().contains("$r")), "too many chunks for one dispatcher: routers expected");
            assertEquals(expected, run(whole), "whole, seed " + seed);
            assertEquals(expected, run(tiny), "split, seed " + seed);
        }
    }

    @Test
    void aSmallProgramStaysOneMethod() {
        Instructions program = bigProgram(7, 100, 1);
        JitCompiler.Compiled compiled = compile(JitOptions.defaults(), "small", program);
        assertFalse(compiled.split());
        assertEquals(ReferenceEvaluator.run(program, 0, 0, 0, 1_000_000), run(compiled));
    }

    @Test
    void theSizeEstimateOfATailCallSiteCoversWhatIsEmitted() {
        // splitting plans chunks from estimates: a tail call through the prog array the method names, in function 0
        // (both ways of reading the slot, the self-call loop, the register hand-over), is the largest site emitted
        Slots slots = new Slots(4);
        int[] bytes = new int[3];
        for (int sites = 1; sites <= 2; sites++) {
            List<Instruction> insns = new ArrayList<>();
            for (int i = 0; i < sites; i++) {
                insns.add(Asm.loadObject(2, 0));
                insns.add(Instruction.Alu.imm(true, AluOp.MOV, 3, 1));
                insns.add(Instruction.Call.helper(12));
            }
            insns.add(Instruction.Alu.imm(true, AluOp.MOV, 0, 7));
            insns.add(new Instruction.Exit());
            ProgramImage image = Asm.image("sites", Instructions.of(insns).checkControlFlow(), HelperRegistry.empty(), List.of(slots));
            JitCompiler.Compiled compiled = new JitCompiler(JitOptions.defaults()).compile(image, new JitEngine(JitOptions.defaults()));
            assertFalse(compiled.split());
            bytes[sites] = compiled.largestMethod();
        }
        int site = bytes[2] - bytes[1];
        int estimate = Emitter.estimateSize(Asm.loadObject(2, 0), 1) + Emitter.estimateSize(Instruction.Alu.imm(true, AluOp.MOV, 3, 1), 1)
                + Emitter.estimateSize(Instruction.Call.helper(12), 1);
        assertTrue(site <= estimate, "a tail call site takes " + site + " bytes, estimated " + estimate);
    }
}
