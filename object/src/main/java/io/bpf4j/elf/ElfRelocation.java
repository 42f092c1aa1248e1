package io.bpf4j.elf;

/**
 * One SHT_REL entry: the BPF target only uses relocations without addend (the addend is in the instruction).
 *
 * @param offset      byte offset in the section the relocations apply to
 * @param symbolIndex index in the symbol table
 * @param type        R_BPF_64_64 (lddw), R_BPF_64_32 (call), R_BPF_64_ABS64/ABS32 (data), ...
 */
public record ElfRelocation(long offset, int symbolIndex, int type) {
    public static final int R_BPF_NONE = 0, R_BPF_64_64 = 1, R_BPF_64_ABS64 = 2, R_BPF_64_ABS32 = 3,
            R_BPF_64_NODYLD32 = 4, R_BPF_64_32 = 10;
}
