package io.bpf4j.verifier;

/**
 * bpf4j's verifier: Linux-style abstract interpretation of every path of a program before it may run.
 *
 * <p>{@link #verify} explores all paths from the entry state (R1 = context, R10 = frame pointer, nothing else
 * initialised), tracking each register's type and each scalar's possible values, and each stack byte; it refuses
 * the program at the first unsafe step with Linux's message. Every tail-call target is verified the same way on
 * its own, with its own complexity budget.
 */
public final class Verifier {
    private Verifier() {}

    /**
     * Verifies one program.
     *
     * @return the log, statistics and per-instruction facts of an accepted program
     * @throws ProgramRejectedException with Linux's message as the reason and the full log
     */
    public static VerificationResult verify(VerificationRequest request) {
        return new Checker(request).run();
    }
}
