package io.bpf4j.tests;

import io.bpf4j.isa.text.ConformanceCase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The bpf_conformance suite's files in ../shared/conformance/tests (found through the bpf4j.shared property). */
final class ConformanceSuite {
    /** How many files the suite has; a test fails if fewer are found, so a broken path cannot pass silently. */
    static final int EXPECTED_FILES = 313;

    private ConformanceSuite() {}

    static Path directory() {
        String shared = System.getProperty("bpf4j.shared", "../../shared");
        return Path.of(shared, "conformance", "tests").toAbsolutePath().normalize();
    }

    static List<Path> files() {
        try (Stream<Path> s = Files.list(directory())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".data")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the conformance suite in " + directory(), e);
        }
    }

    static List<ConformanceCase> cases() {
        return files().stream().map(ConformanceCase::read).toList();
    }

    /** Bytes as the suite's runner formats them: two lowercase hex digits and two spaces each. */
    static String runnerHex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 4);
        for (byte b : bytes) sb.append(String.format("%02x  ", b & 0xff));
        return sb.toString();
    }
}
