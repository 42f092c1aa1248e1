package io.bpf4j.elf;

import io.bpf4j.object.LinkException;
import io.bpf4j.object.MalformedObjectException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A little-endian ELF64 relocatable object for the BPF machine, read eagerly and checked: every section's
 * contents lie inside the file, every name inside its string table, every symbol and relocation entry inside
 * its table. Anything else is refused with a {@link MalformedObjectException} naming the file, the section and
 * the offset, before a consumer can index out of bounds.
 *
 * <pre>
 *  ELF header (64 bytes)         e_ident: 7f 'E' 'L' 'F', class 2 (64-bit), data 1 (LSB), version 1
 *  ...section contents...        e_type 1 (REL), e_machine 247 (EM_BPF)
 *  section header table          e_shoff, e_shnum × 64-byte headers, e_shstrndx names them
 * </pre>
 */
public final class ElfFile {
    public static final int EM_BPF = 247;
    public static final int ET_REL = 1;
    private static final int EHDR_SIZE = 64, SHDR_SIZE = 64, SYM_SIZE = 24, REL_SIZE = 16;

    private final String fileName;
    private final byte[] bytes;
    private final List<ElfSection> sections;
    private final List<ElfSymbol> symbols;
    private final Map<Integer, List<ElfRelocation>> relocationsByTarget;

    private ElfFile(String fileName, byte[] bytes) {
        this.fileName = fileName;
        this.bytes = bytes;
        this.sections = readSections();
        this.symbols = readSymbols();
        this.relocationsByTarget = readRelocations();
    }

    /** Reads and checks {@code bytes}; {@code fileName} is only used in messages. */
    public static ElfFile parse(String fileName, byte[] bytes) {
        return new ElfFile(fileName, bytes);
    }

    public String fileName() {
        return fileName;
    }

    public List<ElfSection> sections() {
        return sections;
    }

    public ElfSection section(int index) {
        if (index < 0 || index >= sections.size()) {
            throw error(null, null, "section index " + index + " does not exist (the file has " + sections.size() + ")");
        }
        return sections.get(index);
    }

    /** The first section with this name, or null. */
    public ElfSection section(String name) {
        for (ElfSection s : sections) if (s.name().equals(name)) return s;
        return null;
    }

    /** All symbols, index 0 being the null symbol. */
    public List<ElfSymbol> symbols() {
        return symbols;
    }

    /**
     * The symbol a relocation names; index 0 (the null symbol) and indexes past the table are a {@link LinkException}
     * naming the relocation section and the entry ({@code where}).
     */
    public ElfSymbol symbol(int index, String relocationSection, String where) {
        if (index <= 0 || index >= symbols.size()) {
            throw new LinkException(fileName, relocationSection, where,
                    "relocation names symbol #" + index + ", which does not exist (the symbol table has " + symbols.size() + " entries)");
        }
        return symbols.get(index);
    }

    /** Symbols defined in a section, in offset order. */
    public List<ElfSymbol> symbolsIn(ElfSection section) {
        List<ElfSymbol> out = new ArrayList<>();
        for (ElfSymbol s : symbols) if (s.sectionIndex() == section.index() && s.index() != 0) out.add(s);
        out.sort((a, b) -> Long.compare(a.value(), b.value()));
        return out;
    }

    /** The relocations that apply to {@code target}, in file order (empty when there are none). */
    public List<ElfRelocation> relocationsFor(ElfSection target) {
        return relocationsByTarget.getOrDefault(target.index(), List.of());
    }

    /** The relocation section applying to {@code target}, or null, for messages. */
    public String relocationSectionName(ElfSection target) {
        for (ElfSection s : sections) if (s.type() == ElfSection.SHT_REL && s.info() == target.index()) return s.name();
        return null;
    }

    /** A copy of the section's contents; zeros for SHT_NOBITS, nothing for an SHT_NULL (inactive) header. */
    public byte[] contents(ElfSection section) {
        if (section.type() == ElfSection.SHT_NULL) return new byte[0];
        if (section.isNoBits()) return new byte[(int) section.size()];
        // Every other header was checked against the file when read; checked again so no caller can be handed a
        // header that was not (a section built by hand, a NULL header given a type later).
        checkRange(section.offset(), section.size(), section.name(), "contents");
        return Arrays.copyOfRange(bytes, (int) section.offset(), (int) (section.offset() + section.size()));
    }

    /** A NUL-terminated string at {@code offset} in a string-table section. */
    public String string(ElfSection table, long offset) {
        if (offset < 0 || offset >= table.size()) {
            throw error(table.name(), "offset 0x" + Long.toHexString(offset), "string offset outside the string table of " + table.size() + " bytes");
        }
        int start = (int) (table.offset() + offset), end = start;
        int limit = (int) (table.offset() + table.size());
        while (end < limit && bytes[end] != 0) end++;
        if (end == limit) throw error(table.name(), "offset 0x" + Long.toHexString(offset), "string is not NUL-terminated inside the table");
        return new String(bytes, start, end - start, StandardCharsets.UTF_8);
    }

