package io.bpf4j.verifier;

import io.bpf4j.abi.Helper;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.bpf4j.verifier.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** State pruning keeps verification linear where paths rejoin in equivalent states. */
class PruningTest {
    /** {@code n} branches in a row on bits of an unknown value; both sides of each rejoin. */
    private static Instructions diamonds(int n, boolean tempLiveAtEnd) {
        List<Instruction> l = new ArrayList<>(List.of(call(Helper.GET_PRANDOM_U32.id()), movr(6, 0), mov(2, 0)));
        for (int i = 0; i < n; i++) {
            l.add(movr(1, 6));
            l.add(alu(AluOp.AND, 1, 1 << (i % 31)));
            l.add(jeq(1, 0, 1));
            // with a live temporary r2 accumulates (2^n values); otherwise it is only overwritten
            l.add(tempLiveAtEnd ? add(2, 1 << (i % 31)) : mov(2, i));
        }
        l.add(tempLiveAtEnd ? movr(0, 2) : mov(0, 0));
        l.add(exit());
        return Instructions.of(l);
    }

    private static VerificationResult verify(Instructions p) {
        return Verifier.verify(VerificationRequest.of("diamonds", p, ProgramType.SOCKET_FILTER)
                .withOptions(VerificationOptions.DEFAULT.withLogLevel(0)));
    }

    @Test
    void pathsRejoiningWithOnlyDeadDifferencesArePruned() {
        VerificationResult r = verify(diamonds(40, false));
        // 2^40 paths without pruning; a few instructions per diamond with it
        assertThat(r.stats().processedInsns()).isLessThan(1_000);
        assertThat(r.stats().totalStates()).isPositive();
    }

    @Test
    void liveDifferencesAreExploredAndHitTheBudget() {
        // r2 sums the bits taken and is returned: 2^n different live values, nothing can be pruned
        assertThatThrownBy(() -> verify(diamonds(40, true))).hasMessageContaining("BPF program is too large");
        assertThat(verify(diamonds(6, true)).stats().processedInsns()).isLessThan(2_000);
    }
}
