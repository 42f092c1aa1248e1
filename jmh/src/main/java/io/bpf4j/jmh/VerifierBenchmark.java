package io.bpf4j.jmh;

import io.bpf4j.linux.KernelSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
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
 * Verification time: bpf4j's {@code Verifier.verify} against the kernel's verifier, on the programs of each fixture
 * object that both accept and on a loop-heavy program near the 1,000,000-instruction budget
 * ({@link VerifierTargets}). Both verify privileged.
 *
 * <ul>
 *   <li>{@code bpf4j}: one operation verifies every target program of the object (requests built at setup).</li>
 *   <li>{@code kernel}: one operation loads every target program into the kernel (BPF_PROG_LOAD with log_level 4,
 *       each with its object's maps; JMH's ns/op is that whole wall time: maps, BTF, verification, JIT). The
 *       kernel's own {@code verification time N usec} (bpf_check only) of each load is summed per operation and
 *       printed per measurement iteration and for the trial as lines starting {@code # kernel verification}; the
 *       comparison in docs/PERFORMANCE.md uses that figure.</li>
 * </ul>
 *
 * <pre>java -jar jmh/target/benchmarks.jar VerifierBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class VerifierBenchmark {
    /** Every fixture but core.o (CO-RE relocations, which bpf4j's loader does not do yet), and the loop. */
    @Param({"btf_kinds.o", "cpuv_v1.o", "cpuv_v2.o", "cpuv_v3.o", "cpuv_v4.o", "globals.o", "legacy_maps.o", "map_in_map.o",
            "maps_all.o", "multi.o", "prog_array_mismatch.o", "sections.o", "subprogs.o", "tail_call_stack.o", "tail_calls.o",
            "tc_cb.o", VerifierTargets.LOOP_HEAVY})
    public String target;

    private VerifierTargets targets;
    private long iterationMicros, iterationOps, iterationProcessed;
    private long trialMicros, trialOps;
    private double bestIteration = Double.MAX_VALUE;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        KernelSupport support = KernelSupport.probe();
        if (!support.available()) {
            // the targets are the programs both verifiers accept, so without a kernel there is nothing to compare
            System.out.println("# SKIPPED " + method + ": bpf() is unavailable: " + support.reason());
            throw new IllegalStateException("skipped: bpf() is unavailable: " + support.reason());
        }
        targets = VerifierTargets.of(target);
        if (targets.targets.isEmpty()) throw new IllegalStateException(target + ": no program both verifiers accept: " + targets.excluded);
        long processed = targets.verifyAll();
        System.out.println("# " + target + ": " + targets.targets.size() + " programs (" + String.join(", ", targets.targets.stream().map(VerifierTargets.Target::name).toList())
                + "), bpf4j processed " + processed + " insns" + (targets.excluded.isEmpty() ? "" : "; left out: " + targets.excluded.keySet()));
    }

    @Benchmark
    public long bpf4j() {
        return targets.verifyAll();
    }

    @Benchmark
    public long kernel() {
        long[] r = targets.kernelLoadAll();
        iterationMicros += r[0];
        iterationProcessed = r[1];
        iterationOps++;
        return r[0];
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        iterationMicros = 0;
        iterationOps = 0;
    }

    @TearDown(Level.Iteration)
    public void endIteration(IterationParams iteration) {
        if (iterationOps == 0) return;
        double mean = iterationMicros / (double) iterationOps;
        boolean measured = iteration.getType() == IterationType.MEASUREMENT;
        System.out.printf("%n# kernel verification (%s): %.1f us per op (sum over the programs), mean of %d ops, kernel processed %d insns%n",
                measured ? "measurement" : "warmup", mean, iterationOps, iterationProcessed);
        if (measured) {
            trialMicros += iterationMicros;
            trialOps += iterationOps;
            bestIteration = Math.min(bestIteration, mean);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (trialOps > 0) {
            System.out.printf("# kernel verification %s: %.1f us per op over all measurement iterations (%d ops), best iteration %.1f%n",
                    target, trialMicros / (double) trialOps, trialOps, bestIteration);
        }
    }
}
