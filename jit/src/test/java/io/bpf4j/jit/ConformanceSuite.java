package io.bpf4j.jit;

import io.bpf4j.isa.text.ConformanceCase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bpf_conformance suite's 313 files in {@code ../shared/conformance/tests}. */
final class ConformanceSuite {
    private ConformanceSuite() {}

    static final int SIZE = 313;

    static Path directory() {
        String shared = System.getProperty("bpf4j.shared");
        Path dir = shared != null ? Path.of(shared, "conformance", "tests") : Path.of("..", "..", "shared", "conformance", "tests");
        assertTrue(Files.isDirectory(dir), "conformance suite not found at " + dir.toAbsolutePath()
                + " (run through Maven, or set -Dbpf4j.shared=<dir containing conformance/tests>)");
        return dir;
    }

    static List<ConformanceCase> all() {
        try (Stream<Path> files = Files.list(directory())) {
            List<ConformanceCase> cases = files.filter(p -> p.getFileName().toString().endsWith(".data")).sorted()
                    .map(ConformanceCase::read).toList();
            assertEquals(SIZE, cases.size(), "the conformance suite copy is incomplete");
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
