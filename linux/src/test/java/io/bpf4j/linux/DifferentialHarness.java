package io.bpf4j.linux;

import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.text.Disassembler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one place where a program's run on bpf4j and its run in the kernel are compared. Every differential test
 * turns what each side left behind into an {@link Outcome} — return value, output packet, output context and
 * the contents of every map (for the instruction-set contract the 64 bytes of memory are the value of a map
 * in the kernel, so they are a map here too) — and hands both to {@link #compare}. A mismatch is counted,
 * reported with both outcomes, and written as a self-contained {@link Reproducer} to
 * {@code linux/target/differential-reproducers/}; copying that file to
 * {@code src/test/resources/differential-reproducers/} makes {@link ReproducerRegressionTest} replay it on
 * every run. A divergence with a known cause is recorded with its {@link ExplainedDivergence} instead
 * (and only through one). {@link #finish} prints {@code differential <name>: N programs, M mismatches} and
 * fails when M is not 0.
 */
final class DifferentialHarness {
    /** Where reproducers of new mismatches go (module-relative: surefire runs in the module directory). */
    static final Path REPRODUCERS = Path.of("target", "differential-reproducers");

    /**
     * What a run left behind. {@code packet} and {@code context} are null where the run has none (a
     * program under the instruction-set contract has neither; the kernel copies a context out only when one
     * was passed in); {@code maps} holds each compared map's contents by name, as {@link #snapshot} renders it.
     */
    record Outcome(long retval, byte[] packet, byte[] context, SortedMap<String, String> maps) {
        Outcome {
            packet = packet == null ? null : packet.clone();
            context = context == null ? null : context.clone();
            maps = new TreeMap<>(maps);
        }

        static Outcome of(long retval, Map<String, String> maps) {
            return new Outcome(retval, null, null, new TreeMap<>(maps));
        }

        /** The instruction-set contract: r0 and the memory the program was given. */
        static Outcome isa(KernelIsaRunner.Ran ran) {
            return of(ran.r0(), Map.of("memory", HexFormat.of().formatHex(ran.memory())));
        }

        /** The fields in which this outcome and another differ, in a fixed order (empty: they agree). */
        List<String> differences(Outcome o) {
            List<String> out = new ArrayList<>();
            if (retval != o.retval) out.add("retval");
            if (!Arrays.equals(packet, o.packet)) out.add("packet");
            if (!Arrays.equals(context, o.context)) out.add("context");
            if (!maps.keySet().equals(o.maps.keySet())) out.add("maps compared");
            for (String m : maps.keySet()) if (o.maps.containsKey(m) && !maps.get(m).equals(o.maps.get(m))) out.add("map " + m);
            return out;
        }

        String describe() {
            StringBuilder sb = new StringBuilder("retval=0x").append(Long.toHexString(retval));
            if (packet != null) sb.append(" packet=").append(HexFormat.of().formatHex(packet));
            if (context != null) sb.append(" context=").append(HexFormat.of().formatHex(context));
            maps.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            return sb.toString();
        }
    }

    /**
     * Everything needed to run a case again without its generator: a kind (which {@link ReproducerRegressionTest}
     * knows how to replay), the seed and index it came from, the programs' bytes as hex and the inputs.
     * Written as {@code key: value} lines; the disassembly follows, indented, for the reader.
     */
    record Reproducer(String kind, Map<String, String> fields, String listing) {
        Reproducer {
            fields = new LinkedHashMap<>(fields);
        }

        /** A program under the instruction-set contract (r1 = memory, r2 = its length; r0 and memory compared). */
        static Reproducer isa(String origin, Instructions program, byte[] memory) {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("origin", origin);
            f.put("program", hex(program));
            f.put("memory", HexFormat.of().formatHex(memory));
            return new Reproducer("isa", f, Disassembler.listing(program));
        }

        String get(String key) {
            String v = fields.get(key);
            if (v == null) throw new IllegalArgumentException("reproducer of kind " + kind + " has no '" + key + "'");
            return v;
        }

        String text(String differential, String engine, Outcome bpf4j, Outcome kernel, List<String> differ) {
            StringBuilder sb = new StringBuilder("# bpf4j differential reproducer: replayed by ReproducerRegressionTest when\n"
                    + "# copied to linux/src/test/resources/differential-reproducers/\n");
            sb.append("kind: ").append(kind).append('\n');
            sb.append("differential: ").append(differential).append('\n');
            fields.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
            if (engine != null) sb.append("engine: ").append(engine).append('\n');
            if (bpf4j != null) sb.append("bpf4j: ").append(bpf4j.describe()).append('\n');
            if (kernel != null) sb.append("kernel: ").append(kernel.describe()).append('\n');
            if (differ != null) sb.append("differs: ").append(String.join(", ", differ)).append('\n');
            sb.append("listing:\n");
            for (String line : listing.split("\n")) sb.append("  ").append(line).append('\n');
            return sb.toString();
        }

        /** Reads what {@link #text} wrote (indented lines and comments are for people). */
        static Reproducer parse(String text) {
            Map<String, String> f = new LinkedHashMap<>();
            StringBuilder listing = new StringBuilder();
            for (String line : text.split("\n")) {
                if (line.startsWith("#") || line.isBlank()) continue;
                if (line.startsWith("  ")) {
                    listing.append(line.substring(2)).append('\n');
                    continue;
                }
                int colon = line.indexOf(':');
                if (colon < 0) throw new IllegalArgumentException("not a 'key: value' line: " + line);
                f.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
            String kind = f.remove("kind");
            if (kind == null) throw new IllegalArgumentException("a reproducer needs a 'kind: ' line");
            f.remove("listing");
            return new Reproducer(kind, f, listing.toString());
        }
    }

    static String hex(Instructions program) {
        return HexFormat.of().formatHex(program.encode());
    }

    private final String name;
    private final List<String> mismatches = new ArrayList<>();
    private final Map<ExplainedDivergence, List<String>> explained = new TreeMap<>();
    private int programs;

    DifferentialHarness(String name) {
        this.name = name;
    }

    /**
     * Compares one program's outcomes; on a difference records it and writes the reproducer. Returns whether
     * they agree.
     */
    boolean compare(String what, Reproducer reproducer, String engine, Outcome bpf4j, Outcome kernel) {
        programs++;
        List<String> differ = bpf4j.differences(kernel);
        if (differ.isEmpty()) return true;
        Path file = write(what, reproducer.text(name, engine, bpf4j, kernel, differ));
        mismatches.add(what + " on " + engine + " (" + String.join(", ", differ) + "; reproducer " + file + "):\n  "
                + engine + " " + bpf4j.describe() + "\n  kernel " + kernel.describe() + "\n" + reproducer.listing());
        return false;
    }

    /** A case that could not be compared for a reason no {@link ExplainedDivergence} covers: a mismatch. */
    void unexplained(String what, Reproducer reproducer, String engine, String problem) {
        programs++;
        Path file = write(what, reproducer.text(name, engine, null, null, List.of(problem)));
        mismatches.add(what + (engine == null ? "" : " on " + engine) + ": " + problem + " (reproducer " + file + ")\n"
                + reproducer.listing());
    }

    /** A case that diverged for a documented reason: counted apart, never a mismatch. */
    void explained(ExplainedDivergence why, String what) {
        programs++;
        explained.computeIfAbsent(why, k -> new ArrayList<>()).add(what);
    }

    /**
     * A difference with a documented cause that is established case by case (an independent reference sides
     * with bpf4j): counted apart, never a mismatch, and its reproducer is written all the same.
     */
    void explained(ExplainedDivergence why, String what, Reproducer reproducer, String engine, Outcome bpf4j, Outcome kernel) {
        write(what, reproducer.text(name, engine, bpf4j, kernel, bpf4j.differences(kernel))
                .replaceFirst("\nkind: ", "\nexpect: explained " + why.name() + "\nkind: "));
        explained(why, what);
    }

    /** Counts a case compared elsewhere (for example in a loop over several runs) without a difference. */
    void agreed() {
        programs++;
    }

    int programs() {
        return programs;
    }

    List<String> mismatches() {
        return List.copyOf(mismatches);
    }

    int explainedCount(ExplainedDivergence why) {
        return explained.getOrDefault(why, List.of()).size();
    }

    List<String> explainedCases(ExplainedDivergence why) {
        return List.copyOf(explained.getOrDefault(why, List.of()));
    }

    /** Prints the tally and fails on any mismatch. */
    void finish() {
        System.out.println(summary());
        assertThat(mismatches).as(summary()).isEmpty();
    }

    String summary() {
        StringBuilder sb = new StringBuilder("differential ").append(name).append(": ").append(programs).append(" programs, ")
                .append(mismatches.size()).append(" mismatches");
        explained.forEach((why, cases) -> sb.append(", ").append(cases.size()).append(" explained (").append(why.name()).append(')'));
        return sb.toString();
    }

    private Path write(String what, String text) {
        try {
            Files.createDirectories(REPRODUCERS);
            String file = (name + "-" + what).replaceAll("[^A-Za-z0-9._-]+", "_");
            if (file.length() > 150) file = file.substring(0, 150);
            Path out = REPRODUCERS.resolve(file + ".txt");
            Files.writeString(out, text);
            return out.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Renders a map's contents for comparison (see {@link KernelObjectDifferentialTest#snapshot}). */
    static String snapshot(io.bpf4j.maps.BpfMap map) {
        return KernelObjectDifferentialTest.snapshot(map);
    }
}
