package io.bpf4j.object;

/**
 * The C source line an instruction came from (BTF.ext line_info), at its pc in the linked program. Clang
 * records one for the first instruction of each line; instructions after it up to the next record belong to it.
 *
 * @param pc         slot in the linked program
 * @param file       the source file as the compiler saw it
 * @param line       1-based line number (0 when the compiler did not know)
 * @param column     1-based column, 0 when unknown
 * @param sourceText the text of that line, as recorded in BTF
 * @param fileNameOffset   where {@code file} is in the BTF string section ({@code bpf_line_info.file_name_off})
 * @param sourceTextOffset where {@code sourceText} is in the BTF string section ({@code bpf_line_info.line_off})
 */
public record LineInfo(int pc, String file, int line, int column, String sourceText, int fileNameOffset, int sourceTextOffset) {
    /** The kernel's {@code line_col} field: line in the upper 22 bits, column in the lower 10. */
    public int lineColumn() {
        return line << 10 | (column & 0x3ff);
    }
}
