package io.bpf4j.verifier;

import io.bpf4j.abi.Helper;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.bpf4j.verifier.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The seed's tail-call rules as the verifier sees them. */
class TailCallVerificationTest {
    private static final int ITERATIONS = 300_000;

    /** A loop of {@code n} iterations of 4 instructions each (each iteration a distinct state: no pruning). */
    private static List<Instruction> loop(int n) {
        return List.of(mov(7, 0), add(7, 1), movr(2, 7), alu(AluOp.MUL, 2, 3), jmp(JumpOp.JLT, 7, n, -4));
    }

    private static VerificationRequest request(String name, List<Instruction> code) {
        return VerificationRequest.of(name, Instructions.of(code), ProgramType.SCHED_CLS).withMaps(VerifierCorpus.MAPS)
                .withOptions(VerificationOptions.DEFAULT.withLogLevel(0));
    }

    @Test
    void splittingIntoTailCalledPiecesGivesEachPieceItsOwnBudget() {
        List<Instruction> whole = new ArrayList<>(loop(ITERATIONS));
        whole.addAll(List.of(mov(0, 0), exit()));
        assertThatThrownBy(() -> Verifier.verify(request("whole", whole)))
                .isInstanceOf(ProgramRejectedException.class)
                .hasMessageEndingWith("BPF program is too large. Processed 1000001 insn");

        List<Instruction> first = new ArrayList<>(List.of(movr(6, 1)));
        first.addAll(loop(ITERATIONS / 2));
        first.addAll(List.of(movr(1, 6), lddwMap(2, VerifierCorpus.PROG_ARRAY), mov(3, 1), call(Helper.TAIL_CALL.id()), mov(0, 0), exit()));
        List<Instruction> second = new ArrayList<>(loop(ITERATIONS / 2));
        second.addAll(List.of(mov(0, 0), exit()));

        VerificationResult a = Verifier.verify(request("first", first));
        VerificationResult b = Verifier.verify(request("second", second));
        assertThat(a.stats().processedInsns()).isLessThan(VerificationOptions.LINUX_COMPLEXITY_LIMIT);
        assertThat(b.stats().processedInsns()).isLessThan(VerificationOptions.LINUX_COMPLEXITY_LIMIT);
        assertThat(a.stats().processedInsns() + b.stats().processedInsns()).isGreaterThan(VerificationOptions.LINUX_COMPLEXITY_LIMIT);
    }

    @Test
    void theComplexityLimitIsAnOption() {
        List<Instruction> code = new ArrayList<>(loop(100));
        code.addAll(List.of(mov(0, 0), exit()));
        VerificationRequest r = request("small budget", code);
        assertThatThrownBy(() -> Verifier.verify(r.withOptions(r.options().withComplexityLimit(50))))
                .hasMessageEndingWith("BPF program is too large. Processed 51 insn");
        assertThat(Verifier.verify(r).stats().processedInsns()).isGreaterThan(400);
    }

    @Test
    void aTargetStartsWithOnlyContextAndFramePointer() {
        // what the previous program left in R6 and on the stack is not visible to the next one
        for (int reg = 0; reg <= 9; reg++) {
            if (reg == 1) continue;
            int r = reg;
            assertThatThrownBy(() -> Verifier.verify(request("reads r" + r, List.of(movr(0, r), exit()))))
                    .hasMessageEndingWith("R" + r + " !read_ok");
        }
        assertThatThrownBy(() -> Verifier.verify(request("reads stack", List.of(ldx(Size.W, 0, 10, -4), exit()))))
                .hasMessageEndingWith("invalid read from stack R10 off=-4 size=4");
        // with CAP_PERFMON, Linux lets it read whatever the shared frame holds
        VerificationRequest priv = request("reads stack, privileged", List.of(ldx(Size.W, 0, 10, -4), exit()));
        assertThat(Verifier.verify(priv.withOptions(priv.options().withPrivileged(true))).stats().processedInsns()).isEqualTo(2);
    }

    @Test
    void afterATailCallR0ToR5AreUnusable() {
        for (int reg = 0; reg <= 5; reg++) {
            int r = reg;
            List<Instruction> code = List.of(movr(6, 1), lddwMap(2, VerifierCorpus.PROG_ARRAY), mov(3, 0), call(Helper.TAIL_CALL.id()),
                    movr(7, r), mov(0, 0), exit());
            assertThatThrownBy(() -> Verifier.verify(request("uses r" + r, code))).hasMessageEndingWith("R" + r + " !read_ok");
        }
        List<Instruction> keeps = List.of(movr(6, 1), lddwMap(2, VerifierCorpus.PROG_ARRAY), mov(3, 0), call(Helper.TAIL_CALL.id()),
                ldx(Size.W, 0, 6, 0), exit());
        assertThat(Verifier.verify(request("r6 survives", keeps)).stats().processedInsns()).isEqualTo(6);
    }
}
