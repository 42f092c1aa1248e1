package io.bpf4j.jit;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.isa.Instructions;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

import static io.bpf4j.jit.Asm.code;
import static io.bpf4j.jit.Asm.loadObject;
import static io.bpf4j.jit.Asm.verified;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Direct accesses ({@link AccessPlan}) where what they rely on does not hold at run time: they must take the checked
 * path and fail (or not) exactly as the interpreter does.
 */
class DirectAccessTest {
    private static final RuntimeOptions OPTIONS = RuntimeOptions.DEFAULTS;

    @Test
    void aVerifiedTargetEnteredWithAForeignR10TakesTheCheckedPathAndFaultsLikeTheInterpreter() {
        // the target (verified) stores and loads its frame through r10; the caller (not verified) points r10 at the
        // caller memory and tail-calls it: r10 is no frame top, so the frame accesses must fault as in the interpreter
        Slots slots = new Slots(1);
        ProgramImage target = verified("target", code("""
                stxdw [%r10-8], %r1
                ldxdw %r0, [%r10-8]
                exit
                """), List.of(), Map.of());
        JitExecutable compiled = (JitExecutable) target.prepared(Runs.JIT);
        assertEquals(2, compiled.directAccesses(), "both frame accesses are direct");
        slots.set(0, target);
        ProgramImage entry = ProgramImage.load("entry", code("mov %r6, %r1\nmov %r10, %r1", loadObject(2, 0),
                "mov %r3, 0\ncall 12\nmov %r0, 7\nexit"), HelperRegistry.empty(), List.of(slots));
        Runs.Outcome[] o = Runs.compare(Runs.JIT, entry, new byte[64], OPTIONS);
        assertTrue(o[0].sameAs(o[1]), o[0].describe() + "\n" + o[1].describe());
        assertNotNull(o[1].error());
        assertEquals(ExecutionException.Reason.MEMORY_FAULT, o[1].error().reason());
    }

    @Test
    void aVerifiedTargetEnteredWithR10InsideMemoryReadsThroughTheCheckedPath() {
        // r10 = caller memory + 64: the target's frame accesses land in the caller memory, as in the interpreter
        Slots slots = new Slots(1);
        ProgramImage target = verified("target", code("""
                mov %r2, 0x1234
                stxdw [%r10-8], %r2
                ldxw %r0, [%r10-16]
                exit
                """), List.of(), Map.of());
        slots.set(0, target);
        ProgramImage entry = ProgramImage.load("entry", code("mov %r10, %r1\nadd %r10, 64", loadObject(2, 0),
                "mov %r3, 0\ncall 12\nmov %r0, 7\nexit"), HelperRegistry.empty(), List.of(slots));
        byte[] memory = new byte[64];
        memory[48] = 0x5a;
        Runs.Outcome[] o = Runs.compare(Runs.JIT, entry, memory, OPTIONS);
        assertTrue(o[0].sameAs(o[1]), o[0].describe() + "\n" + o[1].describe());
        assertEquals(0x5a, o[1].r0());
        assertEquals(0x34, o[1].memory()[56] & 0xff, "the store went to the caller memory");
    }

    @Test
    void aStoreIntoAReadOnlyMapValueFaultsAsInTheInterpreter() {
        // the verifier accepts the store (its map is writable) but the region given at run time is read-only: the
        // segment refuses the direct store and the checked one reports the fault
        MapDefinition def = new MapDefinition("global", MapType.ARRAY, 4, 16, 1);
        Region readOnly = Region.of(RegionKind.MAP_VALUE, "global", MemorySegment.ofArray(new long[2]), false);
        Instructions program = code("lddw %r1, 0\nstw [%r1+4], 9\nldxw %r0, [%r1+4]\nexit");
        program = program.with(0, new io.bpf4j.isa.Instruction.LoadImm64(1, io.bpf4j.isa.Pseudo.MAP_VALUE, 0, 0));
        ProgramImage image = verified("ro", program, List.of(readOnly), Map.of(0, def));
        assertEquals(2, ((JitExecutable) image.prepared(Runs.JIT)).directAccesses());
        Runs.Outcome[] o = Runs.compare(Runs.JIT, image, new byte[64], OPTIONS);
        assertTrue(o[0].sameAs(o[1]), o[0].describe() + "\n" + o[1].describe());
        assertEquals(ExecutionException.Reason.MEMORY_FAULT, o[1].error().reason());
    }

