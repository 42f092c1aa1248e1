package io.bpf4j.runtime;

import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;
import io.bpf4j.runtime.interpreter.Interpreter;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static io.bpf4j.runtime.Programs.code;
import static io.bpf4j.runtime.Programs.loadObject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** bpf_tail_call as the seed and Linux define it, with hand-built programs and a prog array stand-in. */
class TailCallTest {
    private static final HelperRegistry NO_HELPERS = HelperRegistry.empty();

    /** Tail-calls through slot r3 of object 0, falling through to "mov r0, fallthrough; exit". */
    private static ProgramImage caller(String name, String before, long index, Programs.Slots slots) {
        return Programs.image(name, code(before, loadObject(2, 0), "lddw %r3, " + index + "\ncall 12\nmov %r0, -1\nexit"), NO_HELPERS, List.of(slots));
    }

    @Test
    void theTargetStartsWithTheSameContextAndTheSameUnclearedStack() {
        Programs.Slots slots = new Programs.Slots(4);
        ProgramImage target = Programs.image("target", code("""
                ldxdw %r0, [%r10-8]
                ldxb %r2, [%r1]
                add %r0, %r2
                exit
                """));
        slots.set(2, target);
        ProgramImage entry = caller("entry", "stdw [%r10-8], 0x1200", 2, slots);
        Invocation inv = new Invocation();
        long r0 = Programs.run(entry, inv, new byte[] {0x34});
        assertThat(r0).isEqualTo(0x1234);
        assertThat(inv.tailCalls()).isEqualTo(1);
    }

    @Test
    void anIndexBeyondMaxEntriesFallsThroughWithoutWritingR0() {
        Programs.Slots slots = new Programs.Slots(2).set(0, Programs.image("t", code("mov %r0, 1\nexit")));
        ProgramImage entry = Programs.image("entry", code("mov %r0, 77", loadObject(2, 0), "mov %r3, 2\ncall 12\nexit"), NO_HELPERS, List.of(slots));
        Invocation inv = new Invocation();
        assertThat(Programs.run(entry, inv, null)).isEqualTo(77);
        assertThat(inv.tailCalls()).isZero();
    }

    @Test
    void onlyTheLow32BitsOfTheIndexCount() {
        Programs.Slots slots = new Programs.Slots(4).set(2, Programs.image("slot2", code("mov %r0, 2\nexit")));
        assertThat(Programs.run(caller("entry", "mov %r0, 0", 0x1_0000_0002L, slots))).isEqualTo(2);
        // 0xffffffff is index 4294967295, not -1: beyond max_entries, falls through
        assertThat(Programs.run(caller("entry", "mov %r0, 0", 0xffff_ffffL, slots))).isEqualTo(-1);
    }

    @Test
    void anEmptySlotFallsThroughWithoutWritingR0() {
        Programs.Slots slots = new Programs.Slots(4);
        ProgramImage entry = Programs.image("entry", code("mov %r0, 55", loadObject(2, 0), "mov %r3, 1\ncall 12\nexit"), NO_HELPERS, List.of(slots));
        assertThat(Programs.run(entry)).isEqualTo(55);
    }

    /** A program that counts its runs in the u64 at ctx[0] and tail-calls slot 0 (itself); r0 = count when it stops. */
    private static ProgramImage selfCaller(Programs.Slots slots, int failedAttemptsFirst) {
        StringBuilder failures = new StringBuilder();
        List<Object> parts = new java.util.ArrayList<>();
        parts.add("ldxdw %r0, [%r1]\nadd %r0, 1\nstxdw [%r1], %r0");
        for (int i = 0; i < failedAttemptsFirst; i++) {
            parts.add(loadObject(2, 0));
            parts.add("mov %r3, 1\ncall 12"); // slot 1 stays empty
        }
        parts.add(loadObject(2, 0));
        parts.add("mov %r3, 0\ncall 12\nexit");
        return Programs.image("self", code(parts.toArray()), NO_HELPERS, List.of(slots));
    }

