package io.bpf4j.runtime;

/**
 * One event of a traced invocation ({@link TestRun#trace()}): the path through a tail-call pipeline, including
 * why tail calls fell through — which Linux never tells its users.
 */
public sealed interface TraceEvent {
    /** The invocation began with {@code program} on virtual CPU {@code cpu}. */
    record Entered(String program, int cpu) implements TraceEvent {}

    /** {@code from} tail-called slot {@code slot}; {@code target} starts; {@code count} tail calls so far. */
    record TailCall(String from, int slot, String target, int count) implements TraceEvent {}

    /** A tail call from {@code from} with index {@code index} fell through for {@code reason}. */
    record FellThrough(String from, long index, TailCallObserver.FallThrough reason) implements TraceEvent {}

    /** The preemption simulation ran {@code intruder} on this CPU between two tail calls. */
    record Preempted(String intruder, int cpu) implements TraceEvent {}

    /** The invocation ended; {@code program} is the one that exited (the last tail call's target), with its r0. */
    record Exited(String program, long r0) implements TraceEvent {}
}
