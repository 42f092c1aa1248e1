package io.bpf4j.object;

import io.bpf4j.isa.text.Disassembler;

/**
 * A linked program as {@code llvm-objdump -d -S} shows an object: each function under a
 * {@code 0000000000000000 <name>:} header (the address is the byte offset in the linked program), and before the
 * first instruction of each run of instructions from one source line, that line as {@code ; <source text>}, taken from
 * the object's BTF line info (so neither the source file nor DWARF is needed; where DWARF and BTF place a line
 * differently the two tools can differ by a repeated line). Instruction lines are {@link Disassembler#listing}'s.
 */
public final class SourceListing {
    private SourceListing() {}

    public static String of(ProgramSpec program) {
        String[] lines = Disassembler.listing(program.instructions()).split("\n");
        StringBuilder out = new StringBuilder(lines.length * 64);
        var infos = program.lineInfos();
        int nextInfo = 0;
        LineInfo shown = null;
        for (String line : lines) {
            int colon = line.indexOf(':');
            int pc = Integer.parseInt(line.substring(0, colon).strip());
            for (Subprogram sub : program.subprograms()) {
                if (sub.startPc() == pc) {
                    if (!out.isEmpty()) out.append('\n');
                    out.append(String.format("%016x <%s>:", pc * 8L, sub.name())).append('\n');
                    shown = null;
                }
            }
            // Every line_info at or before this pc not yet printed: the instruction starts that source line.
            while (nextInfo < infos.size() && infos.get(nextInfo).pc() <= pc) {
                LineInfo info = infos.get(nextInfo++);
                // Clang records a line_info per column; like objdump, show a source line once per run of instructions.
                if (info.pc() == pc && (shown == null || shown.line() != info.line() || !shown.file().equals(info.file()))) {
                    out.append("; ").append(info.sourceText()).append('\n');
                    shown = info;
                }
            }
            out.append(line).append('\n');
        }
        return out.toString();
    }
}
