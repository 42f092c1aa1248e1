package io.bpf4j.isa;

/** Byte-order conversions: to little endian, to big endian (host is little endian) and unconditional swap. */
public enum EndianOp {
    /** {@code le16/32/64}: truncate to width (a no-op swap on a little-endian machine). Opcode 0xd4. */
    TO_LE,
    /** {@code be16/32/64}: swap bytes within the width. Opcode 0xdc. */
    TO_BE,
    /** {@code bswap16/32/64} (cpu v4): swap bytes within the width. Opcode 0xd7. */
    BSWAP
}
