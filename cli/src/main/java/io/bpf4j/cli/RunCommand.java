package io.bpf4j.cli;

import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.cli.pcap.Packet;
import io.bpf4j.cli.pcap.PcapReader;
import io.bpf4j.cli.pcap.PcapWriter;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** {@code bpf4j run OBJ --prog NAME}: run a program, once or over a capture. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        header = "Run a program on packets or a capture, tail calls and all",
        sortOptions = false,
        description = {
                "Load a BPF object (maps created, prog arrays filled), run one of its programs and print what it "
                        + "returned, the packet and context it left, how long it took and the maps asked for.",
                "With --pcap, run it on every packet of a capture (pcap or pcapng) and print a summary: verdicts, "
                        + "packets per tail-call path, runs per program; --out writes the packets that go on to a new capture.",
                "With --trace, print each tail call an invocation made, and why one fell through."},
        footer = {"", "Exit codes: 0 the program ran (whatever it returned), 1 it was rejected or the run failed, 2 usage error.",
                "", "Examples:",
                "  bpf4j run examples/xdp-firewall/firewall.o --prog xdp_entry \\",
                "      --pcap examples/traffic.pcap",
                "  bpf4j run examples/xdp-firewall/firewall.o --prog xdp_entry \\",
                "      --pcap examples/traffic.pcap --packet 86 --trace",
                "  bpf4j run examples/xdp-firewall/firewall.o --prog xdp_entry \\",
                "      --pcap examples/traffic.pcap --update 'rules[06 00 17 00]=01 00 00 00' \\",
                "      --dump-map stats --out passed.pcap",
                "  bpf4j run examples/tc-cb/tc_prio.o --prog tc_classify --data-hex 0242ac11...",
                "  sudo bpf4j run examples/xdp-firewall/firewall.o --prog xdp_entry \\",
                "      --pcap examples/traffic.pcap --kernel"})
