package io.bpf4j.object;

import io.bpf4j.BpfException;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.btf.Btf;
import io.bpf4j.btf.BtfType;
import io.bpf4j.elf.ElfFile;
import io.bpf4j.elf.ElfRelocation;
import io.bpf4j.elf.ElfSection;
import io.bpf4j.elf.ElfSymbol;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each kind of bad input the issue lists: the loader's own error, naming file, section and symbol or offset. */
class BadInputTest {

    @Test
    void aTruncatedFileNamesTheSectionThatNoLongerFits() {
        byte[] full = Fixtures.bytes("tail_calls.o");
        assertThatThrownBy(() -> ObjectSpec.read("tail_calls.o", Arrays.copyOf(full, full.length - 100)))
                .isInstanceOf(MalformedObjectException.class)
                .hasMessageStartingWith("tail_calls.o: read ELF: e_shoff 0x")
                .hasMessageEndingWith("section headers do not fit in the file of " + (full.length - 100) + " bytes");
        assertThatThrownBy(() -> ObjectSpec.read("tail_calls.o", Arrays.copyOf(full, 40)))
                .isInstanceOf(MalformedObjectException.class).hasMessageContaining("truncated ELF header: 40 of 64 bytes");
        assertThatThrownBy(() -> ObjectSpec.read("empty.o", new byte[0]))
                .isInstanceOf(MalformedObjectException.class).hasMessage("empty.o: read ELF: not an ELF file (only 0 bytes)");
    }

    @Test
    void somethingElseThanElfIsRefused() {
        byte[] text = "#!/bin/sh\necho this is not an object file\n".getBytes();
        assertThatThrownBy(() -> ObjectSpec.read("script.o", text))
                .isInstanceOf(MalformedObjectException.class).hasMessage("script.o: read ELF: not an ELF file (no \\x7fELF magic)");
    }

    @Test
    void aWrongMachineIsRefused() {
        byte[] b = Fixtures.bytes("multi.o");
        put(b, 0x12, 2, 62); // EM_X86_64
        assertThatThrownBy(() -> ObjectSpec.read("multi.o", b))
                .isInstanceOf(MalformedObjectException.class)
                .hasMessage("multi.o: read ELF: e_machine: machine 62 is not EM_BPF (247)");
    }

    @Test
    void aWrongClassIsRefused() {
        byte[] b = Fixtures.bytes("multi.o");
        b[4] = 1; // ELFCLASS32
        assertThatThrownBy(() -> ObjectSpec.read("multi.o", b))
                .isInstanceOf(MalformedObjectException.class)
                .hasMessageContaining("ELF class 1 is not ELFCLASS64");
    }

    @Test
    void bigEndianObjectsAreRefusedNotMisread() {
        byte[] b = Fixtures.bytes("multi.o");
        b[5] = 2; // ELFDATA2MSB, what clang -target bpfeb writes
        assertThatThrownBy(() -> ObjectSpec.read("multi.o", b))
                .isInstanceOf(MalformedObjectException.class)
                .hasMessageContaining("big-endian ELF")
                .hasMessageContaining("little-endian");
    }

    @Test
    void onlyRelocatableObjectsAreRead() {
        byte[] b = Fixtures.bytes("multi.o");
        put(b, 0x10, 2, 2); // ET_EXEC
        assertThatThrownBy(() -> ObjectSpec.read("multi.o", b))
                .isInstanceOf(MalformedObjectException.class).hasMessageContaining("ELF type 2 is not ET_REL");
    }

    @Test
    void aSectionOffsetOutsideTheFileNamesTheSection() {
        byte[] b = Fixtures.bytes("tail_calls.o");
        ElfSection btf = section(b, ".BTF");
        put(b, headerOf(b, btf) + 0x18, 8, b.length + 16L); // sh_offset
        assertThatThrownBy(() -> ObjectSpec.read("tail_calls.o", b))
                .isInstanceOf(MalformedObjectException.class)
                .satisfies(e -> assertThat(((MalformedObjectException) e).section()).isEqualTo(".BTF"))
                .satisfies(e -> assertThat(((MalformedObjectException) e).stage()).isEqualTo("read ELF"))
                .hasMessageContaining("tail_calls.o: read ELF: section .BTF: offset 0x" + Long.toHexString(b.length + 16L))
                .hasMessageContaining("lies outside the file");
    }

    @Test
    void aRelocationToAMissingSymbolNamesTheRelocation() {
        byte[] b = Fixtures.bytes("tail_calls.o");
        ElfFile elf = ElfFile.parse("tail_calls.o", b);
        ElfSection rel = elf.sections().stream().filter(s -> s.name().equals(".relxdp")).findFirst().orElseThrow();
        ElfRelocation first = elf.relocationsFor(elf.section(rel.info())).getFirst();
        put(b, (int) rel.offset() + 12, 4, 9999); // the symbol half of r_info
        assertThatThrownBy(() -> ObjectSpec.read("tail_calls.o", b))
                .isInstanceOf(LinkException.class)
                .hasMessageContaining("section .relxdp")
                .hasMessageContaining("offset 0x" + Long.toHexString(first.offset()))
                .hasMessageContaining("symbol #9999, which does not exist");
    }

