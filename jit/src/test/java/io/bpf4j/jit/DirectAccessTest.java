package io.bpf4j.jit;

import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;
import io.bpf4j.verifier.VerificationOptions;
import io.bpf4j.verifier.VerificationRequest;
import io.bpf4j.verifier.Verifier;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

import static io.bpf4j.jit.Asm.code;
import static io.bpf4j.jit.Asm.loadObject;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Direct accesses ({@link AccessPlan}) where what they rely on does not hold at run time: they must take the checked
 * path and fail (or not) exactly as the interpreter does.
 */
class DirectAccessTest {
    private static final RuntimeOptions OPTIONS = RuntimeOptions.DEFAULTS;

    private static ProgramImage verified(String name, Instructions code, List<?> objects, Map<Integer, MapDefinition> maps) {
        var result = Verifier.verify(VerificationRequest.of(name, code, ProgramType.UNSPEC)
                .withContext(ContextLayout.rawMemory(64)).withMaps(maps)
                .withOptions(VerificationOptions.DEFAULT.withPrivileged(true).withLogLevel(0)));
        return ProgramImage.load(name, code, HelperRegistry.empty(), objects, result);
    }

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
    void unverifiedProgramsKeepTheCheckedAccesses() {
        ProgramImage image = Asm.image("plain", code("stxdw [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit"));
        JitExecutable e = (JitExecutable) image.prepared(Runs.JIT);
        assertEquals(2, e.memoryAccesses());
        assertEquals(0, e.directAccesses());
    }
}
