package io.bpf4j.jit;

import io.bpf4j.BpfException;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.Executable;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;

import java.util.List;
import java.util.Optional;

/**
 * A program prepared by the {@link JitEngine}: compiled code, or — when the compiler could not handle it and the
 * policy allowed it — the interpreter's form, with the reason. Thread-safe; each thread uses its own
 * {@link Invocation}.
 */
public final class JitExecutable implements Executable {
    private final ProgramImage image;
    private final JitEngine engine;
    private final JitCompiler.Compiled compiled; // null when falling back
    private final Executable fallback; // null when compiled
    private final JitCompilationException reason;
    private final CompiledCode entry;

    JitExecutable(ProgramImage image, JitEngine engine, JitCompiler.Compiled compiled, Executable fallback, JitCompilationException reason) {
        this.image = image;
        this.engine = engine;
        this.compiled = compiled;
        this.fallback = fallback;
        this.reason = reason;
        this.entry = compiled != null ? compiled.code() : JitRuntime.interpreterBridge(image, fallback, reason.getMessage());
    }

    @Override
    public ProgramImage image() {
        return image;
    }

    @Override
    public Engine engine() {
        return engine;
    }

    /** True when the program runs as compiled code; false when it fell back to the interpreter. */
    public boolean isCompiled() {
        return compiled != null;
    }

    /** Why the program runs on the interpreter, when it does. */
    public Optional<JitCompilationException> fallbackReason() {
        return Optional.ofNullable(reason);
    }

    /** Nanoseconds the compilation took (also when it failed: then 0). */
    public long compileNanos() {
        return compiled == null ? 0 : compiled.compileNanos();
    }

    /** The generated methods and their bytecode sizes; empty when not compiled. */
    public List<JitCompiler.MethodSize> methods() {
        return compiled == null ? List.of() : compiled.methods();
    }

    /** The generated class file; empty when not compiled. */
    public Optional<byte[]> classBytes() {
        return compiled == null ? Optional.empty() : Optional.of(compiled.classBytes().clone());
    }

    /** Load, store and atomic instructions of the program; 0 when not compiled. */
    public int memoryAccesses() {
        return compiled == null ? 0 : compiled.memoryAccesses();
    }

    /**
     * Of {@link #memoryAccesses()}, those compiled to direct accesses because the verifier proved their region
     * (frame slots through r10, packet, context, map values); 0 for an unverified program.
     */
    public int directAccesses() {
        return compiled == null ? 0 : compiled.directAccesses();
    }

    CompiledCode entry() {
        return entry;
    }

    @Override
    public long run(Invocation invocation, long r1, long r2, long r3, long r4, long r5) {
        if (compiled == null) return fallback.run(invocation, r1, r2, r3, r4, r5);
        JitContext ctx = new JitContext(engine, invocation);
        if (entry.entryReads != 0) {
            long[] args = ctx.registers();
            args[2] = r2;
            args[3] = r3;
            args[4] = r4;
            args[5] = r5;
        }
        long fp;
        try {
            fp = invocation.memory().frameTop(0);
        } catch (BpfException e) { // the invocation was not begun: the interpreter's words
            throw new ExecutionException(ExecutionException.Reason.UNSUPPORTED, image.name(), 0, image.slots()[0], image.describe(0), e.getMessage(), e);
        }
        try {
            long r0 = entry.enter(ctx, r1, fp, 0);
            if (ctx.tailTarget != null) r0 = ctx.continueTailCalls(0);
            invocation.recordExecuted(ctx.executed);
            return r0;
        } catch (ProgramExit exit) {
            invocation.recordExecuted(ctx.executed);
            return exit.r0;
        } catch (ExecutionException e) {
            invocation.recordExecuted(ctx.executed);
            throw e;
        } catch (StackOverflowError | RuntimeException e) {
            invocation.recordExecuted(ctx.executed);
            throw new ExecutionException(ExecutionException.Reason.INTERNAL_ERROR, image.name(), -1, 0, null,
                    "internal error in JIT-compiled code: " + e, e);
        }
    }

    @Override
    public String toString() {
        return (compiled != null ? "compiled " : "interpreted (JIT fallback) ") + image;
    }
}
