package io.bpf4j.tests.agreement;

import java.util.Objects;

/**
 * What the kernel said about one program in one mode.
 *
 * @param outcome what happened
 * @param errno   BPF_PROG_LOAD's errno when refused, else 0
 * @param message the verifier's last word (the reason line) and the errno; empty when accepted
 * @param logTail the last lines of the kernel's verifier log (for the report), possibly empty
 */
record KernelVerdict(Outcome outcome, int errno, String message, String logTail) {
    enum Outcome {
        /** BPF_PROG_LOAD returned a descriptor. */
        ACCEPTED,
        /** The verifier, or the load's checks, or the lack of a privilege in this mode, refused the program. */
        REJECTED,
        /**
         * This machine cannot load the program whatever it contains, even with every capability (e.g. fentry
         * without BPF trampolines): nothing to compare, excluded and listed.
         */
        NOT_LOADABLE
    }

    KernelVerdict {
        Objects.requireNonNull(outcome, "outcome");
        message = message == null ? "" : message;
        logTail = logTail == null ? "" : logTail;
    }

    static KernelVerdict accepted() {
        return new KernelVerdict(Outcome.ACCEPTED, 0, "", "");
    }

    boolean isAccepted() {
        return outcome == Outcome.ACCEPTED;
    }
}
