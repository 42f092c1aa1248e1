package io.bpf4j.object;

import io.bpf4j.BpfException;
import io.bpf4j.btf.Btf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Everything a BPF object file declares — programs (linked), maps (with their initial contents), license,
 * kernel version and BTF — read without touching any runtime state. The same bytes give an equal spec on
 * every machine; the embedded runtime and the Linux backend each create their maps and programs from it.
 *
 * <p>Reading is a pipeline of stages (see {@code docs/ARCHITECTURE.md}, "Loading pipeline"): ELF → BTF →
 * maps → code → relocations → static map contents → linking. Any problem is a {@link BpfException}:
 * {@link MalformedObjectException} (naming file, section and symbol or offset), {@link LinkException}, or
 * {@link UnsupportedFeatureException}.
 */
public final class ObjectSpec {
    private final String fileName;
    private final List<ProgramSpec> programs;
    private final List<MapSpec> maps;
    private final String license;
    private final int kernelVersion;
    private final Btf btf;
    private final Btf kernelBtf;

    ObjectSpec(String fileName, List<ProgramSpec> programs, List<MapSpec> maps, String license, int kernelVersion,
               Btf btf, Btf kernelBtf) {
        this.fileName = fileName;
        this.programs = List.copyOf(programs);
        this.maps = List.copyOf(maps);
        this.license = license;
        this.kernelVersion = kernelVersion;
        this.btf = btf;
        this.kernelBtf = kernelBtf;
    }

    /** Reads the object file at {@code path}. */
    public static ObjectSpec read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read BPF object " + path, e);
        }
        return read(path.getFileName() == null ? path.toString() : path.getFileName().toString(), bytes);
    }

    /** Reads an object from memory; {@code fileName} names it in messages and in global-data map kernel names. */
    public static ObjectSpec read(String fileName, byte[] bytes) {
        return new ObjectReader(fileName, bytes).read();
    }

    /** The file name given to {@link #read}. */
    public String fileName() {
        return fileName;
    }

    /** libbpf's object name: the file name without directory and without ".o" (used for global-data map names). */
    public String objectName() {
        String n = fileName;
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** The programs, in section order and, within a section, in offset order. Subprograms are not listed. */
    public List<ProgramSpec> programs() {
        return programs;
    }

    /** The program named {@code name}; throws {@link NoSuchElementException} naming the ones that exist. */
    public ProgramSpec program(String name) {
        for (ProgramSpec p : programs) if (p.name().equals(name)) return p;
        throw new NoSuchElementException(fileName + " has no program " + name + "; it has " + programs.stream().map(ProgramSpec::name).toList());
    }

    /** The maps: BTF-defined maps in declaration order, then legacy maps, then global-data maps in section order. */
    public List<MapSpec> maps() {
        return maps;
    }

    /** The map named {@code name}; throws {@link NoSuchElementException} naming the ones that exist. */
    public MapSpec map(String name) {
        for (MapSpec m : maps) if (m.name().equals(name)) return m;
        throw new NoSuchElementException(fileName + " has no map " + name + "; it has " + maps.stream().map(MapSpec::name).toList());
    }

    /** The {@code license} section's string, "" when absent. */
    public String license() {
        return license;
    }

    /** The legacy {@code version} section (LINUX_VERSION_CODE), 0 when absent. */
    public int kernelVersion() {
        return kernelVersion;
    }

    /** The object's BTF as compiled, or null when it has none (built without -g). */
    public Btf btf() {
        return btf;
    }

    /**
     * The BTF to give the kernel: {@link #btf()} with DATASEC sizes and variable offsets filled in from the ELF
     * sections and symbols (clang leaves them to the linker; libbpf fixes them the same way). Null without BTF.
     */
    public Btf kernelBtf() {
        return kernelBtf;
    }

    /** Equal when programs, maps, license, version and BTF are: the same bytes always give equal specs. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectSpec s && fileName.equals(s.fileName) && programs.equals(s.programs) && maps.equals(s.maps)
                && license.equals(s.license) && kernelVersion == s.kernelVersion && java.util.Objects.equals(btf, s.btf);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(fileName, programs, maps);
    }

    @Override
    public String toString() {
        return "ObjectSpec[" + fileName + ": programs " + programs.stream().map(ProgramSpec::name).toList()
                + ", maps " + maps.stream().map(MapSpec::name).toList() + ", license " + license + "]";
    }
}
