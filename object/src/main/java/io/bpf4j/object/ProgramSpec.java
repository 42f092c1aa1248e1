package io.bpf4j.object;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;

import java.util.List;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * A program as the object declares it, linked and ready to be relocated: its own code followed by every
 * {@code .text} subprogram it calls (transitively), with call and function-pointer offsets fixed. Map
 * references stay symbolic ({@link #mapReferences()}; the lddw instructions carry pseudo MAP_FD or MAP_VALUE
 * with imm 0) until {@link #relocate} puts in the handles of whatever created the maps.
 */
public final class ProgramSpec {
    private final String name;
    private final String sectionName;
    private final ProgramType type;
    private final AttachType attachType;
    private final String attachTarget;
    private final int flags;
    private final String license;
    private final int kernelVersion;
    private final Instructions instructions;
    private final List<MapReference> mapReferences;
    private final List<Subprogram> subprograms;
    private final List<FuncInfo> funcInfos;
    private final List<LineInfo> lineInfos;

    ProgramSpec(String name, String sectionName, ProgramType type, AttachType attachType, String attachTarget, int flags,
                String license, int kernelVersion, Instructions instructions, List<MapReference> mapReferences,
                List<Subprogram> subprograms, List<FuncInfo> funcInfos, List<LineInfo> lineInfos) {
        this.name = Objects.requireNonNull(name);
        this.sectionName = sectionName;
        this.type = Objects.requireNonNull(type);
        this.attachType = attachType;
        this.attachTarget = attachTarget;
        this.flags = flags;
        this.license = license;
        this.kernelVersion = kernelVersion;
        this.instructions = instructions;
        this.mapReferences = List.copyOf(mapReferences);
        this.subprograms = List.copyOf(subprograms);
        this.funcInfos = List.copyOf(funcInfos);
        this.lineInfos = List.copyOf(lineInfos);
    }

    /** The program's function name. */
    public String name() {
        return name;
    }

    /** The ELF section it was declared in, e.g. {@code "xdp"} or {@code "kprobe/do_unlinkat"}. */
    public String sectionName() {
        return sectionName;
    }

    /** The program type the section name implies (libbpf's table); UNSPEC when the name is unknown. */
    public ProgramType type() {
        return type;
    }

    /** The expected attach type, or null when none is passed to the kernel (0). */
    public AttachType attachType() {
        return attachType;
    }

    /** What the section name says to attach to (kprobe function, tracepoint, BTF function), or null. */
    public String attachTarget() {
        return attachTarget;
    }

    /** {@code prog_flags} for loading ({@link ProgramSections#BPF_F_XDP_HAS_FRAGS}, {@link ProgramSections#BPF_F_SLEEPABLE}). */
    public int flags() {
        return flags;
    }

    public boolean sleepable() {
        return (flags & ProgramSections.BPF_F_SLEEPABLE) != 0;
    }

    public boolean xdpHasFrags() {
        return (flags & ProgramSections.BPF_F_XDP_HAS_FRAGS) != 0;
    }

    /** The object's license string (the {@code license} section), or "" when it has none. */
    public String license() {
        return license;
    }

    /** The legacy {@code version} section's LINUX_VERSION_CODE, or 0. */
    public int kernelVersion() {
        return kernelVersion;
    }

    /** The linked code; map lddw instructions have imm 0 (see {@link #relocate}). */
    public Instructions instructions() {
        return instructions;
    }

    /** Every lddw that names a map, by pc. */
    public List<MapReference> mapReferences() {
        return mapReferences;
    }

    /** The names of the maps the program refers to, in order of first reference, without repeats. */
    public List<String> mapNames() {
        return mapReferences.stream().map(MapReference::mapName).distinct().toList();
    }

    /** The functions of the linked program: itself first, then each appended subprogram. */
    public List<Subprogram> subprograms() {
        return subprograms;
    }

    /** BTF func_info at linked pcs, one per function, empty when the object has no BTF.ext. */
    public List<FuncInfo> funcInfos() {
        return funcInfos;
    }

    /** BTF line_info at linked pcs, in pc order, empty when the object has no BTF.ext. */
    public List<LineInfo> lineInfos() {
        return lineInfos;
    }

    /** The source line the instruction at {@code pc} belongs to (the last line_info at or before it), or null. */
    public LineInfo lineAt(int pc) {
        LineInfo best = null;
        for (LineInfo l : lineInfos) {
            if (l.pc() > pc) break;
            best = l;
        }
        return best;
    }

    /** The function (the program or one of its subprograms) containing {@code pc}, or null. */
    public Subprogram subprogramAt(int pc) {
        for (Subprogram s : subprograms) if (s.contains(pc)) return s;
        return null;
    }

    /**
     * The instructions with every map reference resolved: each map lddw's imm becomes {@code mapHandle} of the
     * map's name (an fd for the kernel, an index or handle for the embedded runtime); for value access, next
     * imm is the offset in the value. The pseudo kind (MAP_FD / MAP_VALUE) stays.
     */
    public Instructions relocate(ToIntFunction<String> mapHandle) {
        java.util.Map<Integer, MapReference> byPc = new java.util.HashMap<>();
        for (MapReference ref : mapReferences) byPc.put(ref.pc(), ref);
        java.util.List<Instruction> out = new java.util.ArrayList<>(instructions.size());
        for (Instructions.At at : instructions) {
            MapReference ref = byPc.get(at.pc());
            if (ref == null) {
                out.add(at.instruction());
                continue;
            }
            Instruction.LoadImm64 old = (Instruction.LoadImm64) at.instruction();
            int handle = mapHandle.applyAsInt(ref.mapName());
            out.add(new Instruction.LoadImm64(old.dst(), ref.valueAccess() ? Pseudo.MAP_VALUE : Pseudo.MAP_FD,
                    handle, ref.valueAccess() ? ref.offset() : 0));
        }
        return Instructions.of(out);
    }

    /** A copy with another program type and expected attach type, for sections whose name libbpf does not know. */
    public ProgramSpec withType(ProgramType newType, AttachType newAttachType) {
        return new ProgramSpec(name, sectionName, newType, newAttachType, attachTarget, flags, license, kernelVersion,
                instructions, mapReferences, subprograms, funcInfos, lineInfos);
    }

    /** Specs are values: equal when every field is (what makes "same bytes, same spec" checkable). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ProgramSpec p && name.equals(p.name) && Objects.equals(sectionName, p.sectionName) && type == p.type
                && attachType == p.attachType && Objects.equals(attachTarget, p.attachTarget) && flags == p.flags
                && Objects.equals(license, p.license) && kernelVersion == p.kernelVersion && instructions.equals(p.instructions)
                && mapReferences.equals(p.mapReferences) && subprograms.equals(p.subprograms) && funcInfos.equals(p.funcInfos)
                && lineInfos.equals(p.lineInfos);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, sectionName, type, instructions, mapReferences);
    }

    @Override
    public String toString() {
        return "ProgramSpec[" + name + " in " + sectionName + ", " + type + (attachType != null ? "/" + attachType : "")
                + ", " + instructions.slotCount() + " slots, " + subprograms.size() + " functions, maps " + mapNames() + "]";
    }
}
