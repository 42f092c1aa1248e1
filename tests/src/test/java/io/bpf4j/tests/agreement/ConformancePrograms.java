package io.bpf4j.tests.agreement;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.text.ConformanceCase;
import io.bpf4j.linux.KernelIsaRunner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The bpf_conformance suite's programs wrapped the way the kernel backend runs them ({@code KernelIsaRunner}):
 * an XDP program whose prologue puts the case's memory in a map value (r1) and its length in r2, and whose
 * entry-frame exits jump to an epilogue that stores r0 in a result map. Wrapped here with map handles instead of
 * descriptors, so bpf4j and the kernel judge the very same instructions.
 */
final class ConformancePrograms {
    private ConformancePrograms() {}

    static final String CORPUS = "conformance";
    /** How many files the suite has; fewer found fails the test, so a broken path cannot pass quietly. */
    static final int EXPECTED_FILES = 313;
    private static final int MEMORY = 1, RESULT = 2;

    static Path directory() {
        return Path.of(System.getProperty("bpf4j.shared", "../../shared"), "conformance", "tests").toAbsolutePath().normalize();
    }

    static List<AgreementProgram> programs() {
        List<AgreementProgram> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".data")).sorted().toList()) {
                ConformanceCase c = ConformanceCase.read(f);
                Map<Integer, MapDefinition> maps = new TreeMap<>();
                int length = c.memory().length;
                if (length > 0) maps.put(MEMORY, new MapDefinition("isa_memory", MapType.ARRAY, 4, length, 1));
                maps.put(RESULT, new MapDefinition("isa_result", MapType.ARRAY, 4, 8, 1));
                out.add(AgreementProgram.of(CORPUS, c.name(), ProgramType.XDP, wrap(c.program(), length), maps));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the conformance suite in " + directory(), e);
        }
        return out;
    }

    /** The kernel backend's wrapper, with map handles instead of descriptors. */
    static Instructions wrap(Instructions body, int length) {
        return KernelIsaRunner.wrap(body, MEMORY, length, RESULT);
    }
}
