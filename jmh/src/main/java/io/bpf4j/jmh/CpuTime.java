package io.bpf4j.jmh;

import io.bpf4j.runtime.Executable;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.interpreter.Interpreter;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A cross-check for a shared machine: the same invocations as {@link InterpreterBenchmark}, timed with the
 * thread's CPU time instead of the wall clock, reporting the best (and the median) of several rounds. When other processes compete
 * for the cores, JMH's wall-clock ns/op includes the time this thread waited for a core; CPU time does not.
 * JMH remains the reference; this says how much of its number is the machine's load.
 *
 * <pre>java -cp jmh/target/benchmarks.jar io.bpf4j.jmh.CpuTime [rounds [PROGRAM...]]</pre>
 *
 * With program names, only those run (one per JVM measures a program alone, as JMH's forks do); without, all three
 * run in one JVM, one after the other, which is what a process running several programs sees.
 */
public final class CpuTime {
    private CpuTime() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        java.util.List<BenchmarkPrograms> programs = new java.util.ArrayList<>();
        for (int i = 1; i < args.length; i++) programs.add(BenchmarkPrograms.valueOf(args[i]));
        if (programs.isEmpty()) programs.addAll(java.util.List.of(BenchmarkPrograms.values()));
        for (BenchmarkPrograms p : programs) {
            Executable program = p.image().prepared(Interpreter.INSTANCE);
            Invocation invocation = new Invocation(RuntimeOptions.DEFAULTS);
            MemorySegment input = p.input();
            long instructions = p.instructionsPerRun(Interpreter.INSTANCE);
            int perRound = (int) Math.max(1, 20_000_000L / instructions); // about 20M instructions per round
            double[] measured = new double[rounds - rounds / 3];
            long sink = 0;
            for (int round = 0; round < rounds; round++) {
                long start = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < perRound; i++) sink += BenchmarkPrograms.invoke(program, invocation, input);
                double nsPerOp = (threads.getCurrentThreadCpuTime() - start) / (double) perRound;
                if (round >= rounds / 3) measured[round - rounds / 3] = nsPerOp; // the first third is warm-up
            }
            java.util.Arrays.sort(measured);
            double best = measured[0], median = measured[measured.length / 2];
            System.out.printf("%-16s %10.1f ns/op (CPU)  %6d instructions  %6.2f ns/instruction  (median %.2f)  (sink %d)%n",
                    p, best, instructions, best / instructions, median / instructions, sink & 1);
        }
    }
}
