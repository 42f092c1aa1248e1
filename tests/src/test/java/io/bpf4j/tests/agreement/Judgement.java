package io.bpf4j.tests.agreement;

/**
 * Both verdicts on one program in one mode, and what kind of (dis)agreement they make.
 *
 * @param bpf4jAccepted whether bpf4j's verifier accepted the program
 * @param bpf4jMessage  bpf4j's reason when it refused (empty when accepted)
 * @param bpf4jCrash    a verifier failure that is not a verdict (an exception other than a refusal), or null
 */
record Judgement(AgreementProgram program, Mode mode, boolean bpf4jAccepted, String bpf4jMessage, String bpf4jCrash,
                 KernelVerdict kernel) {

    enum Category {
        AGREE_ACCEPT("both accept"),
        AGREE_REJECT("both refuse"),
        BPF4J_STRICTER("bpf4j refuses, the kernel accepts"),
        BPF4J_MORE_PERMISSIVE_SAFETY("bpf4j accepts, the kernel refuses for memory safety"),
        BPF4J_MORE_PERMISSIVE_OTHER("bpf4j accepts, the kernel refuses for another reason"),
        BPF4J_CRASH("bpf4j's verifier failed with an exception"),
        EXCLUDED("the kernel here cannot load it at all");

        final String meaning;

        Category(String meaning) {
            this.meaning = meaning;
        }
    }

    Category category() {
        if (kernel.outcome() == KernelVerdict.Outcome.NOT_LOADABLE) return Category.EXCLUDED;
        if (bpf4jCrash != null) return Category.BPF4J_CRASH;
        boolean k = kernel.isAccepted();
        if (bpf4jAccepted && k) return Category.AGREE_ACCEPT;
        if (!bpf4jAccepted && !k) return Category.AGREE_REJECT;
        if (!bpf4jAccepted) return Category.BPF4J_STRICTER;
        return KernelMessages.isMemorySafety(kernel.message()) ? Category.BPF4J_MORE_PERMISSIVE_SAFETY : Category.BPF4J_MORE_PERMISSIVE_OTHER;
    }

    boolean agrees() {
        Category c = category();
        return c == Category.AGREE_ACCEPT || c == Category.AGREE_REJECT;
    }

    /** One line for reports: the program, the mode and both sides' words. */
    String describe() {
        String b = bpf4jCrash != null ? "CRASH " + bpf4jCrash : bpf4jAccepted ? "accepts" : "refuses: " + bpf4jMessage;
        String k = kernel.isAccepted() ? "accepts" : "refuses: " + kernel.message();
        return program.id() + " [" + program.type() + ", " + mode.label + "] bpf4j " + b + " | kernel " + k;
    }
}
