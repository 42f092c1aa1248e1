package io.bpf4j.isa;

/** The source-register field of {@code lddw}: what the 64-bit immediate means (uapi BPF_PSEUDO_*). */
public enum Pseudo {
    /** A plain 64-bit constant. */
    IMM(0),
    /** imm is a map file descriptor; the register gets a map pointer. */
    MAP_FD(1),
    /** imm is a map file descriptor, next imm an offset into its single value. */
    MAP_VALUE(2),
    /** imm is a BTF id of a kernel variable. */
    BTF_ID(3),
    /** imm is a subprogram's slot offset relative to the next instruction; the register gets a function pointer. */
    FUNC(4),
    /** imm is an index into the program's map table (fd_array). */
    MAP_IDX(5),
    /** imm is an index into the map table, next imm an offset into its value. */
    MAP_IDX_VALUE(6);

    private final int src;

    Pseudo(int src) {
        this.src = src;
    }

    public int src() {
        return src;
    }

    /** True when the immediate names a map, by fd or by index. */
    public boolean refersToMap() {
        return this == MAP_FD || this == MAP_VALUE || this == MAP_IDX || this == MAP_IDX_VALUE;
    }

    /** True when the second immediate is an offset into a map value. */
    public boolean refersToMapValue() {
        return this == MAP_VALUE || this == MAP_IDX_VALUE;
    }

    static Pseudo decode(int src) {
        for (Pseudo p : values()) {
            if (p.src == src) return p;
        }
        return null;
    }
}
