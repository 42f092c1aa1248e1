package io.bpf4j.isa.text;

import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.testing.ConformanceFiles;
import io.bpf4j.isa.testing.InstructionShapes;
import io.bpf4j.isa.testing.RandomInstructions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Hostile text: lines mutated at random must either assemble or fail with an {@link AssemblyException} that
 * names a line of the input, never with anything else. A bounded run is part of the fast suite; the long one
 * runs with {@code -Plong}.
 */
class TextFuzzTest {
    /** Characters the syntaxes give meaning to, so that mutations often stay almost-valid. */
    private static final String ALPHABET = "rw%0123456789x+-*/=<>&|^s()[],:;# \tabcdefluljpgotkmn.\u00e9";

    private static String mutate(String text, SplittableRandom random) {
        StringBuilder sb = new StringBuilder(text);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = sb.isEmpty() ? 0 : random.nextInt(sb.length() + 1);
            switch (random.nextInt(4)) {
                case 0 -> sb.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                case 1 -> { if (at < sb.length()) sb.deleteCharAt(at); }
                case 2 -> { if (at < sb.length()) sb.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length()))); }
                default -> {
                    int end = Math.min(sb.length(), at + random.nextInt(6));
                    sb.insert(at, sb.substring(at, end)); // duplicate a piece
                }
            }
        }
        return sb.toString();
    }

    private static void survive(String text, int lineCount, Consumer<String> parser) {
        try {
            parser.accept(text);
        } catch (AssemblyException e) {
            assertThat(e.line()).as("line named by `%s`", e.getMessage()).isBetween(1, lineCount + 1);
            assertThat(e.getMessage()).contains("line " + e.line());
        } catch (RuntimeException e) {
            fail("`" + text + "` escaped as " + e, e);
        }
    }

    private static void fuzzLlvm(int rounds, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Instructions program = Instructions.of(InstructionShapes.all());
        List<String> lines = new ArrayList<>(Disassembler.text(program).lines().toList());
        lines.addAll(Disassembler.listing(Instructions.of(new RandomInstructions(random.split()).next(200))).lines().toList());
        lines.add("loop: if r1 != 0x0 goto loop");
        for (int i = 0; i < rounds; i++) {
            String line = mutate(lines.get(random.nextInt(lines.size())), random);
            survive("r0 = 0x0\n" + line + "\nexit\n", 3, Assembler::assemble);
        }
    }

    private static void fuzzConformance(int rounds, long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        List<Path> files = ConformanceFiles.all();
        for (int i = 0; i < rounds; i++) {
            Path file = files.get(random.nextInt(files.size()));
            String text = Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1);
            List<String> fileLines = new ArrayList<>(text.lines().toList());
            int victim = random.nextInt(fileLines.size());
            fileLines.set(victim, mutate(fileLines.get(victim), random));
            survive(String.join("\n", fileLines), fileLines.size(), t -> ConformanceCase.parse("fuzz", t));
        }
    }

    @Test
    void mutatedLlvmTextFailsCleanly() {
        fuzzLlvm(20_000, 1);
    }

    @Test
    void mutatedConformanceFilesFailCleanly() throws Exception {
        fuzzConformance(5_000, 2);
    }

    @Test
    @Tag("long")
    void longFuzz() throws Exception {
        fuzzLlvm(2_000_000, 3);
        fuzzConformance(300_000, 4);
    }
}
