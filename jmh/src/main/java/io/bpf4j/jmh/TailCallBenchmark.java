package io.bpf4j.jmh;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.text.ConformanceAssembler;
import io.bpf4j.runtime.Executable;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.TailCallTargets;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.interpreter.Interpreter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cost of a tail call on the interpreter: one invocation runs a program that tail-calls itself through slot 0
 * of a prog array until the limit (32 tail calls, 33 programs, 4 instructions each), against the same program
 * whose slot is empty (one failed tail call). (chain − single) / 32 is the cost of one successful tail call.
 * Linux on this machine: about 1.15 ns per hop in its JIT (docs/notes/linux-semantics.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class TailCallBenchmark {

    /** A one-slot prog array. */
    static final class OneSlot implements TailCallTargets {
        ProgramImage program;

        @Override
        public int maxEntries() {
            return 1;
        }

        @Override
        public ProgramImage target(int index) {
            return program;
        }
    }

    private Executable chain;
    private Executable single;
    private Invocation invocation;

    static ProgramImage selfCaller(OneSlot slot) {
        List<Instruction> code = new ArrayList<>();
        code.add(new Instruction.LoadImm64(2, Pseudo.MAP_IDX, 0, 0));
        code.addAll(ConformanceAssembler.assemble("mov %r3, 0\ncall 12\nmov %r0, 1\nexit").list());
        return ProgramImage.load("self", Instructions.of(code), HelperRegistry.empty(), List.of(slot));
    }

    @Setup(Level.Trial)
    public void setUp() {
        OneSlot full = new OneSlot();
        full.program = selfCaller(full);
        chain = full.program.prepared(Interpreter.INSTANCE);
        single = selfCaller(new OneSlot()).prepared(Interpreter.INSTANCE);
        invocation = new Invocation(RuntimeOptions.DEFAULTS);
        invocation.begin();
        chain.run(invocation, 0);
        if (invocation.tailCalls() != RuntimeOptions.SEED_TAIL_CALL_LIMIT) throw new IllegalStateException("expected 32 tail calls, got " + invocation.tailCalls());
    }

    /** 33 programs, 32 successful tail calls, one failed at the limit. */
    @Benchmark
    public long chainOf33Programs() {
        invocation.begin();
        return chain.run(invocation, 0);
    }

    /** One program, one tail call that fails on the empty slot. */
    @Benchmark
    public long singleProgram() {
        invocation.begin();
        return single.run(invocation, 0);
    }
}