    @Test
    void aRelocationToAnUndefinedSymbolIsAnUnsupportedExtern() {
        // An undefined symbol is what clang emits for "extern" variables (kconfig, ksyms): bpf4j names it.
        byte[] b = Fixtures.bytes("globals.o");
        ElfFile elf = ElfFile.parse("globals.o", b);
        ElfSymbol counter = elf.symbols().stream().filter(s -> s.name().equals("counter")).findFirst().orElseThrow();
        ElfSection symtab = elf.sections().stream().filter(s -> s.type() == ElfSection.SHT_SYMTAB).findFirst().orElseThrow();
        put(b, (int) (symtab.offset() + counter.index() * 24L + 6), 2, 0); // st_shndx = SHN_UNDEF
        assertThatThrownBy(() -> ObjectSpec.read("globals.o", b))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageStartingWith("globals.o: resolve relocations: section xdp: function globals_prog pc ")
                .hasMessageEndingWith("against counter: extern symbol 'counter' (kconfig, ksym or kfunc) is not supported");
    }

    @Test
    void aLegacyMapWithAnImpossibleSizeNamesTheMap() {
        byte[] b = Fixtures.bytes("legacy_maps.o");
        ElfFile elf = ElfFile.parse("legacy_maps.o", b);
        ElfSection maps = elf.section("maps");
        ElfSymbol byProto = elf.symbolsIn(maps).stream().filter(s -> s.name().equals("by_proto")).findFirst().orElseThrow();
        put(b, (int) (maps.offset() + byProto.value() + 4), 4, 0); // key_size 0 for a hash
        assertThatThrownBy(() -> ObjectSpec.read("legacy_maps.o", b))
                .isInstanceOf(MalformedObjectException.class)
                .hasMessage("legacy_maps.o: load legacy maps: section maps: map by_proto: HASH with key_size 0");
        put(b, (int) (maps.offset() + byProto.value() + 4), 4, 4);
        put(b, (int) (maps.offset() + byProto.value() + 8), 4, 0xffff_fff0L); // value_size ~4 GiB
        assertThatThrownBy(() -> ObjectSpec.read("legacy_maps.o", b))
                .isInstanceOf(MalformedObjectException.class)
                .hasMessage("legacy_maps.o: load legacy maps: section maps: map by_proto: value_size of 4294967280 bytes is impossible");
    }

    @Test
    void aBtfMapWithAnImpossibleSizeNamesTheMap() {
        byte[] b = Fixtures.bytes("maps_all.o");
        ElfSection btfSection = section(b, ".BTF");
        Btf btf = ObjectSpec.read("maps_all.o", b).btf();
        // __uint(max_entries, 4096) of the ring buffer is an ARRAY type of 4096 elements; make it 4095.
        int arrayId = -1;
        for (int id = 1; id < btf.typeCount(); id++) {
            if (btf.type(id) instanceof BtfType.Array a && a.elements() == 4096) arrayId = id;
        }
        assertThat(arrayId).isPositive();
        put(b, (int) btfSection.offset() + btf.recordOffset(arrayId) + 12 + 8, 4, 4095);
        assertThatThrownBy(() -> ObjectSpec.read("maps_all.o", b))
                .isInstanceOf(MalformedObjectException.class)
                .hasMessage("maps_all.o: load BTF maps: section .maps: map events: RINGBUF max_entries 4095 must be a power of two and a multiple of the page size (4096)");
    }

    @Test
    void btfPointingOutsideItsSectionNamesTheOffset() {
        byte[] b = Fixtures.bytes("subprogs.o");
        ElfSection btf = section(b, ".BTF");
        put(b, (int) btf.offset() + 20, 4, btf.size()); // str_len: the string section now runs past the end
        assertThatThrownBy(() -> ObjectSpec.read("subprogs.o", b))
                .isInstanceOf(MalformedObjectException.class)
                .hasMessageStartingWith("subprogs.o: load BTF: section .BTF: offset 0x10: string section at ")
                .hasMessageContaining("lies outside the .BTF section of " + btf.size() + " bytes");
    }

    @Test
    void aBtfTypeReferringToAMissingTypeNamesBoth() {
        byte[] b = Fixtures.bytes("subprogs.o");
        ElfSection section = section(b, ".BTF");
        Btf btf = ObjectSpec.read("subprogs.o", b).btf();
        int ptrId = -1;
        for (int id = 1; id < btf.typeCount() && ptrId < 0; id++) if (btf.type(id) instanceof BtfType.Ptr) ptrId = id;
        int record = btf.recordOffset(ptrId);
        put(b, (int) section.offset() + record + 8, 4, 50_000);
        assertThatThrownBy(() -> ObjectSpec.read("subprogs.o", b))
                .isInstanceOf(MalformedObjectException.class)
                .hasMessage("subprogs.o: load BTF: section .BTF: offset 0x" + Integer.toHexString(record) + ": type " + ptrId
                        + " (PTR '') refers to type 50000, which does not exist (" + (btf.typeCount() - 1) + " types)");
    }

