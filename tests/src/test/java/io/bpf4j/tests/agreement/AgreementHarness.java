package io.bpf4j.tests.agreement;

import io.bpf4j.BpfException;
import io.bpf4j.verifier.ProgramRejectedException;
import io.bpf4j.verifier.VerificationRequest;
import io.bpf4j.verifier.Verifier;

import java.util.ArrayList;
import java.util.List;

/**
 * Judges programs on both sides in one mode: bpf4j's verifier in this JVM, the kernel through
 * {@link KernelOracle} (this process when privileged, a child without CAP_PERFMON otherwise).
 */
final class AgreementHarness {
    private AgreementHarness() {}

    static List<Judgement> judge(Mode mode, List<AgreementProgram> programs) {
        List<KernelVerdict> kernel = KernelOracle.judge(mode, programs);
        List<Judgement> out = new ArrayList<>(programs.size());
        for (int i = 0; i < programs.size(); i++) out.add(bpf4j(mode, programs.get(i), kernel.get(i)));
        return out;
    }

    static Judgement bpf4j(Mode mode, AgreementProgram p, KernelVerdict kernel) {
        VerificationRequest request = new VerificationRequest(p.name(), p.program(), p.type(), p.attachType(), p.maps(), null,
                p.lineInfo(), mode.bpf4jOptions());
        try {
            Verifier.verify(request);
            return new Judgement(p, mode, true, "", null, kernel);
        } catch (ProgramRejectedException e) {
            return new Judgement(p, mode, false, reason(e), null, kernel);
        } catch (BpfException e) {
            // refused before verification (an instruction or program shape bpf4j does not take): still a refusal
            return new Judgement(p, mode, false, e.getMessage(), null, kernel);
        } catch (RuntimeException | StackOverflowError e) {
            return new Judgement(p, mode, false, "", e.toString(), kernel);
        }
    }

    /** Whether bpf4j's verifier accepts {@code p} with {@code options} (a refusal or a failure count as no). */
    static boolean accepts(AgreementProgram p, io.bpf4j.verifier.VerificationOptions options) {
        try {
            Verifier.verify(new VerificationRequest(p.name(), p.program(), p.type(), p.attachType(), p.maps(), null, p.lineInfo(), options));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** {@code program x rejected at pc N: reason} → {@code pc N: reason}. */
    private static String reason(ProgramRejectedException e) {
        String m = e.getMessage();
        int at = m.indexOf(" rejected");
        return at >= 0 ? m.substring(at + " rejected".length()).replaceFirst("^ at ", "").strip() : m;
    }
}
