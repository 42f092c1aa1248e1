package io.bpf4j.jit;

import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.helpers.HelperRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static io.bpf4j.jit.Asm.code;
import static io.bpf4j.jit.Asm.loadObject;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tail calls on the JIT, each scenario run on both engines and required to agree in r0, errors, instruction count,
 * tail call count and memory ({@link Runs#both}), then checked against what the seed and Linux say.
 */
class TailCallJitTest {
    private static final HelperRegistry NO_HELPERS = HelperRegistry.empty();

    private static ProgramImage caller(String name, String before, long index, Slots slots) {
        return Asm.image(name, code(before, loadObject(2, 0), "lddw %r3, " + index + "\ncall 12\nmov %r0, -1\nexit"), NO_HELPERS, List.of(slots));
    }

    /** Counts its runs in the u64 at r1[0] and tail-calls slot 0 (itself) after {@code failedFirst} attempts on empty slot 1. */
    private static ProgramImage selfCaller(Slots slots, int failedFirst) {
        List<Object> parts = new ArrayList<>();
        parts.add("ldxdw %r0, [%r1]\nadd %r0, 1\nstxdw [%r1], %r0");
        for (int i = 0; i < failedFirst; i++) {
            parts.add(loadObject(2, 0));
            parts.add("mov %r3, 1\ncall 12");
        }
        parts.add(loadObject(2, 0));
        parts.add("mov %r3, 0\ncall 12\nexit");
        return Asm.image("self", code(parts.toArray()), NO_HELPERS, List.of(slots));
    }

    @Test
    void theTargetStartsWithTheSameContextAndTheSameUnclearedStack() {
        Slots slots = new Slots(4);
        slots.set(2, Asm.image("target", code("ldxdw %r0, [%r10-8]\nldxb %r2, [%r1]\nadd %r0, %r2\nexit")));
        Runs.Outcome o = Runs.both(caller("entry", "stdw [%r10-8], 0x1200", 2, slots), new byte[] {0x34});
        assertEquals(0x1234, o.r0());
        assertEquals(1, o.tailCalls());
    }

    @Test
    void anIndexBeyondMaxEntriesOrAnEmptySlotFallsThroughWithoutWritingR0() {
        Slots slots = new Slots(2).set(0, Asm.image("t", code("mov %r0, 1\nexit")));
        ProgramImage beyond = Asm.image("beyond", code("mov %r0, 77", loadObject(2, 0), "mov %r3, 2\ncall 12\nexit"), NO_HELPERS, List.of(slots));
        assertEquals(77, Runs.both(beyond).r0());
        ProgramImage empty = Asm.image("empty", code("mov %r0, 55", loadObject(2, 0), "mov %r3, 1\ncall 12\nexit"), NO_HELPERS, List.of(slots));
        assertEquals(55, Runs.both(empty).r0());
        assertEquals(0, Runs.both(empty).tailCalls());
    }

    @Test
    void onlyTheLow32BitsOfTheIndexCount() {
        Slots slots = new Slots(4).set(2, Asm.image("slot2", code("mov %r0, 2\nexit")));
        assertEquals(2, Runs.both(caller("entry", "mov %r0, 0", 0x1_0000_0002L, slots)).r0());
        assertEquals(-1, Runs.both(caller("entry", "mov %r0, 0", 0xffff_ffffL, slots)).r0());
    }

    @Test
    void thirtyTwoTailCallsByDefaultThirtyThreeWithTheLinuxLimit() {
        Slots slots = new Slots(2);
        ProgramImage self = selfCaller(slots, 0);
        slots.set(0, self);
        Runs.Outcome seed = Runs.both(self, new byte[8]);
        assertEquals(33, seed.r0());
        assertEquals(32, seed.tailCalls());
        Runs.Outcome linux = Runs.both(self, new byte[8], RuntimeOptions.DEFAULTS.withTailCallLimit(RuntimeOptions.LINUX_TAIL_CALL_LIMIT));
        assertEquals(34, linux.r0());
    }

    @Test
    void failedTailCallsDoNotCount() {
        Slots slots = new Slots(2);
        ProgramImage self = selfCaller(slots, 5);
        slots.set(0, self);
        Runs.Outcome o = Runs.both(self, new byte[8]);
        assertEquals(33, o.r0());
        assertEquals(32, o.tailCalls());
    }

    @Test
    void aTailCallFromASubprogramReplacesOnlyItsFrameAndReturnsTheTargetsR0ToTheCaller() {
        Slots slots = new Slots(1).set(0, Asm.image("target", code("stdw [%r10-8], 7\nmov %r0, 41\nmov %r6, 0\nexit")));
        ProgramImage entry = Asm.image("entry", code("""
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
        // 41 from the target + r6 (the caller's, 100) + the caller's stack slot, untouched by sub and target (1000)
        assertEquals(1141, Runs.both(entry).r0());
    }

    @Test
    void subprogramsShareTheInvocationsCounter() {
        Slots slots = new Slots(1);
        ProgramImage target = Asm.image("target", code("ldxdw %r0, [%r1]\nadd %r0, 1\nstxdw [%r1], %r0", loadObject(2, 0),
                "mov %r3, 0\ncall 12\nexit"), NO_HELPERS, List.of(slots));
        slots.set(0, target);
        ProgramImage entry = Asm.image("entry", code("""
                mov %r6, %r1
                call local sub
                mov %r1, %r6
                call local sub
                exit
                sub:
                """, loadObject(2, 0), "mov %r3, 0\ncall 12\nmov %r0, 1000\nexit"), NO_HELPERS, List.of(slots));
        Runs.Outcome o = Runs.both(entry, new byte[8]);
        assertEquals(1000, o.r0());
        assertEquals(32, o.tailCalls());
        assertEquals(32, o.memory()[0]);
    }

    @Test
    void aSlotReplacedWhileTheProgramRunsIsSeenByTheNextTailCall() {
        Slots slots = new Slots(1);
        ProgramImage first = Asm.image("first", code("mov %r0, 1\nexit"));
        ProgramImage second = Asm.image("second", code("mov %r0, 2\nexit"));
        // helper 100 swaps slot 0 from `first` to `second` while the caller runs
        HelperRegistry helpers = HelperRegistry.empty().with(100, "swap", (inv, a, b, c, d, e) -> {
            slots.set(0, second);
            return 0;
        });
        ProgramImage entry = Asm.image("entry", code("mov %r6, %r1\ncall 100\nmov %r1, %r6", loadObject(2, 0),
                "mov %r3, 0\ncall 12\nexit"), helpers, List.of(slots));
        slots.set(0, first);
        assertEquals(2, Runs.run(Runs.INTERPRETER, entry, null, RuntimeOptions.DEFAULTS).r0());
        slots.set(0, first);
        assertEquals(2, Runs.run(Runs.JIT, entry, null, RuntimeOptions.DEFAULTS).r0());
        // and the JIT's inline cache at the tail call site follows a slot that changes between runs
        slots.set(0, first);
        ProgramImage plain = Asm.image("plain", code(loadObject(2, 0), "mov %r3, 0\ncall 12\nexit"), NO_HELPERS, List.of(slots));
        assertEquals(1, Runs.both(plain).r0());
        slots.set(0, second);
        assertEquals(2, Runs.both(plain).r0());
    }

    @Test
    void aProgramLoopingOnItselfSeesItsSlotReplacedAtTheNextHop() {
        // the JIT turns "tail-call myself" into a loop with a cheaper check per hop: a replacement made between two
        // hops (here by a helper, at the sixth run) must still be what the next hop runs, counted and recorded; with
        // the slot array read directly and through the targets' interface
        for (Slots slots : List.of(new Slots(1), Slots.targetOnly(1))) {
            ProgramImage other = Asm.image("other", code("ldxdw %r0, [%r1]\nadd %r0, 1000\nexit"));
            HelperRegistry helpers = HelperRegistry.empty().with(100, "swap at 6", (inv, count, b, c, d, e) -> {
                if (count == 6) slots.set(0, other);
                return 0;
            });
            List<Object> parts = new ArrayList<>();
            parts.add("mov %r6, %r1\nldxdw %r1, [%r6]\nadd %r1, 1\nstxdw [%r6], %r1\ncall 100\nmov %r1, %r6");
            parts.add(loadObject(2, 0));
            parts.add("mov %r3, 0\ncall 12\nmov %r0, -1\nexit");
            ProgramImage looper = Asm.image("looper", code(parts.toArray()), helpers, List.of(slots));
            for (io.bpf4j.runtime.Engine engine : List.of(Runs.INTERPRETER, Runs.JIT)) {
                slots.set(0, looper);
                Runs.Outcome o = Runs.run(engine, looper, new byte[8], RuntimeOptions.DEFAULTS);
                assertNull(o.error(), engine + ", " + slots + ": " + o.describe());
                assertEquals(1006, o.r0(), engine + ", " + slots + ": " + o.describe()); // six runs of looper, then other
                assertEquals(6, o.tailCalls(), engine + ", " + slots + ": " + o.describe());
            }
        }
    }

    @Test
    void aTailCallThroughAnotherAddressThanTheNamedProgArrayIsNotTakenForIt() {
        // the JIT reads the slots of the one prog array a method names directly, when r2 holds that array's address;
        // r2 pointing elsewhere (here 8 bytes into its handle, and a plain number) must be the interpreter's error
        Slots slots = new Slots(1);
        slots.set(0, Asm.image("t", code("mov %r0, 1\nexit")));
        for (String r2 : List.of("mov %r2, %r6\nadd %r2, 8", "mov %r2, 0")) {
            ProgramImage entry = Asm.image("entry", code(loadObject(6, 0), r2 + "\nmov %r3, 0\ncall 12\nmov %r0, 2\nexit"),
                    NO_HELPERS, List.of(slots));
            Runs.Outcome o = Runs.both(entry);
            assertNotNull(o.error(), r2 + ": " + o.describe());
            assertEquals(ExecutionException.Reason.BAD_CALL_TARGET, o.error().reason(), r2 + ": " + o.describe());
            assertEquals(0, o.tailCalls());
        }
        ProgramImage named = Asm.image("named", code(loadObject(6, 0), "mov %r2, %r6\nmov %r3, 0\ncall 12\nmov %r0, 2\nexit"),
                NO_HELPERS, List.of(slots));
        assertEquals(1, Runs.both(named).r0());
    }

    @Test
    void aTailCallThroughSomethingOtherThanAProgArrayIsTheSameClearError() {
        Runs.Outcome o = Runs.both(Asm.image("entry", code("mov %r2, 0\nmov %r3, 0\ncall 12\nexit")));
        assertEquals(ExecutionException.Reason.BAD_CALL_TARGET, o.error().reason());
        assertTrue(o.error().getMessage().contains("pc 2"), o.error().getMessage());
    }

    @Test
    void aLongChainRunsInConstantJavaStack() throws Exception {
        // 200,000 hops with a raised limit, on a thread with a 256 KiB stack: a call per hop would overflow it
        Slots slots = new Slots(2);
        ProgramImage self = selfCaller(slots, 0);
        slots.set(0, self);
        RuntimeOptions options = RuntimeOptions.DEFAULTS.withTailCallLimit(200_000);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                result.set(Runs.run(Runs.JIT, self, new byte[8], options));
            } catch (Throwable e) {
                result.set(e);
            }
        }, "small-stack", 256 * 1024);
        t.start();
        t.join();
        assertTrue(result.get() instanceof Runs.Outcome, () -> "failed: " + result.get());
        Runs.Outcome o = (Runs.Outcome) result.get();
        assertNull(o.error());
        assertEquals(200_000, o.tailCalls());
        assertEquals(Runs.run(Runs.INTERPRETER, self, new byte[8], options).r0(), o.r0());
    }

    @Test
    void aTargetTheJitCannotCompileRunsOnTheInterpreterFromTheEntryFrame() {
        // the target jumps from its main program into its subprogram: the interpreter runs it, the JIT refuses it
        ProgramImage odd = Asm.image("odd", code("""
                ja inside
                call local f
                exit
                f:
                mov %r0, 5
                inside:
                mov %r0, 9
                exit
                """));
        JitEngine lenient = new JitEngine(JitOptions.defaults().withFallback(FallbackPolicy.SILENT));
        Slots slots = new Slots(1).set(0, odd);
        // the target cannot be analysed, so it is assumed to read r2-r5: the caller writes them all
        ProgramImage entry = Asm.image("entry", code("mov %r4, 0\nmov %r5, 0", loadObject(2, 0), "mov %r3, 0\ncall 12\nexit"), NO_HELPERS, List.of(slots));
        Runs.Outcome o = Runs.run(lenient, entry, null, RuntimeOptions.DEFAULTS);
        assertEquals(9, o.r0(), o.describe() + " " + odd.prepared(lenient));
        assertTrue(((JitExecutable) odd.prepared(lenient)).fallbackReason().isPresent());
        assertEquals(Runs.run(Runs.INTERPRETER, entry, null, RuntimeOptions.DEFAULTS).r0(), o.r0());
    }
}