    @Test
    void thirtyTwoTailCallsByDefaultSoThirtyThreeProgramsRun() {
        Programs.Slots slots = new Programs.Slots(2);
        ProgramImage self = selfCaller(slots, 0);
        slots.set(0, self);
        Invocation inv = new Invocation();
        assertThat(Programs.run(self, inv, new byte[8])).isEqualTo(33);
        assertThat(inv.tailCalls()).isEqualTo(32);
    }

    @Test
    void theLinuxLimitLetsThirtyFourProgramsRun() {
        Programs.Slots slots = new Programs.Slots(2);
        ProgramImage self = selfCaller(slots, 0);
        slots.set(0, self);
        Invocation inv = new Invocation(RuntimeOptions.DEFAULTS.withTailCallLimit(RuntimeOptions.LINUX_TAIL_CALL_LIMIT));
        assertThat(Programs.run(self, inv, new byte[8])).isEqualTo(34);
    }

    @Test
    void failedTailCallsDoNotCountAgainstTheLimit() {
        Programs.Slots slots = new Programs.Slots(2);
        ProgramImage self = selfCaller(slots, 5);
        slots.set(0, self);
        Invocation inv = new Invocation();
        assertThat(Programs.run(self, inv, new byte[8])).isEqualTo(33);
        assertThat(inv.tailCalls()).isEqualTo(32);
    }

    @Test
    void theCounterBelongsToTheInvocationAndIsResetByTheNext() {
        Programs.Slots slots = new Programs.Slots(1);
        ProgramImage self = selfCaller(slots, 0);
        slots.set(0, self);
        Invocation inv = new Invocation();
        assertThat(Programs.run(self, inv, new byte[8])).isEqualTo(33);
        assertThat(Programs.run(self, inv, new byte[8])).isEqualTo(33);
    }

    @Test
    void aTailCallFromASubprogramReplacesOnlyItsFrameAndReturnsTheTargetsR0ToTheCaller() {
        Programs.Slots slots = new Programs.Slots(1).set(0, Programs.image("target", code("""
                stdw [%r10-8], 7
                mov %r0, 41
                mov %r6, 0
                exit
                """)));
        ProgramImage entry = Programs.image("entry", code("""
                mov %r6, 100
                stdw [%r10-8], 1000
                call local sub
                add %r0, %r6
                ldxdw %r2, [%r10-8]
                add %r0, %r2
                exit
                sub:
                stdw [%r10-8], 5
                """, loadObject(2, 0), "mov %r3, 0\ncall 12\nmov %r0, -1\nexit"), NO_HELPERS, List.of(slots));
        // 41 from the target + r6 (restored: 100) + the caller's stack slot, untouched by sub and target (1000)
        assertThat(Programs.run(entry)).isEqualTo(1141);
    }

