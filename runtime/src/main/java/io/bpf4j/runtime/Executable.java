package io.bpf4j.runtime;

/** A program prepared by an {@link Engine}; thread-safe, each thread using its own {@link Invocation}. */
public interface Executable {
    ProgramImage image();

    Engine engine();

    /**
     * Runs the program in an invocation that {@link Invocation#begin() began} and whose regions are registered.
     * r10 is the top of the entry frame's stack; r0 at the entry frame's exit is the result.
     *
     * @throws ExecutionException when the program faults, runs out of budget, or a helper fails
     */
    long run(Invocation invocation, long r1, long r2, long r3, long r4, long r5);

    default long run(Invocation invocation, long r1) {
        return run(invocation, r1, 0, 0, 0, 0);
    }

    default long run(Invocation invocation, long r1, long r2) {
        return run(invocation, r1, r2, 0, 0, 0);
    }
}
