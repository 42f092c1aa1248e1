package io.bpf4j.object;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.btf.BtfType;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** globals.c, maps_all.c, legacy_maps.c, map_in_map.c: maps, their sizes and initial contents as the C declares them. */
class DataAndMapFixturesTest {

    @Test
    void everyGlobalDataSectionBecomesASingleEntryArray() {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("globals.o"));
        assertThat(spec.maps()).extracting(MapSpec::name)
                .containsExactlyInAnyOrder(".data", ".rodata", ".bss", ".data.custom", ".rodata.custom", ".rodata.str1.1");
        for (MapSpec m : spec.maps()) {
            MapDefinition d = m.definition();
            assertThat(m.origin()).isEqualTo(MapSpec.Origin.GLOBAL_DATA);
            assertThat(d.type()).isEqualTo(MapType.ARRAY);
            assertThat(d.keySize()).isEqualTo(4);
            assertThat(d.maxEntries()).isEqualTo(1);
            assertThat(d.valueSize()).isEqualTo(m.initialValue().length);
            boolean rodata = m.name().startsWith(".rodata");
            assertThat(m.readOnly()).as(m.name()).isEqualTo(rodata);
            assertThat(d.flags() & MapDefinition.F_RDONLY_PROG).as(m.name()).isEqualTo(rodata ? MapDefinition.F_RDONLY_PROG : 0);
            assertThat(d.flags() & MapDefinition.F_MMAPABLE).isEqualTo(MapDefinition.F_MMAPABLE);
        }
    }

    @Test
    void initialValuesAreTheCInitialisers() {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("globals.o"));
        // .data: counter = 7 then limits[3] = {1, 2, 3}
        assertThat(ints(spec.map(".data").initialValue())).containsExactly(7, 1, 2, 3);
        // .rodata: threshold = 100 then greeting[8] = "hello"
        byte[] rodata = spec.map(".rodata").initialValue();
        assertThat(ints(rodata)[0]).isEqualTo(100);
        assertThat(new String(rodata, 4, 5, StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(rodata[9]).isZero();
        // .bss: total (u64) and seen[4] (u32): 24 zero bytes
        byte[] bss = spec.map(".bss").initialValue();
        assertThat(bss).hasSize(8 + 4 * 4);
        assertThat(bss).containsOnly(0);
        assertThat(ints(spec.map(".data.custom").initialValue())).containsExactly(42);
        assertThat(ints(spec.map(".rodata.custom").initialValue())).containsExactly(9);
        assertThat(new String(spec.map(".rodata.str1.1").initialValue(), StandardCharsets.US_ASCII)).isEqualTo("greeting changed: %d\n\0");
    }

    @Test
    void variablesAreReachedThroughMapValueLoadsAtTheirOffsets() {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("globals.o"));
        ProgramSpec p = spec.program("globals_prog");
        assertThat(p.mapNames()).containsExactlyInAnyOrder(".data", ".rodata", ".bss", ".data.custom", ".rodata.custom", ".rodata.str1.1");
        for (MapReference ref : p.mapReferences()) {
            assertThat(ref.valueAccess()).isTrue();
            Instruction.LoadImm64 lddw = (Instruction.LoadImm64) p.instructions().at(ref.pc());
            assertThat(lddw.pseudo()).isEqualTo(Pseudo.MAP_VALUE);
            assertThat(lddw.imm()).isZero();
            assertThat(lddw.nextImm()).isEqualTo(ref.offset());
            assertThat(ref.offset()).isBetween(0, spec.map(ref.mapName()).definition().valueSize() - 1);
        }
        // limits[2] (.data offset 4 + 8) and seen[] (.bss offset 8) are read or written: the offsets of those variables
        // or of the section symbol plus the element offset are what clang put in the instruction.
        assertThat(p.mapReferences()).anySatisfy(r -> {
            assertThat(r.mapName()).isEqualTo(".bss");
            assertThat(r.offset()).isEqualTo(8);
        });
        Instruction.LoadImm64 relocated = (Instruction.LoadImm64) p.relocate(name -> 77).at(p.mapReferences().getFirst().pc());
        assertThat(relocated.imm()).isEqualTo(77);
        assertThat(relocated.nextImm()).isEqualTo(p.mapReferences().getFirst().offset());
    }

    @Test
    void dataSectionValueTypesAreTheirDatasecs() {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("globals.o"));
        for (String name : new String[] {".data", ".rodata", ".bss", ".data.custom", ".rodata.custom"}) {
            BtfType t = spec.btf().type(spec.map(name).valueTypeId());
            assertThat(t).isInstanceOf(BtfType.Datasec.class);
            assertThat(t.name()).isEqualTo(name);
        }
        // The kernel's copy has DATASEC sizes equal to the sections and each variable at its symbol's offset.
        BtfType.Datasec data = (BtfType.Datasec) spec.kernelBtf().type(spec.map(".data").valueTypeId());
        assertThat(data.size()).isEqualTo(16);
        Map<String, Integer> offsets = new java.util.HashMap<>();
        for (BtfType.VarSecinfo v : data.variables()) offsets.put(spec.kernelBtf().type(v.type()).name(), v.offset());
        assertThat(offsets).containsEntry("counter", 0).containsEntry("limits", 4);
    }

    @Test
    void everyCommonMapTypeHasTheDeclaredSizes() {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("maps_all.o"));
        check(spec, "hash", MapType.HASH, 4, 8, 128);
        check(spec, "percpu_hash", MapType.PERCPU_HASH, 4, 8, 64);
        check(spec, "lru_hash", MapType.LRU_HASH, 8, 4, 32);
        check(spec, "array", MapType.ARRAY, 4, 8, 16); // struct event { u32 kind; u32 value; }
        check(spec, "percpu_array", MapType.PERCPU_ARRAY, 4, 8, 2);
        check(spec, "events", MapType.RINGBUF, 0, 0, 4096);
        check(spec, "queue", MapType.QUEUE, 0, 4, 8);
        check(spec, "stack", MapType.STACK, 0, 4, 8);
        assertThat(spec.btf().type(spec.map("array").valueTypeId()).name()).isEqualTo("event");
        assertThat(spec.program("exercise").mapNames())
                .containsExactlyInAnyOrder("hash", "percpu_hash", "lru_hash", "array", "percpu_array", "events", "queue", "stack");
    }

    @Test
    void legacyMapDefinitionsAndTheVersionSectionAreRead() {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("legacy_maps.o"));
        MapSpec byProto = check(spec, "by_proto", MapType.HASH, 4, 8, 256);
        assertThat(byProto.definition().flags()).isEqualTo(MapDefinition.F_NO_PREALLOC);
        assertThat(byProto.origin()).isEqualTo(MapSpec.Origin.LEGACY);
        assertThat(byProto.section()).isEqualTo("maps");
        assertThat(byProto.keyTypeId()).isZero();
        check(spec, "bytes", MapType.ARRAY, 4, 8, 1);
        assertThat(spec.kernelVersion()).isEqualTo(0x060c00);
        assertThat(spec.program("sock_count").kernelVersion()).isEqualTo(0x060c00);
        assertThat(spec.program("sock_count").type()).isEqualTo(ProgramType.SOCKET_FILTER);
        assertThat(spec.program("sock_count").mapNames()).containsExactlyInAnyOrder("by_proto", "bytes");
    }

    @Test
    void mapsOfMapsCarryTheirInnerDefinitionAndStaticContents() {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("map_in_map.o"));
        check(spec, "inner_a", MapType.ARRAY, 4, 4, 4);
        check(spec, "inner_b", MapType.ARRAY, 4, 4, 4);
        MapSpec outerArray = check(spec, "outer_array", MapType.ARRAY_OF_MAPS, 4, 4, 4);
        MapSpec outerHash = check(spec, "outer_hash", MapType.HASH_OF_MAPS, 4, 4, 8);
        for (MapSpec outer : new MapSpec[] {outerArray, outerHash}) {
            MapDefinition inner = outer.definition().inner();
            assertThat(inner).isNotNull();
            assertThat(inner.type()).isEqualTo(MapType.ARRAY);
            assertThat(inner.keySize()).isEqualTo(4);
            assertThat(inner.valueSize()).isEqualTo(4);
            assertThat(inner.maxEntries()).isEqualTo(4);
            assertThat(outer.initialProgramSlots()).isEmpty();
        }
        assertThat(outerArray.initialInnerMaps()).containsExactly(Map.entry(0, "inner_a"), Map.entry(2, "inner_b"));
        assertThat(outerHash.initialInnerMaps()).containsExactly(Map.entry(1, "inner_b"));
    }

    @Test
    void specsAreDeterministic() {
        byte[] bytes = Fixtures.bytes("tail_calls.o");
        ObjectSpec a = ObjectSpec.read("tail_calls.o", bytes), b = ObjectSpec.read("tail_calls.o", bytes.clone());
        assertThat(a.programs()).hasSameSizeAs(b.programs());
        for (int i = 0; i < a.programs().size(); i++) {
            ProgramSpec x = a.programs().get(i), y = b.programs().get(i);
            assertThat(x.name()).isEqualTo(y.name());
            assertThat(x.instructions()).isEqualTo(y.instructions());
            assertThat(x.mapReferences()).isEqualTo(y.mapReferences());
            assertThat(x.lineInfos()).isEqualTo(y.lineInfos());
        }
        assertThat(a.maps()).extracting(MapSpec::definition).isEqualTo(b.maps().stream().map(MapSpec::definition).toList());
        assertThat(a.btf()).isEqualTo(b.btf());
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        for (String name : Fixtures.names()) {
            if (name.equals("core.o")) continue;
            assertThat(ObjectSpec.read(name, Fixtures.bytes(name))).isEqualTo(ObjectSpec.read(Fixtures.path(name)));
        }
        byte[] changed = Fixtures.bytes("globals.o");
        ObjectSpec original = ObjectSpec.read("globals.o", changed);
        // .data's initial value is part of the spec: change counter's initialiser (7) and the specs differ.
        io.bpf4j.elf.ElfSection data = io.bpf4j.elf.ElfFile.parse("globals.o", changed).section(".data");
        changed[(int) data.offset()] = 8;
        assertThat(ObjectSpec.read("globals.o", changed)).isNotEqualTo(original);
    }

    @Test
    void globalDataMapsGetLibbpfKernelNames() {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("globals.o"));
        assertThat(spec.objectName()).isEqualTo("globals");
        assertThat(spec.map(".rodata").kernelName(spec.objectName())).isEqualTo("globals.rodata");
        assertThat(spec.map(".bss").kernelName(spec.objectName())).isEqualTo("globals.bss");
        assertThat(spec.map(".rodata.str1.1").kernelName(spec.objectName())).isEqualTo(".rodata.str1.1");
        assertThat(spec.map(".data.custom").kernelName(spec.objectName())).isEqualTo(".data.custom");
        // libbpf's own example: object "my_object_name" → "my_objec.rodata", "my_objec.bss"
        assertThat(spec.map(".rodata").kernelName("my_object_name")).isEqualTo("my_objec.rodata");
        assertThat(spec.map(".bss").kernelName("my_object_name")).isEqualTo("my_objec.bss");
        assertThat(spec.map(".data").kernelName("a-b")).isEqualTo("a_b.data");
    }

    private static MapSpec check(ObjectSpec spec, String name, MapType type, int key, int value, int max) {
        MapSpec m = spec.map(name);
        assertThat(m.definition().name()).isEqualTo(name);
        assertThat(m.definition().type()).as(name).isEqualTo(type);
        assertThat(m.definition().keySize()).as(name + " key size").isEqualTo(key);
        assertThat(m.definition().valueSize()).as(name + " value size").isEqualTo(value);
        assertThat(m.definition().maxEntries()).as(name + " max entries").isEqualTo(max);
        assertThat(m.initialValue()).isNull();
        return m;
    }

    private static int[] ints(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[b.length / 4];
        Arrays.setAll(out, i -> buf.getInt(i * 4));
        return out;
    }
}
