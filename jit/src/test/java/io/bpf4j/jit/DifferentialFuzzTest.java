package io.bpf4j.jit;

import io.bpf4j.isa.text.Disassembler;
import io.bpf4j.runtime.ProgramImage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Interpreter against JIT on random programs ({@link RandomPrograms}): r0 or the error (reason and message), the
 * instruction count, the tail call count and the caller memory must all agree. A disagreement writes a reproducer
 * (seed, every program as hex bytecode and as text, both outcomes) to {@code target/jit-reproducers/} and fails with
 * it. Two programs in five (one verified, one not) are compiled with a tiny method budget, so chunked code is compared too. The normal run
 * checks a few thousand programs; {@code -Plong} runs {@link #large} with many more.
 *
 * <p>Two cases in five are programs the verifier accepts ({@link VerifiedPrograms}), loaded with its facts, so the
 * JIT's direct accesses ({@link AccessPlan}) are compared with the interpreter's checked ones; the run fails unless
 * nearly all of them verify and use direct access. Every run prints its counts at the end. Disjoint seed ranges can
 * run in parallel JVMs: {@code -Dbpf4j.fuzz.seed=<first> -Dbpf4j.fuzz.count=<n>} (reproducers are named by seed).
 */
class DifferentialFuzzTest {
    static final int SMOKE = 2000;

    @Test
    void smoke() {
        fuzz(0x5eed_0000L, SMOKE);
    }

    @Tag("long")
    @Test
    void large() {
        fuzz(Long.getLong("bpf4j.fuzz.seed", 0xb16_0000L), Integer.getInteger("bpf4j.fuzz.count", 200_000));
    }

    /** Re-runs one seed: {@code -Dbpf4j.fuzz.replay=<seed>}; skipped without it. */
    @Test
    void replay() {
        Long seed = Long.getLong("bpf4j.fuzz.replay");
        org.junit.jupiter.api.Assumptions.assumeTrue(seed != null, "no -Dbpf4j.fuzz.replay=<seed> given");
        fuzz(seed, 1);
    }

    /**
     * Two seeds in five ({@code -Dbpf4j.fuzz.verifiedShare=n}: n in five) make programs the verifier accepts
     * ({@link VerifiedPrograms}), whose proven accesses the JIT compiles directly; the rest unverified ones.
     */
    static boolean verifiedCase(long seed) {
        return Math.floorMod(seed, 5) < Integer.getInteger("bpf4j.fuzz.verifiedShare", 2);
    }

    private static void fuzz(long firstSeed, int count) {
        int errors = 0, tailCalls = 0, split = 0;
        int verifiedCases = 0, accepted = 0, rejected = 0, usingDirect = 0;
        long accesses = 0, direct = 0;
        for (long seed = firstSeed; seed < firstSeed + count; seed++) {
            VerifiedPrograms.Case v = verifiedCase(seed) ? VerifiedPrograms.generate(seed) : null;
            RandomPrograms.Case c = v != null ? new RandomPrograms.Case(seed, v.entry(), v.targets(), v.memory(), v.options())
                    : RandomPrograms.generate(seed);
            Runs.Outcome interpreted, compiled;
            JitEngine jit = seed % 25 == 0 ? Runs.JIT : seed % 5 == 0 || seed % 5 == 3 ? Runs.SPLIT_JIT : Runs.FAST_JIT;
            try {
                // every 25th case through the verifying engine (ClassFile.verify on its classes), two in five split into chunks
                Runs.Outcome[] o;
                if (v != null) {
                    o = Runs.compare(jit, v.entry(), v.memory(), v.options(), v.value(), v.valueBytes());
                    verifiedCases++;
                    rejected += v.rejected();
                    boolean anyDirect = false;
                    List<ProgramImage> all = new ArrayList<>(v.targets());
                    all.add(v.entry());
                    for (ProgramImage p : all) {
                        if (p.verification() == null) continue;
                        accepted++;
                        JitExecutable e = (JitExecutable) p.prepared(jit);
                        accesses += e.memoryAccesses();
                        direct += e.directAccesses();
                        anyDirect |= e.directAccesses() > 0;
                    }
                    if (anyDirect) usingDirect++;
                } else {
                    o = Runs.compare(jit, c.entry(), c.memory(), c.options());
                }
                interpreted = o[0];
                compiled = o[1];
            } catch (JitCompilationException e) {
                fail(reproducer(c, "-", "did not compile: " + e.getMessage()));
                return;
            }
            if (!interpreted.sameAs(compiled)) {
                String note = v == null ? "" : " (verified case: map value at start " + HexFormat.of().formatHex(v.valueBytes())
                        + ", appended to the memory below)";
                fail(reproducer(c, interpreted.describe() + note, compiled.describe()));
            }
            if (jit == Runs.SPLIT_JIT && ((JitExecutable) c.entry().prepared(jit)).methods().stream().anyMatch(m -> m.name().contains("$"))) split++;
            if (interpreted.error() != null) errors++;
            if (interpreted.tailCalls() > 0) tailCalls++;
        }
        System.out.printf("differential fuzz, seeds %d..%d: %d programs, %d ended with an error, %d made tail calls, %d ran split;"
                        + " %d verified cases: %d programs accepted (%d rejected), %d cases used direct access, %d of %d memory"
                        + " instructions of accepted programs direct%n",
                firstSeed, firstSeed + count - 1, count, errors, tailCalls, split, verifiedCases, accepted, rejected, usingDirect, direct, accesses);
        // the generator must exercise both endings and tail calls, or the comparison proves little
        int unverified = count - verifiedCases; // verified programs do not fault
        assertTrue(errors > unverified / 50 || unverified < 100, errors + " of " + unverified + " unverified programs ended with an error");
        assertTrue(errors < unverified * 3 / 4 || unverified < 100, errors + " of " + unverified + " unverified programs ended with an error");
        assertTrue(tailCalls > count / 50 || count < 100, "only " + tailCalls + " programs made a tail call");
        assertTrue(split > count / 10 || count < 100, "only " + split + " programs ran split into chunks");
        // verified programs must really be verified and really use direct access, or they compare the checked path again
        if (verifiedCases == 0) return; // -Dbpf4j.fuzz.verifiedShare=0
        assertTrue(rejected * 10 < accepted || count < 100, rejected + " generated programs rejected by the verifier, " + accepted + " accepted");
        assertTrue(usingDirect * 10 > verifiedCases * 8 || count < 100, "only " + usingDirect + " of " + verifiedCases + " verified cases used direct access");
        assertTrue(direct * 2 > accesses || count < 100, "only " + direct + " of " + accesses + " memory instructions direct");
    }

    private static String reproducer(RandomPrograms.Case c, String interpreted, String compiled) {
        StringBuilder sb = new StringBuilder();
        sb.append("engines disagree on seed ").append(c.seed()).append(" (replay: -Dbpf4j.fuzz.replay=").append(c.seed()).append(")\n");
        sb.append("options: ").append(c.options()).append('\n');
        sb.append("memory: ").append(HexFormat.of().formatHex(c.memory())).append('\n');
        sb.append("interpreter: ").append(interpreted).append('\n');
        sb.append("jit:         ").append(compiled).append('\n');
        List<ProgramImage> all = new ArrayList<>();
        all.add(c.entry());
        all.addAll(c.targets());
        for (ProgramImage p : all) {
            sb.append("\nprogram ").append(p.name()).append(" (").append(p.slotCount()).append(" slots)\n");
            sb.append("hex: ").append(HexFormat.of().formatHex(p.instructions().encode())).append('\n');
            sb.append(Disassembler.listing(p.instructions()));
        }
        Path dir = Path.of(System.getProperty("basedir", "."), "target", "jit-reproducers");
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("seed-" + c.seed() + ".txt");
            Files.writeString(file, sb);
            sb.insert(0, "reproducer written to " + file.toAbsolutePath() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }
}
