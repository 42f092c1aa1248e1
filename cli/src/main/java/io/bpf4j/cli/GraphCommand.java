package io.bpf4j.cli;

import io.bpf4j.abi.MapType;
import io.bpf4j.cli.graph.GraphRenderer;
import io.bpf4j.cli.graph.ProgArray;
import io.bpf4j.cli.graph.ProgramAnalysis;
import io.bpf4j.cli.graph.ProgramCode;
import io.bpf4j.cli.graph.TailCallGraph;
import io.bpf4j.cli.graph.TailCallSite;
import io.bpf4j.object.MapReference;
import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.object.Subprogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code bpf4j graph OBJ}: the tail-call graph and what it implies. */
@Command(name = "graph",
        mixinStandardHelpOptions = true,
        header = "Draw the tail-call graph; check chains, limit and stack",
        sortOptions = false,
        description = {
                "Draw the tail-call graph of a BPF object: programs as nodes, an edge for each tail-call site and "
                        + "slot it can reach (constant indices resolved statically, variable ones marked), with the "
                        + "prog arrays' contents (the object's static slots, changed with --set).",
                "Reports the longest chain, the cycles, whether the tail-call limit can be hit, and the worst-case "
                        + "stack: a tail call unwinds only the frame it is made from, so the frames of the functions "
                        + "that called it stay below every later program (the 256-byte rule)."},
        footer = {"", "Examples:",
                "  bpf4j graph examples/xdp-firewall/firewall.o",
                "  bpf4j graph examples/xdp-firewall/firewall.o -o firewall.svg",
                "      (then open firewall.svg in a browser)",
                "  bpf4j graph examples/xdp-firewall/firewall.o --format mermaid \\",
                "      --set 'stages[4]='"})
final class GraphCommand extends BaseCommand {
    enum Format { svg, dot, mermaid }

    @Parameters(index = "0", paramLabel = "OBJ", description = "A BPF object file.")
    Path object;

    @Option(names = "--prog", paramLabel = "NAME", description = "Start from this program only (default: every program no prog array holds).")
    String prog;

    @Option(names = "--set", paramLabel = "MAP[INDEX]=PROG", description = "Put PROG into a prog-array slot before drawing (empty PROG: empty the slot). Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--format", paramLabel = "svg|dot|mermaid", description = "Print the picture in this format instead of the report (default with -o: from the file's extension).")
    Format format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the picture to FILE and print the report.")
    Path output;

    @Option(names = "--tail-call-limit", paramLabel = "32|33", defaultValue = "32",
            description = "Tail calls per invocation: 32 as the seed says (default), 33 as Linux since 5.17.")
    int limit;

    @Option(names = "--json", description = "Print the graph and the report as JSON.")
    boolean json;

