package io.bpf4j.object;

import io.bpf4j.abi.MapDefinition;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A map as the object declares it, before anything creates it: its definition, where it came from, and what
 * it must contain when created (a data section's bytes, a prog array's programs, a map of maps' inner maps).
 *
 * <p>Names: BTF-defined and legacy maps are named by their C variable. A global-data map is named by its ELF
 * section ({@code .data}, {@code .rodata}, {@code .bss}, {@code .data.custom}, {@code .rodata.str1.1}), as
 * cilium/ebpf does and as libbpf's {@code bpf_map__name} reports; {@link #kernelName(String)} gives the
 * 15-character name libbpf passes to the kernel ({@code "globals.rodata"}).
 */
public final class MapSpec {
    /** How the map was declared. */
    public enum Origin {
        /** A {@code struct { __uint(type, ...) ... } name SEC(".maps")} definition read through BTF. */
        BTF,
        /** A {@code struct bpf_map_def} in the legacy {@code maps} section. */
        LEGACY,
        /** A global-data section made into a single-entry array map. */
        GLOBAL_DATA
    }

    /** libbpf's {@code pinning} attribute values. */
    public static final int PIN_NONE = 0, PIN_BY_NAME = 1;

    private final String name;
    private final String section;
    private final Origin origin;
    private final MapDefinition definition;
    private final int keyTypeId, valueTypeId;
    private final byte[] initialValue;
    private final boolean readOnly;
    private final int pinning;
    private final SortedMap<Integer, String> initialProgramSlots;
    private final SortedMap<Integer, String> initialInnerMaps;

    MapSpec(String name, String section, Origin origin, MapDefinition definition, int keyTypeId, int valueTypeId,
            byte[] initialValue, boolean readOnly, int pinning, Map<Integer, String> initialProgramSlots,
            Map<Integer, String> initialInnerMaps) {
        this.name = Objects.requireNonNull(name);
        this.section = section;
        this.origin = origin;
        this.definition = definition;
        this.keyTypeId = keyTypeId;
        this.valueTypeId = valueTypeId;
        this.initialValue = initialValue == null ? null : initialValue.clone();
        this.readOnly = readOnly;
        this.pinning = pinning;
        this.initialProgramSlots = Collections.unmodifiableSortedMap(new TreeMap<>(initialProgramSlots));
        this.initialInnerMaps = Collections.unmodifiableSortedMap(new TreeMap<>(initialInnerMaps));
    }

    /** The map's name: the C variable, or the data section's name. */
    public String name() {
        return name;
    }

    /** The ELF section it was declared in ({@code .maps}, {@code maps}, or the data section itself). */
    public String section() {
        return section;
    }

    public Origin origin() {
        return origin;
    }

    /** The BPF_MAP_CREATE attributes. */
    public MapDefinition definition() {
        return definition;
    }

    /** BTF type id of the key in {@link ObjectSpec#btf()}, 0 when the object does not say (legacy maps, {@code key_size} only). */
    public int keyTypeId() {
        return keyTypeId;
    }

    /** BTF type id of the value (for global data: the DATASEC), 0 when the object does not say. */
    public int valueTypeId() {
        return valueTypeId;
    }

    /** For global data, a copy of the single value's initial bytes ({@code .bss}: zeros); otherwise null. */
    public byte[] initialValue() {
        return initialValue == null ? null : initialValue.clone();
    }

    public boolean isGlobalData() {
        return origin == Origin.GLOBAL_DATA;
    }

    /**
     * True for {@code .rodata} and {@code .rodata.*}: programs may only read it (BPF_F_RDONLY_PROG) and, once its
     * initial value is written, the map is frozen so user space cannot change it either; the verifier may then
     * treat its contents as constants.
     */
    public boolean readOnly() {
        return readOnly;
    }

    /** Same as {@link #readOnly()}: whether the creator must freeze the map after writing its initial value. */
    public boolean frozen() {
        return readOnly;
    }

    /** libbpf's {@code pinning} attribute ({@link #PIN_NONE} or {@link #PIN_BY_NAME}). */
    public int pinning() {
        return pinning;
    }

    /** For a prog array declared with {@code .values = { [i] = &prog }}: slot index → program name. */
    public SortedMap<Integer, String> initialProgramSlots() {
        return initialProgramSlots;
    }

    /** For a map of maps declared with {@code .values = { [i] = &inner }}: key → inner map name. */
    public SortedMap<Integer, String> initialInnerMaps() {
        return initialInnerMaps;
    }

    /**
     * The name libbpf gives the kernel (BPF_OBJ_NAME_LEN: 15 characters): the map's own name for declared maps;
     * for {@code .data}, {@code .rodata} and {@code .bss}, a prefix of the object's name followed by the section name
     * ({@code "globals.rodata"}, {@code "my_objec.bss"}); for sections with a second dot ({@code .data.custom},
     * {@code .rodata.str1.1}) the section name alone. Truncated to 15 characters; characters the kernel refuses
     * become '_'.
     *
     * @param objectName the object's name, usually the file name without {@code .o}
     */
    public String kernelName(String objectName) {
        String base;
        if (origin != Origin.GLOBAL_DATA) {
            base = name;
        } else if (name.indexOf('.', 1) > 0) {
            // A "custom dot map" (.data.custom, .rodata.str1.1): libbpf keeps the section name alone.
            base = name;
        } else {
            // .data, .rodata, .bss: as much of the object name as fits before a suffix counted as at least 7.
            int suffix = Math.max(7, name.length());
            base = objectName.substring(0, Math.max(0, Math.min(15 - suffix, objectName.length()))) + name;
        }
        if (base.length() > 15) base = base.substring(0, 15);
        StringBuilder sb = new StringBuilder(base.length());
        for (char c : base.toCharArray()) sb.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' ? c : '_');
        return sb.toString();
    }

    /** Specs are values: equal when every field is, initial bytes compared by content. */
    @Override
    public boolean equals(Object o) {
        return o instanceof MapSpec m && name.equals(m.name) && Objects.equals(section, m.section) && origin == m.origin
                && definition.equals(m.definition) && keyTypeId == m.keyTypeId && valueTypeId == m.valueTypeId
                && java.util.Arrays.equals(initialValue, m.initialValue) && readOnly == m.readOnly && pinning == m.pinning
                && initialProgramSlots.equals(m.initialProgramSlots) && initialInnerMaps.equals(m.initialInnerMaps);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, definition, java.util.Arrays.hashCode(initialValue));
    }

    @Override
    public String toString() {
        return "MapSpec[" + name + " " + definition.type() + " key " + definition.keySize() + " value " + definition.valueSize()
                + " max " + definition.maxEntries() + (definition.flags() != 0 ? " flags 0x" + Integer.toHexString(definition.flags()) : "")
                + (initialProgramSlots.isEmpty() ? "" : " programs " + initialProgramSlots)
                + (initialInnerMaps.isEmpty() ? "" : " inner " + initialInnerMaps) + "]";
    }
}
