package io.bpf4j.tests.agreement;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text the parent and the unprivileged child exchange: one program per line in the batch file, one
 * verdict per line on the child's standard output. Fields are tab-separated; text fields are escaped.
 *
 * <pre>
 *   R  name  type-id  attach-id|-1  handle:type:key:value:max:flags:name;…  instructions-hex
 *   F  fixture  program
 *   CAPS  CapEff-hex                                    (child, first line)
 *   VERDICT  index  outcome  errno  message  log-tail   (child, one per program)
 *   ERROR  index  exception                             (child, then exit 3)
 * </pre>
 */
final class BatchCodec {
    private BatchCodec() {}

    private static final HexFormat HEX = HexFormat.of();

    static List<String> writePrograms(List<AgreementProgram> programs) {
        List<String> lines = new ArrayList<>(programs.size());
        for (AgreementProgram p : programs) {
            if (p.fixture() != null) {
                lines.add(String.join("\t", "F", p.corpus(), p.fixture(), p.name()));
                continue;
            }
            StringBuilder maps = new StringBuilder();
            for (Map.Entry<Integer, MapDefinition> m : p.maps().entrySet()) {
                MapDefinition d = m.getValue();
                if (d.inner() != null) throw new IllegalArgumentException(p.id() + ": maps of maps are only supported through fixtures");
                if (!maps.isEmpty()) maps.append(';');
                maps.append(m.getKey()).append(':').append(d.type().id()).append(':').append(d.keySize()).append(':')
                        .append(d.valueSize()).append(':').append(d.maxEntries()).append(':').append(d.flags()).append(':')
                        .append(escape(d.name()).replace(":", "_").replace(";", "_"));
            }
            lines.add(String.join("\t", "R", p.corpus(), escape(p.name()), Integer.toString(p.type().id()),
                    Integer.toString(p.attachType() == null ? -1 : p.attachType().id()), maps.toString(), HEX.formatHex(p.program().encode())));
        }
        return lines;
    }

    static List<AgreementProgram> readPrograms(List<String> lines) {
        List<AgreementProgram> out = new ArrayList<>(lines.size());
        for (String line : lines) {
            if (line.isEmpty()) continue;
            String[] f = line.split("\t", -1);
            if (f[0].equals("F")) {
                out.add(new AgreementProgram(f[1], f[3], ProgramType.UNSPEC, null, Instructions.of(), Map.of(), f[2], Map.of()));
                continue;
            }
            Map<Integer, MapDefinition> maps = new TreeMap<>();
            if (!f[5].isEmpty()) {
                for (String m : f[5].split(";")) {
                    String[] d = m.split(":", 7);
                    maps.put(Integer.parseInt(d[0]), new MapDefinition(unescape(d[6]), MapType.ofId(Integer.parseInt(d[1])),
                            Integer.parseInt(d[2]), Integer.parseInt(d[3]), Integer.parseInt(d[4]), Integer.parseInt(d[5]), null));
                }
            }
            int attach = Integer.parseInt(f[4]);
            out.add(new AgreementProgram(f[1], unescape(f[2]), ProgramType.ofId(Integer.parseInt(f[3])),
                    attach < 0 ? null : AttachType.ofId(attach), Instructions.decode(HEX.parseHex(f[6])), maps, null, Map.of()));
        }
        return out;
    }

    static String capabilityLine(String procSelfStatus) {
        for (String l : procSelfStatus.split("\n")) {
            if (l.startsWith("CapEff:")) return "CAPS\t" + l.substring(7).strip();
        }
        return "CAPS\t?";
    }

    static String verdictLine(int index, KernelVerdict v) {
        return String.join("\t", "VERDICT", Integer.toString(index), v.outcome().name(), Integer.toString(v.errno()),
                escape(v.message()), escape(v.logTail()));
    }

    static KernelVerdict parseVerdict(String[] f) {
        return new KernelVerdict(KernelVerdict.Outcome.valueOf(f[2]), Integer.parseInt(f[3]), unescape(f[4]), unescape(f[5]));
    }

    static String errorLine(int index, Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return "ERROR\t" + index + "\t" + escape(w.toString());
    }

    /** The last {@code n} non-empty lines of a verifier log. */
    static String tail(String log, int n) {
        String[] lines = log.strip().split("\n");
        int from = Math.max(0, lines.length - n);
        return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
