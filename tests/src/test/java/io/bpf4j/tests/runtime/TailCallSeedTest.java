package io.bpf4j.tests.runtime;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.maps.ProgArray;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Collection;
import io.bpf4j.runtime.Compatibility;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.TailCallObserver.FallThrough;
import io.bpf4j.runtime.TestRun;
import io.bpf4j.runtime.TestRunResult;
import io.bpf4j.runtime.TraceEvent;
import io.bpf4j.runtime.VerifyMode;
import io.bpf4j.verifier.ProgramRejectedException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static io.bpf4j.tests.runtime.Asm.code;
import static io.bpf4j.tests.runtime.Asm.map;
import static io.bpf4j.tests.runtime.Asm.tailCall;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every sentence of the seed (../shared/seed/tail-calls.txt) and the tail-call list as behaviour, on each
 * engine. Fixtures: tail_calls.o (an XDP pipeline) and tc_cb.o; elsewhere hand-built programs.
 */
class TailCallSeedTest {
    static List<Engine> engines() {
        return RuntimeEngines.all().toList();
    }

    private static BpfRuntime runtime(Engine engine) {
        return BpfRuntime.builder().cpus(2).engine(engine).build();
    }

    private static final MapDefinition JMP = new MapDefinition("jmp", MapType.PROG_ARRAY, 4, 4, 8);
    private static final MapDefinition COUNTER = new MapDefinition("counter", MapType.ARRAY, 4, 8, 1);

    private static long counter(BpfMap m) {
        return Asm.u64(m.lookup(Asm.u32(0)));
    }

    /** Counts its runs in map 0 (key 0), tries slot 1 (empty) {@code failures} times, then tail-calls slot 0; r0 = 7. */
    private static Program selfCaller(BpfRuntime rt, BpfMap counter, BpfMap jmp, int failures) {
        java.util.List<Object> parts = new java.util.ArrayList<>();
        // r3-r5 written before the helper call: the JIT treats every helper call as reading r1-r5 and refuses
        // unwritten ones after a subprogram's tail call (a false positive for verified programs; reported)
        parts.add("r6 = r1\n*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr3 = 0\nr4 = 0\nr5 = 0");
        parts.add(map(1, 0));
        parts.add("call 1\nif r0 == 0 goto +2\nr1 = 1\nlock *(u64 *)(r0 + 0) += r1");
        for (int i = 0; i < failures; i++) parts.addAll(List.of(tailCall(1, 1)));
        parts.addAll(List.of(tailCall(1, 0)));
        parts.add("r0 = 7\nexit");
        Program p = rt.load("self", ProgramType.XDP, code(parts.toArray()), List.of(counter, jmp));
        ((ProgArray<Program>) (ProgArray<?>) jmp).update(0, p);
        return p;
    }

    @SuppressWarnings("unchecked")
    private static ProgArray<Program> slots(BpfMap m) {
        return (ProgArray<Program>) m;
    }

    // ---- "control flow never returns to the code making a tail call, it works more like a goto"

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void aTailCallJumpsToTheSlotsProgramAndNeverReturns(Engine engine) {
        try (BpfRuntime rt = runtime(engine); Collection c = rt.load(Asm.fixture("tail_calls.o"))) {
            TestRunResult r = c.program("entry").testRun(TestRun.of(Asm.packet(64)).traced());
            // XDP_PASS only if every stage ran and none of the FELL_* returns after a tail call was reached
            assertThat(r.retval()).isEqualTo(2);
            assertThat(r.tailCalls()).isEqualTo(3);
            assertThat(r.trace()).containsSubsequence(
                    new TraceEvent.TailCall("entry", 0, "stage_a", 1),
                    new TraceEvent.TailCall("stage_a", 1, "stage_b", 2),
                    new TraceEvent.FellThrough("stage_b", 2, FallThrough.EMPTY_SLOT),
                    new TraceEvent.TailCall("stage_b", 3, "stage_d", 3),
                    new TraceEvent.Exited("stage_d", 2));
        }
    }

