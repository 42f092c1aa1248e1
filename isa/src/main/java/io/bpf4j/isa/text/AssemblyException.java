package io.bpf4j.isa.text;

import io.bpf4j.BpfException;

/**
 * Assembly text (or a conformance {@code .data} file) that cannot be turned into instructions. The message
 * names where ({@code source:line}), the offending line's text and what is wrong with it, so that a user can
 * go straight to the mistake.
 */
public final class AssemblyException extends BpfException {
    private final String source;
    private final int line;
    private final String lineText;
    private final String problem;

    /**
     * @param source   what was being read (a file name), or null for anonymous text
     * @param line     1-based line number in that text
     * @param lineText the line as written (trailing comments included)
     * @param problem  what is wrong, without the location
     */
    public AssemblyException(String source, int line, String lineText, String problem) {
        this(source, line, lineText, problem, null);
    }

    public AssemblyException(String source, int line, String lineText, String problem, Throwable cause) {
        super(format(source, line, lineText, problem), cause);
        this.source = source;
        this.line = line;
        this.lineText = lineText;
        this.problem = problem;
    }

    private static String format(String source, int line, String lineText, String problem) {
        String where = (source == null ? "" : source + ":") + "line " + line;
        return where + ": " + problem + " in `" + lineText.strip() + "`";
    }

    /** The same error, located in an enclosing text: {@code firstLine} is where this text's line 1 sits there. */
    public AssemblyException relocate(String enclosingSource, int firstLine) {
        return new AssemblyException(enclosingSource, line + firstLine - 1, lineText, problem, getCause());
    }

    /** The name of the text being read, or null. */
    public String source() {
        return source;
    }

    /** 1-based line number. */
    public int line() {
        return line;
    }

    public String lineText() {
        return lineText;
    }

    /** What is wrong, without the location. */
    public String problem() {
        return problem;
    }
}