final class RunCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "OBJ", description = "A BPF object file.")
    Path object;

    @Option(names = "--prog", paramLabel = "NAME", required = true, description = "The program to run.")
    String prog;

    static final class Input {
        @Option(names = "--data-hex", paramLabel = "HEX", description = "The packet, in hex (spaces and colons allowed).")
        String dataHex;

        @Option(names = "--data", paramLabel = "FILE", description = "The packet: the raw bytes of FILE.")
        Path dataFile;

        @Option(names = "--pcap", paramLabel = "FILE", description = "Run on every packet of a capture (pcap or pcapng, Ethernet).")
        Path pcap;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Input input = new Input();

    @Option(names = "--ctx-hex", paramLabel = "HEX", description = "The context (struct xdp_md, struct __sk_buff, ...) in hex; default: what the kernel builds.")
    String ctxHex;

    @Option(names = "--set", paramLabel = "MAP[INDEX]=PROG", description = "Put PROG into a prog-array slot first (MAP[INDEX]= empties it). Repeatable.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--update", paramLabel = "MAP[KEY]=VALUE", description = "Write a map entry first, key and value in hex in the map's layout. Repeatable.")
    List<String> updates = new ArrayList<>();

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1", description = "Run N times and report the mean time per run (default 1). With --pcap: each packet N times.")
    int repeat;

    @Option(names = "--cpus", paramLabel = "N", description = "Virtual CPUs of bpf4j's runtime: per-CPU maps keep N values (default 1); "
            + "a capture's packets are spread over them by flow, as a NIC's RSS does. Not with --kernel.")
    Integer cpus;

    @Option(names = "--tail-call-limit", paramLabel = "32|33", description = "Tail calls per invocation: 32 as the seed says (default), 33 as Linux. Not with --kernel (the kernel has its own: 33).")
    Integer tailCallLimit;

    @Option(names = "--trace", description = "Print each tail call and why a tail call fell through. Not with --kernel.")
    boolean trace;

    @Option(names = "--limit", paramLabel = "N", description = "With --pcap: only the first N packets.")
    Long limit;

    @Option(names = "--packet", paramLabel = "N", description = "With --pcap: only packet N (numbered from 1, as Wireshark does).")
    Long packetNumber;

    @Option(names = "--out", paramLabel = "FILE", description = "With --pcap: write the packets that go on (XDP_PASS/XDP_TX, tc OK/UNSPEC/PIPE), as the program left them, to FILE.")
    Path out;

    @Option(names = "--dump-map", paramLabel = "NAME", description = "Print this map after the run(s). Repeatable.")
    List<String> dumpMaps = new ArrayList<>();

    @Option(names = "--privileged", description = "Verify as Linux does when root (CAP_PERFMON) loads the program, as XDP and tc programs "
            + "are loaded in practice: variable offsets into packets, reading stack not written, pointer comparisons. Default: the "
            + "seed's rule, Linux without CAP_PERFMON. With --kernel the kernel uses the privileges bpf4j runs with.")
    boolean privileged;

    /** bpf4j's engines, by the name {@code --engine} takes. */
    enum EngineName { jit, interpreter }

    @Option(names = "--engine", paramLabel = "jit|interpreter", defaultValue = "jit",
            description = "bpf4j's engine: jit (eBPF compiled to JVM bytecode, the default) or interpreter.")
    EngineName engine;

    @Option(names = "--kernel", description = "Run in the Linux kernel (BPF_PROG_TEST_RUN; needs root or CAP_BPF) instead of bpf4j's runtime.")
    boolean kernel;

    @Option(names = "--json", description = "Print JSON for machines instead of text.")
    boolean json;

    private ProgramSpec program;

    @Override
    public Integer call() {
        checkOptions();
        ObjectSpec spec = ObjectFiles.read(object);
        program = ObjectFiles.program(spec, prog);
        List<SlotAssignment> slotSets = new ArrayList<>();
        for (String s : sets) slotSets.add(SlotAssignment.parse(s).check(spec));
        List<MapUpdate> mapUpdates = new ArrayList<>();
        for (String u : updates) mapUpdates.add(MapUpdate.parse(u).check(spec, u));
        for (String m : dumpMaps) ObjectFiles.map(spec, m);
        byte[] ctx = ctxHex == null ? null : Hex.parse("--ctx-hex", ctxHex);
        byte[] data = null;
        if (input.dataHex != null) data = Hex.parse("--data-hex", input.dataHex);
        if (input.dataFile != null) data = readFile(input.dataFile, "--data");
        if (input.pcap != null && !Files.isRegularFile(input.pcap)) {
            throw CliException.usage("--pcap " + input.pcap + ": no such file (check the path; the sample capture is examples/traffic.pcap)");
        }
        if (data == null && input.pcap == null && Verdicts.takesPackets(program.type())) {
            throw CliException.usage("--prog " + prog + " is a " + ObjectFiles.lower(program.type()) + " program: give it a packet with --data-hex HEX, --data FILE or --pcap FILE");
        }
        if (data == null && input.pcap == null) data = new byte[0];

        try (RunBackend backend = open(spec, slotSets)) {
            for (SlotAssignment a : slotSets) backend.setSlot(a.map(), a.index(), a.program());
            for (MapUpdate u : mapUpdates) backend.map(u.map()).update(u.key(), u.value());
            Json.Obj result = Json.object().put("object", object.toString()).put("program", prog)
                    .put("type", ObjectFiles.lower(program.type())).put("backend", backend.description());
            if (input.pcap != null) runCapture(backend, ctx, result);
            else runOnce(backend, data, ctx, result);
            dump(backend, result);
            if (json) printJson(result);
        }
        return 0;
    }

    /** Whether --engine was given, not just defaulted. */
    private boolean engineChosen() {
        return spec.commandLine().getParseResult().hasMatchedOption("--engine");
    }

    private void checkOptions() {
        if (repeat < 1) throw CliException.usage("--repeat " + repeat + ": must be at least 1");
        if (tailCallLimit != null && tailCallLimit != 32 && tailCallLimit != 33) {
            throw CliException.usage("--tail-call-limit " + tailCallLimit + ": must be 32 (the seed) or 33 (Linux since 5.17)");
        }
        if (cpus != null && (cpus < 1 || cpus > 1024)) throw CliException.usage("--cpus " + cpus + ": must be 1..1024");
        if (kernel) {
            if (trace) throw CliException.usage("--trace needs bpf4j's runtime, which sees every tail call; the kernel's test run does not report them (drop --kernel)");
            if (cpus != null) throw CliException.usage("--cpus sets bpf4j's virtual CPUs; in the kernel, per-CPU maps have one value per possible CPU of this machine (drop --cpus or --kernel)");
            if (tailCallLimit != null) throw CliException.usage("--tail-call-limit sets bpf4j's limit; the kernel's is fixed (33 since Linux 5.17) (drop --tail-call-limit or --kernel)");
            if (engineChosen()) throw CliException.usage("--engine picks bpf4j's engine; the kernel uses its own JIT (drop --engine or --kernel)");
        }
        if (input.pcap == null && (out != null || limit != null || packetNumber != null)) {
            throw CliException.usage((out != null ? "--out" : limit != null ? "--limit" : "--packet") + " goes with --pcap (a capture to run)");
        }
        if (limit != null && limit < 1) throw CliException.usage("--limit " + limit + ": must be at least 1");
        if (packetNumber != null && packetNumber < 1) throw CliException.usage("--packet " + packetNumber + ": packets are numbered from 1");
        if (packetNumber != null && limit != null) throw CliException.usage("--packet and --limit: give one of them");
    }

    private RunBackend open(ObjectSpec spec, List<SlotAssignment> slotSets) {
        if (kernel) {
            List<String> named = slotSets.stream().map(SlotAssignment::program).filter(java.util.Objects::nonNull).toList();
            return new KernelBackend(spec, prog, named);
        }
        return EmbeddedBackend.open(spec, prog, cpus == null ? 1 : cpus, tailCallLimit == null ? 32 : tailCallLimit, engine == EngineName.jit, privileged);
    }

    private static byte[] readFile(Path f, String option) {
        if (!Files.isRegularFile(f)) throw CliException.usage(option + " " + f + ": no such file (check the path)");
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw CliException.usage(option + " " + f + ": cannot read (" + e.getMessage() + ")");
        }
    }

    // --- one run -------------------------------------------------------------------------------------------

    private void runOnce(RunBackend backend, byte[] data, byte[] ctx, Json.Obj result) {
        RunBackend.Outcome o = backend.run(data, ctx, repeat, trace, -1);
        ProgramType type = program.type();
        result.put("retval", o.retval()).put("verdict", Verdicts.name(type, o.retval()))
                .put("duration_ns", o.durationNanos()).put("repeat", repeat)
                .put("data_out", Hex.format(o.data())).put("meta_length", o.metaLength())
                .put("context_out", o.context() == null ? null : Hex.format(o.context()))
                .put("context_fields", o.context() == null ? null : contextFields(o.context()));
        if (o.hops() != null) result.put("hops", hopsJson(o.hops()));
        if (json) return;
        PrintWriter w = out();
        w.println(prog + " (" + ObjectFiles.lower(type) + ") on " + backend.description());
        if (o.hops() != null && (trace || o.hops().size() > 1)) {
            if (trace) printTrace(w, o.hops(), o.retval());
            else w.printf("%-9s %s%n", "programs", path(o.hops()) + " (" + o.hops().size() + " programs, " + (o.hops().size() - 1) + " tail call" + (o.hops().size() == 2 ? "" : "s") + ")");
        }
        w.printf("%-9s %s%n", "retval", o.retval() + (Verdicts.name(type, o.retval()) != null ? " (" + Verdicts.name(type, o.retval()) + ")" : ""));
        w.printf("%-9s %s%n", "duration", duration(o.durationNanos()) + (repeat > 1 ? " per run (mean of " + repeat + ")" : "")
                + (backend.tracesTailCalls() && repeat == 1 ? " (one run in a JVM just started: mostly warm-up)" : ""));
        int meta = o.metaLength();
        if (meta > 0) {
            w.printf("%-9s %d bytes: %s%n", "metadata", meta, HexFormat.ofDelimiter(" ").formatHex(o.data(), 0, meta));
        }
        w.printf("%-9s %d bytes%s%n", "data out", o.data().length - meta, o.data().length - meta == data.length && sameTail(o.data(), meta, data) ? " (unchanged)" : "");
        if (o.data().length - meta > 0 && !(o.data().length - meta == data.length && sameTail(o.data(), meta, data))) {
            hexdump(w, o.data(), meta);
        }
        if (o.context() != null) {
            Map<String, Object> f = contextFields(o.context());
            w.printf("%-9s %s%n", "context", f.isEmpty() ? "all zero" : fieldsText(f));
        }
        w.flush();
    }

    private static boolean sameTail(byte[] out, int from, byte[] in) {
        if (out.length - from != in.length) return false;
        for (int i = 0; i < in.length; i++) if (out[from + i] != in[i]) return false;
        return true;
    }

    /** The context's non-zero fields by name (u32 fields as numbers, others in hex). */
    private Map<String, Object> contextFields(byte[] ctx) {
        Map<String, Object> out = new LinkedHashMap<>();
        ContextLayout layout;
        try {
            layout = ContextLayout.forProgramType(program.type(), program.attachType());
        } catch (RuntimeException e) {
            return out;
        }
        if (layout.isRaw()) return out;
        for (ContextLayout.Field f : layout.fields()) {
            if (f.offset() + f.size() > ctx.length) continue;
            byte[] b = java.util.Arrays.copyOfRange(ctx, f.offset(), f.offset() + f.size());
            boolean zero = true;
            for (byte x : b) zero &= x == 0;
            if (zero) continue;
            Long n = Hex.littleEndian(b);
            if (n != null) {
                out.put(f.name(), n);
            } else if (b.length % 4 == 0) {
                // cb[5] and other u32 arrays: one number per element
                List<Long> words = new ArrayList<>();
                for (int i = 0; i < b.length; i += 4) words.add(Hex.littleEndian(java.util.Arrays.copyOfRange(b, i, i + 4)));
                out.put(f.name(), words);
            } else {
                out.put(f.name(), Hex.format(b));
            }
        }
        return out;
    }

    private static String fieldsText(Map<String, Object> f) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : f.entrySet()) {
            if (!sb.isEmpty()) sb.append(", ");
            Object v = e.getValue();
            sb.append(e.getKey()).append('=');
            if (v instanceof Long n) sb.append(number(n));
            else if (v instanceof List<?> l) sb.append(l.stream().map(x -> number((Long) x)).toList().toString().replace(" ", ""));
            else sb.append(v);
        }
        return sb.toString();
    }

    private static String number(long n) {
        return n < 4096 ? Long.toString(n) : "0x" + Long.toHexString(n);
    }

    private static void hexdump(PrintWriter w, byte[] b, int from) {
        for (int off = from; off < b.length; off += 16) {
            StringBuilder hex = new StringBuilder(), text = new StringBuilder();
            for (int i = off; i < off + 16; i++) {
                if (i < b.length) {
                    hex.append(String.format("%02x ", b[i]));
                    char c = (char) (b[i] & 0xff);
                    text.append(c >= 0x20 && c < 0x7f ? c : '.');
                } else {
                    hex.append("   ");
                }
                if (i == off + 7) hex.append(' ');
            }
            w.printf("  %04x  %s |%s|%n", off - from, hex, text);
        }
    }

    static String duration(long nanos) {
        if (nanos < 1_000) return nanos + " ns";
        if (nanos < 1_000_000) return String.format(Locale.ROOT, "%.1f µs", nanos / 1e3);
        if (nanos < 1_000_000_000) return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    static String path(List<RunBackend.Hop> hops) {
        StringBuilder sb = new StringBuilder();
        for (RunBackend.Hop h : hops) {
            if (!sb.isEmpty()) sb.append(" → ");
            sb.append(h.program());
        }
        return sb.toString();
    }

    private void printTrace(PrintWriter w, List<RunBackend.Hop> hops, long retval) {
        for (int i = 0; i < hops.size(); i++) {
            RunBackend.Hop h = hops.get(i);
            w.printf("  #%d %s%n", i, h.program());
            for (RunBackend.TailCallEvent e : h.events()) {
                String at = e.pc() >= 0 ? "pc " + e.pc() + ": " : "";
                String array = e.map() != null ? e.map() : "slot ";
                if (e.target() != null) {
                    w.printf("       %stail call %s[%d] → %s%n", at, array, e.index(), e.target());
                } else {
                    w.printf("       %stail call %s[%d] fell through: %s%n", at, array, e.index(), e.reason());
                }
            }
        }
        w.printf("       exit: r0 = %s%n", Verdicts.label(program.type(), retval));
    }

    private static List<Object> hopsJson(List<RunBackend.Hop> hops) {
        List<Object> out = new ArrayList<>();
        for (RunBackend.Hop h : hops) {
            List<Object> events = new ArrayList<>();
            for (RunBackend.TailCallEvent e : h.events()) {
                events.add(Json.object().put("pc", e.pc() < 0 ? null : e.pc()).put("map", e.map()).put("index", e.index())
                        .put("target", e.target()).put("fell_through", e.target() == null ? e.reason() : null));
            }
            out.add(Json.object().put("program", h.program()).put("tail_calls", events));
        }
        return out;
    }

    // --- a capture -----------------------------------------------------------------------------------------

    private void runCapture(RunBackend backend, byte[] ctx, Json.Obj result) {
        ProgramType type = program.type();
        Map<String, Long> verdicts = new TreeMap<>();
        Map<String, List<Long>> paths = new LinkedHashMap<>(); // path -> each packet's time
        Map<String, Long> runs = new LinkedHashMap<>();
        Map<String, Long> fallThroughs = new TreeMap<>();
        long packets = 0, written = 0, totalNanos = 0, seen = 0;
        List<Long> durations = new ArrayList<>();
        ProgressBar bar = new ProgressBar(err(), !json && ProgressBar.terminal());
        List<Object> traced = new ArrayList<>();
        try (PcapReader reader = PcapReader.open(input.pcap);
             PcapWriter writer = out == null ? null : PcapWriter.create(out)) {
            for (Packet p = reader.next(); p != null; p = reader.next()) {
                if (limit != null && packets >= limit) break;
                seen++;
                if (packetNumber != null && seen < packetNumber) continue;
                if (packetNumber != null && seen > packetNumber) break;
                packets++;
                if (reader.lastLinkType() != PcapReader.LINKTYPE_ETHERNET && Verdicts.takesPackets(type)) {
                    throw CliException.failed(input.pcap + ": packet " + seen + " has link type " + reader.lastLinkType()
                            + ", not Ethernet (1); " + ObjectFiles.lower(type) + " programs take Ethernet frames");
                }
                RunBackend.Outcome o;
                try {
                    o = backend.run(p.data(), ctx, repeat, trace, cpus == null || cpus == 1 ? -1 : FlowHash.cpu(p.data(), cpus));
                } catch (io.bpf4j.BpfException e) {
                    throw new CliException(CliException.FAILED, input.pcap + ": packet " + seen + ": " + e.getMessage(), e);
                }
                String verdict = Verdicts.label(type, o.retval());
                verdicts.merge(verdict, 1L, Long::sum);
                totalNanos += o.durationNanos();
                durations.add(o.durationNanos());
                if (o.hops() != null) {
                    paths.computeIfAbsent(path(o.hops()), k -> new ArrayList<>()).add(o.durationNanos());
                    for (RunBackend.Hop h : o.hops()) {
                        runs.merge(h.program(), 1L, Long::sum);
                        for (RunBackend.TailCallEvent e : h.events()) {
                            if (e.target() == null) {
                                fallThroughs.merge(h.program() + (e.pc() >= 0 ? " pc " + e.pc() : "") + ": "
                                        + (e.map() != null ? e.map() : "slot ") + "[" + e.index() + "] " + e.reason(), 1L, Long::sum);
                            }
                        }
                    }
                }
                if (trace) {
                    if (json) {
                        traced.add(Json.object().put("packet", seen).put("summary", io.bpf4j.cli.pcap.PacketSummary.describe(p.data())).put("verdict", verdict).put("hops", o.hops() == null ? null : hopsJson(o.hops())));
                    } else {
                        PrintWriter w = out();
                        w.printf("packet %d: %s (%d bytes) → %s%n", seen, io.bpf4j.cli.pcap.PacketSummary.describe(p.data()), p.data().length, verdict);
                        if (o.hops() != null) printTrace(w, o.hops(), o.retval());
                    }
                }
                if (writer != null && Verdicts.forwards(type, o.retval())) {
                    byte[] d = java.util.Arrays.copyOfRange(o.data(), o.metaLength(), o.data().length);
                    if ((type == ProgramType.SOCKET_FILTER || type == ProgramType.CGROUP_SKB) && o.retval() < d.length) {
                        d = java.util.Arrays.copyOf(d, (int) o.retval());
                    }
                    writer.write(p.timestampNanos(), d, Math.max(d.length, p.originalLength() - p.data().length + d.length));
                    written++;
                }
                bar.update(reader.offset(), reader.fileSize(), String.format(Locale.ROOT, "%,d packets", packets));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            bar.finish();
        }
        if (packetNumber != null && packets == 0) {
            throw CliException.usage("--packet " + packetNumber + ": " + input.pcap + " has only " + seen + " packets");
        }

        List<Object> verdictRows = new ArrayList<>();
        for (Map.Entry<String, Long> v : sortedByCount(verdicts)) {
            verdictRows.add(Json.object().put("verdict", v.getKey()).put("packets", v.getValue()));
        }
        List<Map.Entry<String, List<Long>>> pathsByCount = paths.entrySet().stream()
                .sorted((a, b) -> Integer.compare(b.getValue().size(), a.getValue().size())).toList();
        List<Object> pathRows = new ArrayList<>();
        for (Map.Entry<String, List<Long>> e : pathsByCount) {
            pathRows.add(Json.object().put("path", e.getKey()).put("packets", e.getValue().size()).put("median_ns", median(e.getValue())));
        }
        List<Map.Entry<String, Long>> runsByCount = sortedByCount(runs);
        List<List<String>> pathPrograms = new ArrayList<>();
        List<Long> pathPackets = new ArrayList<>(), pathMedians = new ArrayList<>();
        for (Map.Entry<String, List<Long>> e : pathsByCount) {
            pathPrograms.add(List.of(e.getKey().split(" → ")));
            pathPackets.add((long) e.getValue().size());
            pathMedians.add(median(e.getValue()));
        }
        Map<String, Double> perProgram = PathTimes.perProgram(pathPrograms, pathPackets, pathMedians);
        List<Object> runRows = new ArrayList<>();
        for (Map.Entry<String, Long> e : runsByCount) {
            Double t = perProgram.get(e.getKey());
            runRows.add(Json.object().put("program", e.getKey()).put("runs", e.getValue())
                    .put("estimated_ns_per_run", t == null ? null : Math.round(t)));
        }
        List<Long> all = durations;
        result.put("capture", input.pcap.toString()).put("packets", packets).put("repeat", repeat)
                .put("total_ns", totalNanos).put("mean_ns", packets == 0 ? 0 : totalNanos / packets)
                .put("median_ns", all.isEmpty() ? null : median(all))
                .put("verdicts", verdictRows).put("paths", backend.tracesTailCalls() ? pathRows : null)
                .put("program_runs", backend.tracesTailCalls() ? runRows : null)
                .put("fell_through", backend.tracesTailCalls() ? fallThroughs : null)
                .put("written", out == null ? null : written).put("out", out == null ? null : out.toString());
        if (trace && json) result.put("trace", traced);
        if (json) return;

        PrintWriter w = out();
        if (trace && packets == 1) {
            // the trace above says it all
            w.println("Time: " + duration(totalNanos) + " in the programs" + (repeat > 1 ? " (mean of " + repeat + " runs)" : "") + " — " + backend.description());
            if (out != null) w.println("Wrote " + written + " packet" + (written == 1 ? "" : "s") + " that go on to " + out);
            w.flush();
            return;
        }
        if (trace) w.println();
        w.println("Ran " + prog + " (" + ObjectFiles.lower(type) + ") on " + String.format(Locale.ROOT, "%,d", packets) + " packet"
                + (packets == 1 ? "" : "s") + " from " + input.pcap + " — " + backend.description());
        w.println();
        Table vt = new Table("VERDICT", "PACKETS>", "SHARE>");
        for (Map.Entry<String, Long> v : sortedByCount(verdicts)) {
            vt.row(v.getKey(), String.format(Locale.ROOT, "%,d", v.getValue()), String.format(Locale.ROOT, "%.1f%%", 100.0 * v.getValue() / Math.max(1, packets)));
        }
        vt.print(w);
        if (backend.tracesTailCalls()) {
            w.println();
            Table pt = new Table("TAIL-CALL PATH", "PACKETS>", "MEDIAN TIME>");
            for (Map.Entry<String, List<Long>> e : pathsByCount) {
                pt.row(e.getKey(), String.format(Locale.ROOT, "%,d", e.getValue().size()), duration(median(e.getValue())));
            }
            pt.print(w);
            w.println();
            Table rt = perProgram.isEmpty() ? new Table("PROGRAM", "RUNS>") : new Table("PROGRAM", "RUNS>", "TIME PER RUN*>", "TOTAL*>");
            for (Map.Entry<String, Long> e : runsByCount) {
                Double t = perProgram.get(e.getKey());
                if (perProgram.isEmpty()) rt.row(e.getKey(), String.format(Locale.ROOT, "%,d", e.getValue()));
                else rt.row(e.getKey(), String.format(Locale.ROOT, "%,d", e.getValue()), duration(Math.round(t)), duration(Math.round(t * e.getValue())));
            }
            rt.print(w);
            if (!perProgram.isEmpty()) {
                w.println("* estimated: the runtime times whole invocations (as Linux's bpf_stats does), so each program's share is");
                w.println("  the non-negative least-squares fit of the paths' median times; the cost of starting an invocation");
                w.println("  lands on the entry program");
            }
            if (!fallThroughs.isEmpty()) {
                w.println();
                w.println("Tail calls that fell through:");
                for (Map.Entry<String, Long> e : fallThroughs.entrySet()) w.println("  " + e.getKey() + " (" + e.getValue() + "×)");
            }
        }
        w.println();
        w.println("Time: " + duration(totalNanos) + " in the programs" + (repeat > 1 ? " (each packet's time the mean of " + repeat + " runs)" : "")
                + "; per packet " + duration(all.isEmpty() ? (packets == 0 ? 0 : totalNanos / packets) : median(all)) + " median"
                + (backend.tracesTailCalls() ? " (the first packets include the JVM warming up)" : ""));
        if (out != null) w.println("Wrote " + String.format(Locale.ROOT, "%,d", written) + " packets that go on to " + out);
        w.flush();
    }

    static long median(List<Long> values) {
        long[] a = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return a.length == 0 ? 0 : a[a.length / 2];
    }

    private static List<Map.Entry<String, Long>> sortedByCount(Map<String, Long> m) {
        return m.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).toList();
    }

    // --- maps ----------------------------------------------------------------------------------------------

    private void dump(RunBackend backend, Json.Obj result) {
        if (dumpMaps.isEmpty()) return;
        List<Object> maps = new ArrayList<>();
        for (String name : dumpMaps) {
            BpfMap m = backend.map(name);
            if (json) maps.add(MapDump.json(m));
            else {
                out().println();
                MapDump.print(out(), m);
            }
        }
        out().flush();
        if (json) result.put("maps", maps);
    }
}