    @Test
    void aFourByteLoadPastTheEndOfAContextWithPointerFieldsIsAMemoryFaultOnBothEngines() {
        // xdp_md-like: pointer fields at 0, 4, 8 of 24 bytes; a 4-byte load at 22 crosses the end
        ProgramImage image = Asm.image("past_ctx", code("ldxw %r0, [%r1+22]\nexit"));
        List<String> outcomes = new java.util.ArrayList<>();
        for (io.bpf4j.runtime.Engine engine : Runs.engines()) {
            io.bpf4j.runtime.Invocation inv = new io.bpf4j.runtime.Invocation(OPTIONS).begin();
            long ctx = inv.memory().register(Region.context("xdp_md", MemorySegment.ofArray(new long[3]), 0, 4, 8));
            try {
                image.prepared(engine).run(inv, ctx);
                outcomes.add("no fault");
            } catch (ExecutionException e) {
                assertEquals(ExecutionException.Reason.MEMORY_FAULT, e.reason(), e.getMessage());
                outcomes.add(Runs.normalized(e));
            }
        }
        assertEquals(outcomes.get(0), outcomes.get(1));
    }

    @Test
    void loopLoadsThroughARegionsWordsCheckItsBoundsEvenWhereTheArrayGoesOn() {
        // the target's loop loads (verified against a 64-byte context) read through the cached region's long[] words
        // after one unsigned compare of the address against the region; an unverified caller hands it other regions
        // and offsets, so the loads must fault exactly where the interpreter's do, also past the end of a region that
        // is a slice of a larger array, below its start, in a region shorter than 8 bytes, and through another tag
        ProgramImage target = verified("target", code("""
                mov %r0, 0
                mov %r2, 4
                loop:
                ldxh %r4, [%r1+0]
                add %r0, %r4
                ldxdw %r4, [%r1+2]
                add %r0, %r4
                sub %r2, 1
                jne %r2, 0, loop
                exit
                """), List.of(), Map.of());
        assertEquals(2, ((JitExecutable) target.prepared(Runs.JIT)).directAccesses());
        record Case(String what, Region region, long delta, boolean faults) {}
        MemorySegment words = MemorySegment.ofArray(new long[4]);
        for (int i = 0; i < 32; i++) words.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i * 13 + 1));
        List<Case> cases = List.of(
                new Case("whole", value(words.asSlice(8, 16)), 6, false),
                new Case("past the end of a slice, inside its array", value(words.asSlice(8, 16)), 7, true),
                new Case("below the start of a slice", value(words.asSlice(8, 16)), -1, true),
                new Case("a 10-byte region", value(words.asSlice(3, 10)), 0, false),
                new Case("past a 6-byte region", value(words.asSlice(3, 6)), 0, true),
                new Case("a plain number", value(words.asSlice(8, 16)), -(1L << 40), true),
                new Case("the next region's tag", value(words.asSlice(8, 16)), 1L << 32, true));
        for (Case c : cases) {
            Slots slots = new Slots(1);
            slots.set(0, target);
            Instructions entryCode = code(new io.bpf4j.isa.Instruction.LoadImm64(1, io.bpf4j.isa.Pseudo.MAP_VALUE, 0, 0),
                    new io.bpf4j.isa.Instruction.LoadImm64(5, io.bpf4j.isa.Pseudo.IMM, (int) c.delta(), (int) (c.delta() >>> 32)),
                    "add %r1, %r5", loadObject(2, 1), "mov %r3, 0\ncall 12\nmov %r0, 7\nexit");
            ProgramImage entry = ProgramImage.load("entry", entryCode, HelperRegistry.empty(), List.of(c.region(), slots));
            Runs.Outcome[] o = Runs.compare(Runs.JIT, entry, new byte[64], OPTIONS);
            assertTrue(o[0].sameAs(o[1]), c.what() + ":\n" + o[0].describe() + "\n" + o[1].describe());
            if (c.faults()) {
                assertNotNull(o[1].error(), c.what());
                assertEquals(ExecutionException.Reason.MEMORY_FAULT, o[1].error().reason(), c.what());
            } else {
                assertEquals(null, o[1].error(), c.what());
                assertEquals(1, o[1].tailCalls(), c.what());
            }
        }
    }

    private static Region value(MemorySegment bytes) {
        return Region.of(RegionKind.MAP_VALUE, "value", bytes, true);
    }

    @Test
    void unverifiedProgramsKeepTheCheckedAccesses() {
        ProgramImage image = Asm.image("plain", code("stxdw [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit"));
        JitExecutable e = (JitExecutable) image.prepared(Runs.JIT);
        assertEquals(2, e.memoryAccesses());
        assertEquals(0, e.directAccesses());
    }
}
