package io.bpf4j.object;

import io.bpf4j.BpfException;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.btf.Btf;
import io.bpf4j.btf.BtfExt;
import io.bpf4j.btf.BtfType;
import io.bpf4j.elf.ElfFile;
import io.bpf4j.elf.ElfRelocation;
import io.bpf4j.elf.ElfSection;
import io.bpf4j.elf.ElfSymbol;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.MalformedInstructionException;
import io.bpf4j.isa.Pseudo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The loading pipeline, one stage per method, run in order by {@link #read()}. Each stage only reads what the
 * earlier ones produced; a failure names the file, the stage ("tail_calls.o: load BTF maps: section .maps: map
 * jmp_table: ..."), and the section and symbol or offset.
 */
final class ObjectReader {
    static final String MAPS_SECTION = ".maps", LEGACY_MAPS_SECTION = "maps", TEXT_SECTION = ".text";

    private final String file;
    private final byte[] bytes;

    private ElfFile elf;
    private Btf btf;
    private BtfExt btfExt;
    private String license = "";
    private int kernelVersion;
    /** Every map, in the order the spec lists them. */
    private final List<MapBuilder> maps = new ArrayList<>();
    /** Maps by the ELF location of their definition: section index → offset → map. */
    private final Map<Integer, TreeMap<Long, MapBuilder>> mapsByLocation = new HashMap<>();
    /** Data-section maps by ELF section index. */
    private final Map<Integer, MapBuilder> dataMaps = new HashMap<>();
    /** Functions of each code section: section index → start slot → function. */
    private final Map<Integer, TreeMap<Integer, CodeFunction>> functions = new LinkedHashMap<>();
    /** What each relocated instruction refers to: section index → slot → target. */
    private final Map<Integer, Map<Integer, RelocationTarget>> relocations = new HashMap<>();

    ObjectReader(String file, byte[] bytes) {
        this.file = file;
        this.bytes = bytes;
    }

    ObjectSpec read() {
        elf = stage("read ELF", () -> ElfFile.parse(file, bytes));
        stage("read license and version", this::readLicenseAndVersion);
        stage("load BTF", this::loadBtf);
        stage("load BTF maps", this::loadBtfMaps);
        stage("load legacy maps", this::loadLegacyMaps);
        stage("load data sections", this::loadDataSections);
        stage("refuse unsupported map sections", this::refuseUnsupportedMapSections);
        stage("split code into functions", this::loadFunctions);
        stage("resolve relocations", this::resolveCodeRelocations);
        stage("load static map contents", this::loadStaticMapContents);
        List<ProgramSpec> programs = stage("link programs", this::linkPrograms);
        Btf kernelBtf = btf == null ? null : stage("fix up BTF for the kernel", this::fixedBtf);
        List<MapSpec> specs = stage("check map definitions", () -> maps.stream().map(MapBuilder::build).toList());
        return new ObjectSpec(file, programs, specs, license, kernelVersion, btf, kernelBtf);
    }

    /**
     * Runs a stage. The stages throw the loader's own exceptions for every problem they know about; anything else
     * escaping (a JVM exception from an input nobody anticipated) is a loader bug, but the caller still only
     * sees a {@link MalformedObjectException} that names the stage and the file.
     */
    private <T> T stage(String name, Supplier<T> body) {
        try {
            return body.get();
        } catch (MalformedObjectException e) {
            throw e.atStage(name);
        } catch (UnsupportedFeatureException e) {
            throw e.atStage(name);
        } catch (BpfException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new MalformedObjectException(file, null, null, "unexpected " + e, e).atStage(name);
        }
    }

    private void stage(String name, Runnable body) {
        stage(name, () -> {
            body.run();
            return null;
        });
    }

    // --- stage: license and version ------------------------------------------------------------------------------

    private void readLicenseAndVersion() {
        ElfSection lic = elf.section("license");
        if (lic != null) {
            byte[] b = elf.contents(lic);
            int end = 0;
            while (end < b.length && b[end] != 0) end++;
            if (end == b.length && b.length > 0) throw elf.error(lic.name(), null, "license string is not NUL-terminated");
            license = new String(b, 0, end, StandardCharsets.UTF_8);
        }
        ElfSection version = elf.section("version");
        if (version != null) {
            byte[] b = elf.contents(version);
            if (b.length != 4) throw elf.error(version.name(), null, "version section holds " + b.length + " bytes, not a 4-byte LINUX_VERSION_CODE");
            kernelVersion = (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
        }
    }

    // --- stage: BTF ----------------------------------------------------------------------------------------------

    private void loadBtf() {
        ElfSection s = elf.section(".BTF");
        if (s == null) return;
        btf = Btf.parse(file, elf.contents(s));
        ElfSection ext = elf.section(".BTF.ext");
        if (ext != null) btfExt = BtfExt.parse(file, elf.contents(ext), btf);
    }

    private Btf fixedBtf() {
        Map<String, Long> sizes = new HashMap<>();
        Map<String, Map<String, Long>> offsets = new HashMap<>();
        for (ElfSection s : elf.sections()) {
            if (s.index() == 0) continue;
            sizes.put(s.name(), s.size());
        }
        for (ElfSymbol sym : elf.symbols()) {
            if (sym.index() == 0 || sym.isUndefined() || sym.sectionIndex() >= elf.sections().size() || sym.name().isEmpty()) continue;
            offsets.computeIfAbsent(elf.section(sym.sectionIndex()).name(), k -> new HashMap<>()).put(sym.name(), sym.value());
        }
        return btf.withDatasecsFixed(sizes, offsets);
    }

    // --- stage: BTF-defined maps ---------------------------------------------------------------------------------

    private void loadBtfMaps() {
        ElfSection section = elf.section(MAPS_SECTION);
        if (section == null) return;
        if (btf == null) throw elf.error(MAPS_SECTION, null, "BTF-defined maps need the object's BTF, but it has no .BTF section (build with -g)");
        int datasecId = btf.typeId(MAPS_SECTION, 15);
        if (datasecId < 0) throw elf.error(MAPS_SECTION, null, "no DATASEC '.maps' in BTF describes the maps");
        Map<String, ElfSymbol> symbols = new HashMap<>();
        for (ElfSymbol sym : elf.symbolsIn(section)) if (!sym.name().isEmpty()) symbols.put(sym.name(), sym);
        BtfType.Datasec datasec = (BtfType.Datasec) btf.type(datasecId);
        for (BtfType.VarSecinfo info : datasec.variables()) {
            if (!(btf.type(info.type()) instanceof BtfType.Var var)) {
                throw elf.error(MAPS_SECTION, "BTF type " + info.type(), "a .maps entry is not a variable");
            }
            ElfSymbol sym = symbols.get(var.name());
            if (sym == null) throw elf.error(MAPS_SECTION, "map " + var.name(), "BTF declares the map but no symbol of that name is in the section");
            long size = sym.size() != 0 ? sym.size() : btf.sizeOf(var.type());
            checkInside(section, sym.value(), size, "map " + var.name());
            MapBuilder map = parseBtfMap(var.name(), var.type(), false);
            map.origin = MapSpec.Origin.BTF;
            map.section = section;
            map.offset = sym.value();
            map.size = size;
            map.definition(where(map)); // impossible sizes are this stage's finding
            add(map, section);
        }
    }

    /** Reads a map definition struct ({@code __uint}, {@code __type}, {@code __array} members), as libbpf does. */
    private MapBuilder parseBtfMap(String name, int typeId, boolean inner) {
        String where = "map " + name;
        int structId = btf.resolve(typeId);
        if (!(btf.type(structId) instanceof BtfType.Struct struct)) {
            throw elf.error(MAPS_SECTION, where, "the map definition is a " + kind(structId) + ", not a struct");
        }
        MapBuilder m = new MapBuilder(name);
        Integer keySize = null, valueSize = null;
        for (BtfType.Member member : struct.members()) {
            String attr = member.name();
            switch (attr) {
                case "type" -> {
                    long t = uintAttribute(member, where);
                    m.type = MapType.ofId((int) t);
                    if (m.type == null || t > Integer.MAX_VALUE) throw elf.error(MAPS_SECTION, where, "unknown map type " + t);
                }
                case "max_entries" -> m.maxEntries = uintAttribute(member, where);
                case "map_flags" -> m.flags = uintAttribute(member, where);
                case "numa_node" -> m.numaNode = uintAttribute(member, where);
                case "map_extra" -> m.mapExtra = uintAttribute(member, where);
                case "pinning" -> {
                    m.pinning = uintAttribute(member, where);
                    if (m.pinning != MapSpec.PIN_NONE && m.pinning != MapSpec.PIN_BY_NAME) {
                        throw elf.error(MAPS_SECTION, where, "pinning " + m.pinning + " is neither LIBBPF_PIN_NONE nor LIBBPF_PIN_BY_NAME");
                    }
                }
                case "key_size" -> keySize = sizeAttribute(keySize, uintAttribute(member, where), where, "key_size");
                case "value_size" -> valueSize = sizeAttribute(valueSize, uintAttribute(member, where), where, "value_size");
                case "key", "value" -> {
                    int target = pointee(member, where, "__type(" + attr + ", ...)");
                    long size = btf.sizeOf(target);
                    if (attr.equals("key")) {
                        m.keyTypeId = target;
                        keySize = sizeAttribute(keySize, size, where, "key");
                    } else {
                        m.valueTypeId = target;
                        valueSize = sizeAttribute(valueSize, size, where, "value");
                    }
                }
                case "values" -> {
                    if (inner) throw elf.error(MAPS_SECTION, where, "an inner map definition cannot have values of its own");
                    if (member != struct.members().getLast()) throw elf.error(MAPS_SECTION, where, "'values' must be the last member of the definition");
                    int arrayId = btf.resolve(member.type());
                    if (!(btf.type(arrayId) instanceof BtfType.Array array) || array.elements() != 0) {
                        throw elf.error(MAPS_SECTION, where, "'values' must be a flexible array __array(values, ...), is a " + kind(arrayId));
                    }
                    int elementId = btf.resolve(array.elementType());
                    if (!(btf.type(elementId) instanceof BtfType.Ptr ptr)) {
                        throw elf.error(MAPS_SECTION, where, "'values' elements must be pointers, are " + kind(elementId));
                    }
                    int targetId = btf.resolve(ptr.target());
                    switch (btf.type(targetId)) {
                        case BtfType.FuncProto ignored -> m.valuesArePrograms = true;
                        case BtfType.Struct ignored -> m.innerDefinition = parseBtfMap(name + ".inner", targetId, true);
                        case null, default -> throw elf.error(MAPS_SECTION, where, "'values' must point to a function prototype (prog array) or a map definition struct (map of maps), not a " + kind(targetId));
                    }
                    m.valuesOffset = member.bitOffset() / 8;
                    if (valueSize != null && valueSize != 4) throw elf.error(MAPS_SECTION, where, "value_size " + valueSize + " with __array(values): must be 4");
                    valueSize = 4;
                }
                default -> throw elf.error(MAPS_SECTION, where, "unknown map attribute '" + attr + "'");
            }
        }
        if (m.type == null) throw elf.error(MAPS_SECTION, where, "the definition has no 'type'");
        if (keySize != null) m.keySize = keySize;
        if (valueSize != null) m.valueSize = valueSize;
        if (m.type == MapType.PERF_EVENT_ARRAY) {
            // libbpf's defaults: the key is a CPU index, the value a perf event fd.
            if (m.keySize == 0) m.keySize = 4;
            if (m.valueSize == 0) m.valueSize = 4;
        }
        if (m.valuesOffset >= 0) {
            if (m.valuesArePrograms && m.type != MapType.PROG_ARRAY) {
                throw elf.error(MAPS_SECTION, where, "values of function pointers need a PROG_ARRAY, not " + m.type);
            }
            if (m.innerDefinition != null && m.type != MapType.ARRAY_OF_MAPS && m.type != MapType.HASH_OF_MAPS) {
                throw elf.error(MAPS_SECTION, where, "values of inner maps need ARRAY_OF_MAPS or HASH_OF_MAPS, not " + m.type);
            }
        }
        if ((m.type == MapType.ARRAY_OF_MAPS || m.type == MapType.HASH_OF_MAPS) && m.innerDefinition == null && !inner) {
            throw elf.error(MAPS_SECTION, where, m.type + " needs an inner map definition: __array(values, struct inner_map)");
        }
        return m;
    }

    /** An {@code __uint(name, value)} member: a pointer to an array whose length is the value. */
    private long uintAttribute(BtfType.Member member, String where) {
        int ptrId = btf.resolve(member.type());
        if (!(btf.type(ptrId) instanceof BtfType.Ptr ptr)) {
            throw elf.error(MAPS_SECTION, where, "attribute '" + member.name() + "' is a " + kind(ptrId) + ", not __uint (a pointer to an array)");
        }
        int arrayId = btf.resolve(ptr.target());
        if (!(btf.type(arrayId) instanceof BtfType.Array array)) {
            throw elf.error(MAPS_SECTION, where, "attribute '" + member.name() + "' points to a " + kind(arrayId) + ", not an array");
        }
        return array.elements() & 0xffffffffL;
    }

    /** An {@code __type(name, T)} member: a pointer to T. */
    private int pointee(BtfType.Member member, String where, String what) {
        int ptrId = btf.resolve(member.type());
        if (!(btf.type(ptrId) instanceof BtfType.Ptr ptr)) throw elf.error(MAPS_SECTION, where, what + " is a " + kind(ptrId) + ", not a pointer");
        return ptr.target();
    }

    private Integer sizeAttribute(Integer earlier, long value, String where, String what) {
        if (value > Integer.MAX_VALUE) throw elf.error(MAPS_SECTION, where, what + " of " + value + " bytes is impossible");
        if (earlier != null && earlier != value) throw elf.error(MAPS_SECTION, where, what + " of " + value + " bytes contradicts the size given before (" + earlier + ")");
        return (int) value;
    }

    private String kind(int typeId) {
        BtfType t = btf.type(typeId);
        return t == null ? "void" : BtfType.kindName(t.kind()) + (t.name().isEmpty() ? "" : " '" + t.name() + "'");
    }

    // --- stage: legacy maps --------------------------------------------------------------------------------------

    /** {@code struct bpf_map_def { u32 type, key_size, value_size, max_entries, map_flags; }} records in SEC("maps"). */
    private void loadLegacyMaps() {
        ElfSection section = elf.section(LEGACY_MAPS_SECTION);
        if (section == null) return;
        List<ElfSymbol> symbols = new ArrayList<>();
        for (ElfSymbol sym : elf.symbolsIn(section)) if (!sym.isSection() && !sym.name().isEmpty()) symbols.add(sym);
        if (symbols.isEmpty()) return;
        byte[] data = elf.contents(section);
        if (data.length == 0 || data.length % symbols.size() != 0) {
            throw elf.error(section.name(), null, data.length + " bytes cannot hold " + symbols.size() + " map definitions of equal size");
        }
        long defSize = data.length / symbols.size();
        if (defSize < 20) throw elf.error(section.name(), null, "map definitions of " + defSize + " bytes are smaller than struct bpf_map_def (20)");
        for (ElfSymbol sym : symbols) {
            String where = "map " + sym.name();
            if (sym.value() < 0 || sym.value() > data.length - defSize) {
                throw elf.error(section.name(), where, defSize + " bytes at offset 0x" + Long.toHexString(sym.value()) + " lie outside the section (" + data.length + " bytes)");
            }
            int at = (int) sym.value();
            for (int i = 20; i < defSize; i++) {
                if (data[at + i] != 0) throw elf.error(section.name(), where, "the definition has non-zero fields beyond struct bpf_map_def at byte " + i);
            }
            long type = u32(data, at);
            MapBuilder m = new MapBuilder(sym.name());
            m.type = MapType.ofId((int) Math.min(type, Integer.MAX_VALUE));
            if (m.type == null) throw elf.error(section.name(), where, "unknown map type " + type);
            m.keySize = checkedSize(u32(data, at + 4), section, where, "key_size");
            m.valueSize = checkedSize(u32(data, at + 8), section, where, "value_size");
            m.maxEntries = u32(data, at + 12);
            m.flags = u32(data, at + 16);
            m.origin = MapSpec.Origin.LEGACY;
            m.section = section;
            m.offset = sym.value();
            m.size = defSize;
            m.definition(where(m));
            add(m, section);
        }
    }

    private int checkedSize(long value, ElfSection section, String where, String what) {
        if (value > Integer.MAX_VALUE) throw elf.error(section.name(), where, what + " of " + value + " bytes is impossible");
        return (int) value;
    }

    // --- stage: global data ----------------------------------------------------------------------------------------

    /** {@code .data*}, {@code .rodata*}, {@code .bss*}: each becomes an ARRAY of one entry whose value is the section. */
    private void loadDataSections() {
        for (ElfSection s : elf.sections()) {
            boolean rodata = isSection(s.name(), ".rodata"), data = isSection(s.name(), ".data"), bss = isSection(s.name(), ".bss");
            if (!rodata && !data && !bss) continue;
            if (s.type() != ElfSection.SHT_PROGBITS && s.type() != ElfSection.SHT_NOBITS) continue;
            if (s.size() == 0) continue;
            if (s.size() > MapSizes.MAX_VALUE_SIZE) {
                throw elf.error(s.name(), null, "a data section of " + s.size() + " bytes is larger than the kernel allows for one map value ("
                        + MapSizes.MAX_VALUE_SIZE + ")");
            }
            if (!elf.relocationsFor(s).isEmpty()) {
                throw new UnsupportedFeatureException(file, null, -1, "section " + s.name() + " has relocations (" + elf.relocationSectionName(s)
                        + "): pointers stored in global data are not supported");
            }
            MapBuilder m = new MapBuilder(s.name());
            m.type = MapType.ARRAY;
            m.keySize = 4;
            m.valueSize = (int) s.size();
            m.maxEntries = 1;
            m.flags = MapDefinition.F_MMAPABLE | (rodata ? MapDefinition.F_RDONLY_PROG : 0);
            m.origin = MapSpec.Origin.GLOBAL_DATA;
            m.readOnly = rodata;
            m.section = s;
            m.initialValue = elf.contents(s);
            if (btf != null) m.valueTypeId = Math.max(0, btf.typeId(s.name(), 15));
            maps.add(m);
            dataMaps.put(s.index(), m);
        }
    }

    /** Sections whose maps bpf4j cannot build yet: refused by name rather than dropped. */
    private void refuseUnsupportedMapSections() {
        for (ElfSection s : elf.sections()) {
            if (s.size() == 0) continue;
            if (isSection(s.name(), ".struct_ops") || s.name().equals(".struct_ops.link")) {
                throw new UnsupportedFeatureException(file, null, -1, "section " + s.name() + ": struct_ops maps are not supported");
            }
            if (s.name().startsWith(".addr_space.")) {
                throw new UnsupportedFeatureException(file, null, -1, "section " + s.name() + ": arena (BPF_MAP_TYPE_ARENA) variables are not supported");
            }
        }
    }

    private static String where(MapBuilder m) {
        return "map " + m.name;
    }

    private static boolean isSection(String name, String base) {
        return name.equals(base) || name.startsWith(base + ".");
    }

    private void add(MapBuilder map, ElfSection section) {
        for (MapBuilder other : maps) {
            if (other.name.equals(map.name)) throw elf.error(section.name(), "map " + map.name, "a second map of the same name (the first is in " + other.section.name() + ")");
        }
        TreeMap<Long, MapBuilder> bySection = mapsByLocation.computeIfAbsent(section.index(), k -> new TreeMap<>());
        var before = bySection.floorEntry(map.offset);
        if (before != null && before.getKey() + before.getValue().size > map.offset) {
            throw elf.error(section.name(), "map " + map.name, "overlaps map " + before.getValue().name);
        }
        bySection.put(map.offset, map);
        maps.add(map);
    }

    // --- stage: code --------------------------------------------------------------------------------------------

    /** Splits every executable section into functions by its FUNC symbols and decodes each. */
    private void loadFunctions() {
        for (ElfSection s : elf.sections()) {
            if (!s.isExecutable() || s.size() == 0) continue;
            if (s.size() % 8 != 0) throw elf.error(s.name(), null, "code of " + s.size() + " bytes is not a whole number of 8-byte instructions");
            byte[] code = elf.contents(s);
            boolean text = s.name().equals(TEXT_SECTION);
            TreeMap<Integer, CodeFunction> bySlot = new TreeMap<>();
            for (ElfSymbol sym : elf.symbolsIn(s)) {
                if (!sym.isFunction()) continue;
                String where = "function " + sym.displayName();
                if (sym.value() % 8 != 0 || sym.size() % 8 != 0) {
                    throw elf.error(s.name(), where, "offset 0x" + Long.toHexString(sym.value()) + " or size " + sym.size() + " is not a multiple of 8");
                }
                if (sym.size() == 0) throw elf.error(s.name(), where, "has no code (size 0)");
                checkInside(s, sym.value(), sym.size(), where);
                int start = (int) (sym.value() / 8), length = (int) (sym.size() / 8);
                var previous = bySlot.floorEntry(start);
                if (previous != null && previous.getValue().end() > start) {
                    throw elf.error(s.name(), where, "overlaps function " + previous.getValue().name());
                }
                var next = bySlot.ceilingEntry(start);
                if (next != null && next.getKey() < start + length) throw elf.error(s.name(), where, "overlaps function " + next.getValue().name());
                if (!text && !sym.isGlobal()) {
                    throw elf.error(s.name(), where, "a program must be a global function (libbpf refuses static programs); "
                            + "put static subprograms in .text");
                }
                Instructions instructions;
                try {
                    instructions = Instructions.decode(code, start * 8, length * 8);
                } catch (MalformedInstructionException e) {
                    throw new MalformedObjectException(file, s.name(), where + (e.pc() >= 0 ? " at pc " + e.pc() + " (offset 0x" + Long.toHexString(sym.value() + e.pc() * 8L) + ")" : ""),
                            "bad instruction: " + e.getMessage(), e);
                }
                bySlot.put(start, new CodeFunction(s, sym.name(), start, length, instructions, !text));
            }
            if (!bySlot.isEmpty()) functions.put(s.index(), bySlot);
        }
    }

    // --- stage: relocations ------------------------------------------------------------------------------------

    /** Resolves each relocation of each code section to what it refers to: a map, a map value, or code. */
    private void resolveCodeRelocations() {
        for (var entry : functions.entrySet()) {
            ElfSection section = elf.section(entry.getKey());
            Map<Integer, RelocationTarget> bySlot = new HashMap<>();
            String relName = elf.relocationSectionName(section);
            for (ElfRelocation rel : elf.relocationsFor(section)) {
                String where = "relocation at offset 0x" + Long.toHexString(rel.offset());
                if (rel.offset() % 8 != 0) throw elf.error(relName, where, "is not on an instruction boundary");
                int slot = (int) (rel.offset() / 8);
                CodeFunction function = functionAt(section.index(), slot);
                if (function == null) throw elf.error(relName, where, "applies to " + section.name() + " outside every function");
                Instruction insn = function.code().slot(slot - function.start());
                if (insn == null) throw elf.error(relName, where, "applies to the second half of an lddw in " + function.name());
                ElfSymbol sym = elf.symbol(rel.symbolIndex(), relName, where);
                String context = "function " + function.name() + " pc " + (slot - function.start()) + ": " + where + " against " + sym.displayName();
                if (bySlot.put(slot, resolve(section, relName, context, insn, sym)) != null) {
                    throw elf.error(relName, where, "a second relocation for the same instruction");
                }
            }
            relocations.put(section.index(), bySlot);
        }
    }

    private RelocationTarget resolve(ElfSection section, String relName, String where, Instruction insn, ElfSymbol sym) {
        if (sym.isUndefined()) {
            throw new UnsupportedFeatureException(file, null, -1, "section " + section.name() + ": " + where
                    + ": extern symbol '" + sym.name() + "' (kconfig, ksym or kfunc) is not supported");
        }
        if (sym.sectionIndex() >= ElfSymbol.SHN_LORESERVE) {
            throw new LinkException(file, relName, where, "symbol is in special section 0x" + Integer.toHexString(sym.sectionIndex())
                    + (sym.sectionIndex() == ElfSymbol.SHN_COMMON ? " (SHN_COMMON: an uninitialised global built with -fcommon; initialise it or build with -fno-common)" : "")
                    + ", not in code, maps or data");
        }
        ElfSection target = elf.section(sym.sectionIndex());
        switch (insn) {
            case Instruction.Call call when call.kind() == CallKind.LOCAL -> {
                if (!target.isExecutable()) throw new LinkException(file, relName, where, "a call to " + target.name() + ", which is not code");
                if (sym.value() % 8 != 0) throw new LinkException(file, relName, where, "call target offset 0x" + Long.toHexString(sym.value()) + " is not an instruction boundary");
                long slot = sym.value() / 8 + call.imm() + 1;
                return new RelocationTarget.Code(target.index(), checkSlot(target, slot, relName, where), false);
            }
            case Instruction.Call call -> throw new LinkException(file, relName, where, "a relocation on a " + call.kind() + " call, which takes none");
            case Instruction.LoadImm64 lddw -> {
                if (lddw.pseudo() != Pseudo.IMM) throw elf.error(relName, where, "the lddw already has pseudo source " + lddw.pseudo());
                long offset = sym.value() + lddw.imm();
                if (target.isExecutable()) {
                    if (offset % 8 != 0) throw new LinkException(file, relName, where, "function address 0x" + Long.toHexString(offset) + " is not an instruction boundary");
                    return new RelocationTarget.Code(target.index(), checkSlot(target, offset / 8, relName, where), true);
                }
                MapBuilder data = dataMaps.get(target.index());
                if (data != null) {
                    if (offset < 0 || offset >= data.valueSize) {
                        throw new LinkException(file, relName, where, "offset " + offset + " is outside " + data.name + " (" + data.valueSize + " bytes)");
                    }
                    return new RelocationTarget.Map(data.name, true, (int) offset);
                }
                TreeMap<Long, MapBuilder> declared = mapsByLocation.get(target.index());
                if (declared != null) {
                    MapBuilder map = declared.get(sym.isSection() ? offset : sym.value());
                    if (map == null) throw new LinkException(file, relName, where, "no map is defined at offset " + offset + " of " + target.name());
                    return new RelocationTarget.Map(map.name, false, 0);
                }
                throw new LinkException(file, relName, where, "symbol in section " + target.name() + ", which is neither code, a map section nor global data");
            }
            default -> throw elf.error(relName, where, "a relocation on an instruction that takes none (" + insn.getClass().getSimpleName() + ")");
        }
    }

    private int checkSlot(ElfSection target, long slot, String relName, String where) {
        if (slot < 0 || slot >= target.size() / 8) {
            throw new LinkException(file, relName, where, "target slot " + slot + " is outside " + target.name() + " (" + target.size() / 8 + " instructions)");
        }
        return (int) slot;
    }

    CodeFunction functionAt(int sectionIndex, int slot) {
        TreeMap<Integer, CodeFunction> bySlot = functions.get(sectionIndex);
        if (bySlot == null) return null;
        var e = bySlot.floorEntry(slot);
        return e != null && slot < e.getValue().end() ? e.getValue() : null;
    }

    // --- stage: static map contents ------------------------------------------------------------------------------

    /** {@code .rel.maps}: each entry fills one slot of a prog array or map of maps declared with {@code .values}. */
    private void loadStaticMapContents() {
        ElfSection section = elf.section(MAPS_SECTION);
        if (section == null) return;
        String relName = elf.relocationSectionName(section);
        TreeMap<Long, MapBuilder> declared = mapsByLocation.getOrDefault(section.index(), new TreeMap<>());
        for (ElfRelocation rel : elf.relocationsFor(section)) {
            String where = "relocation at offset 0x" + Long.toHexString(rel.offset());
            var e = declared.floorEntry(rel.offset());
            MapBuilder map = e == null ? null : e.getValue();
            if (map == null || rel.offset() >= map.offset + map.size) throw elf.error(relName, where, "lies in no map definition");
            where = "map " + map.name + ": " + where;
            if (map.valuesOffset < 0) throw elf.error(relName, where, "the map has no __array(values, ...) to initialise");
            long within = rel.offset() - map.offset - map.valuesOffset;
            if (within < 0 || within % 8 != 0) throw elf.error(relName, where, "is not on a pointer of the values array");
            long slot = within / 8;
            if (slot >= map.maxEntries) throw elf.error(relName, where, "initialises slot " + slot + " of a map with " + map.maxEntries + " entries");
            ElfSymbol sym = elf.symbol(rel.symbolIndex(), relName, where);
            where += " against " + sym.displayName();
            if (sym.isUndefined()) throw new LinkException(file, relName, where, "symbol '" + sym.name() + "' is not defined in this object");
            if (map.valuesArePrograms) {
                if (!sym.isFunction()) throw new LinkException(file, relName, where, "a prog array slot must name a program, not a " + symbolKind(sym));
                CodeFunction f = sym.sectionIndex() < elf.sections().size() ? functionAt(sym.sectionIndex(), (int) Math.min(sym.value() / 8, Integer.MAX_VALUE)) : null;
                if (f == null || !f.isProgram() || f.start() * 8L != sym.value()) {
                    throw new LinkException(file, relName, where, "'" + sym.name() + "' is not a program (subprograms in .text cannot be tail-called)");
                }
                map.programSlots.put((int) slot, f.name());
            } else {
                MapBuilder inner = sym.isUndefined() || sym.sectionIndex() != section.index() ? null : declared.get(sym.value());
                if (inner == null) throw new LinkException(file, relName, where, "a map-of-maps slot must name a map in .maps");
                map.innerMapSlots.put((int) slot, inner.name);
            }
        }
    }

    private static String symbolKind(ElfSymbol sym) {
        return switch (sym.type()) {
            case ElfSymbol.STT_OBJECT -> "variable";
            case ElfSymbol.STT_SECTION -> "section";
            case ElfSymbol.STT_NOTYPE -> "untyped symbol";
            default -> "symbol of type " + sym.type();
        };
    }

    // --- stage: linking -----------------------------------------------------------------------------------------

    private List<ProgramSpec> linkPrograms() {
        Linker linker = new Linker(file, this::functionAt, (section, slot) -> relocations.getOrDefault(section, Map.of()).get(slot),
                index -> elf.section(index).name(), btf, btfExt);
        List<ProgramSpec> out = new ArrayList<>();
        for (var bySlot : functions.values()) {
            for (CodeFunction f : bySlot.values()) {
                if (!f.isProgram()) continue;
                for (ProgramSpec earlier : out) {
                    if (earlier.name().equals(f.name())) {
                        throw elf.error(f.section().name(), "function " + f.name(), "a second program of the same name (the first is in " + earlier.sectionName() + ")");
                    }
                }
                ProgramSections.Kind kind = ProgramSections.of(f.section().name());
                Linker.Linked linked = linker.link(f);
                out.add(new ProgramSpec(f.name(), f.section().name(), kind.type(), kind.attachType(), kind.attachTarget(), kind.programFlags(),
                        license, kernelVersion, linked.instructions(), linked.mapReferences(), linked.subprograms(), linked.funcInfos(), linked.lineInfos()));
            }
        }
        return out;
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    private void checkInside(ElfSection section, long offset, long size, String where) {
        if (offset < 0 || size < 0 || offset > section.size() || size > section.size() - offset) {
            throw elf.error(section.name(), where, size + " bytes at offset 0x" + Long.toHexString(offset) + " lie outside the section (" + section.size() + " bytes)");
        }
    }

    private static long u32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (long) (b[at + 3] & 0xff) << 24;
    }

    /** A map while the stages fill it in. */
    private final class MapBuilder {
        final String name;
        MapSpec.Origin origin;
        ElfSection section;
        long offset, size;
        MapType type;
        int keySize, valueSize;
        long maxEntries, flags, numaNode, mapExtra, pinning;
        int keyTypeId, valueTypeId;
        boolean readOnly;
        byte[] initialValue;
        int valuesOffset = -1;
        boolean valuesArePrograms;
        MapBuilder innerDefinition;
        final Map<Integer, String> programSlots = new TreeMap<>();
        final Map<Integer, String> innerMapSlots = new TreeMap<>();

        MapBuilder(String name) {
            this.name = name;
        }

        MapDefinition definition(String where) {
            String sectionName = section == null ? MAPS_SECTION : section.name();
            if (maxEntries > Integer.MAX_VALUE) throw elf.error(sectionName, where, "max_entries " + maxEntries + " is impossible");
            if (flags > 0xffffffffL) throw elf.error(sectionName, where, "map_flags 0x" + Long.toHexString(flags) + " do not fit 32 bits");
            MapDefinition inner = innerDefinition == null ? null : innerDefinition.definition(where + " (inner map)");
            MapDefinition d = new MapDefinition(name, type, keySize, valueSize, (int) maxEntries, (int) flags, inner);
            MapSizes.check(d, problem -> elf.error(sectionName, where, problem));
            return d;
        }

        MapSpec build() {
            return new MapSpec(name, section == null ? null : section.name(), origin, definition("map " + name), keyTypeId, valueTypeId,
                    initialValue, readOnly, (int) pinning, programSlots, innerMapSlots);
        }
    }
}
