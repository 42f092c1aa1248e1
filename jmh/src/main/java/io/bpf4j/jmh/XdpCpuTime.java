package io.bpf4j.jmh;

import io.bpf4j.jit.JitEngine;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.interpreter.Interpreter;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A cross-check for a loaded machine: the runs of {@link KernelComparisonBenchmark}'s {@code interpreter} and
 * {@code jit} benchmarks timed by the thread's CPU time instead of the wall clock (best of 20 rounds of about 50 ms
 * after 10 warm-up rounds), which leaves out the time the thread waited for a core. The kernel's {@code duration}
 * leaves that out too (its test-run loop stops the clock while it reschedules). One program and engine per JVM,
 * as JMH forks them. JMH stays the reference.
 *
 * <pre>java -cp jmh/target/benchmarks.jar io.bpf4j.jmh.XdpCpuTime interpreter|jit PROGRAM...</pre>
 */
public final class XdpCpuTime {
    private XdpCpuTime() {}

    public static void main(String[] args) {
        Engine engine = switch (args[0]) {
            case "interpreter" -> Interpreter.INSTANCE;
            case "jit" -> JitEngine.create();
            default -> throw new IllegalArgumentException("engine: interpreter or jit, not " + args[0]);
        };
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int a = 1; a < args.length; a++) {
            XdpPrograms program = XdpPrograms.valueOf(args[a]);
            try (EmbeddedXdp e = EmbeddedXdp.create(program, engine)) {
                long sink = 0;
                // warm up for about 200 ms first: the very first runs (class loading, compilation) can take longer
                // than a whole round, which would size the rounds at one run each
                long warmUntil = threads.getCurrentThreadCpuTime() + 200_000_000L;
                while (threads.getCurrentThreadCpuTime() < warmUntil) {
                    for (int i = 0; i < 1000; i++) sink += e.run();
                }
                // size a round to about 50 ms of CPU
                int perRound = 1;
                while (true) {
                    long start = threads.getCurrentThreadCpuTime();
                    for (int i = 0; i < perRound; i++) sink += e.run();
                    if (threads.getCurrentThreadCpuTime() - start > 50_000_000L || perRound > 1 << 28) break;
                    perRound *= 2;
                }
                double best = Double.MAX_VALUE;
                for (int round = 0; round < 30; round++) {
                    long start = threads.getCurrentThreadCpuTime();
                    for (int i = 0; i < perRound; i++) sink += e.run();
                    double ns = (threads.getCurrentThreadCpuTime() - start) / (double) perRound;
                    if (round >= 10) best = Math.min(best, ns);
                }
                System.out.printf("# cpu %s %s: %.2f ns/run (thread CPU time, best of 20 rounds of %d runs) sink %d%n",
                        args[0], program, best, perRound, sink & 1);
            }
        }
    }
}
