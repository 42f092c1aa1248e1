package io.bpf4j.tests.agreement;

import io.bpf4j.verifier.VerificationOptions;

/**
 * The two privilege levels compared: bpf4j's verifier in the matching mode against the kernel loading from a
 * process with or without the capabilities that decide the verifier's leniency.
 *
 * <p>In Linux 6.18 the verifier's {@code allow_ptr_leaks}, {@code allow_uninit_stack}, {@code bypass_spec_v1}
 * and {@code bypass_spec_v4} are all {@code bpf_token_capable(token, CAP_PERFMON)}, and
 * {@code bpf_token_capable} also answers yes to CAP_SYS_ADMIN for any capability — so root's "unprivileged" path
 * needs both CAP_PERFMON and CAP_SYS_ADMIN gone, while CAP_BPF (to load at all, since
 * {@code kernel.unprivileged_bpf_disabled} is set) and CAP_NET_ADMIN (for XDP and tc) stay.
 */
enum Mode {
    PRIVILEGED("privileged", "this process (root with CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, CAP_NET_ADMIN)", true),
    UNPRIVILEGED("unprivileged", "a child JVM started by setpriv without CAP_PERFMON and CAP_SYS_ADMIN (CAP_BPF, CAP_NET_ADMIN kept)", false);

    /**
     * The kernel here always JITs (x86-64), and its JIT rounds each frame's stack to 16 bytes when call chains
     * are summed, so bpf4j is asked for the same rounding; its default of 32 is the interpreter's rule.
     */
    static final int KERNEL_STACK_ROUNDING = 16;

    final String label;
    final String kernelSide;
    final boolean privileged;

    Mode(String label, String kernelSide, boolean privileged) {
        this.label = label;
        this.kernelSide = kernelSide;
        this.privileged = privileged;
    }

    VerificationOptions bpf4jOptions() {
        return VerificationOptions.DEFAULT.withPrivileged(privileged).withLogLevel(0).withStackRounding(KERNEL_STACK_ROUNDING);
    }
}
