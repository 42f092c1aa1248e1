package io.bpf4j.cli;

import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Reading BPF objects for the commands, with the errors a user can act on. */
final class ObjectFiles {
    private ObjectFiles() {}

    /** Reads {@code file}; a path that is not a readable file is a usage error, a damaged object a failure. */
    static ObjectSpec read(Path file) {
        if (!Files.exists(file)) {
            throw CliException.usage(file + ": no such file (check the path; the examples are under examples/, e.g. examples/xdp-firewall/firewall.o)");
        }
        if (Files.isDirectory(file)) throw CliException.usage(file + ": is a directory, not a BPF object file");
        if (!Files.isReadable(file)) throw CliException.usage(file + ": permission denied");
        try {
            return ObjectSpec.read(file);
        } catch (io.bpf4j.BpfException e) {
            String m = e.getMessage();
            throw new CliException(CliException.FAILED, (m.startsWith(file.getFileName().toString()) || m.startsWith(file.toString()) ? "" : file + ": ")
                    + m + (m.contains("not an ELF") ? "; bpf4j reads the objects clang builds: clang -O2 -g -target bpf -c prog.c -o prog.o" : ""), e);
        }
    }

    /** The program named {@code name}, or a usage error listing the programs there are. */
    static ProgramSpec program(ObjectSpec spec, String name) {
        for (ProgramSpec p : spec.programs()) if (p.name().equals(name)) return p;
        throw CliException.usage(spec.fileName() + " has no program '" + name + "'; its programs are " + names(spec.programs().stream().map(ProgramSpec::name).toList())
                + " (see 'bpf4j progs " + spec.fileName() + "')");
    }

    /** The map named {@code name}, or a usage error listing the maps there are. */
    static MapSpec map(ObjectSpec spec, String name) {
        for (MapSpec m : spec.maps()) if (m.name().equals(name)) return m;
        throw CliException.usage(spec.fileName() + " has no map '" + name + "'; its maps are " + names(spec.maps().stream().map(MapSpec::name).toList())
                + " (see 'bpf4j maps " + spec.fileName() + "')");
    }

    static String names(List<String> names) {
        return names.isEmpty() ? "(none)" : String.join(", ", names);
    }

    /** Lower-case kernel-style name, like bpftool prints: {@code xdp}, {@code sched_cls}, {@code prog_array}. */
    static String lower(Enum<?> e) {
        return e == null ? null : e.name().toLowerCase(Locale.ROOT);
    }
}
