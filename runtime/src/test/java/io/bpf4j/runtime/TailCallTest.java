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
