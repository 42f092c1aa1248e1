package io.bpf4j.testdata;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The committed BPF object fixtures (built from {@code testdata/src/main/c} by {@code testdata/build.sh}), read
 * from the class path so tests in any module can use them without clang.
 *
 * <p>Names are file names such as {@code "tail_calls.o"}; the {@code .o} may be omitted.
 */
public final class Fixtures {
    private static final String ROOT = "/io/bpf4j/testdata/";
    private static final Map<String, Path> EXTRACTED = new ConcurrentHashMap<>();

    private Fixtures() {}

    /** Every fixture object, sorted by name (the list {@code build.sh} writes). */
    public static List<String> names() {
        try (InputStream in = open("fixtures.txt")) {
            List<String> names = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) names.add(line.strip());
            }
            return List.copyOf(names);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the fixture list", e);
        }
    }

    /** The bytes of a fixture object. */
    public static byte[] bytes(String name) {
        try (InputStream in = open(fileName(name))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fixture " + name, e);
        }
    }

    /**
     * A file holding the fixture: the resource itself when the class path is a directory, otherwise a copy in a
     * temporary directory (made once per fixture and deleted when the JVM exits).
     */
    public static Path path(String name) {
        return EXTRACTED.computeIfAbsent(fileName(name), file -> {
            try {
                var url = Fixtures.class.getResource(ROOT + file);
                if (url == null) throw new IllegalArgumentException("no fixture named " + file + "; known: " + names());
                if ("file".equals(url.getProtocol())) return Path.of(url.toURI());
                Path dir = Files.createTempDirectory("bpf4j-fixtures");
                dir.toFile().deleteOnExit();
                Path copy = dir.resolve(file);
                Files.write(copy, bytes(file));
                copy.toFile().deleteOnExit();
                return copy;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract fixture " + file, e);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException("fixture " + file + " has an unusable URL", e);
            }
        });
    }

    /** The C source a fixture was built from, e.g. {@code source("cpuv_v3.o")} gives cpuv.c. */
    public static String source(String name) {
        String base = fileName(name).replaceFirst("(_v[1-4])?\\.o$", "");
        try (InputStream in = open("src/" + base + ".c")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the source of fixture " + name, e);
        }
    }

    private static String fileName(String name) {
        return name.endsWith(".o") ? name : name + ".o";
    }

    private static InputStream open(String file) throws IOException {
        InputStream in = Fixtures.class.getResourceAsStream(ROOT + file);
        if (in == null) throw new IOException("missing resource " + ROOT + file);
        return in;
    }
}
