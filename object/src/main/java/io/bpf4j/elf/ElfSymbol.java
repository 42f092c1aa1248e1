package io.bpf4j.elf;

/**
 * One entry of the symbol table.
 *
 * @param index        its index in the symbol table (what relocations refer to)
 * @param name         from the symbol string table (empty for section symbols)
 * @param value        for a relocatable object: the offset in its section
 * @param size         bytes the symbol covers (a function's code, a variable's storage)
 * @param type         STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION, ...
 * @param binding      STB_LOCAL, STB_GLOBAL, STB_WEAK
 * @param visibility   STV_DEFAULT, STV_HIDDEN, ...
 * @param sectionIndex the section it is defined in; {@link #SHN_UNDEF} for an undefined (extern) symbol
 */
public record ElfSymbol(int index, String name, long value, long size, int type, int binding, int visibility,
                        int sectionIndex) {
    public static final int STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;
    public static final int STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
    public static final int SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2,
            SHN_XINDEX = 0xffff;

    public boolean isFunction() {
        return type == STT_FUNC;
    }

    public boolean isSection() {
        return type == STT_SECTION;
    }

    public boolean isUndefined() {
        return sectionIndex == SHN_UNDEF;
    }

    public boolean isGlobal() {
        return binding == STB_GLOBAL || binding == STB_WEAK;
    }

    /** Name for messages: the symbol name, or "section symbol #i" for the nameless ones. */
    public String displayName() {
        return name.isEmpty() ? "symbol #" + index : name;
    }
}
