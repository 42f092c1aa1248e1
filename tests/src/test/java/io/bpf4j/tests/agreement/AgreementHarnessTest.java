package io.bpf4j.tests.agreement;

import io.bpf4j.verifier.Asm;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.bpf4j.verifier.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;

/** The harness's own parts, without a kernel: what the agreement numbers rest on. */
class AgreementHarnessTest {
    private static final AgreementProgram NULL_DEREF = AgreementProgram.of("t", "deref of a scalar", ProgramType.XDP,
            Instructions.of(mov(1, 0), ldx(io.bpf4j.isa.Size.W, 0, 1, 0), exit()), Map.of());

    @Test
    void aProgramBpf4jAcceptsAndTheKernelRefusesForSafetyFailsTheGate() {
        Judgement j = new Judgement(NULL_DEREF, Mode.UNPRIVILEGED, true, "", null,
                new KernelVerdict(KernelVerdict.Outcome.REJECTED, 13, "program x rejected at pc 1: R1 invalid mem access 'scalar'", ""));
        assertThat(j.category()).isEqualTo(Judgement.Category.BPF4J_MORE_PERMISSIVE_SAFETY);
        assertThat(KnownDivergences.explain(j)).as("no known divergence excuses a scalar dereference").isNull();
    }

    @Test
    void categoriesFollowBothVerdicts() {
        KernelVerdict ok = KernelVerdict.accepted();
        KernelVerdict loop = new KernelVerdict(KernelVerdict.Outcome.REJECTED, 22, "infinite loop detected at insn 1", "");
        KernelVerdict cannot = new KernelVerdict(KernelVerdict.Outcome.NOT_LOADABLE, 1, "no trampolines", "");
        assertThat(new Judgement(NULL_DEREF, Mode.PRIVILEGED, true, "", null, ok).category()).isEqualTo(Judgement.Category.AGREE_ACCEPT);
        assertThat(new Judgement(NULL_DEREF, Mode.PRIVILEGED, false, "x", null, loop).category()).isEqualTo(Judgement.Category.AGREE_REJECT);
        assertThat(new Judgement(NULL_DEREF, Mode.PRIVILEGED, false, "x", null, ok).category()).isEqualTo(Judgement.Category.BPF4J_STRICTER);
        assertThat(new Judgement(NULL_DEREF, Mode.PRIVILEGED, true, "", null, loop).category())
                .isEqualTo(Judgement.Category.BPF4J_MORE_PERMISSIVE_OTHER);
        assertThat(new Judgement(NULL_DEREF, Mode.PRIVILEGED, false, "", "java.lang.IllegalStateException", ok).category())
                .isEqualTo(Judgement.Category.BPF4J_CRASH);
        assertThat(new Judgement(NULL_DEREF, Mode.PRIVILEGED, true, "", null, cannot).category()).isEqualTo(Judgement.Category.EXCLUDED);
    }

    @Test
    void kernelRefusalsAreSortedIntoSafetyAndOther() {
        assertThat(List.of("R0 invalid mem access 'map_value_or_null'", "invalid read from stack R10 off=-8 size=8", "R6 !read_ok",
                "R1 type=fp expected=ctx", "R10 leaks addr into map", "R2 pointer comparison prohibited",
                "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)", "invalid bpf_context access off=12 size=4",
                "R1 bitwise operator &= on pointer prohibited", "R0 min value is outside of the allowed memory range"))
                .allMatch(KernelMessages::isMemorySafety);
        assertThat(List.of("infinite loop detected at insn 1", "invalid shift 64", "unreachable insn 2",
                "combined stack size of 2 calls is 528. Too large", "The sequence of 8193 jumps is too complex.",
                "program of this type cannot use helper bpf_skb_store_bytes#9", "div by zero", "unknown opcode 8d",
                "old state: R1=Pscalar(smin=umin=smin32=umin32=7,smax=umax=smax32=umax32=9,var_off=(0x0; 0xf)) R10=fp0"))
                .noneMatch(KernelMessages::isMemorySafety);
    }

    @Test
    void batchesAndVerdictsSurviveTheTripToTheChild() {
        AgreementProgram p = new AgreementProgram("edge cases", "tabs\tand\nnewlines \\ in a name", ProgramType.SCHED_CLS, null,
                Instructions.of(lddwMap(2, 3), mov(3, 0), call(12), mov(0, 0), exit()),
                Map.of(3, new MapDefinition("jmp", MapType.PROG_ARRAY, 4, 4, 8)), null, Map.of());
        AgreementProgram f = new AgreementProgram("fixtures", "stage_a", ProgramType.XDP, null, Instructions.of(mov(0, 0), exit()),
                Map.of(), "tail_calls.o", Map.of());
        List<AgreementProgram> back = BatchCodec.readPrograms(BatchCodec.writePrograms(List.of(p, f)));
        assertThat(back.get(0).name()).isEqualTo(p.name());
        assertThat(back.get(0).program()).isEqualTo(p.program());
        assertThat(back.get(0).maps()).isEqualTo(p.maps());
        assertThat(back.get(0).type()).isEqualTo(ProgramType.SCHED_CLS);
        assertThat(back.get(1).fixture()).isEqualTo("tail_calls.o");
        assertThat(back.get(1).id()).isEqualTo(f.id());

        KernelVerdict v = new KernelVerdict(KernelVerdict.Outcome.REJECTED, 13, "R1 type=fp\texpected=ctx", "line 1\nline 2 \\n");
        KernelVerdict again = BatchCodec.parseVerdict(BatchCodec.verdictLine(7, v).split("\t", -1));
        assertThat(again).isEqualTo(v);
    }

    @Test
    void subprogramStartsGetFuncInfo() {
        // pc 0: call pc+2+1 = 3; pc 3-4: lddw of the function at 3 + 1 + 1 = 5
        Instructions p = Instructions.of(callLocal(2), mov(0, 0), exit(), lddwFunc(2, 1), mov(0, 0), exit());
        assertThat(FuncInfoBtf.functionStarts(p)).containsExactly(0, 3, 5);
        assertThat(FuncInfoBtf.funcInfo(FuncInfoBtf.functionStarts(p))).hasSize(24);
    }

    @Test
    void theSeededRandomProgramsAreReproducible() {
        assertThat(RandomUnsafePrograms.generate(42, 50)).isEqualTo(RandomUnsafePrograms.generate(42, 50));
    }
}
