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
}
