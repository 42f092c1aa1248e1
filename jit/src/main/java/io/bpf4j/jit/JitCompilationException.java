package io.bpf4j.jit;

import io.bpf4j.BpfException;

/**
 * The JIT could not compile a program. Names the program and, when one instruction is to blame, its pc,
 * so a fallback warning or a failure says exactly what was not compiled and why.
 */
public final class JitCompilationException extends BpfException {
    private final String program;
    private final int pc;

    public JitCompilationException(String program, int pc, String problem) {
        super(message(program, pc, problem));
        this.program = program;
        this.pc = pc;
    }

    public JitCompilationException(String program, int pc, String problem, Throwable cause) {
        super(message(program, pc, problem), cause);
        this.program = program;
        this.pc = pc;
    }

    private static String message(String program, int pc, String problem) {
        return "cannot JIT-compile program '" + program + "'" + (pc >= 0 ? " at pc " + pc : "") + ": " + problem;
    }

    /** The program's name. */
    public String program() {
        return program;
    }

    /** The slot of the instruction that could not be compiled, or -1 when no single instruction is to blame. */
    public int pc() {
        return pc;
    }
}
