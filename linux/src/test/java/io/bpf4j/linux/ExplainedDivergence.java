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
     * Linux 6.18 computes something other than RFC 9669 for some programs that keep values in stack slots. In
     * the two reduced cases its verifier mis-tracks a slot holding a spilled register after an atomic on it (a
     * fetch returns a value the verifier gets wrong; a {@code lock +=} on half the slot leaves the spilled
     * register's bounds in place), believes a later conditional jump always goes one way and removes the path
     * the program takes. It also happens in programs with no atomic on the stack (not reduced yet). Established
     * per case, never assumed: a difference counts as this only when {@code src/test/python/rfc_emulate.py}
     * (an RFC 9669 emulator sharing no code, nor language, with bpf4j) gives exactly bpf4j's r0 and memory
     * ({@link RfcReference}). Cases are replayed from {@code differential-reproducers/isa-kernel-*.txt}.
     * Because atomics on spilled slots trigger it most, the random generator uses no atomics on the stack.
     */
    KERNEL_DIVERGES_FROM_RFC_ON_STACK_SPILLS(null);

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