    // ---- failures continue with the next instruction, without writing r0

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void anIndexOutOfRangeFallsThroughToTheNextInstructionWithR0Untouched(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).verify(VerifyMode.NONE).build()) {
            BpfMap jmp = rt.createMap(JMP);
            Program target = rt.load("t", ProgramType.XDP, code("r0 = 1\nexit"), List.of());
            slots(jmp).update(7, target);
            Program p = rt.load("p", ProgramType.XDP, code("r6 = r1", tailCall(0, 8), "r0 = 77", tailCall(0, 8), "exit"), List.of(jmp));
            // first attempt: r0 is not written by a failed tail call; the second leaves 77 in place
            TestRunResult r = p.testRun(TestRun.of(Asm.packet(64)).traced());
            assertThat(r.retval()).isEqualTo(77);
            assertThat(r.trace()).filteredOn(e -> e instanceof TraceEvent.FellThrough)
                    .containsExactly(new TraceEvent.FellThrough("p", 8, FallThrough.INDEX_OUT_OF_RANGE),
                            new TraceEvent.FellThrough("p", 8, FallThrough.INDEX_OUT_OF_RANGE));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void anEmptySlotFallsThrough(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).verify(VerifyMode.NONE).build()) {
            BpfMap jmp = rt.createMap(JMP);
            Program p = rt.load("p", ProgramType.XDP, code("r6 = r1\nr0 = 55", tailCall(0, 3), "exit"), List.of(jmp));
            TestRunResult r = p.testRun(TestRun.of(Asm.packet(64)).traced());
            assertThat(r.retval()).isEqualTo(55);
            assertThat(r.tailCalls()).isZero();
            assertThat(r.trace()).contains(new TraceEvent.FellThrough("p", 3, FallThrough.EMPTY_SLOT));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void onlyTheLow32BitsOfTheIndexAreUsed(Engine engine) {
        try (BpfRuntime rt = runtime(engine)) {
            BpfMap jmp = rt.createMap(JMP);
            slots(jmp).update(2, rt.load("slot2", ProgramType.XDP, code("r0 = 2\nexit"), List.of()));
            Program p = rt.load("p", ProgramType.XDP, code("r6 = r1", tailCall(0, 0x1_0000_0002L), "r0 = 99\nexit"), List.of(jmp));
            assertThat(p.testRun(TestRun.of(Asm.packet(64))).retval()).isEqualTo(2);
            Program q = rt.load("q", ProgramType.XDP, code("r6 = r1", tailCall(0, 0xffff_ffffL), "r0 = 99\nexit"), List.of(jmp));
            assertThat(q.testRun(TestRun.of(Asm.packet(64))).retval()).as("0xffffffff is index 4294967295, not -1").isEqualTo(99);
        }
    }

    // ---- "the kernel limits the amount of tail calls per initial invocation to 32 so 33 programs can execute"

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void thirtyThreeProgramsRunByDefaultAndTheLimitIsReported(Engine engine) {
        try (BpfRuntime rt = runtime(engine); Collection c = rt.load(Asm.fixture("tail_calls.o"))) {
            TestRunResult r = c.program("loop").testRun(TestRun.of(Asm.packet(64)).traced());
            assertThat(counter(c.map("loop_runs"))).isEqualTo(33);
            assertThat(r.tailCalls()).isEqualTo(RuntimeOptions.SEED_TAIL_CALL_LIMIT);
            assertThat(r.trace()).contains(new TraceEvent.FellThrough("loop", 7, FallThrough.LIMIT_REACHED));
            assertThat(r.retval()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void theLinuxOptionAllows33TailCalls(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).tailCallLimit(RuntimeOptions.LINUX_TAIL_CALL_LIMIT).build();
             Collection c = rt.load(Asm.fixture("tail_calls.o"))) {
            c.program("loop").testRun(TestRun.of(Asm.packet(64)));
            assertThat(counter(c.map("loop_runs"))).isEqualTo(34);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void onlyTailCallsThatJumpCountAgainstTheLimit(Engine engine) {
        try (BpfRuntime rt = runtime(engine)) {
            BpfMap counter = rt.createMap(COUNTER);
            BpfMap jmp = rt.createMap(JMP);
            Program self = selfCaller(rt, counter, jmp, 3); // three failed attempts per run cost nothing
            TestRunResult r = self.testRun(TestRun.of(Asm.packet(64)));
            assertThat(counter(counter)).isEqualTo(33);
            assertThat(r.retval()).isEqualTo(7);
        }
    }

    // ---- "the counter is shared by all frames of the invocation, including bpf2bpf subprograms";
    // ---- "a tail call from a subprogram replaces only that frame; control returns to its caller with the target's r0"

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void aSubprogramsTailCallReplacesOnlyItsFrameAndSharesTheCounter(Engine engine) {
        try (BpfRuntime rt = runtime(engine)) {
            BpfMap counter = rt.createMap(COUNTER);
            BpfMap jmp = rt.createMap(JMP);
            selfCaller(rt, counter, jmp, 0);
            // entry: keeps 0x70 in its own frame, calls sub (which tail-calls the self-caller), adds its r0
            Program entry = rt.load("entry", ProgramType.XDP, code(
                    """
                    r6 = r1
                    r2 = 0x70
                    *(u64 *)(r10 - 8) = r2
                    r1 = r6
                    call sub
                    r1 = *(u64 *)(r10 - 8)
                    r0 += r1
                    exit
                    sub:
                    r6 = r1
                    """, map(2, 1), "r1 = r6\nr3 = 0\ncall 12\nr0 = 1000\nexit"), List.of(counter, jmp));
            TestRunResult r = entry.testRun(TestRun.of(Asm.packet(64)).traced());
            // the subprogram's tail call was the first of 32: the self-caller ran 32 times, not 33
            assertThat(counter(counter)).isEqualTo(32);
            // the target's r0 (7) came back to entry, whose frame (0x70) survived
            assertThat(r.retval()).isEqualTo(0x77);
            assertThat(r.trace().getLast()).isEqualTo(new TraceEvent.Exited("entry", 0x77));
        }
    }

    // ---- "Each target ... starting with a zero stack and only a context at R1" / "the verifier will block you
    // ---- from using any existing stack state without re-initializing it, the same goes for the registers"

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void theTargetGetsTheSameContextAndTheSameStackFrame(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).verify(VerifyMode.PRIVILEGED).build()) {
            BpfMap jmp = rt.createMap(JMP);
            // privileged (Linux with CAP_PERFMON): the target may read the frame's old bytes and sees the caller's
            Program target = rt.load("target", ProgramType.XDP, code("""
                    r0 = *(u64 *)(r10 - 8)
                    r2 = *(u32 *)(r1 + 12)
                    r0 += r2
                    exit
                    """), List.of());
            slots(jmp).update(0, target);
            Program entry = rt.load("entry", ProgramType.XDP, code("r6 = r1\nr1 = 0x1200\n*(u64 *)(r10 - 8) = r1", tailCall(0, 0), "r0 = 0\nexit"), List.of(jmp));
            byte[] ctx = new byte[24];
            ctx[12] = 0x34; // ingress_ifindex: read through r1 = the same context
            assertThat(entry.testRun(TestRun.of(Asm.packet(64)).withCtx(ctx)).retval()).isEqualTo(0x1234);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void byDefaultATargetMayNotReadStackOrRegistersItDidNotWrite(Engine engine) {
        try (BpfRuntime rt = runtime(engine)) {
            assertThatThrownBy(() -> rt.load("stale_stack", ProgramType.XDP, code("r0 = *(u64 *)(r10 - 8)\nexit"), List.of()))
                    .isInstanceOf(ProgramRejectedException.class).hasMessageContaining("invalid read from stack");
            assertThatThrownBy(() -> rt.load("stale_register", ProgramType.XDP, code("r0 = r6\nexit"), List.of()))
                    .isInstanceOf(ProgramRejectedException.class).hasMessageContaining("R6 !read_ok");
        }
    }

    // ---- the seed's stack example: callers' frames stay while tail calls unwind only the current frame

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void theSeedsStackExampleKeepsEveryCallersFrame(Engine engine) {
        try (BpfRuntime rt = runtime(engine)) {
            BpfMap jmp = rt.createMap(JMP);
            // func3: the last target; returns 3
            Program func3 = rt.load("func3", ProgramType.XDP, code("r1 = 3\n*(u64 *)(r10 - 32) = r1\nr0 = *(u64 *)(r10 - 32)\nexit"), List.of());
            // func2: 160 bytes of stack (the seed's 192 + 64 would now exceed Linux's 256-byte rule); subfunc2 -> subfunc22 -> tailcall2 -> func3; checks its frame survived
            Program func2 = rt.load("func2", ProgramType.XDP, code(
                    """
                    r2 = 0x22
                    *(u64 *)(r10 - 160) = r2
                    call subfunc2
                    r1 = *(u64 *)(r10 - 160)
                    r0 += r1
                    exit
                    subfunc2:
                    r2 = 0x20
                    *(u64 *)(r10 - 64) = r2
                    call subfunc22
                    r1 = *(u64 *)(r10 - 64)
                    r0 += r1
                    exit
                    subfunc22:
                    r2 = 0
                    *(u64 *)(r10 - 128) = r2
                    r6 = r1
                    """, map(2, 0), "r1 = r6\nr3 = 2\ncall 12\nr0 = 0x1000\nexit"), List.of(jmp));
            Program func1 = rt.load("func1", ProgramType.XDP, code(
                    """
                    r2 = 0x100
                    *(u64 *)(r10 - 128) = r2
                    call subfunc1
                    r1 = *(u64 *)(r10 - 128)
                    r0 += r1
                    exit
                    subfunc1:
                    r2 = 0
                    *(u64 *)(r10 - 8) = r2
                    r6 = r1
                    """, map(2, 0), "r1 = r6\nr3 = 1\ncall 12\nr0 = 0x1000\nexit"), List.of(jmp));
            slots(jmp).update(1, func2);
            slots(jmp).update(2, func3);
            TestRunResult r = func1.testRun(TestRun.of(Asm.packet(64)).traced());
            // func3's 3 returns to subfunc2 (+0x20), to func2 (+0x22), which returns into func1 (+0x100)
            assertThat(r.retval()).isEqualTo(3 + 0x20 + 0x22 + 0x100);
            assertThat(r.tailCalls()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void aSubprogramMayTailCallOnlyWhenItsCallersUseLessThan256BytesOfStackSoTheWorstCaseStays33Times256(Engine engine) {
        try (BpfRuntime rt = runtime(engine)) {
            BpfMap jmp = rt.createMap(JMP);
            java.util.function.IntFunction<io.bpf4j.isa.Instructions> prog = depth -> code(
                    "r2 = 0\n*(u64 *)(r10 - " + depth + ") = r2\ncall sub\nexit\nsub:\nr6 = r1", map(2, 0), "r1 = r6\nr3 = 0\ncall 12\nr0 = 0\nexit");
            rt.load("fits", ProgramType.XDP, prog.apply(224), List.of(jmp)); // 224 + nothing else: under 256
            assertThatThrownBy(() -> rt.load("too_deep", ProgramType.XDP, prog.apply(256), List.of(jmp)))
                    .isInstanceOf(ProgramRejectedException.class)
                    .hasMessageContaining("tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large");
        }
    }

    // ---- "tailcall will unwind the current stack frame but it will not get rid of caller's stack": a chain of tail
    // ---- calls from subprograms piles up frames (Linux limits 8 frames per program, not per invocation)

    /**
     * main counts its runs in counter[0], keeps its run number in its own frame, calls sub and returns sub's r0 plus
     * that run number; sub tail-calls main through slot 0, replacing only sub's frame, so each main's frame stays open
     * below the next. The last sub's tail call is refused by the limit and it returns 1000.
     */
    private static Program pilingMain(BpfRuntime rt, BpfMap counter, BpfMap jmp) {
        Program main = rt.load("main", ProgramType.XDP, code(
                "r6 = r1\n*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr3 = 0\nr4 = 0\nr5 = 0", map(1, 0),
                """
                call 1
                r7 = 0
                if r0 == 0 goto +3
                r1 = 1
                lock *(u64 *)(r0 + 0) += r1
                r7 = *(u64 *)(r0 + 0)
                *(u64 *)(r10 - 16) = r7
                r1 = r6
                call sub
                r1 = *(u64 *)(r10 - 16)
                r0 += r1
                exit
                sub:
                r6 = r1
                """, map(2, 1), "r1 = r6\nr3 = 0\ncall 12\nr0 = 1000\nexit"), List.of(counter, jmp));
        slots(jmp).update(0, main);
        return main;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void aChainOfTailCallsFromSubprogramsPilesUpThirtyFourFramesAndRunsToTheEnd(Engine engine) {
        for (int limit : new int[] {RuntimeOptions.SEED_TAIL_CALL_LIMIT, RuntimeOptions.LINUX_TAIL_CALL_LIMIT}) {
            try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).tailCallLimit(limit).build()) {
                BpfMap counter = rt.createMap(COUNTER);
                Program main = pilingMain(rt, counter, rt.createMap(JMP));
                TestRunResult r = main.testRun(TestRun.of(Asm.packet(64)).traced());
                int programs = limit + 1; // 33 by default, 34 with Linux's limit: as many frames plus the last sub's
                assertThat(counter(counter)).as("mains run, limit %d", limit).isEqualTo(programs);
                assertThat(r.tailCalls()).isEqualTo(limit);
                // every main's frame survived the tail calls above it: 1000 + 1 + 2 + ... + programs
                assertThat(r.retval()).isEqualTo(1000 + programs * (programs + 1) / 2);
                assertThat(r.trace()).contains(new TraceEvent.FellThrough("main", 0, FallThrough.LIMIT_REACHED));
            }
        }
    }

    /** Helper 0x10000 (a user helper): how many frames the invocation has open. */
    private static final int OPEN_FRAMES = 0x10000;

    /**
     * Unverified: main also leaves a pointer to its own frame in scratch[16] (the first main only), sub records the
     * open frames in scratch[8]; the last sub returns 1000 + the run number it reads through the first main's
     * pointer and leaves a pointer into its own frame in scratch[24]; with scratch[32] set, each main reads through
     * that pointer once sub has returned.
     */
    private static Program pilingMainWithPointers(BpfRuntime rt, BpfMap scratch, BpfMap jmp) {
        Program main = rt.load("main", ProgramType.XDP, code(
                "r6 = r1\n*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\nr3 = 0\nr4 = 0\nr5 = 0", map(1, 0),
                """
                call 1
                if r0 != 0 goto +2
                r0 = -1
                exit
                r8 = r0
                r7 = *(u64 *)(r8 + 0)
                r7 += 1
                *(u64 *)(r8 + 0) = r7
                *(u64 *)(r10 - 16) = r7
                r1 = *(u64 *)(r8 + 16)
                if r1 != 0 goto +3
                r1 = r10
                r1 += -16
                *(u64 *)(r8 + 16) = r1
                r1 = r6
                r2 = r8
                call sub
                r1 = *(u64 *)(r10 - 16)
                r0 += r1
                r1 = *(u64 *)(r8 + 32)
                if r1 == 0 goto +2
                r1 = *(u64 *)(r8 + 24)
                r1 = *(u64 *)(r1 + 0)
                exit
                sub:
                r6 = r1
                r7 = r2
                r1 = 0
                r2 = 0
                r3 = 0
                r4 = 0
                r5 = 0
                call %d
                *(u64 *)(r7 + 8) = r0
                r1 = r6
                """.formatted(OPEN_FRAMES), map(2, 1), """
                r3 = 0
                call 12
                r1 = *(u64 *)(r7 + 16)
                r0 = *(u64 *)(r1 + 0)
                r0 += 1000
                r1 = r10
                r1 += -8
                *(u64 *)(r7 + 24) = r1
                exit
                """), List.of(scratch, jmp));
        slots(jmp).update(0, main);
        return main;
    }

    private static BpfRuntime unverifiedWithOpenFrames(Engine engine) {
        return BpfRuntime.builder().cpus(1).engine(engine).verify(VerifyMode.NONE)
                .helper(OPEN_FRAMES, "open_frames", (inv, a, b, c, d, e) -> inv.memory().deepestOpenFrame() + 1).build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void piledUpCallersFramesStayLiveAndAReturnedFramesPointerDangles(Engine engine) {
        MapDefinition scratchDef = new MapDefinition("scratch", MapType.ARRAY, 4, 40, 1);
        try (BpfRuntime rt = unverifiedWithOpenFrames(engine)) {
            BpfMap scratch = rt.createMap(scratchDef);
            Program main = pilingMainWithPointers(rt, scratch, rt.createMap(JMP));
            TestRunResult r = main.testRun(TestRun.of(Asm.packet(64)));
            byte[] v = scratch.lookup(Asm.u32(0));
            assertThat(Asm.u64(v)).as("mains run").isEqualTo(33);
            assertThat(Asm.u64(java.util.Arrays.copyOfRange(v, 8, 16))).as("frames open in the last sub").isEqualTo(34);
            // the last sub read the first main's run number (1) through its pointer, 32 frames below
            assertThat(r.retval()).isEqualTo(1000 + 1 + 33 * 34 / 2);
        }
        try (BpfRuntime rt = unverifiedWithOpenFrames(engine)) {
            BpfMap scratch = rt.createMap(scratchDef);
            byte[] readDangling = new byte[40];
            readDangling[32] = 1;
            scratch.update(Asm.u32(0), readDangling);
            Program main = pilingMainWithPointers(rt, scratch, rt.createMap(JMP));
            // the last main reads through the pointer into the last sub's frame (frame 33), which has returned
            assertThatThrownBy(() -> main.testRun(TestRun.of(Asm.packet(64))))
                    .isInstanceOf(io.bpf4j.runtime.ExecutionException.class)
                    .hasMessageContaining("program 'main' pc 31")
                    .hasMessageContaining("stack frame 33 is not live");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void oneProgramNestingNineFramesIsStillRefused(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).verify(VerifyMode.NONE).build()) {
            Program p = rt.load("recurse", ProgramType.XDP, code("call f\nexit\nf:\ncall f\nexit"), List.of());
            assertThatThrownBy(() -> p.testRun(TestRun.of(Asm.packet(64))))
                    .isInstanceOf(io.bpf4j.runtime.ExecutionException.class)
                    .hasMessageContaining("program 'recurse' pc 2")
                    .hasMessageContaining("bpf2bpf call would need frame 9 but at most 8 frames are allowed")
                    .extracting(e -> ((io.bpf4j.runtime.ExecutionException) e).reason())
                    .isEqualTo(io.bpf4j.runtime.ExecutionException.Reason.CALL_STACK_OVERFLOW);
        }
    }

    // ---- "any program added to the map should match the program: same prog_type, expected_attach_type, ..."

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void anArrayOwnedByXdpProgramsRefusesATcProgramNamingTheField(Engine engine) {
        try (BpfRuntime rt = runtime(engine); Collection c = rt.load(Asm.fixture("tail_calls.o"))) {
            ProgArray<Program> jmp = c.progArray("jmp_table");
            Program tc = rt.load("tc_prog", ProgramType.SCHED_CLS, code("r0 = 0\nexit"), List.of());
            assertThatThrownBy(() -> jmp.update(2, tc))
                    .isInstanceOf(BpfErrnoException.class)
                    .satisfies(e -> assertThat(((BpfErrnoException) e).errno()).isEqualTo(Errno.EINVAL))
                    .hasMessageContaining("prog_type: the owner has XDP, this program SCHED_CLS");
            assertThat(jmp.get(2)).as("nothing changed").isNull();
            Program devmap = rt.load("devmap_prog", ProgramType.XDP, AttachType.XDP_DEVMAP, code("r0 = 2\nexit"), List.of());
            assertThatThrownBy(() -> jmp.update(2, devmap)).hasMessageContaining("expected_attach_type: the owner has XDP, this program XDP_DEVMAP");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void loadingAProgramThatTailCallsThroughAnArrayOwnedByAnotherTypeFails(Engine engine) {
        try (BpfRuntime rt = runtime(engine); Collection c = rt.load(Asm.fixture("tail_calls.o"))) {
            assertThatThrownBy(() -> rt.load("tc_user", ProgramType.SCHED_CLS,
                    code("r6 = r1", tailCall(0, 0), "r0 = 0\nexit"), List.of(c.map("jmp_table"))))
                    .isInstanceOf(BpfErrnoException.class)
                    .hasMessageContaining("cannot use prog array 'jmp_table'")
                    .hasMessageContaining("prog_type: the owner has XDP, this program SCHED_CLS");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void theFirstProgramThatEntersAnArrayOwnsIt(Engine engine) {
        try (BpfRuntime rt = runtime(engine)) {
            ProgArray<Program> jmp = slots(rt.createMap(JMP));
            Program tc = rt.load("first", ProgramType.SCHED_CLS, code("r0 = 0\nexit"), List.of());
            jmp.update(0, tc);
            Program xdp = rt.load("second", ProgramType.XDP, code("r0 = 2\nexit"), List.of());
            assertThatThrownBy(() -> jmp.update(1, xdp)).hasMessageContaining("prog_type: the owner has SCHED_CLS, this program XDP");
            jmp.delete(0);
            assertThatThrownBy(() -> jmp.update(1, xdp)).as("ownership outlives the slot").hasMessageContaining("the owner has SCHED_CLS");
        }
    }

    @org.junit.jupiter.api.Test
    void compatibilityComparesEveryFieldLinuxChecks() {
        Compatibility owner = new Compatibility(ProgramType.XDP, null, null, false, false, "jit");
        assertThat(owner.mismatchWith(owner)).isNull();
        assertThat(new Compatibility(ProgramType.XDP, null, null, true, false, "jit").mismatchWith(owner))
                .isEqualTo("xdp_has_frags: the owner has false, this program true");
        assertThat(new Compatibility(ProgramType.XDP, null, "tcp_v4_connect", false, false, "jit").mismatchWith(owner))
                .isEqualTo("attach_btf_id (attach target): the owner has null, this program tcp_v4_connect");
        assertThat(new Compatibility(ProgramType.XDP, null, null, false, true, "jit").mismatchWith(owner))
                .isEqualTo("sleepable: the owner has false, this program true");
        assertThat(new Compatibility(ProgramType.XDP, null, null, false, false, "interpreter").mismatchWith(owner))
                .isEqualTo("jited (engine): the owner has jit, this program interpreter");
    }

    // ---- bad input: a non-program value, an index out of range, leave everything unchanged

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void userSpaceUpdatesOfAProgArrayFollowLinux(Engine engine) {
        try (BpfRuntime rt = runtime(engine); Collection c = rt.load(Asm.fixture("tail_calls.o"))) {
            BpfMap jmp = c.map("jmp_table");
            Program stageA = c.program("stage_a");
            assertThatThrownBy(() -> jmp.update(Asm.u32(8), Asm.u32(stageA.id()))).satisfies(e -> assertThat(((BpfErrnoException) e).errno()).isEqualTo(Errno.E2BIG));
            assertThatThrownBy(() -> jmp.update(Asm.u32(2), Asm.u32(9999))).satisfies(e -> assertThat(((BpfErrnoException) e).errno()).isEqualTo(Errno.EBADF));
            assertThatThrownBy(() -> jmp.update(Asm.u32(2), new byte[8])).satisfies(e -> assertThat(((BpfErrnoException) e).errno()).isEqualTo(Errno.EINVAL));
            assertThatThrownBy(() -> jmp.update(Asm.u32(2), Asm.u32(stageA.id()), 1)).satisfies(e -> assertThat(((BpfErrnoException) e).errno()).isEqualTo(Errno.EINVAL));
            assertThatThrownBy(() -> jmp.delete(Asm.u32(2))).satisfies(e -> assertThat(((BpfErrnoException) e).errno()).isEqualTo(Errno.ENOENT));
            assertThat(jmp.lookup(Asm.u32(2))).isNull();
            jmp.update(Asm.u32(2), Asm.u32(stageA.id()));
            assertThat(Asm.u32(jmp.lookup(Asm.u32(2)), 0)).isEqualTo(stageA.id());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void closingTheCollectionClearsItsProgArraysAndReleasesItsIds(Engine engine) {
        try (BpfRuntime rt = runtime(engine)) {
            Collection c = rt.load(Asm.fixture("tail_calls.o"));
            ProgArray<Program> jmp = c.progArray("jmp_table");
            int entryId = c.program("entry").id();
            assertThat(jmp.occupied()).isEqualTo(5);
            c.close();
            assertThat(jmp.occupied()).as("Linux clears a prog array when its last reference goes").isZero();
            assertThat(rt.programById(entryId)).isNull();
            assertThatThrownBy(() -> c.program("entry").testRun(TestRun.of(Asm.packet(64))))
                    .satisfies(e -> assertThat(((BpfErrnoException) e).errno()).isEqualTo(Errno.EBADF));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void aProgramRefusedAtLoadClaimsNoArray(Engine engine) {
        try (BpfRuntime rt = runtime(engine)) {
            ProgArray<Program> jmp = slots(rt.createMap(JMP));
            // refused by the verifier (reads r7 it never wrote): the array stays without an owner
            assertThatThrownBy(() -> rt.load("bad_tc", ProgramType.SCHED_CLS, code("r6 = r1", tailCall(0, 0), "r0 = r7\nexit"), List.of(jmp)))
                    .isInstanceOf(ProgramRejectedException.class);
            assertThat(jmp.owner()).isNull();
            Program xdp = rt.load("xdp", ProgramType.XDP, code("r0 = 2\nexit"), List.of());
            jmp.update(0, xdp);
            assertThat(jmp.owner()).isEqualTo(xdp.compatibility());
        }
    }
}