    @Test
    void coReRelocationsAreRefusedNamingProgramAndInstruction() {
        assertThatThrownBy(() -> ObjectSpec.read(Fixtures.path("core.o")))
                .isInstanceOfSatisfying(UnsupportedFeatureException.class, e -> {
                    assertThat(e.program()).isEqualTo("read_pid");
                    assertThat(e.pc()).isZero(); // "return task->tgid": the load is the first instruction
                    assertThat(e.getMessage()).isEqualTo("core.o: link programs: program read_pid at pc 0: CO-RE relocation (field byte offset, "
                            + "access 0:1 of 'task_like') in section kprobe/do_nothing is not supported: bpf4j does not relocate CO-RE accesses yet");
                });
    }

    @Test
    void aProgramSectionWithAnUnknownNameGivesUnspecifiedPrograms() {
        // libbpf keeps programs of sections it cannot classify and leaves the type to the user.
        byte[] b = Fixtures.bytes("multi.o");
        rename(b, "socket", "sucket");
        ObjectSpec spec = ObjectSpec.read("multi.o", b);
        ProgramSpec p = spec.program("sock_all");
        assertThat(p.sectionName()).isEqualTo("sucket");
        assertThat(p.type()).isEqualTo(ProgramType.UNSPEC);
        assertThat(p.attachType()).isNull();
        assertThat(p.withType(ProgramType.SOCKET_FILTER, null).type()).isEqualTo(ProgramType.SOCKET_FILTER);
        assertThat(spec.program("xdp_pass").type()).isEqualTo(ProgramType.XDP);
    }

    @Test
    void aStaticProgramIsRefusedAsLibbpfDoes() {
        byte[] b = Fixtures.bytes("multi.o");
        ElfFile elf = ElfFile.parse("multi.o", b);
        ElfSymbol drop = elf.symbols().stream().filter(s -> s.name().equals("xdp_drop")).findFirst().orElseThrow();
        ElfSection symtab = elf.sections().stream().filter(s -> s.type() == ElfSection.SHT_SYMTAB).findFirst().orElseThrow();
        int info = (int) (symtab.offset() + drop.index() * 24L + 4);
        b[info] = (byte) (b[info] & 0x0f); // STB_LOCAL
        assertThatThrownBy(() -> ObjectSpec.read("multi.o", b))
                .isInstanceOf(MalformedObjectException.class)
                .hasMessageStartingWith("multi.o: split code into functions: section xdp: function xdp_drop: a program must be a global function");
    }

    @Test
    void aCallIntoTheMiddleOfAFunctionIsALinkError() {
        byte[] b = Fixtures.bytes("subprogs.o");
        ElfFile elf = ElfFile.parse("subprogs.o", b);
        ElfSection socket = elf.section("socket");
        // sock_squares: "call -0x1" relocated against .text; make it -0x1 + 2: two slots into sum_of_squares.
        int callSlot = -1;
        for (int slot = 0; slot < socket.size() / 8; slot++) {
            if ((b[(int) socket.offset() + slot * 8] & 0xff) == 0x85 && (b[(int) socket.offset() + slot * 8 + 1] & 0xf0) == 0x10) callSlot = slot;
        }
        assertThat(callSlot).isNotNegative();
        put(b, (int) socket.offset() + callSlot * 8 + 4, 4, 1);
        assertThatThrownBy(() -> ObjectSpec.read("subprogs.o", b))
                .isInstanceOf(LinkException.class)
                .hasMessage("subprogs.o: link programs: section socket: function sock_squares pc " + callSlot
                        + ": call into the middle of sum_of_squares (slot 2, it starts at 0)");
    }

    // --- patching helpers -----------------------------------------------------------------------------------

    static ElfSection section(byte[] b, String name) {
        ElfSection s = ElfFile.parse("fixture", b).section(name);
        assertThat(s).as(name).isNotNull();
        return s;
    }

    static int headerOf(byte[] b, ElfSection s) {
        long shoff = 0;
        for (int i = 0; i < 8; i++) shoff |= (b[0x28 + i] & 0xffL) << (8 * i);
        return (int) (shoff + s.index() * 64L);
    }

    static void put(byte[] b, int at, int width, long value) {
        for (int i = 0; i < width; i++) b[at + i] = (byte) (value >>> (8 * i));
    }

    /** Renames a section in place (same length) in the section-name string table. */
    static void rename(byte[] b, String from, String to) {
        assertThat(to).hasSameSizeAs(from);
        ElfFile elf = ElfFile.parse("fixture", b);
        int shstrndx = (b[0x3e] & 0xff) | (b[0x3f] & 0xff) << 8;
        ElfSection names = elf.section(shstrndx);
        byte[] needle = (from + "\0").getBytes();
        for (int at = (int) names.offset(); at < names.offset() + names.size(); at++) {
            if ((at == names.offset() || b[at - 1] == 0) && Arrays.equals(b, at, at + needle.length, needle, 0, needle.length)) {
                System.arraycopy(to.getBytes(), 0, b, at, to.length());
                return;
            }
        }
        throw new AssertionError(from + " not found");
    }
}
