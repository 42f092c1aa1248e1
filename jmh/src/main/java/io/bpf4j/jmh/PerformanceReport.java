package io.bpf4j.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one measurement run ({@code jmh/scripts/measure.sh}: JMH's CSV results and the console log with the
 * kernel's own figures) into the Markdown tables of docs/PERFORMANCE.md, so no number is copied by hand.
 *
 * <pre>java -cp jmh/target/benchmarks.jar io.bpf4j.jmh.PerformanceReport DIR</pre>
 * where DIR holds {@code comparison.csv}, {@code comparison.log}, {@code verifier.csv}, {@code verifier.log}.
 */
public final class PerformanceReport {
    private PerformanceReport() {}

    record Score(double score, double error) {}

    static final List<String> PROGRAMS = List.of("EMPTY", "HASH_LOOP_1000", "CHECKSUM_1K", "PARSE_64", "TAIL_CHAIN_33", "TAIL_SELF_33", "TAIL_SINGLE");
    static final List<String> WORK = List.of("HASH_LOOP_1000", "CHECKSUM_1K", "PARSE_64", "TAIL_CHAIN_33", "TAIL_SELF_33");

    /** benchmark method + "/" + parameter → score, from JMH's CSV (-rf csv). */
    static Map<String, Score> scores(Path csv) throws IOException {
        Map<String, Score> out = new LinkedHashMap<>();
        if (!Files.exists(csv)) return out;
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = csvFields(line);
            if (f.size() < 8) continue;
            String method = f.get(0).substring(f.get(0).lastIndexOf('.') + 1);
            double err = f.get(5).isEmpty() || f.get(5).equals("NaN") ? Double.NaN : Double.parseDouble(f.get(5));
            out.put(method + "/" + f.get(7), new Score(Double.parseDouble(f.get(4)), err));
        }
        return out;
    }

    private static List<String> csvFields(String line) {
        List<String> f = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) {
                f.add(cur.toString());
                cur.setLength(0);
            } else cur.append(c);
        }
        f.add(cur.toString());
        return f;
    }

    static Map<String, Double> logFigures(Path log, Pattern p) throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        if (!Files.exists(log)) return out;
        for (String line : Files.readAllLines(log)) {
            Matcher m = p.matcher(line);
            if (m.find()) out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }

    static String f(double v) {
        if (Double.isNaN(v)) return "—";
        if (Math.abs(v) >= 1000) return String.format(Locale.ROOT, "%,.0f", v);
        if (Math.abs(v) >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (Math.abs(v) >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String n(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%,d", (long) v);
    }

    static String se(Score s) {
        if (s == null) return "—";
        return f(s.score()) + (Double.isNaN(s.error()) ? "" : " ± " + f(s.error()));
    }

    static double v(Score s) {
        return s == null ? Double.NaN : s.score();
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : ".");
        Map<String, Score> cmp = scores(dir.resolve("comparison.csv"));
        Map<String, Double> duration = logFigures(dir.resolve("comparison.log"), Pattern.compile("^# kernel duration ([A-Z0-9_]+): ([0-9.]+) ns/run over all"));
        Map<String, Double> insns = logFigures(dir.resolve("comparison.log"), Pattern.compile("# ([A-Z0-9_]+): ([0-9]+) instructions per run"));

        System.out.println("#### ns per run (JMH score ± 99.9% error; kernel: BPF_PROG_TEST_RUN, 10,000 repeats per call)\n");
        System.out.println("| program | executed insns | interpreter | JIT | kernel wall / repeat | kernel `duration` |");
        System.out.println("|---|---|---|---|---|---|");
        for (String p : PROGRAMS) {
            System.out.println("| `" + p + "` | " + n(insns.getOrDefault(p, Double.NaN)) + " | " + se(cmp.get("interpreter/" + p)) + " | " + se(cmp.get("jit/" + p))
                    + " | " + se(cmp.get("kernel/" + p)) + " | " + f(duration.getOrDefault(p, Double.NaN)) + " |");
        }

        double ie = v(cmp.get("interpreter/EMPTY")), je = v(cmp.get("jit/EMPTY")), ke = duration.getOrDefault("EMPTY", Double.NaN);
        System.out.println("\n#### Net of the empty program (ns per run − the same engine's `EMPTY`), ratio to the kernel's net `duration`\n");
        System.out.println("| program | interpreter net | JIT net | kernel net | JIT / kernel | interpreter / kernel |");
        System.out.println("|---|---|---|---|---|---|");
        for (String p : WORK) {
            double in = v(cmp.get("interpreter/" + p)) - ie, jn = v(cmp.get("jit/" + p)) - je, kn = duration.getOrDefault(p, Double.NaN) - ke;
            System.out.println("| `" + p + "` | " + f(in) + " | " + f(jn) + " | " + f(kn) + " | **" + f(jn / kn) + "×** | " + f(in / kn) + "× |");
        }
        System.out.println("\nEmpty-program cost subtracted: interpreter " + f(ie) + " ns, JIT " + f(je) + " ns, kernel `duration` " + f(ke) + " ns.");

        System.out.println("\n#### Tail calls: ns per hop = (chain − `TAIL_SINGLE`) / 33\n");
        System.out.println("| chain | interpreter | JIT | kernel (`duration`) |");
        System.out.println("|---|---|---|---|");
        for (String chain : List.of("TAIL_CHAIN_33", "TAIL_SELF_33")) {
            double i = (v(cmp.get("interpreter/" + chain)) - v(cmp.get("interpreter/TAIL_SINGLE"))) / 33;
            double j = (v(cmp.get("jit/" + chain)) - v(cmp.get("jit/TAIL_SINGLE"))) / 33;
            double k = (duration.getOrDefault(chain, Double.NaN) - duration.getOrDefault("TAIL_SINGLE", Double.NaN)) / 33;
            System.out.println("| `" + chain + "` | " + f(i) + " | " + f(j) + " | " + f(k) + " |");
        }

        System.out.println("\n#### Interpreter: ns per executed instruction\n");
        System.out.println("| program | executed insns | ns/run ÷ insns | (ns/run − EMPTY) ÷ (insns − 2) |");
        System.out.println("|---|---|---|---|");
        for (String p : WORK) {
            double n = insns.getOrDefault(p, Double.NaN), s = v(cmp.get("interpreter/" + p));
            System.out.println("| `" + p + "` | " + n(n) + " | " + f(s / n) + " | " + f((s - ie) / (n - 2)) + " |");
        }

        Map<String, Double> cpuI = logFigures(dir.resolve("cputime.log"), Pattern.compile("^# cpu interpreter ([A-Z0-9_]+): ([0-9.]+) ns/run"));
        Map<String, Double> cpuJ = logFigures(dir.resolve("cputime.log"), Pattern.compile("^# cpu jit ([A-Z0-9_]+): ([0-9.]+) ns/run"));
        if (!cpuI.isEmpty() || !cpuJ.isEmpty()) {
            System.out.println("\n#### Cross-check by CPU time (`XdpCpuTime`: thread CPU time, best of 20 rounds), net of `EMPTY`, against the kernel's net `duration`\n");
            System.out.println("| program | interpreter ns/run | JIT ns/run | interpreter net | JIT net | kernel net | JIT / kernel | interpreter / kernel |");
            System.out.println("|---|---|---|---|---|---|---|---|");
            double ci = cpuI.getOrDefault("EMPTY", Double.NaN), cj = cpuJ.getOrDefault("EMPTY", Double.NaN);
            for (String p : PROGRAMS) {
                double a = cpuI.getOrDefault(p, Double.NaN), b = cpuJ.getOrDefault(p, Double.NaN), kn = duration.getOrDefault(p, Double.NaN) - ke;
                boolean work = WORK.contains(p);
                System.out.println("| `" + p + "` | " + f(a) + " | " + f(b) + " | " + (work ? f(a - ci) : "") + " | " + (work ? f(b - cj) : "") + " | " + (work ? f(kn) : "")
                        + " | " + (work ? "**" + f((b - cj) / kn) + "×**" : "") + " | " + (work ? f((a - ci) / kn) + "×" : "") + " |");
            }
            System.out.println("\n| tail calls, ns per hop by CPU time | interpreter | JIT |");
            System.out.println("|---|---|---|");
            for (String chain : List.of("TAIL_CHAIN_33", "TAIL_SELF_33")) {
                System.out.println("| `" + chain + "` | " + f((cpuI.getOrDefault(chain, Double.NaN) - cpuI.getOrDefault("TAIL_SINGLE", Double.NaN)) / 33)
                        + " | " + f((cpuJ.getOrDefault(chain, Double.NaN) - cpuJ.getOrDefault("TAIL_SINGLE", Double.NaN)) / 33) + " |");
            }
            System.out.println("\n| interpreter by CPU time | ns/run ÷ insns | (ns/run − EMPTY) ÷ (insns − 2) |");
            System.out.println("|---|---|---|");
            for (String p : WORK) {
                double n = insns.getOrDefault(p, Double.NaN), a = cpuI.getOrDefault(p, Double.NaN);
                System.out.println("| `" + p + "` | " + f(a / n) + " | " + f((a - ci) / (n - 2)) + " |");
            }
        }

        Map<String, Score> ver = scores(dir.resolve("verifier.csv"));
        Map<String, Double> kv = logFigures(dir.resolve("verifier.log"), Pattern.compile("^# kernel verification (\\S+): ([0-9.]+) us per op over all"));
        Map<String, Double> processed = logFigures(dir.resolve("verifier.log"), Pattern.compile("# (\\S+): \\d+ programs .*bpf4j processed (\\d+) insns"));
        if (!ver.isEmpty()) {
            System.out.println("\n#### Verification, µs per object (all its programs both verifiers accept)\n");
            System.out.println("| target | processed insns (bpf4j) | bpf4j `Verifier.verify` | kernel `verification time` | bpf4j / kernel | kernel whole load (wall) |");
            System.out.println("|---|---|---|---|---|---|");
            List<String> targets = new ArrayList<>();
            for (String k : ver.keySet()) {
                String t = k.substring(k.indexOf('/') + 1);
                if (!targets.contains(t)) targets.add(t);
            }
            for (String t : targets) {
                double b = v(ver.get("bpf4j/" + t)), k = kv.getOrDefault(t, Double.NaN);
                System.out.println("| `" + t + "` | " + n(processed.getOrDefault(t, Double.NaN)) + " | " + se(ver.get("bpf4j/" + t)) + " | " + f(k) + " | **" + f(b / k) + "×** | " + se(ver.get("kernel/" + t)) + " |");
            }
        }
    }
}