    @Override
    public Integer call() {
        if (limit != 32 && limit != 33) throw CliException.usage("--tail-call-limit " + limit + ": must be 32 (the seed) or 33 (Linux since 5.17)");
        ObjectSpec spec = ObjectFiles.read(object);
        if (prog != null) ObjectFiles.program(spec, prog);
        TailCallGraph g = build(spec, sets, limit, prog);
        Format fmt = format;
        if (output != null && fmt == null) fmt = fromExtension(output);
        String title = "Tail calls of " + object.getFileName() + (prog != null ? " from " + prog : "");
        GraphRenderer renderer = new GraphRenderer(g, title);
        String picture = fmt == null ? null : switch (fmt) {
            case svg -> renderer.svg(summary(g));
            case dot -> renderer.dot();
            case mermaid -> renderer.mermaid();
        };
        if (output != null) {
            try {
                Files.writeString(output, picture, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw CliException.usage("-o " + output + ": cannot write (" + e.getMessage() + ")");
            }
        }
        if (json) {
            printJson(json(g));
        } else if (picture != null && output == null) {
            out().print(picture);
            out().flush();
        } else {
            report(g);
            if (output != null) out().println("\nWrote the " + fmt + " picture to " + output + ".");
        }
        return 0;
    }

    private static Format fromExtension(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".svg")) return Format.svg;
        if (n.endsWith(".dot") || n.endsWith(".gv")) return Format.dot;
        if (n.endsWith(".mmd") || n.endsWith(".mermaid") || n.endsWith(".md")) return Format.mermaid;
        throw CliException.usage("-o " + file + ": cannot tell the format from the name; add --format svg|dot|mermaid or name it .svg, .dot or .mmd");
    }

    /** The graph of an object's programs with its prog arrays as the object fills them, changed by {@code --set}s. */
    static TailCallGraph build(ObjectSpec spec, List<String> sets, int limit, String root) {
        Map<String, ProgArray> arrays = new LinkedHashMap<>();
        for (MapSpec m : spec.maps()) {
            if (m.definition().type() == MapType.PROG_ARRAY) {
                arrays.put(m.name(), new ProgArray(m.name(), m.definition().maxEntries(), m.initialProgramSlots()));
            }
        }
        for (String s : sets) {
            SlotAssignment a = SlotAssignment.parse(s).check(spec);
            arrays.put(a.map(), arrays.get(a.map()).with(a.index(), a.program()));
        }
        return TailCallGraph.build(codeOf(spec), arrays, limit, root);
    }

    static List<ProgramCode> codeOf(ObjectSpec spec) {
        List<ProgramCode> out = new ArrayList<>();
        for (ProgramSpec p : spec.programs()) {
            Map<Integer, String> maps = new HashMap<>();
            for (MapReference r : p.mapReferences()) maps.put(r.pc(), r.mapName());
            Map<Integer, String> functions = new HashMap<>();
            for (Subprogram s : p.subprograms()) functions.put(s.startPc(), s.name());
            out.add(new ProgramCode(p.name(), p.sectionName(), p.instructions(), maps, functions));
        }
        return out;
    }

    static String chainText(List<String> programs) {
        return String.join(" → ", programs);
    }

    /** The findings, one line each: printed under the table and at the bottom of the SVG. */
    static List<String> summary(TailCallGraph g) {
        List<String> lines = new ArrayList<>();
        TailCallGraph.Chain longest = g.longestChain();
        List<List<String>> cycles = g.cycles();
        lines.add("Entry programs: " + String.join(", ", g.roots().stream().filter(g.nodes()::containsKey).toList()));
        if (longest.capped()) {
            lines.add("Longest chain: unbounded (a cycle); the limit stops it after " + g.limit() + " tail calls (" + (g.limit() + 1) + " programs)");
        } else {
            lines.add("Longest chain: " + chainText(longest.programs()) + " (" + longest.tailCalls() + " tail call"
                    + (longest.tailCalls() == 1 ? "" : "s") + ", " + longest.programs().size() + " program" + (longest.programs().size() == 1 ? "" : "s") + ")");
        }
        if (cycles.isEmpty()) lines.add("Cycles: none");
        else for (List<String> c : cycles) lines.add("Cycle: " + chainText(c) + " → " + c.getFirst());
        if (longest.capped()) {
            lines.add("Tail-call limit: can be hit: the cycle goes round until " + g.limit() + " tail calls were made, then the next one falls through");
        } else if (longest.tailCalls() >= g.limit()) {
            lines.add("Tail-call limit: can be hit: the longest chain makes " + longest.tailCalls() + " tail calls, the limit is " + g.limit());
        } else {
            lines.add("Tail-call limit: cannot be hit: at most " + longest.tailCalls() + " of " + g.limit() + " tail calls");
        }
        TailCallGraph.Chain worst = g.worstCaseStack();
        lines.add("Worst-case stack: " + worst.stackBytes() + " bytes" + (worst.programs().size() > 1 ? " along " + chainText(worst.programs()) : "")
                + " (each frame rounded up to 32 bytes; caller frames stay below a tail call made from a subprogram)");
        for (String w : g.warnings()) lines.add("Warning: " + w);
        return lines;
    }

    private void report(TailCallGraph g) {
        var w = out();
        w.println("Tail-call graph of " + object.getFileName() + " (limit " + g.limit() + " tail calls, " + (g.limit() + 1) + " programs per invocation)");
        w.println();
        Table programs = new Table("PROGRAM", "SECTION", "INSNS>", "STACK>", "ENTRY");
        for (TailCallGraph.Node n : g.nodes().values()) {
            programs.row(n.name(), n.section(), n.instructions(), n.analysis().ownStack() + " B", n.entry() ? "yes" : "-");
        }
        programs.print(w);
        w.println();
        Table sites = new Table("FROM", "PC>", "IN FUNCTION", "INDEX", "SLOT", "TARGET");
        for (TailCallGraph.Edge e : g.edges()) {
            TailCallSite s = e.site();
            String index = s.slots() == null ? "variable" : s.slots().size() == 1 ? "constant" : "one of " + s.slots();
            String target = e.to() != null ? e.to() : switch (e.fallthrough()) {
                case EMPTY -> e.slot() < 0 ? "(other slots: empty, falls through)" : "(empty: falls through)";
                case OUT_OF_RANGE -> "(out of range: falls through)";
                case UNKNOWN_MAP -> "(unknown prog array)";
            };
            sites.row(e.from(), s.pc(), s.function(), index, slot(e), target);
        }
        if (sites.isEmpty()) w.println("No tail calls.");
        else sites.print(w);
        w.println();
        for (String line : summary(g)) w.println(line);
        w.flush();
    }

    private static String slot(TailCallGraph.Edge e) {
        String map = e.map() == null ? "?" : e.map();
        return e.slot() < 0 ? map + "[*]" : map + "[" + e.slot() + "]";
    }

    private Object json(TailCallGraph g) {
        List<Object> nodes = new ArrayList<>();
        for (TailCallGraph.Node n : g.nodes().values()) {
            List<Object> functions = new ArrayList<>();
            for (ProgramAnalysis.Function f : n.analysis().functions()) {
                functions.add(Json.object().put("name", f.name()).put("entry_pc", f.entry()).put("frame_bytes", f.frameBytes())
                        .put("rounded_frame", f.roundedFrame()).put("calls", f.callees()));
            }
            nodes.add(Json.object().put("name", n.name()).put("section", n.section()).put("instructions", n.instructions())
                    .put("entry", n.entry()).put("stack", n.analysis().ownStack()).put("functions", functions));
        }
        List<Object> edges = new ArrayList<>();
        for (TailCallGraph.Edge e : g.edges()) {
            edges.add(Json.object().put("from", e.from()).put("pc", e.site().pc()).put("function", e.site().function())
                    .put("map", e.map()).put("slot", e.slot() < 0 ? null : e.slot())
                    .put("possible_slots", e.site().slots() == null ? null : new ArrayList<>(e.site().slots()))
                    .put("variable_index", e.variable()).put("to", e.to())
                    .put("falls_through", e.fallthrough() == null ? null : ObjectFiles.lower(e.fallthrough()))
                    .put("caller_stack", e.site().callerStack()));
        }
        Map<String, Object> arrays = new LinkedHashMap<>();
        for (ProgArray a : g.arrays().values()) {
            Json.Obj slots = Json.object();
            for (var s : a.slots().entrySet()) slots.put(String.valueOf(s.getKey()), s.getValue());
            arrays.put(a.name(), Json.object().put("max_entries", a.maxEntries()).put("slots", slots));
        }
        TailCallGraph.Chain longest = g.longestChain();
        TailCallGraph.Chain worst = g.worstCaseStack();
        return Json.object()
                .put("object", object.toString())
                .put("limit", g.limit())
                .put("entries", g.roots().stream().filter(g.nodes()::containsKey).toList())
                .put("programs", nodes)
                .put("edges", edges)
                .put("prog_arrays", arrays)
                .put("longest_chain", Json.object().put("programs", longest.programs()).put("tail_calls", longest.tailCalls()).put("unbounded", longest.capped()))
                .put("cycles", g.cycles())
                .put("limit_reachable", g.limitReachable())
                .put("worst_case_stack", Json.object().put("bytes", worst.stackBytes()).put("programs", worst.programs()))
                .put("warnings", g.warnings());
    }
}
