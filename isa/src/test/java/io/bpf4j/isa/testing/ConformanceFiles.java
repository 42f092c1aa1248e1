package io.bpf4j.isa.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where the bpf_conformance suite's {@code .data} files live: {@code ../shared/conformance/tests}. */
public final class ConformanceFiles {
    private ConformanceFiles() {}

    /** The number of files the suite has; a different count means the copy is incomplete. */
    public static final int SUITE_SIZE = 313;

    public static Path directory() {
        String shared = System.getProperty("bpf4j.shared");
        Path dir = shared != null ? Path.of(shared, "conformance", "tests") : Path.of("..", "..", "shared", "conformance", "tests");
        Assumptions.assumeTrue(Files.isDirectory(dir), "conformance suite not found at " + dir.toAbsolutePath()
                + " (set -Dbpf4j.shared=<dir containing conformance/tests>)");
        return dir;
    }

    /** Every {@code .data} file, sorted by name. */
    public static List<Path> all() {
        try (Stream<Path> files = Files.list(directory())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".data")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
