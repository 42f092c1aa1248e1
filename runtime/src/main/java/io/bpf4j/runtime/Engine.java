package io.bpf4j.runtime;

/**
 * A way to run programs: the interpreter, or the JIT. Both use the same {@link ProgramImage}, memory model
 * ({@link io.bpf4j.runtime.memory.AddressSpace}), helper registry and tail call mechanism ({@link TailCalls}), so a
 * test can run the same program on each and compare.
 */
public interface Engine {
    /** A short name for messages and test names, e.g. {@code "interpreter"}. */
    String name();

    /** Prepares a loaded program for running on this engine. */
    Executable prepare(ProgramImage image);

    /**
     * The engine a runtime uses when none is chosen: the JIT when {@code bpf4j-jit} is present (it registers itself
     * as a {@link java.util.ServiceLoader service} of this interface), else the interpreter. The choice is made once
     * and can always be overridden explicitly ({@code BpfRuntime.builder().engine(...)}, the CLI's {@code --engine}).
     */
    static Engine preferred() {
        return PreferredEngine.ENGINE;
    }
}

/** Holder so the service lookup runs once, on first use. */
final class PreferredEngine {
    private PreferredEngine() {}

    static final Engine ENGINE = java.util.ServiceLoader.load(Engine.class, Engine.class.getClassLoader())
            .findFirst()
            .orElse(io.bpf4j.runtime.interpreter.Interpreter.INSTANCE);
}
