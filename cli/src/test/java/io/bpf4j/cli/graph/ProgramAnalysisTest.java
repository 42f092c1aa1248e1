package io.bpf4j.cli.graph;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instruction.Alu;
import io.bpf4j.isa.Instruction.Call;
import io.bpf4j.isa.Instruction.Exit;
import io.bpf4j.isa.Instruction.Jump;
import io.bpf4j.isa.Instruction.Load;
import io.bpf4j.isa.Instruction.LoadImm64;
import io.bpf4j.isa.Instruction.Store;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The static analysis behind 'bpf4j graph', on hand-written programs whose answers are known. */
class ProgramAnalysisTest {
    private static final Instruction TAIL_CALL = Call.helper(12);

    private static LoadImm64 map(int reg) {
        return new LoadImm64(reg, Pseudo.MAP_FD, 0, 0);
    }

    @Test
    void anIndexJoinedFromBranchesIsASetOfSlots() {
        // r3 = 2; if r1 == 0 goto +1; r3 = 4; r2 = map; call tail_call; exit
        Instructions code = Instructions.of(
                Alu.imm(true, AluOp.MOV, 3, 2),
                Jump.ifImm(false, JumpOp.JEQ, 1, 0, 1),
                Alu.imm(true, AluOp.MOV, 3, 4),
                map(2),
                TAIL_CALL,
                Alu.imm(true, AluOp.MOV, 0, 0),
                new Exit());
        ProgramAnalysis.Result r = ProgramAnalysis.analyze(new ProgramCode("p", "xdp", code, Map.of(3, "jt")));
        assertThat(r.sites()).singleElement().satisfies(s -> {
            assertThat(s.map()).isEqualTo("jt");
            assertThat(s.slots()).containsExactly(2L, 4L);
            assertThat(s.pc()).isEqualTo(5);
        });
    }

    @Test
    void anIndexSpilledToTheStackAndReloadedStaysKnown() {
        // r1 = 7; *(u64 *)(r10 - 16) = r1; r1 = 0; r3 = *(u64 *)(r10 - 16); r2 = map; call; exit
        Instructions code = Instructions.of(
                Alu.imm(true, AluOp.MOV, 1, 7),
                Store.reg(Size.DW, 10, -16, 1),
                Alu.imm(true, AluOp.MOV, 1, 0),
                new Load(Size.DW, false, 3, 10, -16),
                map(2),
                TAIL_CALL,
                new Exit());
        ProgramAnalysis.Result r = ProgramAnalysis.analyze(new ProgramCode("p", "xdp", code, Map.of(4, "jt")));
        assertThat(r.sites().getFirst().slots()).containsExactly(7L);
        assertThat(r.functions().getFirst().frameBytes()).isEqualTo(16);
        assertThat(r.ownStack()).isEqualTo(32);
    }

    @Test
    void anIndexReadFromMemoryIsVariable() {
        // r3 = *(u32 *)(r1 + 0) (from the context: anything); r2 = map; call; exit
        Instructions code = Instructions.of(
                new Load(Size.W, false, 3, 1, 0),
                map(2),
                TAIL_CALL,
                new Exit());
        ProgramAnalysis.Result r = ProgramAnalysis.analyze(new ProgramCode("p", "xdp", code, Map.of(1, "jt")));
        assertThat(r.sites().getFirst().variableIndex()).isTrue();
    }

    @Test
    void theLowThirtyTwoBitsOfTheIndexAreTheSlot() {
        Instructions code = Instructions.of(
                LoadImm64.constant(3, 0x1_0000_0002L),
                map(2),
                TAIL_CALL,
                new Exit());
        ProgramAnalysis.Result r = ProgramAnalysis.analyze(new ProgramCode("p", "xdp", code, Map.of(2, "jt")));
        assertThat(r.sites().getFirst().slots()).containsExactly(2L);
    }

