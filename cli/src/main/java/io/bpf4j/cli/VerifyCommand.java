package io.bpf4j.cli;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.object.LineInfo;
import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.verifier.ProgramRejectedException;
import io.bpf4j.verifier.VerificationOptions;
import io.bpf4j.verifier.VerificationRequest;
import io.bpf4j.verifier.VerificationResult;
import io.bpf4j.verifier.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code bpf4j verify OBJ}: what bpf4j's verifier says about each program. */
@Command(name = "verify",
        mixinStandardHelpOptions = true,
        header = "Verify programs with bpf4j's verifier and show its log",
        sortOptions = false,
        description = {
                "Verify the programs of a BPF object with bpf4j's verifier (Linux's rules: every path is explored, "
                        + "every memory access proven in bounds) and print its decision, what it cost, and its log.",
                "Each program is verified on its own, as the kernel verifies each tail-call target: it starts with "
                        + "only the context in R1 and a fresh stack."},
        footer = {"", "Exit codes: 0 every program accepted, 1 a program rejected (its reason on stderr), 2 usage error.",
                "", "Examples:", "  bpf4j verify examples/xdp-firewall/firewall.o",
                "  bpf4j verify examples/xdp-firewall/firewall.o --prog policy --log-level 2"})
final class VerifyCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "OBJ", description = "A BPF object file.")
    Path object;

    @Option(names = "--prog", paramLabel = "NAME", description = "Only this program (default: all).")
    String prog;

    @Option(names = "--log-level", paramLabel = "1|2", description = "Print the verifier log: 1 the instructions of each path, "
            + "2 also the registers at each branch and checkpoint (Linux's levels). A rejected program's log is kept in --json.")
    Integer logLevel;

    @Option(names = "--privileged", description = "Verify as Linux does for CAP_PERFMON: reading stack the program did not write is allowed. "
            + "Default: the seed's rule (and Linux without CAP_PERFMON): a program reads only what it wrote.")
    boolean privileged;

    @Option(names = "--json", description = "Print JSON for machines instead of a table.")
    boolean json;

    record Outcome(ProgramSpec program, VerificationResult result, ProgramRejectedException rejection) {}

    @Override
    public Integer call() {
        if (logLevel != null && logLevel != 1 && logLevel != 2) throw CliException.usage("--log-level " + logLevel + ": must be 1 or 2");
        ObjectSpec spec = ObjectFiles.read(object);
        List<ProgramSpec> programs = prog == null ? spec.programs() : List.of(ObjectFiles.program(spec, prog));
        List<Outcome> outcomes = new ArrayList<>();
        for (ProgramSpec p : programs) outcomes.add(verify(spec, p, logLevel == null ? 1 : logLevel, privileged));

        if (json) {
            List<Object> out = new ArrayList<>();
            for (Outcome o : outcomes) {
                Json.Obj j = Json.object().put("name", o.program().name()).put("accepted", o.rejection() == null);
                if (o.result() != null) {
                    VerificationResult.Stats s = o.result().stats();
                    j.put("processed_insns", s.processedInsns()).put("total_states", s.totalStates()).put("peak_states", s.peakStates())
                            .put("stack_depths", s.stackDepths());
                    if (logLevel != null) j.put("log", o.result().log());
                } else {
                    ProgramRejectedException r = o.rejection();
                    j.put("pc", r.pc() < 0 ? null : r.pc()).put("reason", r.getMessage()).put("log", r.log());
                }
                out.add(j);
            }
            printJson(Json.object().put("object", object.toString()).put("privileged", privileged).put("programs", out));
        } else {
            PrintWriter w = out();
            Table t = new Table("PROGRAM", "VERDICT", "PROCESSED>", "STATES>", "STACK", "REASON");
            for (Outcome o : outcomes) {
                if (o.result() != null) {
                    VerificationResult.Stats s = o.result().stats();
                    t.row(o.program().name(), "accepted", s.processedInsns(), s.totalStates(), stack(s.stackDepths()), "-");
                } else {
                    t.row(o.program().name(), "REJECTED", "-", "-", "-", reason(o.rejection()));
                }
            }
            t.print(w);
            if (logLevel != null) {
                for (Outcome o : outcomes) {
                    String log = o.result() != null ? o.result().log() : o.rejection().log();
                    w.println();
                    w.println("--- verifier log of " + o.program().name() + " ---");
                    w.print(log.endsWith("\n") || log.isEmpty() ? log : log + "\n");
                }
            }
            w.flush();
        }
        List<Outcome> rejected = outcomes.stream().filter(o -> o.rejection() != null).toList();
        if (rejected.isEmpty()) return 0;
        for (Outcome o : rejected) {
            err().println("bpf4j verify: " + object.getFileName() + ": " + o.rejection().getMessage()
                    + (logLevel == null ? " (rerun with --log-level 1 for the verifier log)" : "")
                    + (privileged ? "" : privilegeHint(o.rejection())));
        }
        err().flush();
        return CliException.FAILED;
    }

    /**
     * What to say when a program is refused for something Linux allows root (CAP_PERFMON): variable offsets into
     * packets, reading stack it did not write, pointer comparisons. Empty for other rejections.
     */
    static String privilegeHint(ProgramRejectedException e) {
        String m = e.getMessage();
        boolean rootOnly = m.contains("!root") || m.contains("invalid read from stack") || m.contains("pointer comparison prohibited")
                || m.contains("leaks addr");
        return rootOnly ? "; Linux allows this when root loads the program (CAP_PERFMON), as XDP and tc programs are loaded: "
                + "add --privileged to verify that way" : "";
    }

    private static String reason(ProgramRejectedException e) {
        String m = e.getMessage();
        int colon = m.indexOf(": ");
        return colon >= 0 ? m.substring(colon + 2) + (e.pc() >= 0 ? " (pc " + e.pc() + ")" : "") : m;
    }

    private static String stack(List<Integer> depths) {
        if (depths.isEmpty()) return "-";
        if (depths.size() == 1) return depths.getFirst() + " B";
        return depths.stream().map(String::valueOf).reduce((a, b) -> a + "+" + b).orElse("") + " B";
    }

    /** Verifies one program of an object, its maps numbered by their position in the object. */
    static Outcome verify(ObjectSpec spec, ProgramSpec p, int logLevel, boolean privileged) {
        Map<String, Integer> handles = new HashMap<>();
        Map<Integer, MapDefinition> maps = new HashMap<>();
        List<MapSpec> all = spec.maps();
        for (int i = 0; i < all.size(); i++) {
            handles.put(all.get(i).name(), i + 1);
            maps.put(i + 1, all.get(i).definition());
        }
        Map<Integer, String> lines = new HashMap<>();
        for (LineInfo li : p.lineInfos()) if (li.sourceText() != null && !li.sourceText().isEmpty()) lines.put(li.pc(), li.sourceText().strip());
        VerificationOptions options = VerificationOptions.DEFAULT.withLogLevel(logLevel).withPrivileged(privileged);
        VerificationRequest request = new VerificationRequest(p.name(), p.relocate(handles::get), p.type(), p.attachType(),
                maps, null, lines, options);
        try {
            return new Outcome(p, Verifier.verify(request), null);
        } catch (ProgramRejectedException e) {
            return new Outcome(p, null, e);
        }
    }
}
