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
 */
public record LineInfo(int pc, String file, int line, int column, String sourceText) {}
