package io.bpf4j.jit;

import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Executable;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.interpreter.Interpreter;

import java.util.Objects;

/**
 * The JIT engine: prepares each program by compiling it to a hidden class ({@link JitCompiler}). A program the
 * compiler cannot handle runs on the interpreter instead ({@link FallbackPolicy#SILENT} or {@link
 * FallbackPolicy#WARN}, with the reason kept in its {@link JitExecutable}) or is refused ({@link
 * FallbackPolicy#FAIL}). Programs are compiled once per engine (the image caches its prepared form), including
 * tail call targets, which are compiled the first time a tail call reaches them.
 */
public final class JitEngine implements Engine {
    private static final System.Logger LOG = System.getLogger(JitEngine.class.getName());

    private final JitCompiler compiler;

    /**
     * An engine with {@link JitOptions#defaults()}. Public and without arguments so that {@link java.util.ServiceLoader}
     * finds the JIT as an {@link Engine} ({@code META-INF/services/io.bpf4j.runtime.Engine}) wherever the jit module
     * is on the class path: the runtime can prefer it without depending on it.
     */
    public JitEngine() {
        this(JitOptions.defaults());
    }

    public JitEngine(JitOptions options) {
        this.compiler = new JitCompiler(Objects.requireNonNull(options, "options"));
    }

    /** An engine with {@link JitOptions#defaults()}. */
    public static JitEngine create() {
        return new JitEngine(JitOptions.defaults());
    }

    public JitOptions options() {
        return compiler.options();
    }

    @Override
    public String name() {
        return "jit";
    }

    /**
     * Compiles {@code image}; on failure applies the fallback policy.
     *
     * @throws JitCompilationException with {@link FallbackPolicy#FAIL} when the program cannot be compiled
     */
    @Override
    public JitExecutable prepare(ProgramImage image) {
        try {
            JitCompiler.Compiled compiled = compiler.compile(image, this);
            LOG.log(System.Logger.Level.DEBUG, () -> "compiled program '" + image.name() + "' (" + image.slotCount() + " slots) in "
                    + compiled.compileNanos() / 1000 + " µs: " + compiled.methods().size() + " methods, largest "
                    + compiled.largestMethod() + " bytes");
            return new JitExecutable(image, this, compiled, null, null);
        } catch (JitCompilationException e) {
            switch (options().fallback()) {
                case FAIL -> throw e;
                case WARN -> LOG.log(System.Logger.Level.WARNING, e.getMessage() + "; running it on the interpreter");
                case SILENT -> {
                }
            }
            Executable interpreted = Interpreter.INSTANCE.prepare(image);
            return new JitExecutable(image, this, null, interpreted, e);
        }
    }

    /** The code a tail call into {@code target} enters: compiled, or a bridge to the interpreter. */
    CompiledCode codeFor(ProgramImage target) {
        Executable e = target.prepared(this);
        if (e instanceof JitExecutable j) return j.entry();
        throw new IllegalStateException("the JIT engine prepared " + target.name() + " as " + e);
    }

    @Override
    public String toString() {
        return "JitEngine[" + options() + "]";
    }
}