    @Test
    void aTailCallFromASubprogramKeepsItsCallersFramesBelow() {
        // main: uses 200 bytes of stack, calls sub; sub: uses 8 bytes and tail-calls slot 1
        Instructions code = Instructions.of(
                Store.imm(Size.DW, 10, -200, 0), // 0
                Call.local(2),                     // 1 -> 4
                Alu.imm(true, AluOp.MOV, 0, 0),    // 2
                new Exit(),                        // 3
                Store.imm(Size.DW, 10, -8, 0),     // 4: sub
                map(2),                            // 5
                Alu.imm(true, AluOp.MOV, 3, 1),    // 7
                TAIL_CALL,                         // 8
                new Exit());                       // 9
        ProgramAnalysis.Result r = ProgramAnalysis.analyze(new ProgramCode("main", "xdp", code, Map.of(5, "jt"), Map.of(4, "sub")));
        assertThat(r.functions()).extracting(ProgramAnalysis.Function::name).containsExactly("main", "sub");
        assertThat(r.functions().get(0).frameBytes()).isEqualTo(200);
        assertThat(r.functions().get(0).roundedFrame()).isEqualTo(224);
        assertThat(r.functions().get(1).roundedFrame()).isEqualTo(32);
        assertThat(r.ownStack()).isEqualTo(256);
        assertThat(r.deepestChain()).containsExactly("main", "sub");
        TailCallSite s = r.sites().getFirst();
        assertThat(s.function()).isEqualTo("sub");
        assertThat(s.callerStack()).isEqualTo(224);
        assertThat(s.slots()).containsExactly(1L);
    }

    @Test
    void worstCaseStackAddsTheFramesEachTailCallLeavesBehind() {
        // the seed's example, in spirit: main (224) calls sub, which tail-calls "big" (uses 480 bytes)
        Instructions main = Instructions.of(
                Store.imm(Size.DW, 10, -200, 0),
                Call.local(2),
                Alu.imm(true, AluOp.MOV, 0, 0),
                new Exit(),
                map(2),
                Alu.imm(true, AluOp.MOV, 3, 0),
                TAIL_CALL,
                new Exit());
        Instructions big = Instructions.of(Store.imm(Size.DW, 10, -480, 0), Alu.imm(true, AluOp.MOV, 0, 0), new Exit());
        TailCallGraph g = TailCallGraph.build(
                List.of(new ProgramCode("main", "xdp", main, Map.of(4, "jt"), Map.of(4, "sub")), new ProgramCode("big", "xdp", big, Map.of())),
                Map.of("jt", new ProgArray("jt", 4, Map.of(0, "big"))), 32, null);
        TailCallGraph.Chain worst = g.worstCaseStack();
        assertThat(worst.stackBytes()).isEqualTo(224 + 480);
        assertThat(worst.programs()).containsExactly("main", "big");
        assertThat(g.warnings()).isEmpty(); // 224 < 256: the kernel accepts it
        assertThat(g.limitReachable()).isFalse();
    }

    @Test
    void aCallerStackOf256OrMoreIsReportedAsTheKernelWouldRejectIt() {
        Instructions main = Instructions.of(
                Store.imm(Size.DW, 10, -256, 0),
                Call.local(2),
                Alu.imm(true, AluOp.MOV, 0, 0),
                new Exit(),
                map(2),
                Alu.imm(true, AluOp.MOV, 3, 0),
                TAIL_CALL,
                new Exit());
        TailCallGraph g = TailCallGraph.build(List.of(new ProgramCode("main", "xdp", main, Map.of(4, "jt"))),
                Map.of("jt", new ProgArray("jt", 1, Map.of())), 32, null);
        assertThat(g.warnings()).singleElement().asString().contains("256 bytes of caller stack").contains("Too large");
        assertThat(g.edges()).singleElement().satisfies(e -> assertThat(e.fallthrough()).isEqualTo(TailCallGraph.Fallthrough.EMPTY));
    }

    @Test
    void aSelfLoopMakesTheLimitReachableAndTheChainAsLongAsTheLimit() {
        Instructions loop = Instructions.of(map(2), Alu.imm(true, AluOp.MOV, 3, 0), TAIL_CALL, Alu.imm(true, AluOp.MOV, 0, 0), new Exit());
        for (int limit : new int[]{32, 33}) {
            TailCallGraph g = TailCallGraph.build(List.of(new ProgramCode("loop", "xdp", loop, Map.of(0, "jt"))),
                    Map.of("jt", new ProgArray("jt", 1, Map.of(0, "loop"))), limit, null);
            assertThat(g.cycles()).containsExactly(List.of("loop"));
            assertThat(g.limitReachable()).isTrue();
            TailCallGraph.Chain c = g.longestChain();
            assertThat(c.capped()).isTrue();
            assertThat(c.tailCalls()).isEqualTo(limit);
            assertThat(c.programs()).hasSize(limit + 1);
        }
    }
}
