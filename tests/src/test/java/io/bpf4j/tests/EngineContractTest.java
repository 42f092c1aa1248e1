package io.bpf4j.tests;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.text.ConformanceAssembler;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.ExecutionException.Reason;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.TailCallTargets;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every engine must do beyond the instruction set: the memory model's refusals, the instruction budget, the
 * frame limit, tail calls, helpers. The same programs run on each engine in {@link Engines}; the runtime module's
 * own tests go deeper on the interpreter.
 */
class EngineContractTest {

    private static Instructions code(Object... parts) {
        List<Instruction> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof String s) out.addAll(ConformanceAssembler.assemble(s).list());
            else out.add((Instruction) p);
        }
        return Instructions.of(out);
    }

    private static Instruction prog(int register) {
        return new Instruction.LoadImm64(register, Pseudo.MAP_IDX, 0, 0);
    }

    private static long run(Engine engine, ProgramImage image, Invocation inv, MemorySegment ctx) {
        inv.begin();
        long r1 = ctx == null ? 0 : inv.memory().register(Region.of(RegionKind.CONTEXT, "ctx", ctx, true));
        return image.prepared(engine).run(inv, r1);
    }

    private static ExecutionException failure(Engine engine, ProgramImage image, Invocation inv) {
        try {
            run(engine, image, inv, null);
        } catch (ExecutionException e) {
            return e;
        }
        throw new AssertionError(engine.name() + ": expected an ExecutionException");
    }

    record Slots(ProgramImage[] slots) implements TailCallTargets {
        @Override
        public int maxEntries() {
            return slots.length;
        }

        @Override
        public ProgramImage target(int index) {
            return slots[index];
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bpf4j.tests.Engines#all")
    void anOutOfBoundsStackReadNamesPcInstructionAddressAndRegion(Engine engine) {
        ProgramImage p = ProgramImage.load("oob", code("mov %r0, 0\nldxdw %r0, [%r10+8]\nexit"), HelperRegistry.empty());
        ExecutionException e = failure(engine, p, new Invocation());
        assertThat(e.reason()).isEqualTo(Reason.MEMORY_FAULT);
        assertThat(e.pc()).isEqualTo(1);
        assertThat(e).hasMessageContaining("pc 1 (79 a0 08 00 00 00 00 00: r0 = *(u64 *)(r10 + 0x8))")
                .hasMessageContaining("read of 8 bytes at 0x")
                .hasMessageContaining("out of bounds of stack 'frame 0' (512 bytes, read-write)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bpf4j.tests.Engines#all")
    @Timeout(30)
    void anEndlessLoopStopsWithTheBudget(Engine engine) {
        ProgramImage p = ProgramImage.load("spin", code("loop:\nja loop\nexit"), HelperRegistry.empty());
        ExecutionException e = failure(engine, p, new Invocation(RuntimeOptions.DEFAULTS.withInstructionBudget(50_000)));
        assertThat(e.reason()).isEqualTo(Reason.BUDGET_EXHAUSTED);
        assertThat(e).hasMessageContaining("pc 0").hasMessageContaining("instruction budget of 50000 exhausted");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bpf4j.tests.Engines#all")
    void aNinthFrameIsRefused(Engine engine) {
        ProgramImage p = ProgramImage.load("recurse", code("call local f\nexit\nf:\ncall local f\nexit"), HelperRegistry.empty());
        ExecutionException e = failure(engine, p, new Invocation());
        assertThat(e.reason()).isEqualTo(Reason.CALL_STACK_OVERFLOW);
        assertThat(e).hasMessageContaining("at most 8 frames");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bpf4j.tests.Engines#all")
    void tailCallsFollowTheSeed(Engine engine) {
        ProgramImage[] slots = new ProgramImage[2];
        Slots array = new Slots(slots);
        // counts its runs in ctx[0], tries the empty slot 1 (no cost), then tail-calls itself through slot 0
        ProgramImage self = ProgramImage.load("self", code("ldxdw %r0, [%r1]\nadd %r0, 1\nstxdw [%r1], %r0", prog(2),
                "mov %r3, 1\ncall 12", prog(2), "lddw %r3, 0x100000000\ncall 12\nexit"), HelperRegistry.empty(), List.of(array));
        slots[0] = self;
        MemorySegment ctx = MemorySegment.ofArray(new long[1]);
        Invocation inv = new Invocation();
        assertThat(run(engine, self, inv, ctx)).isEqualTo(33);
        assertThat(inv.tailCalls()).isEqualTo(32);
        ctx.set(ValueLayout.JAVA_LONG, 0, 0);
        Invocation linux = new Invocation(RuntimeOptions.DEFAULTS.withTailCallLimit(RuntimeOptions.LINUX_TAIL_CALL_LIMIT));
        assertThat(run(engine, self, linux, ctx)).isEqualTo(34);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bpf4j.tests.Engines#all")
    void aTailCallFromASubprogramReturnsToItsCaller(Engine engine) {
        Slots array = new Slots(new ProgramImage[] {ProgramImage.load("target", code("mov %r0, 40\nmov %r6, 0\nexit"), HelperRegistry.empty())});
        ProgramImage entry = ProgramImage.load("entry", code("""
                mov %r6, 2
                stdw [%r10-8], 1000
                call local sub
                add %r0, %r6
                ldxdw %r1, [%r10-8]
                add %r0, %r1
                exit
                sub:
                """, prog(2), "mov %r3, 0\nmov %r0, 7\ncall 12\nexit"), HelperRegistry.empty(), List.of(array));
        assertThat(run(engine, entry, new Invocation(), null)).isEqualTo(1042);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bpf4j.tests.Engines#all")
    void helpersAndCallxBehaveAlike(Engine engine) {
        HelperRegistry helpers = HelperRegistry.empty().with(1000, "twice", (inv, a, b, c, d, e) -> 2 * a);
        ProgramImage p = ProgramImage.load("calls", code(new Instruction.LoadImm64(6, Pseudo.FUNC, 6, 0), """
                mov %r1, 5
                call 1000
                mov %r1, %r0
                call %r6
                exit
                mov %r0, %r1
                add %r0, 1
                exit
                """), helpers, List.of());
        assertThat(run(engine, p, new Invocation(), null)).isEqualTo(11);
        ProgramImage unknown = ProgramImage.load("unknown", code("mov %r2, 999\ncall %r2\nexit"), helpers, List.of());
        ExecutionException e = failure(engine, unknown, new Invocation());
        assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_HELPER);
        assertThat(e).hasMessageContaining("pc 1").hasMessageContaining("callx r2").hasMessageContaining("unknown helper");
        assertThatThrownBy(() -> ProgramImage.load("p", code("call 999\nexit"), helpers))
                .hasMessageContaining("pc 0").hasMessageContaining("unknown helper #999");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.bpf4j.tests.Engines#all")
    void atomicsOnSharedMemoryAreAtomic(Engine engine) throws Exception {
        MemorySegment shared = MemorySegment.ofArray(new long[1]);
        ProgramImage p = ProgramImage.load("adder", code("""
                mov %r2, 1
                mov %r3, 10000
                loop:
                lock add [%r1], %r2
                sub %r3, 1
                jne %r3, 0, loop
                exit
                """), HelperRegistry.empty());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Long>> done = new ArrayList<>();
            for (int t = 0; t < 2; t++) done.add(pool.submit(() -> run(engine, p, new Invocation(), shared)));
            for (Future<Long> f : done) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(shared.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(20_000);
    }
}
