package io.bpf4j.verifier;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VerifierCorpusTest {
    static List<VerifierCorpus.Case> cases() {
        return VerifierCorpus.cases();
    }

    static VerificationRequest request(VerifierCorpus.Case c) {
        VerificationOptions o = VerificationOptions.DEFAULT.withPrivileged(c.privileged()).withStackRounding(c.stackRounding()).withLogLevel(2);
        return VerificationRequest.of(c.name(), c.program(), c.type()).withMaps(VerifierCorpus.MAPS).withOptions(o);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void verdictAndMessageMatchLinux(VerifierCorpus.Case c) {
        if (c.accepted()) {
            VerificationResult r = Verifier.verify(request(c));
            assertThat(r.log()).contains("processed ");
        } else {
            assertThatThrownBy(() -> Verifier.verify(request(c)))
                    .isInstanceOf(ProgramRejectedException.class)
                    .satisfies(e -> {
                        ProgramRejectedException p = (ProgramRejectedException) e;
                        assertThat(p.getMessage()).endsWith(": " + c.message());
                        assertThat(p.log()).contains(c.message() + "\n");
                        assertThat(p.errno()).isZero();
                    });
        }
    }
}
