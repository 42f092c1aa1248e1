package io.bpf4j.object;

import io.bpf4j.elf.ElfFile;
import io.bpf4j.elf.ElfSection;
import io.bpf4j.elf.ElfSymbol;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;
import io.bpf4j.isa.text.Assembler;
import io.bpf4j.isa.text.Disassembler;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * bpf4j's view of each fixture's code against llvm-objdump-19's: every code section instruction by instruction
 * (the unlinked bytes, which is what objdump shows), every linked program's untouched instructions at the place
 * they came from, and the text round trip through the Disassembler and the Assembler.
 */
class DisassemblyTest {
    private static final Path OBJDUMP = Path.of("/usr/bin/llvm-objdump-19");
    private static final Pattern LINE = Pattern.compile("^\\s*(\\d+):\\s+(.*?)(?:\\s+<[^<>\\s]*>)?$");

    @TestFactory
    Stream<DynamicTest> everyCodeSectionMatchesLlvmObjdump() {
        Assumptions.assumeTrue(Files.isExecutable(OBJDUMP), "llvm-objdump-19 is not installed (" + OBJDUMP + "): apt-get install llvm-19 to compare with LLVM");
        return fixtures().flatMap(name -> codeSections(name).stream().map(section -> DynamicTest.dynamicTest(name + " " + section.name(), () -> {
            ElfFile elf = ElfFile.parse(name, Fixtures.bytes(name));
            Instructions code = Instructions.decode(elf.contents(section));
            Map<Integer, String> llvm = objdump(name, section.name(), false), llvmV3 = objdump(name, section.name(), true);
            List<String> mismatches = new ArrayList<>();
            for (Instructions.At at : code) {
                String expected = llvmForm(at.instruction(), Disassembler.instruction(at.instruction(), at.pc()));
                String actual = (isAtomic32(at.instruction()) ? llvmV3 : llvm).get(at.pc());
                if (!expected.equals(actual)) mismatches.add("pc " + at.pc() + ": bpf4j `" + expected + "`, llvm `" + actual + "`");
            }
            assertThat(llvm).as("objdump lines of %s %s", name, section.name()).hasSize(code.size());
            assertThat(mismatches).as("%s %s: %d of %d instructions differ", name, section.name(), mismatches.size(), code.size()).isEmpty();
        })));
    }

    @TestFactory
    Stream<DynamicTest> linkedProgramsKeepTheCompiledInstructions() {
        Assumptions.assumeTrue(Files.isExecutable(OBJDUMP), "llvm-objdump-19 is not installed (" + OBJDUMP + ")");
        return loadable().map(name -> DynamicTest.dynamicTest(name, () -> {
            ElfFile elf = ElfFile.parse(name, Fixtures.bytes(name));
            ObjectSpec spec = ObjectSpec.read(name, Fixtures.bytes(name));
            Map<String, Map<Integer, String>> bySection = new HashMap<>();
            int compared = 0;
            for (ProgramSpec p : spec.programs()) {
                for (Subprogram sub : p.subprograms()) {
                    ElfSymbol sym = elf.symbols().stream().filter(s -> s.isFunction() && s.name().equals(sub.name())).findFirst().orElseThrow();
                    String section = elf.section(sym.sectionIndex()).name();
                    Map<Integer, String> llvm = bySection.computeIfAbsent(section, s -> objdump(name, s, false));
                    Map<Integer, String> llvmV3 = bySection.computeIfAbsent(section + " v3", s -> objdump(name, section, true));
                    for (int pc = sub.startPc(); pc < sub.endPc(); pc++) {
                        Instruction insn = p.instructions().slot(pc);
                        // Calls, function pointers and map loads are what linking rewrites; the rest is as compiled.
                        if (insn == null || insn instanceof Instruction.Call c && c.kind() == CallKind.LOCAL
                                || insn instanceof Instruction.LoadImm64 l && l.pseudo() != Pseudo.IMM) continue;
                        int original = (int) (sym.value() / 8) + pc - sub.startPc();
                        assertThat(llvmForm(insn, Disassembler.instruction(insn, original)))
                                .as("%s: %s pc %d (%s+%d)", name, p.name(), pc, sub.name(), pc - sub.startPc())
                                .isEqualTo((isAtomic32(insn) ? llvmV3 : llvm).get(original));
                        compared++;
                    }
                }
            }
            assertThat(compared).isPositive();
        }));
    }

