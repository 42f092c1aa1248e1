package io.bpf4j.isa.text;

import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;
import io.bpf4j.isa.testing.ElfSections;
import io.bpf4j.isa.testing.InstructionShapes;
import io.bpf4j.isa.testing.RandomInstructions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The disassembler against the real thing: the same bytes go through {@code llvm-mc-19} (as {@code .quad} data,
 * so no assembler syntax is involved) and {@code llvm-objdump-19 -d}, and every line must match ours.
 */
class DisassemblerLlvmTest {
    private static final Path OBJDUMP = Path.of("/usr/bin/llvm-objdump-19");
    private static final Path MC = Path.of("/usr/bin/llvm-mc-19");
    /** objdump body line: pc, bytes, text, optional {@code <symbol+offset>} annotation. */
    private static final Pattern LINE = Pattern.compile("^ *(\\d+):\\t((?:[0-9a-f]{2} ){7}[0-9a-f]{2}(?: (?:[0-9a-f]{2} ){7}[0-9a-f]{2})?)\\t(.*?)(?: <[^<>]+>)?$");

    @TempDir
    Path dir;

    @BeforeAll
    static void llvmIsInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(OBJDUMP) && Files.isExecutable(MC),
                "llvm-objdump-19 not installed: " + OBJDUMP + " and " + MC + " are needed to compare with LLVM");
    }

    @Test
    void everyShapeMatchesLlvm() throws Exception {
        compare(Instructions.of(InstructionShapes.all()));
    }

    @Test
    void twentyThousandRandomInstructionsMatchLlvm() throws Exception {
        compare(Instructions.of(new RandomInstructions(new SplittableRandom(0xb9f4)).next(20_000)));
    }

    /** The code of every clang fixture, all sections back to back (objdump does not care where programs start). */
    @Test
    void fixtureCodeMatchesLlvm() throws Exception {
        ByteArrayOutputStream code = new ByteArrayOutputStream();
        ElfSections.fixtures().forEach(object -> ElfSections.executable(object).values().forEach(code::writeBytes));
        compare(Instructions.decode(code.toByteArray()));
    }

    /**
     * The other direction: llvm-objdump's own output for each fixture (with its headers, symbol lines,
     * relocation lines, source lines and annotations) assembles to the bytes objdump shows in its bytes column,
     * with the default CPU and with {@code --mcpu=v4}. Without the bytes column, objdump's {@code call 0xc}
     * cannot say whether it is a helper or a bpf2bpf call; the assembler reads a helper call.
     */
    @ParameterizedTest
    @ValueSource(strings = {"--mcpu=v1", "--mcpu=v4"})
    void objdumpOutputAssemblesToItsOwnBytes(String cpu) throws Exception {
        List<String> command = new ArrayList<>(List.of(OBJDUMP.toString(), "-d", "-z", "-r", "-l", cpu));
        List<String> plainCommand = new ArrayList<>(List.of(OBJDUMP.toString(), "-d", "-z", "--no-show-raw-insn", cpu));
        List<String> objects = ElfSections.fixtures().map(Path::toString).toList();
        command.addAll(objects);
        plainCommand.addAll(objects);
        List<String> outputs = perFile(run(command.toArray(String[]::new)));
        List<String> plainOutputs = perFile(run(plainCommand.toArray(String[]::new)));
        assertThat(outputs).hasSize(objects.size());
        assertThat(plainOutputs).hasSize(objects.size());
        for (int i = 0; i < objects.size(); i++) {
            String object = objects.get(i);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (String line : outputs.get(i).split("\n")) {
                Matcher m = LINE.matcher(line);
                if (m.matches()) expected.writeBytes(HexFormat.ofDelimiter(" ").parseHex(m.group(2)));
            }
            byte[] bytes = expected.toByteArray();
            assertThat(bytes).as(object).isNotEmpty();
            assertThat(Assembler.assemble(object, outputs.get(i)).encode()).as(object).isEqualTo(bytes);

            for (int slot = 0; slot < bytes.length; slot += 8) {
                if (bytes[slot] == (byte) 0x85) bytes[slot + 1] &= 0x0f; // only a helper call can be read back
                if (bytes[slot] == 0x18) slot += 8; // skip the second half of an lddw
            }
            assertThat(Assembler.assemble(object, plainOutputs.get(i)).encode()).as(object + " without bytes").isEqualTo(bytes);
        }
    }

    /** objdump's output for several files, cut where each file's header starts. */
    private static List<String> perFile(String output) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = null;
        for (String line : output.split("\n")) {
            if (line.contains(":\tfile format ")) {
                if (current != null) parts.add(current.toString());
                current = new StringBuilder();
            }
            if (current != null) current.append(line).append('\n');
        }
        if (current != null) parts.add(current.toString());
        return parts;
    }

    @Test
    void listingHasObjdumpLayout() throws Exception {
        Instructions program = Instructions.of(
                Instruction.Alu.imm(true, io.bpf4j.isa.AluOp.MOV, 0, 1),
                Instruction.LoadImm64.constant(1, 0x1122334455667788L),
                Instruction.Jump.ifImm(false, io.bpf4j.isa.JumpOp.JGT, 1, 5, 3),
                new Instruction.Exit());
        List<String> objdump = objdumpBodyLines(program, false);
        assertThat(Disassembler.listing(program).lines().toList()).containsExactlyElementsOf(objdump);
        assertThat(Disassembler.listing(program)).startsWith("       0:\tb7 00 00 00 01 00 00 00\tr0 = 0x1\n");
    }

    private void compare(Instructions program) throws Exception {
        String plainOutput = objdump(program, false);
        String v3Output = objdump(program, true);
        Map<Integer, String> plain = byPc(bodyLines(plainOutput, program));
        Map<Integer, String> v3 = byPc(bodyLines(v3Output, program));
        // and back: objdump's complete output, in either mode, assembles to the very bytes
        assertThat(Assembler.assemble("objdump", plainOutput).encode()).isEqualTo(program.encode());
        assertThat(Assembler.assemble("objdump --mcpu=v3", v3Output).encode()).isEqualTo(program.encode());
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        for (Instructions.At at : program) {
            Instruction insn = at.instruction();
            String ours = Disassembler.instruction(insn, at.pc());
            // 32-bit atomics are only decoded faithfully with -mcpu=v3 (see the Disassembler's class comment)
            String theirs = (insn instanceof Instruction.Atomic a && a.size() == Size.W ? v3 : plain).get(at.pc());
            String expected = llvmForm(insn, ours);
            compared++;
            if (!expected.equals(theirs)) mismatches.add("pc " + at.pc() + " " + insn + ": ours `" + ours + "`, llvm `" + theirs + "`");
        }
        assertThat(compared).isEqualTo(program.size());
        assertThat(mismatches).as("%d of %d instructions differ", mismatches.size(), compared).isEmpty();
    }

    /**
     * Where we deliberately print more than LLVM (to stay lossless), the text LLVM prints is ours with the
     * extra part removed; everywhere else the two must be identical.
     */
    private static String llvmForm(Instruction insn, String ours) {
        return switch (insn) {
            case Instruction.Call c when c.kind() != CallKind.HELPER ->
                    "call " + (c.imm() < 0 ? "-0x" + Long.toHexString(-(long) c.imm()) : "0x" + Integer.toHexString(c.imm()));
            case Instruction.LoadImm64 l when l.pseudo() != Pseudo.IMM && l.nextImm() != 0 -> ours.substring(0, ours.lastIndexOf(", "));
            case Instruction.PacketLoad p when p.indirect() && p.imm() != 0 -> ours.replaceAll(" [+-] 0x[0-9a-f]+]$", "]");
            default -> ours;
        };
    }

    private static Map<Integer, String> byPc(List<String> lines) {
        Map<Integer, String> out = new HashMap<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) out.put(Integer.parseInt(m.group(1)), m.group(3));
        }
        return out;
    }

    /** objdump's lines for the program's bytes, annotations stripped. */
    private List<String> objdumpBodyLines(Instructions program, boolean v3) throws IOException, InterruptedException {
        return bodyLines(objdump(program, v3), program);
    }

    private static List<String> bodyLines(String output, Instructions program) {
        List<String> lines = new ArrayList<>();
        for (String line : output.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) lines.add(line.substring(0, m.end(3)));
        }
        assertThat(lines).as("objdump printed one line per instruction").hasSize(program.size());
        return lines;
    }

    /** objdump's complete output for the program's bytes. */
    private String objdump(Instructions program, boolean v3) throws IOException, InterruptedException {
        Path source = dir.resolve("program.s");
        Path object = dir.resolve("program.o");
        StringBuilder asm = new StringBuilder("\t.text\n\t.globl f\nf:\n");
        for (long slot : program.encodeSlots()) asm.append("\t.quad 0x").append(Long.toHexString(slot)).append('\n');
        Files.writeString(source, asm);
        run(MC.toString(), "-triple", "bpfel", "-filetype=obj", source.toString(), "-o", object.toString());
        List<String> command = new ArrayList<>(List.of(OBJDUMP.toString(), "-d", "-z"));
        if (v3) command.add("--mcpu=v3");
        command.add(object.toString());
        return run(command.toArray(String[]::new));
    }

    private String run(String... command) throws IOException, InterruptedException {
        Path out = dir.resolve("out.txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
        }
        String text = Files.readString(out);
        assertThat(p.exitValue()).as("%s failed: %s", String.join(" ", command), text).isZero();
        return text;
    }
}
