package io.bpf4j.jit;

import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.interpreter.Interpreter;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.fail;

/** Runs a program on an engine and captures everything observable, so two engines can be compared. */
final class Runs {
    private Runs() {}

    static final Engine INTERPRETER = Interpreter.INSTANCE;
    /** Verifies every class it generates and refuses to fall back: a test program that does not compile is a failure. */
    static final JitEngine JIT = new JitEngine(JitOptions.defaults().withVerify(true).withFallback(FallbackPolicy.FAIL));
    /**
     * With a method budget so small that most programs are split into chunks: the chunked code paths (registers in
     * an array between chunks, exits and tail calls through the dispatcher) against the interpreter.
     */
    static final JitEngine SPLIT_JIT = new JitEngine(JitOptions.defaults().withVerify(true).withFallback(FallbackPolicy.FAIL)
            .withMethodLimit(1500, 400));
    /** Like {@link #JIT} without {@code ClassFile.verify} (which costs more than compiling): for volume. */
    static final JitEngine FAST_JIT = new JitEngine(JitOptions.defaults().withVerify(false).withFallback(FallbackPolicy.FAIL));

    static List<Engine> engines() {
        return List.of(INTERPRETER, JIT);
    }

    /** What a run did: r0 or the error, the instruction count, the tail calls and the input memory afterwards. */
    record Outcome(long r0, ExecutionException error, long executed, int tailCalls, byte[] memory) {
        String describe() {
            return (error == null ? "r0 = 0x" + Long.toHexString(r0) : "error " + error.reason() + ": " + error.getMessage())
                    + ", executed " + executed + ", tail calls " + tailCalls + ", memory " + HexFormat.of().formatHex(memory);
        }

        boolean sameAs(Outcome o) {
            boolean sameEnd = error == null
                    ? o.error == null && r0 == o.r0
                    : o.error != null && error.reason() == o.error.reason() && normalized(error).equals(normalized(o.error));
            return sameEnd && executed == o.executed && tailCalls == o.tailCalls && Arrays.equals(memory, o.memory);
        }
    }

    /**
     * An error message without what differs between two address spaces by design: the generation in the top 16 bits
     * of addresses (every address space starts at its own) and generation numbers in words.
     */
    static String normalized(ExecutionException e) {
        return e.getMessage().replaceAll("0x[0-9a-f]{4}_([0-9a-f]{4}_[0-9a-f]{8})", "0xGGGG_$1")
                .replaceAll("generation \\d+", "generation G");
    }

    /** Runs with {@code memory} (copied) as caller memory in r1 and its length in r2; null means r1 = r2 = 0. */
    static Outcome run(Engine engine, ProgramImage image, byte[] memory, RuntimeOptions options) {
        return run(engine, image, memory, new Invocation(options));
    }

    /** Runs in {@code inv} (begun anew). */
    static Outcome run(Engine engine, ProgramImage image, byte[] memory, Invocation inv) {
        return run(engine, image, memory, inv, null, null);
    }

    /**
     * Runs in {@code inv} (begun anew) after setting {@code shared} (a region the programs reach by themselves, e.g. a
     * map value; may be null) to {@code sharedBytes}; the outcome's memory is the caller memory followed by it.
     */
    static Outcome run(Engine engine, ProgramImage image, byte[] memory, Invocation inv, Region shared, byte[] sharedBytes) {
        if (shared != null) MemorySegment.copy(sharedBytes, 0, shared.segment(), ValueLayout.JAVA_BYTE, 0, sharedBytes.length);
        inv.begin();
        Region region = memory == null ? null : Region.copyOf(RegionKind.CALLER_MEMORY, "input", memory, true);
        long r1 = region == null ? 0 : inv.memory().register(region);
        long r0 = 0;
        ExecutionException error = null;
        try {
            r0 = image.prepared(engine).run(inv, r1, memory == null ? 0 : memory.length);
        } catch (ExecutionException e) {
            error = e;
        }
        byte[] after = region == null ? new byte[0] : region.segment().toArray(ValueLayout.JAVA_BYTE);
        if (shared != null) {
            byte[] s = shared.segment().toArray(ValueLayout.JAVA_BYTE);
            after = Arrays.copyOf(after, after.length + s.length);
            System.arraycopy(s, 0, after, after.length - s.length, s.length);
        }
        return new Outcome(r0, error, inv.executedInstructions(), inv.tailCalls(), after);
    }

    private static final Map<RuntimeOptions, Invocation[]> PAIRS = new ConcurrentHashMap<>();

    /**
     * Two invocations whose address spaces are at the same generation, so that a program's pointers have the same
     * bits on both engines (programs may compute with them) as long as each is begun once per comparison.
     */
    static Invocation[] alignedPair(RuntimeOptions options) {
        return PAIRS.computeIfAbsent(options, o -> {
            Invocation a = new Invocation(o), b = new Invocation(o);
            a.begin();
            b.begin();
            for (int i = 0; i < 70_000 && a.memory().generation() != b.memory().generation(); i++) a.begin();
            if (a.memory().generation() != b.memory().generation()) throw new IllegalStateException("cannot align generations");
            return new Invocation[] {a, b};
        });
    }

    /** Runs on the interpreter and on the JIT (same address generation), returns both outcomes. */
    static Outcome[] compare(ProgramImage image, byte[] memory, RuntimeOptions options) {
        return compare(JIT, image, memory, options);
    }

    static Outcome[] compare(JitEngine jit, ProgramImage image, byte[] memory, RuntimeOptions options) {
        return compare(jit, image, memory, options, null, null);
    }

    /** {@link #compare(JitEngine, ProgramImage, byte[], RuntimeOptions)} with a shared region reset before each run. */
    static Outcome[] compare(JitEngine jit, ProgramImage image, byte[] memory, RuntimeOptions options, Region shared, byte[] sharedBytes) {
        Invocation[] pair = alignedPair(options);
        return new Outcome[] {run(INTERPRETER, image, memory, pair[0], shared, sharedBytes), run(jit, image, memory, pair[1], shared, sharedBytes)};
    }

    /** Runs on the interpreter and on the JIT, fails unless they agree in every respect, returns the JIT's outcome. */
    static Outcome both(ProgramImage image, byte[] memory, RuntimeOptions options) {
        Outcome[] o = compare(image, memory, options);
        Outcome interpreted = o[0], compiled = o[1];
        if (!interpreted.sameAs(compiled)) {
            fail("engines disagree on " + image.name() + "\n  interpreter: " + interpreted.describe() + "\n  jit:         " + compiled.describe());
        }
        return compiled;
    }

    static Outcome both(ProgramImage image, byte[] memory) {
        return both(image, memory, RuntimeOptions.DEFAULTS);
    }

    static Outcome both(ProgramImage image) {
        return both(image, null, RuntimeOptions.DEFAULTS);
    }
}
