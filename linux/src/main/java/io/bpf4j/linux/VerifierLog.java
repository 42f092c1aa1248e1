package io.bpf4j.linux;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading the kernel verifier's log: the one-line reason and the instruction it stopped at. */
final class VerifierLog {
    private VerifierLog() {}

    /** An instruction line of the log: {@code 12: (85) call bpf_tail_call#12}. */
    private static final Pattern INSN = Pattern.compile("^(\\d+): \\(", Pattern.MULTILINE);

    /**
     * The verifier's reason: the last line that is not one of the statistics lines the kernel appends after
     * the verdict ({@code processed N insns ...}, {@code verification time ...}, {@code stack depth ...}).
     */
    static String reason(String log) {
        String[] lines = log.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String l = lines[i].strip();
            if (l.isEmpty() || isStatistics(l) || isStateDump(l)) continue;
            // a few of Linux's messages lack their newline ("expected prog array map for tail call"): the
            // statistics line then follows on the same line
            Matcher glued = GLUED_STATISTICS.matcher(l);
            if (glued.find() && glued.start() > 0) return l.substring(0, glued.start()).strip();
            // and "infinite loop detected" follows the instruction it was found at on the same line
            int loop = l.indexOf("infinite loop detected at insn");
            if (loop > 0 && INSN.matcher(l).find()) return l.substring(loop);
            // Linux follows some verdicts with a line about the register's range; the verdict is the line before
            if (FOLLOW_UP.matcher(l).matches() && i > 0 && !lines[i - 1].isBlank() && !INSN.matcher(lines[i - 1]).find()) {
                return lines[i - 1].strip() + " (" + l + ")";
            }
            return l;
        }
        return null;
    }

    /** {@code R1 min value is outside of the allowed memory range}, {@code R2 offset is outside of the packet}. */
    private static final Pattern FOLLOW_UP = Pattern.compile(
            "R\\d+ (min value|max value|offset) is outside of the (allowed memory range|packet)");

    /** The statistics line Linux ends every log with, wherever it starts. */
    private static final Pattern GLUED_STATISTICS = Pattern.compile("processed \\d+ insns \\(limit \\d+\\)");

    /**
     * The states Linux prints after some verdicts ("infinite loop detected at insn 1", then {@code cur state: …}
     * and {@code old state: …}): the verdict is the line before them.
     */
    private static boolean isStateDump(String l) {
        return l.startsWith("cur state:") || l.startsWith("old state:");
    }

    private static boolean isStatistics(String l) {
        return l.startsWith("processed ") || l.startsWith("verification time") || l.startsWith("stack depth")
                || l.startsWith("mark_read") || l.startsWith("max_states_per_insn");
    }

    /** The pc of the last instruction line before the reason, or -1. */
    static int pc(String log) {
        int pc = -1;
        Matcher m = INSN.matcher(log);
        while (m.find()) {
            try {
                pc = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                pc = -1;
            }
        }
        return pc;
    }

    /** The last {@code n} non-empty lines, joined with " | " for a one-line message. */
    static String lastLines(String log, int n) {
        String[] lines = log.strip().split("\n");
        StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, lines.length - n); i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            if (!sb.isEmpty()) sb.append(" | ");
            sb.append(lines[i].strip());
        }
        return sb.toString();
    }
}
