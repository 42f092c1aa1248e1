package io.bpf4j.jmh;

import io.bpf4j.runtime.Executable;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.interpreter.Interpreter;
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
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The interpreter on the three reference programs ({@link BenchmarkPrograms}). Each operation is one whole
 * invocation: begin, register the input region, run to exit. ns per executed instruction = ns/op divided by the
 * count {@link BenchmarkPrograms#main} prints (also printed at setup), counted once outside the timed loop.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class InterpreterBenchmark {

    @Param({"COMPUTE_LOOP", "MEMORY_LOOP_1K", "PACKET_PARSE_64", "EMPTY"})
    public BenchmarkPrograms program;

    private Executable executable;
    private Invocation invocation;
    private MemorySegment input;

    @Setup(Level.Trial)
    public void setUp() {
        executable = program.image().prepared(Interpreter.INSTANCE);
        invocation = new Invocation(RuntimeOptions.DEFAULTS);
        input = program.input();
        long expected = BenchmarkPrograms.invoke(executable, invocation, program.input());
        if (program == BenchmarkPrograms.PACKET_PARSE_64 && expected == 0) throw new IllegalStateException("the packet parse rejected its packet");
        System.out.println("# " + program + ": " + invocation.executedInstructions() + " instructions per op");
    }

    @Benchmark
    public long interpreter() {
        return BenchmarkPrograms.invoke(executable, invocation, input);
    }
}
