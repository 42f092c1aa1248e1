package io.bpf4j.jit;

/** What happens when the JIT cannot compile a program: the interpreter runs it, quietly or with a warning, or loading fails. */
public enum FallbackPolicy {
    /** Run the program on the interpreter without saying so (the reason stays available from the engine). */
    SILENT,
    /** Run the program on the interpreter and log a warning naming the program, the pc and the reason. */
    WARN,
    /** Refuse the program: loading fails with the {@link JitCompilationException}. */
    FAIL
}
