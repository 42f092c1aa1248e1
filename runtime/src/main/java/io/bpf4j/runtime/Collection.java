package io.bpf4j.runtime;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapType;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.maps.ProgArray;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The programs and maps of one loaded object, by name (cilium/ebpf's {@code Collection}). Closing it closes its
 * maps (a prog array's slots are cleared, as Linux does when the last reference goes) and its programs.
 */
public final class Collection implements AutoCloseable {
    private final BpfRuntime runtime;
    private final String name;
    private final Map<String, Program> programs;
    private final Map<String, BpfMap> maps;

    Collection(BpfRuntime runtime, String name, Map<String, Program> programs, Map<String, BpfMap> maps) {
        this.runtime = runtime;
        this.name = name;
        this.programs = Collections.unmodifiableMap(new LinkedHashMap<>(programs));
        this.maps = Collections.unmodifiableMap(new LinkedHashMap<>(maps));
    }

    /** The program called {@code programName} (its function name). */
    public Program program(String programName) {
        Program p = programs.get(programName);
        if (p == null) throw new BpfErrnoException(Errno.ENOENT, "object '" + name + "' has no program '" + programName + "' (it has " + programs.keySet() + ")");
        return p;
    }

    /** The map called {@code mapName} ({@code .data}, {@code .bss}, {@code .rodata} for global data). */
    public BpfMap map(String mapName) {
        BpfMap m = maps.get(mapName);
        if (m == null) throw new BpfErrnoException(Errno.ENOENT, "object '" + name + "' has no map '" + mapName + "' (it has " + maps.keySet() + ")");
        return m;
    }

    /** The prog array called {@code mapName}, typed: slots hold {@link Program}s. */
    @SuppressWarnings("unchecked")
    public ProgArray<Program> progArray(String mapName) {
        BpfMap m = map(mapName);
        if (m.type() != MapType.PROG_ARRAY) throw new BpfErrnoException(Errno.EINVAL, "map '" + mapName + "' is a " + m.type() + ", not a PROG_ARRAY");
        return (ProgArray<Program>) m;
    }

    public Map<String, Program> programs() {
        return programs;
    }

    public Map<String, BpfMap> maps() {
        return maps;
    }

    @Override
    public void close() {
        runtime.release(programs.values(), maps.values());
    }

    @Override
    public String toString() {
        return "Collection[" + name + ": programs " + programs.keySet() + ", maps " + maps.keySet() + "]";
    }
}
