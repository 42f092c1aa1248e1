package io.bpf4j.isa;

/** Where the second operand of an ALU, jump or store comes from. */
public enum Source {
    /** The 32-bit immediate (BPF_K). */
    IMM,
    /** The source register (BPF_X). */
    REG
}
