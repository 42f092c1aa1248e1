package io.bpf4j.cli;

import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.object.Subprogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code bpf4j progs OBJ}: the programs an object contains. */
@Command(name = "progs",
        mixinStandardHelpOptions = true,
        header = "List the programs in a BPF object",
        sortOptions = false,
        description = "List the programs in a BPF object: name, section, program type, expected attach type, "
                + "instruction count, functions, the maps each uses and the prog-array slots it sits in.",
        footer = {"", "Example:", "  bpf4j progs examples/xdp-firewall/firewall.o"})
final class ProgsCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "OBJ", description = "A BPF object file (clang -O2 -g -target bpf).")
    Path object;

    @Option(names = "--json", description = "Print JSON for machines instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        ObjectSpec spec = ObjectFiles.read(object);
        if (json) {
            List<Object> progs = new ArrayList<>();
            for (ProgramSpec p : spec.programs()) {
                List<Object> functions = new ArrayList<>();
                for (Subprogram s : p.subprograms()) {
                    functions.add(Json.object().put("name", s.name()).put("start_pc", s.startPc()).put("end_pc", s.endPc()));
                }
                progs.add(Json.object()
                        .put("name", p.name())
                        .put("section", p.sectionName())
                        .put("type", ObjectFiles.lower(p.type()))
                        .put("type_id", p.type().id())
                        .put("attach_type", ObjectFiles.lower(p.attachType()))
                        .put("attach_target", p.attachTarget())
                        .put("instructions", p.instructions().size())
                        .put("slots", p.instructions().slotCount())
                        .put("functions", functions)
                        .put("maps", p.mapNames())
                        .put("in_prog_arrays", slotsOf(spec, p.name()))
                        .put("line_info", !p.lineInfos().isEmpty())
                        .put("license", p.license()));
            }
            printJson(Json.object().put("object", object.toString()).put("programs", progs));
            return 0;
        }
        Table t = new Table("NAME", "SECTION", "TYPE", "ATTACH", "INSNS>", "FUNCS>", "MAPS", "IN SLOTS");
        for (ProgramSpec p : spec.programs()) {
            List<String> slots = slotsOf(spec, p.name());
            t.row(p.name(), p.sectionName(), ObjectFiles.lower(p.type()), ObjectFiles.lower(p.attachType()),
                    p.instructions().size(), p.subprograms().size(),
                    p.mapNames().isEmpty() ? "-" : String.join(",", p.mapNames()),
                    slots.isEmpty() ? "-" : String.join(",", slots));
        }
        if (t.isEmpty()) out().println(object + " has no programs");
        else t.print(out());
        return 0;
    }

    /** Where a program sits in the object's statically filled prog arrays, e.g. {@code stages[2]}. */
    static List<String> slotsOf(ObjectSpec spec, String program) {
        List<String> out = new ArrayList<>();
        for (MapSpec m : spec.maps()) {
            for (Map.Entry<Integer, String> e : m.initialProgramSlots().entrySet()) {
                if (e.getValue().equals(program)) out.add(m.name() + "[" + e.getKey() + "]");
            }
        }
        return out;
    }
}
