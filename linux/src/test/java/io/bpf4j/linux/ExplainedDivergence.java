package io.bpf4j.linux;

/**
 * Every accepted difference between bpf4j and the kernel, in one place, each with its reason. A differential
 * test may set a case aside only by naming one of these (through {@link DifferentialHarness#explained});
 * anything else is a mismatch. docs/DIFFERENTIAL.md lists the same entries.
 */
enum ExplainedDivergence {
    /**
     * RFC 9669 defines a shift by a constant ≥ the operand width (masked to 5 or 6 bits); Linux's verifier
     * refuses it at load ("invalid shift 60"). The conformance suite has 12 such cases; bpf4j runs them as the
     * RFC says (the conformance tests check the values), the kernel cannot run them, so nothing is compared.
     */
    KERNEL_REFUSES_CONSTANT_SHIFT("invalid shift"),
    /**
     * {@code callx} (BPF_JMP | BPF_CALL | BPF_X, opcode 0x8d) is in the RFC and bpf4j; Linux does not know the
     * opcode ("unknown opcode 8d").
     */
    KERNEL_REFUSES_CALLX("unknown opcode 8d"),
    /**
     * The conformance suite's helper 5 is uBPF's "unwind"; Linux's helper 5 is bpf_ktime_get_ns. Those cases
     * are not run in the kernel.
     */
    UNWIND_HELPER_IS_NOT_LINUX_HELPER_5(null),
    /**
     * Linux 6.18's verifier mis-models atomics on a stack slot that holds a spilled register: after an atomic
     * fetch (xchg, cmpxchg, fetch_add/or/and/xor) it gets wrong the value the fetch returns, and after a
     * non-fetching {@code lock +=} on part of the slot it keeps the spilled register's bounds for what is
     * read back; it then believes a later conditional jump always goes one way, removes the other path as
     * dead code, and the kernel computes something RFC 9669 does not. Found by the random differential once
     * it used the stack; reduced cases with their results worked out by hand are in
     * {@code differential-reproducers/isa-kernel-atomic-*.txt}, and both bpf4j engines give the RFC result.
     * The random generator therefore uses no atomics on the stack.
     */
    KERNEL_VERIFIER_MISMODELS_ATOMICS_ON_STACK_SPILLS(null);

    /** What the kernel's or bpf4j's message contains when this divergence is the cause (null: found otherwise). */
    final String signature;

    ExplainedDivergence(String signature) {
        this.signature = signature;
    }

    /** The kernel refused a program under the instruction-set contract: which known refusal, or null. */
    static ExplainedDivergence ofKernelRefusal(String message) {
        for (ExplainedDivergence d : values()) {
            if (d.signature != null && d.name().startsWith("KERNEL_REFUSES") && message.contains(d.signature)) return d;
        }
        return null;
    }
}
