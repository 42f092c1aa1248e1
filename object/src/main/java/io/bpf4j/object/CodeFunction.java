package io.bpf4j.object;

import io.bpf4j.elf.ElfSection;
import io.bpf4j.isa.Instructions;

/**
 * One function symbol's code in an executable section, as compiled (offsets unlinked).
 *
 * @param section   the ELF section
 * @param name      the symbol name
 * @param start     first slot in the section
 * @param length    slots
 * @param code      its instructions, pc 0 = {@code start}
 * @param isProgram true in a program section; false in {@code .text} (a subprogram)
 */
record CodeFunction(ElfSection section, String name, int start, int length, Instructions code, boolean isProgram) {
    int end() {
        return start + length;
    }
}
