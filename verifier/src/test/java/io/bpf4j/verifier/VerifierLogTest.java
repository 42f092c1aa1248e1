package io.bpf4j.verifier;

import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Size;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.bpf4j.verifier.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VerifierLogTest {
    private static VerificationRequest req(Instructions p, int level) {
        return VerificationRequest.of("t", p, ProgramType.SOCKET_FILTER)
                .withOptions(VerificationOptions.DEFAULT.withLogLevel(level));
    }

    @Test
    void acceptedProgramEndsWithLinuxStatisticsLine() {
        VerificationResult r = Verifier.verify(req(prog(mov(0, 0), exit()), 1));
        assertThat(r.log()).startsWith("0: (b7) r0 = 0x0\n1: (95) exit\n");
        assertThat(r.log()).endsWith("processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n");
        assertThat(r.stats().processedInsns()).isEqualTo(2);
    }

    @Test
    void errorFollowsTheInstructionThatCausedIt() {
        assertThatThrownBy(() -> Verifier.verify(req(prog(ldx(Size.DW, 0, 10, -8), exit()), 1)))
                .isInstanceOfSatisfying(ProgramRejectedException.class, e -> {
                    assertThat(e.pc()).isZero();
                    assertThat(e.log()).isEqualTo("0: (79) r0 = *(u64 *)(r10 - 0x8)\n"
                            + "invalid read from stack R10 off=-8 size=8\n"
                            + "processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n");
                });
    }

    @Test
    void levelTwoShowsStatesAndBranches() {
        Instructions p = prog(ldx(Size.W, 0, 1, 0), jmp(JumpOp.JGT, 0, 10, 1), mov(0, 0), exit());
        String log = Verifier.verify(req(p, 2)).log();
        assertThat(log).contains("0: R1=ctx() R10=fp0\n");
        assertThat(log).contains("from 1 to 3:");
        assertThat(log).contains("from 1 to 3: R0=scalar(smin=umin=umin32=11,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R1=ctx() R10=fp0\n");
    }

    @Test
    void levelZeroKeepsNoLogButTheReason() {
        assertThatThrownBy(() -> Verifier.verify(req(prog(exit()), 0)))
                .isInstanceOfSatisfying(ProgramRejectedException.class, e -> {
                    assertThat(e.log()).isEmpty();
                    assertThat(e.getMessage()).isEqualTo("program t rejected at pc 0: R0 !read_ok");
                });
    }

    @Test
    void sourceLinesFromLineInfo() {
        VerificationRequest r = req(prog(mov(0, 0), exit()), 1).withLineInfo(Map.of(0, "return 0;"));
        assertThat(Verifier.verify(r).log()).startsWith("; return 0;\n0: (b7) r0 = 0x0\n");
        VerificationRequest bad = req(prog(exit()), 1).withLineInfo(Map.of(0, "return x;"));
        assertThatThrownBy(() -> Verifier.verify(bad)).isInstanceOfSatisfying(ProgramRejectedException.class,
                e -> assertThat(e.log()).startsWith("; return x;\n0: (95) exit\nR0 !read_ok\n"));
    }

    @Test
    void statsLevelPrintsStackDepthPerSubprogram() {
        Instructions p = prog(st(Size.DW, 10, -16, 0), callLocal(1), exit(), st(Size.DW, 10, -8, 0), mov(0, 0), exit());
        VerificationResult r = Verifier.verify(req(p, 4));
        assertThat(r.log()).contains("stack depth 16+8\n");
        assertThat(r.stats().stackDepths()).containsExactly(16, 8);
    }

    @Test
    void accessFactsTellTheCompilerWhichRegionEachAccessTouches() {
        Instructions p = prog(st(Size.DW, 10, -8, 1), ldx(Size.DW, 2, 10, -8), ldx(Size.W, 0, 1, 0), exit());
        VerificationResult r = Verifier.verify(req(p, 0));
        assertThat(r.access()).containsEntry(0, new VerificationResult.AccessFact(VerificationResult.Region.STACK, 8, -8, -8));
        assertThat(r.access()).containsEntry(2, new VerificationResult.AccessFact(VerificationResult.Region.CONTEXT, 4, 0, 0));
        assertThat(r.access().get(1).fixedOffset()).isTrue();
    }
}
