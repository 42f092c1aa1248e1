package io.bpf4j.runtime;

/**
 * What Linux's {@code bpf_stats} (sysctl {@code kernel.bpf_stats_enabled}) reports for a program: how often it was
 * invoked and the time spent, counted while statistics are enabled ({@link BpfRuntime.Builder#stats}). As on Linux
 * an invocation counts for the program it entered; tail-call targets it jumped to do not count separately (the
 * trace shows each hop).
 *
 * @param runCount    invocations
 * @param runTimeNanos total wall-clock nanoseconds of those invocations, tail calls included
 */
public record ProgramStats(long runCount, long runTimeNanos) {
    public static final ProgramStats NONE = new ProgramStats(0, 0);
}
