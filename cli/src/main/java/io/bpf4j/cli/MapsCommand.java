package io.bpf4j.cli;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** {@code bpf4j maps OBJ}: the maps an object declares and what they hold when created. */
@Command(name = "maps",
        mixinStandardHelpOptions = true,
        header = "List the maps in a BPF object and their initial contents",
        sortOptions = false,
        description = "List the maps a BPF object declares: name, type, key and value size, max entries, flags, "
                + "and initial contents (static prog-array slots, inner maps, global data).",
        footer = {"", "Example:", "  bpf4j maps examples/xdp-firewall/firewall.o"})
final class MapsCommand extends BaseCommand {
    private static final int PREVIEW = 16;

    @Parameters(index = "0", paramLabel = "OBJ", description = "A BPF object file.")
    Path object;

    @Option(names = "--json", description = "Print JSON for machines instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        ObjectSpec spec = ObjectFiles.read(object);
        if (json) {
            List<Object> maps = new ArrayList<>();
            for (MapSpec m : spec.maps()) {
                MapDefinition d = m.definition();
                Json.Obj o = Json.object()
                        .put("name", m.name())
                        .put("section", m.section())
                        .put("origin", ObjectFiles.lower(m.origin()))
                        .put("type", ObjectFiles.lower(d.type()))
                        .put("type_id", d.type().id())
                        .put("key_size", d.keySize())
                        .put("value_size", d.valueSize())
                        .put("max_entries", d.maxEntries())
                        .put("flags", d.flags())
                        .put("read_only", m.readOnly())
                        .put("used_by", usedBy(spec, m.name()));
                if (d.inner() != null) {
                    o.put("inner", Json.object().put("type", ObjectFiles.lower(d.inner().type())).put("key_size", d.inner().keySize())
                            .put("value_size", d.inner().valueSize()).put("max_entries", d.inner().maxEntries()));
                }
                if (!m.initialProgramSlots().isEmpty()) o.put("program_slots", stringKeys(m.initialProgramSlots()));
                if (!m.initialInnerMaps().isEmpty()) o.put("inner_maps", stringKeys(m.initialInnerMaps()));
                byte[] init = m.initialValue();
                if (init != null) o.put("initial_value", HexFormat.of().formatHex(init));
                maps.add(o);
            }
            printJson(Json.object().put("object", object.toString()).put("maps", maps));
            return 0;
        }
        Table t = new Table("NAME", "TYPE", "KEY>", "VALUE>", "MAX>", "FLAGS", "USED BY", "INITIAL CONTENTS");
        for (MapSpec m : spec.maps()) {
            MapDefinition d = m.definition();
            List<String> users = usedBy(spec, m.name());
            t.row(m.name(), ObjectFiles.lower(d.type()), d.keySize(), d.valueSize(), d.maxEntries(),
                    d.flags() == 0 ? "-" : "0x" + Integer.toHexString(d.flags()),
                    users.isEmpty() ? "-" : users.size() > 3 ? users.size() + " programs" : String.join(",", users),
                    contents(m));
        }
        if (t.isEmpty()) out().println(object + " declares no maps");
        else t.print(out());
        return 0;
    }

    private static String contents(MapSpec m) {
        if (!m.initialProgramSlots().isEmpty()) return slots(m.initialProgramSlots());
        if (!m.initialInnerMaps().isEmpty()) return slots(m.initialInnerMaps());
        byte[] init = m.initialValue();
        if (init != null) {
            if (init.length == 0) return "-";
            boolean zero = true;
            for (byte b : init) zero &= b == 0;
            if (zero) return init.length + " zero bytes";
            String hex = HexFormat.ofDelimiter(" ").formatHex(init, 0, Math.min(init.length, PREVIEW));
            return hex + (init.length > PREVIEW ? " … (" + init.length + " bytes)" : "");
        }
        return "-";
    }

    private static String slots(Map<Integer, String> slots) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Integer, String> e : slots.entrySet()) {
            if (!sb.isEmpty()) sb.append(' ');
            sb.append('[').append(e.getKey()).append("]=").append(e.getValue());
        }
        return sb.toString();
    }

    private static Map<String, String> stringKeys(Map<Integer, String> m) {
        Json.Obj o = Json.object();
        for (Map.Entry<Integer, String> e : m.entrySet()) o.put(String.valueOf(e.getKey()), e.getValue());
        @SuppressWarnings({"unchecked", "rawtypes"})
        Map<String, String> r = (Map) o;
        return r;
    }

    static List<String> usedBy(ObjectSpec spec, String map) {
        List<String> out = new ArrayList<>();
        for (ProgramSpec p : spec.programs()) if (p.mapNames().contains(map)) out.add(p.name());
        return out;
    }
}
