package io.bpf4j.verifier;

import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.Helper;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Size;
import org.junit.jupiter.api.Test;

import static io.bpf4j.verifier.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Programs embedded in a Java application: the context is a caller-provided region of fixed size. */
class EmbeddedContextTest {
    private static VerificationRequest req(Instructions p) {
        return VerificationRequest.of("embedded", p, ProgramType.UNSPEC).withContext(ContextLayout.rawMemory(16))
                .withMaps(VerifierCorpus.MAPS).withOptions(VerificationOptions.DEFAULT.withLogLevel(1));
    }

    @Test
    void anyInBoundsAccessOfTheRegionIsAllowed() {
        VerificationResult r = Verifier.verify(req(prog(ldx(Size.DW, 2, 1, 8), stx(Size.W, 1, 3, 2), ldx(Size.B, 0, 1, 15), exit())));
        assertThat(r.access().get(1)).isEqualTo(new VerificationResult.AccessFact(VerificationResult.Region.CONTEXT, 4, 3, 3));
    }

    @Test
    void accessesPastTheRegionAreRefused() {
        assertThatThrownBy(() -> Verifier.verify(req(prog(ldx(Size.DW, 0, 1, 12), exit()))))
                .hasMessageEndingWith("invalid bpf_context access off=12 size=8");
        assertThatThrownBy(() -> Verifier.verify(req(prog(ldx(Size.B, 0, 1, -1), exit()))))
                .hasMessageEndingWith("invalid bpf_context access off=-1 size=1");
    }

    @Test
    void onlyTheHelpersEveryProgramTypeHasAreAvailable() {
        assertThat(Verifier.verify(req(prog(call(Helper.KTIME_GET_NS.id()), exit()))).stats().processedInsns()).isEqualTo(2);
        assertThatThrownBy(() -> Verifier.verify(req(prog(mov(2, 0), call(Helper.SKB_LOAD_BYTES.id()), mov(0, 0), exit()))))
                .hasMessageEndingWith("program of this type cannot use helper bpf_skb_load_bytes#26");
    }

    @Test
    void programTypesWithoutALayoutFailClosed() {
        assertThatThrownBy(() -> Verifier.verify(VerificationRequest.of("kprobe", prog(mov(0, 0), exit()), ProgramType.KPROBE)))
                .isInstanceOf(ProgramRejectedException.class)
                .hasMessageContaining("bpf4j has no context layout for program type BPF_PROG_TYPE_KPROBE");
    }
}
