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
 * it. One program in five is compiled with a tiny method budget, so chunked code is compared too. The normal run
 * checks a few thousand programs; {@code -Plong} runs {@link #large} with many more.
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

    private static void fuzz(long firstSeed, int count) {
        int errors = 0, tailCalls = 0, split = 0;
        for (long seed = firstSeed; seed < firstSeed + count; seed++) {
            RandomPrograms.Case c = RandomPrograms.generate(seed);
            Runs.Outcome interpreted, compiled;
            JitEngine jit = seed % 25 == 0 ? Runs.JIT : seed % 5 == 0 ? Runs.SPLIT_JIT : Runs.FAST_JIT;
            try {
                // every 25th case through the verifying engine (ClassFile.verify on its classes), every 5th split into chunks
                Runs.Outcome[] o = Runs.compare(jit, c.entry(), c.memory(), c.options());
                interpreted = o[0];
                compiled = o[1];
            } catch (JitCompilationException e) {
                fail(reproducer(c, "-", "did not compile: " + e.getMessage()));
                return;
            }
            if (!interpreted.sameAs(compiled)) fail(reproducer(c, interpreted.describe(), compiled.describe()));
            if (jit == Runs.SPLIT_JIT && ((JitExecutable) c.entry().prepared(jit)).methods().stream().anyMatch(m -> m.name().contains("$"))) split++;
            if (interpreted.error() != null) errors++;
            if (interpreted.tailCalls() > 0) tailCalls++;
        }
        // the generator must exercise both endings and tail calls, or the comparison proves little
        assertTrue(errors > count / 50 || count < 100, errors + " of " + count + " programs ended with an error");
        assertTrue(errors < count / 2 || count < 100, errors + " of " + count + " programs ended with an error");
        assertTrue(tailCalls > count / 50 || count < 100, "only " + tailCalls + " programs made a tail call");
        assertTrue(split > count / 10 || count < 100, "only " + split + " programs ran split into chunks");
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
