package io.bpf4j.isa;

/** What a {@code call} instruction (0x85) calls, from its source-register field. */
public enum CallKind {
    /** A helper function by number (src 0). */
    HELPER(Opcodes.CALL_HELPER),
    /** A bpf2bpf call to a subprogram; imm is the slot offset relative to the next instruction (src 1). */
    LOCAL(Opcodes.CALL_LOCAL),
    /** A kernel function by BTF id; off selects the BTF object (src 2). */
    KFUNC(Opcodes.CALL_KFUNC);

    private final int src;

    CallKind(int src) {
        this.src = src;
    }

    public int src() {
        return src;
    }
}