    public MalformedObjectException error(String section, String location, String problem) {
        return new MalformedObjectException(fileName, section, location, problem);
    }

    // --- reading -------------------------------------------------------------------------------------------

    private List<ElfSection> readSections() {
        if (bytes.length < 16 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw error(null, null, "not an ELF file (" + (bytes.length < 4 ? "only " + bytes.length + " bytes" : "no \\x7fELF magic") + ")");
        }
        int elfClass = bytes[4], data = bytes[5];
        if (elfClass != 2) throw error(null, "e_ident[EI_CLASS]", "ELF class " + elfClass + " is not ELFCLASS64; BPF objects are 64-bit");
        if (data == 2) throw error(null, "e_ident[EI_DATA]", "big-endian ELF (ELFDATA2MSB, built for bpfeb); bpf4j reads little-endian BPF objects only — rebuild with -target bpfel or -target bpf on a little-endian host");
        if (data != 1) throw error(null, "e_ident[EI_DATA]", "unknown byte order " + data);
        if (bytes.length < EHDR_SIZE) throw error(null, null, "truncated ELF header: " + bytes.length + " of 64 bytes");
        int type = u16(0x10, null), machine = u16(0x12, null);
        if (machine != EM_BPF) throw error(null, "e_machine", "machine " + machine + " is not EM_BPF (247)");
        if (type != ET_REL) throw error(null, "e_type", "ELF type " + type + " is not ET_REL (1): only relocatable objects (clang -c) can be loaded");
        long shoff = u64(0x28, null);
        int shentsize = u16(0x3a, null);
        long shnum = u16(0x3c, null);
        int shstrndx = u16(0x3e, null);
        if (shoff == 0) throw error(null, "e_shoff", "the file has no section header table");
        if (shentsize != SHDR_SIZE) throw error(null, "e_shentsize", "section header size " + shentsize + " is not 64");
        checkRange(shoff, SHDR_SIZE, null, "section header 0");
        if (shnum == 0) shnum = u64(shoff + 0x20, null); // extended numbering: the count is in section 0's sh_size
        if (shstrndx == ElfSymbol.SHN_XINDEX) shstrndx = (int) u32(shoff + 0x28, null);
        if (shnum > (bytes.length - shoff) / SHDR_SIZE) {
            throw error(null, "e_shoff 0x" + Long.toHexString(shoff), shnum + " section headers do not fit in the file of " + bytes.length + " bytes");
        }
        int count = (int) shnum;
        long[][] raw = new long[count][];
        for (int i = 0; i < count; i++) {
            long h = shoff + (long) i * SHDR_SIZE;
            raw[i] = new long[] {u32(h, null), u32(h + 4, null), u64(h + 8, null), u64(h + 0x18, null), u64(h + 0x20, null),
                    u32(h + 0x28, null), u32(h + 0x2c, null), u64(h + 0x30, null), u64(h + 0x38, null)};
        }
        if (shstrndx >= count) throw error(null, "e_shstrndx", "section-name table index " + shstrndx + " does not exist (" + count + " sections)");
        long[] strtab = raw[shstrndx];
        if (strtab[1] != ElfSection.SHT_STRTAB) throw error(null, "e_shstrndx", "section-name table (section " + shstrndx + ") is not a string table");
        checkRange(strtab[3], strtab[4], "#" + shstrndx, "section-name table");
        ElfSection names = new ElfSection(shstrndx, "section-name table", ElfSection.SHT_STRTAB, 0, strtab[3], strtab[4], 0, 0, 1, 0);
        List<ElfSection> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long[] r = raw[i];
            String name = i == 0 ? "" : string(names, r[0]);
            ElfSection s = new ElfSection(i, name, (int) r[1], r[2], r[3], r[4], (int) r[5], (int) r[6], r[7], r[8]);
            if (i != 0 && s.type() != ElfSection.SHT_NOBITS && s.type() != ElfSection.SHT_NULL) {
                checkRange(s.offset(), s.size(), name.isEmpty() ? "#" + i : name, "contents");
            }
            if (s.size() < 0 || s.size() > Integer.MAX_VALUE - 8) {
                throw error(name.isEmpty() ? "#" + i : name, "sh_size", "size " + Long.toUnsignedString(s.size()) + " is impossible");
            }
            out.add(s);
        }
        return Collections.unmodifiableList(out);
    }

    private List<ElfSymbol> readSymbols() {
        ElfSection symtab = null;
        for (ElfSection s : sections) {
            if (s.type() == ElfSection.SHT_SYMTAB) {
                if (symtab != null) throw error(s.name(), null, "a second symbol table (the first is " + symtab.name() + ")");
                symtab = s;
            }
        }
        if (symtab == null) return List.of();
        if (symtab.entrySize() != SYM_SIZE) throw error(symtab.name(), "sh_entsize", "symbol entry size " + symtab.entrySize() + " is not 24");
        if (symtab.size() % SYM_SIZE != 0) throw error(symtab.name(), null, "size " + symtab.size() + " is not a whole number of 24-byte symbols");
        ElfSection strings = linkedSection(symtab, ElfSection.SHT_STRTAB, "string table");
        int n = (int) (symtab.size() / SYM_SIZE);
        List<ElfSymbol> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long at = symtab.offset() + (long) i * SYM_SIZE;
            long nameOff = u32(at, symtab.name());
            int info = bytes[(int) at + 4] & 0xff, other = bytes[(int) at + 5] & 0xff;
            int shndx = u16(at + 6, symtab.name());
            long value = u64(at + 8, symtab.name()), size = u64(at + 16, symtab.name());
            String name = string(strings, nameOff);
            if (shndx != ElfSymbol.SHN_UNDEF && shndx < ElfSymbol.SHN_LORESERVE && shndx >= sections.size()) {
                throw error(symtab.name(), "symbol " + (name.isEmpty() ? "#" + i : name), "defined in section " + shndx + ", which does not exist");
            }
            out.add(new ElfSymbol(i, name, value, size, info & 0xf, info >>> 4, other & 0x3, shndx));
        }
        return Collections.unmodifiableList(out);
    }

    private Map<Integer, List<ElfRelocation>> readRelocations() {
        Map<Integer, List<ElfRelocation>> out = new LinkedHashMap<>();
        for (ElfSection s : sections) {
            if (s.type() == ElfSection.SHT_RELA) {
                throw error(s.name(), null, "SHT_RELA relocations are not used by the BPF target; the object was not built by clang -target bpf");
            }
            if (s.type() != ElfSection.SHT_REL) continue;
            if (s.entrySize() != REL_SIZE) throw error(s.name(), "sh_entsize", "relocation entry size " + s.entrySize() + " is not 16");
            if (s.size() % REL_SIZE != 0) throw error(s.name(), null, "size " + s.size() + " is not a whole number of 16-byte relocations");
            if (s.info() <= 0 || s.info() >= sections.size()) throw error(s.name(), "sh_info", "applies to section " + s.info() + ", which does not exist");
            linkedSection(s, ElfSection.SHT_SYMTAB, "symbol table");
            ElfSection target = sections.get(s.info());
            int n = (int) (s.size() / REL_SIZE);
            List<ElfRelocation> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long at = s.offset() + (long) i * REL_SIZE;
                long offset = u64(at, s.name()), info = u64(at + 8, s.name());
                long symbol = info >>> 32;
                if (symbol >= symbols.size()) {
                    throw new LinkException(fileName, s.name(), "entry " + i + " (offset 0x" + Long.toHexString(offset) + ")",
                            "relocation names symbol #" + symbol + ", which does not exist (the symbol table has " + symbols.size() + " entries)");
                }
                if (offset < 0 || offset >= target.size()) {
                    throw error(s.name(), "entry " + i, "relocation offset 0x" + Long.toHexString(offset) + " is outside " + target.name() + " (" + target.size() + " bytes)");
                }
                list.add(new ElfRelocation(offset, (int) symbol, (int) info));
            }
            if (out.putIfAbsent(target.index(), Collections.unmodifiableList(list)) != null) {
                throw error(s.name(), null, "a second relocation section for " + target.name());
            }
        }
        return out;
    }

    private ElfSection linkedSection(ElfSection owner, int expectedType, String what) {
        if (owner.link() <= 0 || owner.link() >= sections.size()) {
            throw error(owner.name(), "sh_link", "links " + what + " section " + owner.link() + ", which does not exist");
        }
        ElfSection linked = sections.get(owner.link());
        if (linked.type() != expectedType) throw error(owner.name(), "sh_link", "linked section " + linked.name() + " is not a " + what);
        return linked;
    }

    private void checkRange(long offset, long size, String section, String what) {
        if (offset < 0 || size < 0 || offset > bytes.length || size > bytes.length - offset) {
            throw error(section, "offset 0x" + Long.toHexString(offset), what + " of " + size + " bytes at 0x" + Long.toHexString(offset)
                    + " lies outside the file of " + bytes.length + " bytes");
        }
    }

    private int u16(long at, String section) {
        checkRange(at, 2, section, "field");
        int i = (int) at;
        return (bytes[i] & 0xff) | (bytes[i + 1] & 0xff) << 8;
    }

    private long u32(long at, String section) {
        checkRange(at, 4, section, "field");
        int i = (int) at;
        return ((bytes[i] & 0xff) | (bytes[i + 1] & 0xff) << 8 | (bytes[i + 2] & 0xff) << 16 | (long) (bytes[i + 3] & 0xff) << 24);
    }

    private long u64(long at, String section) {
        return u32(at, section) | u32(at + 4, section) << 32;
    }
}
