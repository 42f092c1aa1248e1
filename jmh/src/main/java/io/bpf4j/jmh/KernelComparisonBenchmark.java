package io.bpf4j.jmh;

import io.bpf4j.jit.JitEngine;
import io.bpf4j.linux.TestRunResult;
import io.bpf4j.runtime.interpreter.Interpreter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.util.concurrent.TimeUnit;

/**
 * bpf4j's interpreter, bpf4j's JIT and the kernel (its JIT, through BPF_PROG_TEST_RUN) on the same XDP programs
 * and packets ({@link XdpPrograms}), in one JMH run.
 *
 * <ul>
 *   <li>{@code interpreter}, {@code jit}: one operation is one run of the program on the packet, as bpf4j's test
 *       run does per repeat (begin the invocation, register context and packet, run to exit).</li>
 *   <li>{@code kernel}: one invocation is one BPF_PROG_TEST_RUN with {@value #REPEAT} repeats, so JMH's ns/op is
 *       the syscall's wall time / {@value #REPEAT} (copying the packet in and out, the syscall, and the loop).
 *       The kernel also measures itself: its {@code duration} (ns per repeat, timing only the repeat loop and
 *       stopping the clock while it reschedules) is printed per measurement iteration and for the whole trial,
 *       as lines starting {@code # kernel duration}. The comparison in docs/PERFORMANCE.md uses that figure.</li>
 * </ul>
 * Each trial first checks that the engine returns what the interpreter returns (and the chain makes 33 tail calls),
 * and prints the instructions one run executes, counted by the interpreter outside the timed code.
 *
 * <pre>java -jar jmh/target/benchmarks.jar KernelComparisonBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class KernelComparisonBenchmark {
    /** Repeats per kernel test run. */
    public static final int REPEAT = 10_000;

    @Param({"EMPTY", "HASH_LOOP_1000", "CHECKSUM_1K", "PARSE_64", "TAIL_CHAIN_33", "TAIL_SELF_33", "TAIL_SINGLE"})
    public XdpPrograms program;

    private EmbeddedXdp embedded;
    private KernelXdp kernel;
    private long iterationDurationSum, iterationTestRuns;
    private long trialDurationSum, trialTestRuns;
    private double bestIterationDuration = Double.MAX_VALUE;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        long expected;
        int expectedTailCalls;
        long instructions;
        try (EmbeddedXdp reference = EmbeddedXdp.create(program, Interpreter.INSTANCE)) {
            expected = reference.run();
            expectedTailCalls = reference.tailCalls();
            instructions = reference.executedInstructions();
        }
        if ((program == XdpPrograms.TAIL_CHAIN_33 || program == XdpPrograms.TAIL_SELF_33) && expectedTailCalls != 33) throw new IllegalStateException("the chain made " + expectedTailCalls + " tail calls, not 33");
        System.out.println("# " + program + ": " + instructions + " instructions per run (interpreter count), result " + expected);
        switch (method) {
            case "interpreter" -> embedded = checked(EmbeddedXdp.create(program, Interpreter.INSTANCE), expected, expectedTailCalls);
            case "jit" -> embedded = checked(EmbeddedXdp.create(program, JitEngine.create()), expected, expectedTailCalls);
            case "kernel" -> {
                String why = KernelXdp.unavailableReason();
                if (why != null) {
                    System.out.println("# SKIPPED kernel benchmark: bpf() is unavailable: " + why);
                    throw new IllegalStateException("kernel benchmark skipped: bpf() is unavailable: " + why);
                }
                kernel = new KernelXdp(program, REPEAT);
                TestRunResult r = kernel.testRun();
                if (r.retvalUnsigned() != expected) {
                    throw new IllegalStateException(program + ": the kernel returned " + r.retvalUnsigned() + ", bpf4j's interpreter " + expected);
                }
            }
            default -> throw new IllegalStateException("unknown benchmark method " + method);
        }
    }

    private EmbeddedXdp checked(EmbeddedXdp e, long expected, int tailCalls) {
        long got = e.run();
        if (got != expected) throw new IllegalStateException(program + ": returned " + got + ", the interpreter " + expected);
        if (e.tailCalls() != tailCalls) throw new IllegalStateException(program + ": made " + e.tailCalls() + " tail calls, the interpreter " + tailCalls);
        return e;
    }

    @Benchmark
    public long interpreter() {
        return embedded.run();
    }

    @Benchmark
    public long jit() {
        return embedded.run();
    }

    @Benchmark
    @OperationsPerInvocation(REPEAT)
    public int kernel() {
        TestRunResult r = kernel.testRun();
        iterationDurationSum += r.durationNanos();
        iterationTestRuns++;
        return r.retval();
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        iterationDurationSum = 0;
        iterationTestRuns = 0;
    }

    @TearDown(Level.Iteration)
    public void endIteration(IterationParams iteration) {
        if (kernel == null || iterationTestRuns == 0) return;
        double mean = iterationDurationSum / (double) iterationTestRuns;
        boolean measured = iteration.getType() == IterationType.MEASUREMENT;
        System.out.printf("%n# kernel duration (%s): %.2f ns/run, mean of %d test runs x %d repeats%n",
                measured ? "measurement" : "warmup", mean, iterationTestRuns, REPEAT);
        if (measured) {
            trialDurationSum += iterationDurationSum;
            trialTestRuns += iterationTestRuns;
            bestIterationDuration = Math.min(bestIterationDuration, mean);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (kernel != null) {
            if (trialTestRuns > 0) {
                System.out.printf("# kernel duration %s: %.2f ns/run over all measurement iterations (%d test runs x %d repeats), best iteration %.2f%n",
                        program, trialDurationSum / (double) trialTestRuns, trialTestRuns, REPEAT, bestIterationDuration);
            }
            kernel.close();
        }
        if (embedded != null) embedded.close();
    }
}
