package io.bpf4j.jit;

import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.ExecutionException.Reason;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.helpers.HelperRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.bpf4j.jit.Asm.code;
import static io.bpf4j.jit.Asm.loadObject;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine around the compiler: fallback policy, compile statistics, debug dumps, and errors like the interpreter's. */
class JitEngineTest {
    /** Jumps from the main program into its subprogram: the interpreter runs it, the JIT cannot give it a method. */
    private static ProgramImage crossFunctionJump() {
        return Asm.image("crossing", code("""
                ja inside
                call local f
                exit
                f:
                mov %r0, 5
                inside:
                mov %r0, 9
                exit
                """));
    }

    @Test
    void failPolicyRefusesNamingProgramAndPc() {
        JitEngine engine = new JitEngine(JitOptions.defaults().withFallback(FallbackPolicy.FAIL));
        JitCompilationException e = assertThrows(JitCompilationException.class, () -> engine.prepare(crossFunctionJump()));
        assertEquals("crossing", e.program());
        assertEquals(0, e.pc());
        assertTrue(e.getMessage().contains("'crossing'") && e.getMessage().contains("pc 0"), e.getMessage());
    }

    @Test
    void silentAndWarnFallBackToTheInterpreterWithTheReason() {
        for (FallbackPolicy policy : List.of(FallbackPolicy.SILENT, FallbackPolicy.WARN)) {
            JitEngine engine = new JitEngine(JitOptions.defaults().withFallback(policy));
            ProgramImage image = crossFunctionJump();
            JitExecutable e = engine.prepare(image);
            assertFalse(e.isCompiled());
            assertEquals(0, e.fallbackReason().orElseThrow().pc(), "the reason names pc 0");
            assertEquals(9, Runs.run(engine, image, null, RuntimeOptions.DEFAULTS).r0());
            assertEquals(engine, e.engine());
        }
    }

    @Test
    void theJitIsFoundAsAnEngineServiceSoTheRuntimeCanPreferIt() {
        List<io.bpf4j.runtime.Engine> engines = java.util.ServiceLoader.load(io.bpf4j.runtime.Engine.class).stream()
                .map(java.util.ServiceLoader.Provider::get).toList();
        assertTrue(engines.stream().anyMatch(e -> e instanceof JitEngine && e.name().equals("jit")), engines.toString());
    }

    @Test
    void compileTimeAndMethodSizesAreReported() {
        JitExecutable e = Runs.JIT.prepare(Asm.image("small", code("mov %r0, 1\nexit")));
        assertTrue(e.isCompiled());
        assertTrue(e.compileNanos() > 0);
        assertTrue(e.methods().stream().anyMatch(m -> m.name().equals("f0") && m.bytes() > 0), e.methods().toString());
        assertTrue(e.fallbackReason().isEmpty());
    }

    @Test
    void theDebugSwitchDumpsVerifiableClasses(@TempDir Path dir) throws IOException {
        String old = System.getProperty(JitOptions.DEBUG_PROPERTY);
        System.setProperty(JitOptions.DEBUG_PROPERTY, dir.toString());
        try {
            JitOptions options = JitOptions.defaults();
            assertTrue(options.verify());
            assertEquals(dir, options.dumpDirectory());
            new JitEngine(options).prepare(Asm.image("dumped", code("mov %r0, 1\nexit")));
        } finally {
            if (old == null) System.clearProperty(JitOptions.DEBUG_PROPERTY);
            else System.setProperty(JitOptions.DEBUG_PROPERTY, old);
        }
        byte[] bytes = Files.readAllBytes(dir.resolve("dumped.class"));
        assertEquals(List.of(), ClassFile.of().verify(bytes));
        assertTrue(Files.readString(dir.resolve("dumped.txt")).contains("f0("));
    }

    @Test
    void anEndlessLoopStopsAtTheSamePcWithTheSameMessage() {
        Runs.Outcome o = Runs.both(Asm.image("endless", code("mov %r0, 0\nloop:\nadd %r0, 1\nja loop")), null,
                RuntimeOptions.DEFAULTS.withInstructionBudget(10_000));
        assertEquals(Reason.BUDGET_EXHAUSTED, o.error().reason());
        assertEquals(2, o.error().pc());
        assertTrue(o.error().getMessage().contains("instruction budget of 10000 exhausted"), o.error().getMessage());
    }