    @Test
    void subprogramsShareTheInvocationsCounter() {
        Programs.Slots slots = new Programs.Slots(1);
        // target: ctx[0]++ and tail-call itself until the limit; then r0 = ctx[0]
        ProgramImage target = Programs.image("target", code("ldxdw %r0, [%r1]\nadd %r0, 1\nstxdw [%r1], %r0", loadObject(2, 0),
                "mov %r3, 0\ncall 12\nexit"), NO_HELPERS, List.of(slots));
        slots.set(0, target);
        ProgramImage entry = Programs.image("entry", code("""
                mov %r6, %r1
                call local sub
                mov %r1, %r6
                call local sub
                exit
                sub:
                """, loadObject(2, 0), "mov %r3, 0\ncall 12\nmov %r0, 1000\nexit"), NO_HELPERS, List.of(slots));
        Invocation inv = new Invocation();
        inv.begin();
        MemorySegment ctx = MemorySegment.ofArray(new long[1]);
        long r1 = inv.memory().register(Region.of(RegionKind.CONTEXT, "ctx", ctx, true));
        long r0 = entry.prepared(Interpreter.INSTANCE).run(inv, r1);
        // the first sub's tail call chain used all 32; the second sub's tail call fell through
        assertThat(ctx.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(32);
        assertThat(inv.tailCalls()).isEqualTo(32);
        assertThat(r0).isEqualTo(1000);
    }

    /** Helper 100: how many frames the invocation has open (what the frames piled up by tail calls look like). */
    private static final HelperRegistry OPEN_FRAMES = HelperRegistry.empty()
            .with(100, "open_frames", (inv, a, b, c, d, e) -> inv.memory().deepestOpenFrame() + 1);

    /**
     * The seed's stack example as a chain: main counts its runs in ctx[0], keeps its run number in its own frame
     * (main 1 also leaves a pointer to it in ctx[16]), calls sub and adds sub's r0 and its own run number. sub
     * records the open frames in ctx[8] and tail-calls main, which replaces only sub's frame, so every main's frame
     * stays open below the next. The last sub (its tail call refused by the limit) returns 1000 + main 1's run number
     * read through main 1's pointer, and leaves a pointer into its own frame in ctx[24]; with ctx[32] set, each main
     * reads through that pointer after sub returned.
     */
    private static ProgramImage pilingMain(Programs.Slots slots) {
        ProgramImage main = Programs.image("main", code("""
                mov %r6, %r1
                ldxdw %r0, [%r1]
                add %r0, 1
                stxdw [%r1], %r0
                stxdw [%r10-8], %r0
                ldxdw %r2, [%r1+16]
                jne %r2, 0, have
                mov %r2, %r10
                add %r2, -8
                stxdw [%r1+16], %r2
                have:
                mov %r1, %r6
                call local sub
                ldxdw %r2, [%r10-8]
                add %r0, %r2
                ldxdw %r3, [%r6+32]
                jeq %r3, 0, done
                ldxdw %r3, [%r6+24]
                ldxdw %r3, [%r3]
                done:
                exit
                sub:
                mov %r6, %r1
                call 100
                stxdw [%r6+8], %r0
                mov %r1, %r6
                """, loadObject(2, 0), """
                mov %r3, 0
                call 12
                ldxdw %r2, [%r6+16]
                ldxdw %r0, [%r2]
                add %r0, 1000
                mov %r2, %r10
                add %r2, -8
                stxdw [%r6+24], %r2
                exit
                """), OPEN_FRAMES, List.of(slots));
        slots.set(0, main);
        return main;
    }

    private static long runWithContext(ProgramImage entry, Invocation inv, MemorySegment ctx) {
        inv.begin();
        long r1 = inv.memory().register(Region.of(RegionKind.CONTEXT, "ctx", ctx, true));
        return entry.prepared(Interpreter.INSTANCE).run(inv, r1);
    }

    @Test
    void framesPileUpAcrossTailCallsFromSubprogramsUpToThirtyFourAndCallersFramesStayReadable() {
        ProgramImage main = pilingMain(new Programs.Slots(1));
        Invocation inv = new Invocation();
        MemorySegment ctx = MemorySegment.ofArray(new long[5]);
        long r0 = runWithContext(main, inv, ctx);
        assertThat(ctx.get(ValueLayout.JAVA_LONG, 0)).as("mains run").isEqualTo(33);
        assertThat(inv.tailCalls()).isEqualTo(32);
        assertThat(ctx.get(ValueLayout.JAVA_LONG, 8)).as("frames open in the last sub").isEqualTo(34);
        // the last sub read main 1's run number (1) through main 1's pointer; every main added its own (1..33)
        assertThat(r0).isEqualTo(1000 + 1 + 33 * 34 / 2);
        assertThat(inv.memory().deepestOpenFrame()).as("all piled frames closed again").isZero();

        // the Linux limit: 34 mains, 35 frames; the same invocation again (the deep frames' memory is reused)
        Invocation linux = new Invocation(RuntimeOptions.DEFAULTS.withTailCallLimit(RuntimeOptions.LINUX_TAIL_CALL_LIMIT));
        for (int run = 0; run < 2; run++) {
            MemorySegment c = MemorySegment.ofArray(new long[5]);
            assertThat(runWithContext(main, linux, c)).isEqualTo(1000 + 1 + 34 * 35 / 2);
            assertThat(c.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(35);
        }
    }

    @Test
    void aReturnedPiledUpFrameIsDanglingWhileItsCallersStayLive() {
        ProgramImage main = pilingMain(new Programs.Slots(1));
        Invocation inv = new Invocation();
        MemorySegment ctx = MemorySegment.ofArray(new long[5]);
        ctx.set(ValueLayout.JAVA_LONG, 32, 1);
        assertThatThrownBy(() -> runWithContext(main, inv, ctx))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("program 'main'")
                .hasMessageContaining("stack frame 33 is not live")
                .extracting(e -> ((ExecutionException) e).reason()).isEqualTo(ExecutionException.Reason.MEMORY_FAULT);
        // the pointer main 1 left stays valid until the run ends and dangles in the next one
        long kept = ctx.get(ValueLayout.JAVA_LONG, 24);
        inv.begin();
        assertThatThrownBy(() -> inv.memory().load64(kept)).hasMessageContaining("dangling pointer");
    }

    @Test
    void eightFramesPerProgramCountFromTheFrameItWasEnteredIn() {
        // target: entered in frame 2 by the subprogram's tail call; recurses r7 levels deep
        String recurse = """
                mov %r1, %r7
                call local f
                exit
                f:
                jeq %r1, 0, done
                sub %r1, 1
                call local f
                done:
                mov %r0, 1
                exit
                """;
        for (int levels : new int[] {6, 7}) {
            Programs.Slots slots = new Programs.Slots(1).set(0, Programs.image("target", code("mov %r7, " + levels, recurse)));
            ProgramImage entry = Programs.image("entry", code("""
                    call local sub
                    exit
                    sub:
                    call local sub2
                    exit
                    sub2:
                    """, loadObject(2, 0), "mov %r3, 0\ncall 12\nmov %r0, -1\nexit"), NO_HELPERS, List.of(slots));
            if (levels == 6) {
                assertThat(Programs.run(entry)).isEqualTo(1); // frames 3..10 of the invocation: 8 for the target
            } else {
                assertThatThrownBy(() -> Programs.run(entry))
                        .isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("program 'target' pc 6")
                        .hasMessageContaining("bpf2bpf call would need frame 9 but at most 8 frames are allowed per program (this one was entered by a tail call in frame 3 of the invocation)")
                        .extracting(e -> ((ExecutionException) e).reason()).isEqualTo(ExecutionException.Reason.CALL_STACK_OVERFLOW);
            }
        }
    }

    @Test
    void theFramesOfAnInvocationAreBoundedByTheTailCallLimit() {
        assertThat(io.bpf4j.runtime.memory.AddressSpace.framesFor(32)).isEqualTo(33 * 8);
        assertThat(io.bpf4j.runtime.memory.AddressSpace.framesFor(33)).isEqualTo(34 * 8);
        assertThat(io.bpf4j.runtime.memory.AddressSpace.framesFor(0)).isEqualTo(8);
        assertThat(io.bpf4j.runtime.memory.AddressSpace.framesFor(Integer.MAX_VALUE)).isEqualTo(io.bpf4j.runtime.memory.AddressSpace.MAX_INVOCATION_FRAMES);
        assertThat(new Invocation().memory().frameCapacity()).isEqualTo(264);
        // with no tail calls allowed a program still has its 8 frames and the ninth is refused as before
        Invocation none = new Invocation(RuntimeOptions.DEFAULTS.withTailCallLimit(0));
        assertThatThrownBy(() -> none.memory().openFrame(8)).hasMessageContaining("stack frame 8 does not exist (at most 8 frames)");
        assertThat(Programs.run(pilingMain(new Programs.Slots(1)), none, new byte[40])).isEqualTo(1000 + 1 + 1);
    }

    @Test
    void aRaisedTailCallLimitPilesUpMoreFramesButNeverMoreThan1024() {
        // every program nests 8 frames and tail-calls from the innermost: 7 more frames per program
        StringBuilder nest = new StringBuilder("call local f1\nexit\n");
        for (int i = 1; i <= 6; i++) nest.append("f").append(i).append(":\ncall local f").append(i + 1).append("\nadd %r0, 1\nexit\n");
        nest.append("f7:\n");
        Programs.Slots slots = new Programs.Slots(1);
        ProgramImage main = Programs.image("main", code(nest.toString(), loadObject(2, 0), "mov %r3, 0\ncall 12\nmov %r0, 1\nexit"),
                NO_HELPERS, List.of(slots));
        slots.set(0, main);
        // 101 programs: 708 frames, each program adds 6 on the way back
        Invocation hundred = new Invocation(RuntimeOptions.DEFAULTS.withTailCallLimit(100));
        assertThat(Programs.run(main, hundred, null)).isEqualTo(1 + 101 * 6);
        assertThat(hundred.tailCalls()).isEqualTo(100);
        // 201 programs would need 1,408 frames
        Invocation huge = new Invocation(RuntimeOptions.DEFAULTS.withTailCallLimit(200));
        assertThatThrownBy(() -> Programs.run(main, huge, null))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("bpf2bpf call would need frame 1025 of the invocation but at most 1024 frames may be open in one invocation (tail call limit 200)")
                .extracting(e -> ((ExecutionException) e).reason()).isEqualTo(ExecutionException.Reason.CALL_STACK_OVERFLOW);
    }

    @Test
    void aTailCallThroughSomethingOtherThanAProgArrayIsAClearError() {
        ProgramImage entry = Programs.image("entry", code("mov %r2, 0\nmov %r3, 0\ncall 12\nexit"));
        assertThatThrownBy(() -> Programs.run(entry))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("pc 2")
                .hasMessageContaining("call 0xc <bpf_tail_call>")
                .hasMessageContaining("r2 use as handle at 0x0000_0000_00000000: expected a prog array handle, null pointer")
                .extracting(e -> ((ExecutionException) e).reason()).isEqualTo(ExecutionException.Reason.BAD_CALL_TARGET);
    }

    @Test
    void anEmbeddedProgArrayWorksAndReplacingASlotTakesEffectAtTheNextTailCall() {
        io.bpf4j.maps.ProgArray<ProgramImage> array = io.bpf4j.maps.EmbeddedMaps.createProgArray(
                new io.bpf4j.abi.MapDefinition("jumps", io.bpf4j.abi.MapType.PROG_ARRAY, 4, 4, 4), null);
        ProgramImage entry = Programs.image("entry", code("mov %r0, 0", loadObject(2, 0), "mov %r3, 3\ncall 12\nexit"), NO_HELPERS, List.of(array));
        assertThat(Programs.run(entry)).isZero(); // empty slot: falls through
        array.update(3, Programs.image("v1", code("mov %r0, 1\nexit")));
        assertThat(Programs.run(entry)).isEqualTo(1);
        array.update(3, Programs.image("v2", code("mov %r0, 2\nexit")));
        assertThat(Programs.run(entry)).isEqualTo(2);
        ProgramImage beyond = Programs.image("beyond", code("mov %r0, 9", loadObject(2, 0), "lddw %r3, 0x100000003\ncall 12\nexit"), NO_HELPERS, List.of(array));
        assertThat(Programs.run(beyond)).isEqualTo(2); // low 32 bits: slot 3
    }

    @Test
    void aHandleToSomethingElseIsABadTailCallTarget() {
        ProgramImage entry = Programs.image("entry", code(loadObject(2, 0), "mov %r3, 0\ncall 12\nexit"), NO_HELPERS, List.of("not a prog array"));
        assertThatThrownBy(() -> Programs.run(entry))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("pc 3")
                .hasMessageContaining("expected a prog array handle, found object handle 'not a prog array' (String)");
    }
}
