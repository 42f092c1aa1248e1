package io.bpf4j.btf;

import io.bpf4j.elf.ElfFile;
import io.bpf4j.object.MalformedObjectException;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The BTF reader on what clang emits (btf_kinds.c, globals.c), and on BTF that lies. */
class BtfTest {
    private static Btf btfOf(String fixture) {
        ElfFile elf = ElfFile.parse(fixture, Fixtures.bytes(fixture));
        return Btf.parse(fixture, elf.contents(elf.section(".BTF")));
    }

    private static BtfType named(Btf btf, String name, Class<? extends BtfType> kind) {
        for (BtfType t : btf.types()) if (kind.isInstance(t) && t.name().equals(name)) return t;
        throw new AssertionError("no " + kind.getSimpleName() + " " + name);
    }

    @Test
    void everyKindIsReadFromRealObjects() {
        Set<Integer> kinds = new TreeSet<>();
        for (String fixture : List.of("btf_kinds.o", "globals.o")) {
            for (BtfType t : btfOf(fixture).types()) if (t != null) kinds.add(t.kind());
        }
        // INT .. ENUM64: all 19 kinds of include/uapi/linux/btf.h
        assertThat(kinds).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 19).boxed().toList());
    }

    @Test
    void enumsKeepTheirValuesAndSignedness() {
        Btf btf = btfOf("btf_kinds.o");
        BtfType.Enum color = (BtfType.Enum) named(btf, "color", BtfType.Enum.class);
        assertThat(color.wide()).isFalse();
        assertThat(color.signed()).as("BLUE = -3 makes the enum signed").isTrue();
        assertThat(color.values()).extracting(BtfType.EnumValue::name, BtfType.EnumValue::value).containsExactly(
                org.assertj.core.groups.Tuple.tuple("RED", 1L), org.assertj.core.groups.Tuple.tuple("GREEN", 2L),
                org.assertj.core.groups.Tuple.tuple("BLUE", -3L));
        BtfType.Enum big = (BtfType.Enum) named(btf, "big", BtfType.Enum.class);
        assertThat(big.wide()).isTrue();
        assertThat(big.kind()).isEqualTo(19);
        assertThat(big.size()).isEqualTo(8);
        assertThat(big.values()).extracting(BtfType.EnumValue::value).containsExactly(1L, 0x1_0000_0000L);
    }

    @Test
    void structMembersBitfieldsAndTagsAreRead() {
        Btf btf = btfOf("btf_kinds.o");
        BtfType.Struct record = (BtfType.Struct) named(btf, "record", BtfType.Struct.class);
        assertThat(record.members()).extracting(BtfType.Member::name)
                .containsExactly("color", "big", "number", "ratio", "handle", "fast", "user", "flags", "low", "high");
        // The layout clang chose: enum (4) + pad, enum64 (8), union (4) + pad, double (8), three pointers, then u32s.
        assertThat(record.members()).extracting(BtfType.Member::bitOffset).containsExactly(0, 64, 128, 192, 256, 320, 384, 448, 480, 484);
        assertThat(record.members().get(8).bitfieldSize()).isEqualTo(4);
        assertThat(record.members().get(9).bitfieldSize()).isEqualTo(28);
        assertThat(btf.sizeOf(btf.typeId("record", 4))).isEqualTo(64);
        BtfType.Ptr handle = (BtfType.Ptr) btf.type(btf.resolve(record.members().get(4).type()));
        assertThat(btf.type(handle.target())).isEqualTo(new BtfType.Fwd("opaque", false));
        assertThat(btf.type(record.members().get(5).type())).isInstanceOf(BtfType.Restrict.class);
        BtfType.Ptr user = (BtfType.Ptr) btf.type(record.members().get(6).type());
        assertThat(btf.type(user.target())).isEqualTo(new BtfType.TypeTag("user", ((BtfType.TypeTag) btf.type(user.target())).target()));
        BtfType.Union number = (BtfType.Union) named(btf, "number", BtfType.Union.class);
        assertThat(btf.type(number.members().get(1).type())).isEqualTo(new BtfType.Float("float", 4));
        List<BtfType.DeclTag> tags = btf.types().stream().filter(t -> t instanceof BtfType.DeclTag).map(t -> (BtfType.DeclTag) t).toList();
        assertThat(tags).extracting(BtfType.DeclTag::name).containsExactlyInAnyOrder("bitmask", "entry_point");
        BtfType.DeclTag onMember = tags.stream().filter(t -> t.name().equals("bitmask")).findFirst().orElseThrow();
        assertThat(onMember.componentIndex()).isEqualTo(7); // "flags" is member 7 of struct record
        assertThat(btf.type(onMember.target())).isSameAs(record);
        BtfType.DeclTag onFunction = tags.stream().filter(t -> t.name().equals("entry_point")).findFirst().orElseThrow();
        assertThat(onFunction.componentIndex()).isEqualTo(-1);
        assertThat(btf.type(onFunction.target())).isInstanceOf(BtfType.Func.class);
        assertThat(btf.type(onFunction.target()).name()).isEqualTo("kinds_prog");
    }

    @Test
    void functionsHavePrototypesWithNamedParameters() {
        Btf btf = btfOf("subprogs.o");
        BtfType.Func f = (BtfType.Func) named(btf, "sum_of_squares", BtfType.Func.class);
        assertThat(f.linkage()).as("static").isZero();
        BtfType.FuncProto proto = (BtfType.FuncProto) btf.type(f.prototype());
        assertThat(proto.params()).extracting(BtfType.Param::name).containsExactly("a", "b");
        assertThat(btf.type(btf.resolve(proto.returnType())).name()).isEqualTo("unsigned long long");
        assertThat(((BtfType.Func) named(btf, "xdp_squares", BtfType.Func.class)).linkage()).as("global").isEqualTo(1);
    }

    @Test
    void theRunningKernelsBtfParses() throws Exception {
        java.nio.file.Path vmlinux = java.nio.file.Path.of("/sys/kernel/btf/vmlinux");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(vmlinux),
                "no kernel BTF at " + vmlinux + " (kernel built without CONFIG_DEBUG_INFO_BTF, or not Linux)");
        Btf btf = Btf.parse("vmlinux", java.nio.file.Files.readAllBytes(vmlinux));
        assertThat(btf.typeCount()).isGreaterThan(10_000);
        int task = btf.typeId("task_struct", 4);
        assertThat(task).isPositive();
        assertThat(((BtfType.Struct) btf.type(task)).members()).extracting(BtfType.Member::name).contains("pid", "tgid");
        // uapi: struct xdp_md is six __u32 fields.
        assertThat(btf.sizeOf(btf.typeId("xdp_md", 4))).isEqualTo(24);
    }

    @Test
    void rawBytesAreKeptAsLoaded() {
        ElfFile elf = ElfFile.parse("globals.o", Fixtures.bytes("globals.o"));
        byte[] section = elf.contents(elf.section(".BTF"));
        assertThat(Btf.parse("globals.o", section).rawBytes()).isEqualTo(section);
    }

    @Test
    void datasecFixUpOnlyTouchesSizesAndOffsets() {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("globals.o"));
        byte[] before = spec.btf().rawBytes(), after = spec.kernelBtf().rawBytes();
        assertThat(after).hasSameSizeAs(before);
        int differing = 0;
        for (int i = 0; i < before.length; i++) if (before[i] != after[i]) differing++;
        assertThat(differing).isPositive();
        BtfType.Datasec bss = (BtfType.Datasec) spec.kernelBtf().type(spec.kernelBtf().typeId(".bss", 15));
        assertThat(bss.size()).isEqualTo(24); // __u64 total; __u32 seen[4];
        assertThat(bss.variables()).extracting(BtfType.VarSecinfo::offset).containsExactly(0, 8);
        assertThat(((BtfType.Datasec) spec.btf().type(spec.btf().typeId(".bss", 15))).size()).as("as clang wrote it").isZero();
    }

    @Test
    void aTypeRecordRunningPastTheTypeSectionIsRefused() {
        ElfFile elf = ElfFile.parse("multi.o", Fixtures.bytes("multi.o"));
        byte[] section = elf.contents(elf.section(".BTF"));
        long typeLen = (section[12] & 0xffL) | (section[13] & 0xffL) << 8;
        byte[] shorter = section.clone();
        shorter[12] = (byte) (typeLen - 2); // cut the last type's record
        shorter[13] = (byte) ((typeLen - 2) >> 8);
        assertThatThrownBy(() -> Btf.parse("multi.o", shorter))
                .isInstanceOf(MalformedObjectException.class)
                .hasMessageMatching("multi\\.o: section \\.BTF: offset 0x[0-9a-f]+: type \\d+ (is truncated|\\(.*\\) runs past the end of the type section)");
        assertThatThrownBy(() -> Btf.parse("multi.o", Arrays.copyOf(section, 10)))
                .isInstanceOf(MalformedObjectException.class).hasMessageContaining("BTF header truncated: 10 of 24 bytes");
    }
}