    @TestFactory
    Stream<DynamicTest> sectionsAndLinkedProgramsSurviveDisassemblyAndAssembly() {
        return fixtures().map(name -> DynamicTest.dynamicTest(name, () -> {
            ElfFile elf = ElfFile.parse(name, Fixtures.bytes(name));
            for (ElfSection section : codeSections(name)) {
                byte[] bytes = elf.contents(section);
                Instructions code = Instructions.decode(bytes);
                assertThat(Assembler.assemble(name + " " + section.name(), Disassembler.listing(code)).encode())
                        .as("%s %s", name, section.name()).isEqualTo(bytes);
            }
            if (name.equals("core.o")) return; // refused by the loader (CO-RE), its section is covered above
            for (ProgramSpec p : ObjectSpec.read(name, Fixtures.bytes(name)).programs()) {
                Instructions relocated = p.relocate(map -> 3);
                assertThat(Assembler.assemble(p.name(), Disassembler.listing(relocated))).as("%s %s", name, p.name()).isEqualTo(relocated);
                assertThat(Assembler.assemble(p.name(), Disassembler.listing(p.instructions()))).isEqualTo(p.instructions());
            }
        }));
    }

    /** Where the Disassembler deliberately prints more than LLVM (see its class comment), LLVM's shorter form. */
    private static String llvmForm(Instruction insn, String ours) {
        return switch (insn) {
            case Instruction.Call c when c.kind() != CallKind.HELPER ->
                    "call " + (c.imm() < 0 ? "-0x" + Long.toHexString(-(long) c.imm()) : "0x" + Integer.toHexString(c.imm()));
            case Instruction.LoadImm64 l when l.pseudo() != Pseudo.IMM && l.nextImm() != 0 -> ours.substring(0, ours.lastIndexOf(", "));
            default -> ours;
        };
    }

    /** llvm-objdump-19 decodes 32-bit atomics faithfully only with --mcpu=v3, where it also prints w registers for narrow loads. */
    private static boolean isAtomic32(Instruction insn) {
        return insn instanceof Instruction.Atomic a && a.size() == Size.W;
    }

    private static Stream<String> fixtures() {
        return Fixtures.names().stream();
    }

    private static Stream<String> loadable() {
        return fixtures().filter(n -> !n.equals("core.o"));
    }

    private static List<ElfSection> codeSections(String name) {
        return ElfFile.parse(name, Fixtures.bytes(name)).sections().stream().filter(s -> s.isExecutable() && s.size() > 0).toList();
    }

    private static final Map<String, Map<String, Map<Integer, String>>> OBJDUMP_CACHE = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Pattern SECTION_HEADER = Pattern.compile("^Disassembly of section (.*):$");

    /** llvm-objdump's text per pc for one section, with the default CPU or with --mcpu=v3 (one run per object and mode). */
    private static Map<Integer, String> objdump(String fixture, String section, boolean v3) {
        return OBJDUMP_CACHE.computeIfAbsent(fixture + (v3 ? " v3" : ""), k -> objdumpAll(fixture, v3)).getOrDefault(section, Map.of());
    }

    private static Map<String, Map<Integer, String>> objdumpAll(String fixture, boolean v3) {
        try {
            List<String> command = new ArrayList<>(List.of(OBJDUMP.toString(), "-d", "--no-show-raw-insn"));
            if (v3) command.add("--mcpu=v3");
            command.add(Fixtures.path(fixture).toString());
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError("llvm-objdump failed: " + out);
            Map<String, Map<Integer, String>> bySection = new HashMap<>();
            Map<Integer, String> current = null;
            for (String line : out.split("\n")) {
                Matcher header = SECTION_HEADER.matcher(line);
                if (header.matches()) {
                    current = bySection.computeIfAbsent(header.group(1), s -> new HashMap<>());
                    continue;
                }
                Matcher m = LINE.matcher(line);
                if (m.matches() && current != null) current.put(Integer.parseInt(m.group(1)), m.group(2));
            }
            return bySection;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("cannot run " + OBJDUMP, e);
        }
    }
}
