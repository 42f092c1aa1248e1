package io.bpf4j.elf;

/**
 * One section header of an ELF64 file.
 *
 * @param index     the section's index in the header table
 * @param name      from the section-name string table
 * @param type      {@code sh_type} (SHT_PROGBITS, SHT_NOBITS, SHT_REL, ...)
 * @param flags     {@code sh_flags} (SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR, ...)
 * @param offset    where the contents start in the file (meaningless for SHT_NOBITS)
 * @param size      bytes of contents (for SHT_NOBITS, bytes of zeros it stands for)
 * @param link      {@code sh_link}: the symbol table of a relocation section, the strings of a symbol table
 * @param info      {@code sh_info}: the section a relocation section applies to
 * @param alignment {@code sh_addralign}
 * @param entrySize {@code sh_entsize} for tables
 */
public record ElfSection(int index, String name, int type, long flags, long offset, long size, int link, int info,
                         long alignment, long entrySize) {
    public static final int SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4,
            SHT_NOBITS = 8, SHT_REL = 9;
    public static final long SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4;

    public boolean isExecutable() {
        return type == SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0;
    }

    public boolean isWritable() {
        return (flags & SHF_WRITE) != 0;
    }

    /** True when the section occupies no bytes of the file (.bss). */
    public boolean isNoBits() {
        return type == SHT_NOBITS;
    }
}
