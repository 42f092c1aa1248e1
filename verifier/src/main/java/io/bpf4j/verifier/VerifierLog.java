package io.bpf4j.verifier;

import io.bpf4j.isa.Instruction;

import java.util.HexFormat;
import java.util.Map;

/** The verifier log, in Linux's format, bounded in size. */
final class VerifierLog {
    static final int LEVEL1 = 1, LEVEL2 = 2, STATS = 4;

    private final int level;
    private final int limit;
    private final Map<Integer, String> lineInfo;
    private final StringBuilder sb = new StringBuilder();
    private boolean truncated;
    private String lastLine;

    VerifierLog(int level, int limit, Map<Integer, String> lineInfo) {
        this.level = level;
        this.limit = limit;
        this.lineInfo = lineInfo;
    }

    boolean on(int bits) {
        return (level & bits) != 0;
    }

    /** Appends one line (without newline) if logging is on. */
    void line(String text) {
        if (level == 0) return;
        append(text);
    }

    /** Appends whatever the level: errors and the final statistics always appear when any log is requested. */
    private void append(String text) {
        if (truncated) return;
        if (sb.length() + text.length() + 1 > limit) {
            truncated = true;
            sb.append("... log truncated at ").append(limit).append(" characters\n");
            return;
        }
        sb.append(text).append('\n');
    }

    /** The instruction line {@code 12: (b7) r0 = 0}, preceded by its source line when it changes. */
    void insn(int pc, Instruction insn) {
        if (!on(LEVEL1 | LEVEL2)) return;
        String src = lineInfo.get(pc);
        if (src != null && !src.equals(lastLine)) {
            append("; " + src);
            lastLine = src;
        }
        append(pc + ": (" + HexFormat.of().toHexDigits((byte) insn.opcode()) + ") " + InsnText.of(insn, pc));
    }

    /** The source line of {@code pc} (for error context), if known. */
    String source(int pc) {
        return lineInfo.get(pc);
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
