package io.bpf4j.jit;

/**
 * Ends the whole program from any frame with a given r0: a helper asked to stop ({@link
 * io.bpf4j.runtime.Invocation#requestExit}) or a legacy packet load fell outside the packet. Caught by {@link
 * JitExecutable#run}; never escapes. Without a stack trace: it is control flow, not an error.
 */
final class ProgramExit extends RuntimeException {
    final long r0;

    ProgramExit(long r0) {
        super(null, null, false, false);
        this.r0 = r0;
    }
}