    @Test
    void runawayRecursionHitsTheFrameLimitLikeTheInterpreter() {
        Runs.Outcome o = Runs.both(Asm.image("recursion", code("call local f\nexit\nf:\ncall local f\nexit")));
        assertEquals(Reason.CALL_STACK_OVERFLOW, o.error().reason());
        assertTrue(o.error().getMessage().contains("frame 9"), o.error().getMessage());
    }

    @Test
    void memoryFaultsHelperFailuresAndBadCallTargetsAreTheInterpretersErrors() {
        HelperRegistry helpers = HelperRegistry.empty().with(7, "boom", (inv, a, b, c, d, e) -> {
            throw new IllegalStateException("boom");
        });
        assertEquals(Reason.MEMORY_FAULT, Runs.both(Asm.image("oob", code("ldxdw %r0, [%r10+8]\nexit"))).error().reason());
        assertEquals(Reason.MEMORY_FAULT, Runs.both(Asm.image("input", code("ldxw %r0, [%r1+6]\nexit")), new byte[8]).error().reason());
        assertEquals(Reason.HELPER_FAILED, Runs.both(ProgramImage.load("boom", code("call 7\nexit"), helpers)).error().reason());
        assertEquals(Reason.UNKNOWN_HELPER, Runs.both(Asm.image("callx-unknown", code("mov %r2, 99\ncall %r2\nexit"))).error().reason());
        assertEquals(Reason.BAD_CALL_TARGET, Runs.both(Asm.image("callx-bad", code("mov %r2, -1\ncall %r2\nexit"))).error().reason());
        assertEquals(Reason.UNSUPPORTED, Runs.both(Asm.image("ldabs", code("ldabsb 3\nexit"))).error().reason());
    }

    @Test
    void runningWithoutBeginningTheInvocationIsTheSameError() {
        ProgramImage image = Asm.image("unbegun", code("mov %r0, 1\nexit"));
        ExecutionException i = assertThrows(ExecutionException.class, () -> image.prepared(Runs.INTERPRETER).run(new io.bpf4j.runtime.Invocation(), 0));
        ExecutionException j = assertThrows(ExecutionException.class, () -> image.prepared(Runs.JIT).run(new io.bpf4j.runtime.Invocation(), 0));
        assertEquals(i.reason(), j.reason());
        assertEquals(i.getMessage(), j.getMessage());
    }

    @Test
    void aHelperCanEndTheProgramFromASubprogram() {
        HelperRegistry helpers = HelperRegistry.empty().with(5, "unwind", (inv, a, b, c, d, e) -> {
            if (a == 0) inv.requestExit();
            return a + 40;
        });
        ProgramImage image = ProgramImage.load("unwind", code("""
                call local f
                mov %r0, 1
                exit
                f:
                mov %r1, 0
                call 5
                mov %r0, 2
                exit
                """), helpers);
        assertEquals(40, Runs.both(image).r0());
    }

    @Test
    void aTailCallTargetReadingRegistersTheJitDoesNotKeepStopsInsteadOfGuessing() {
        // the target reads r6 before writing it; the entry never wrote r6 (unverifiable on both counts)
        Slots slots = new Slots(1).set(0, Asm.image("reads-r6", code("mov %r0, %r6\nexit")));
        ProgramImage entry = Asm.image("entry", code(loadObject(2, 0), "mov %r3, 0\ncall 12\nexit"), HelperRegistry.empty(), List.of(slots));
        ExecutionException e = Runs.run(Runs.JIT, entry, null, RuntimeOptions.DEFAULTS).error();
        assertEquals(Reason.UNSUPPORTED, e.reason());
        assertTrue(e.getMessage().contains("r6"), e.getMessage());
        // when the entry wrote every register the target may read, the values are known and the engines agree
        ProgramImage writes = Asm.image("entry2", code("mov %r0, 0\nmov %r4, 0\nmov %r5, 0\nmov %r6, 66\nmov %r7, 0\nmov %r8, 0\nmov %r9, 0",
                loadObject(2, 0), "mov %r3, 0\ncall 12\nexit"), HelperRegistry.empty(), List.of(slots));
        assertEquals(66, Runs.both(writes).r0());
    }
}
