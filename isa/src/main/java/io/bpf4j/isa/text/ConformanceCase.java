package io.bpf4j.isa.text;

import io.bpf4j.BpfException;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.MalformedInstructionException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One test of the bpf_conformance suite, read from its {@code .data} file.
 *
 * <p>The file is read line by line; {@code #} starts a comment; a line starting with {@code --} opens a
 * section: {@code -- asm} (the program in {@link ConformanceAssembler} syntax), {@code -- raw} (one 64-bit
 * slot per line, replacing the asm program when present), {@code -- mem} (hex bytes of the input memory),
 * {@code -- result} (the expected 64-bit r0: hex when it contains {@code 0x}, else decimal; the last non-empty
 * line wins), {@code -- error} (an expected error text). Other sections ({@code -- c}, notes) are ignored.
 *
 * @param name           the test's name (the file name without {@code .data})
 * @param program        the program, from {@code -- raw} if present, else assembled from {@code -- asm}
 * @param memory         the input memory; empty when the test has none
 * @param expectedResult the expected r0, if the test expects one
 * @param expectedError  the expected error text, if the test expects one
 * @param asm            the {@code -- asm} section as written (comments included), empty if absent
 */
public record ConformanceCase(String name, Instructions program, byte[] memory, OptionalLong expectedResult,
                              Optional<String> expectedError, String asm) {

    public ConformanceCase {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(program, "program");
        memory = memory.clone();
        Objects.requireNonNull(expectedResult, "expectedResult");
        Objects.requireNonNull(expectedError, "expectedError");
        Objects.requireNonNull(asm, "asm");
    }

    /** A copy of the input memory (the record stays immutable). */
    @Override
    public byte[] memory() {
        return memory.clone();
    }

    /** Reads a {@code .data} file; the case is named after the file. An unreadable file is a {@link BpfException} naming it. */
    public static ConformanceCase read(Path file) {
        String fileName = file.getFileName().toString();
        String name = fileName.endsWith(".data") ? fileName.substring(0, fileName.length() - ".data".length()) : fileName;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BpfException("cannot read conformance test " + file + ": " + e, e);
        }
        // Some of the suite's comments are not valid UTF-8; everything that matters is ASCII, so a lenient
        // decode (bad bytes become U+FFFD) loses nothing.
        return parse(name, new String(bytes, StandardCharsets.UTF_8));
    }

    /** Parses the text of a {@code .data} file; errors name {@code name} and the line. */
    public static ConformanceCase parse(String name, String text) {
        String source = name + ".data";
        String[] lines = text.split("\r?\n", -1);
        StringBuilder asm = new StringBuilder();
        int asmFirstLine = -1;
        List<Long> raw = null;
        int rawFirstLine = -1;
        ByteArrayOutputStream memory = new ByteArrayOutputStream();
        Long result = null;
        String error = null;
        String section = "";
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int lineNo = i + 1;
            String content = line.strip();
            if (content.startsWith("--")) {
                section = content.substring(2).strip();
                if (section.equals("asm")) {
                    if (asmFirstLine >= 0) throw new AssemblyException(source, lineNo, line, "second -- asm section");
                    asmFirstLine = lineNo + 1;
                } else if (section.equals("raw")) {
                    if (raw != null) throw new AssemblyException(source, lineNo, line, "second -- raw section");
                    raw = new ArrayList<>();
                    rawFirstLine = lineNo + 1;
                }
                continue;
            }
            if (section.equals("asm")) {
                // Kept verbatim (comments too) so that assembler line numbers map back onto the file.
                asm.append(line).append('\n');
                continue;
            }
            String data = stripComment(line).strip();
            if (data.isEmpty()) continue;
            try {
                switch (section) {
                    case "raw" -> raw.add(Numbers.imm64(data, "instruction slot"));
                    case "mem" -> {
                        for (String b : data.split("\\s+")) memory.write(hexByte(b));
                    }
                    case "result" -> result = Numbers.imm64(data, "result"); // hex exactly when it has 0x
                    case "error" -> error = error == null ? data : error + "\n" + data;
                    case "" -> throw new IllegalArgumentException("text before the first section");
                    default -> { /* notes such as -- c: not part of the test */ }
                }
            } catch (IllegalArgumentException e) {
                throw new AssemblyException(source, lineNo, line, e.getMessage(), e);
            }
        }
        if (asmFirstLine < 0 && raw == null) {
            throw new AssemblyException(source, lines.length, "", "no -- asm or -- raw section");
        }
        Instructions program;
        String asmText = asmFirstLine < 0 ? "" : asm.toString();
        if (raw != null) {
            long[] slots = raw.stream().mapToLong(Long::longValue).toArray();
            try {
                program = Instructions.decode(slots);
            } catch (MalformedInstructionException e) {
                int at = Math.max(e.pc(), 0);
                int lineNo = rawFirstLine + at;
                throw new AssemblyException(source, lineNo, lineNo - 1 < lines.length ? lines[lineNo - 1] : "",
                        "-- raw slot " + at + " is not a valid instruction: " + e.getMessage(), e);
            }
        } else {
            try {
                program = ConformanceAssembler.assemble(asmText);
            } catch (AssemblyException e) {
                throw e.relocate(source, asmFirstLine);
            }
        }
        return new ConformanceCase(name, program, memory.toByteArray(),
                result == null ? OptionalLong.empty() : OptionalLong.of(result), Optional.ofNullable(error), asmText);
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        return hash >= 0 ? line.substring(0, hash) : line;
    }

    private static int hexByte(String text) {
        if (text.length() > 2 || text.chars().anyMatch(c -> Character.digit(c, 16) < 0)) {
            throw new IllegalArgumentException("memory byte '" + text + "' is not one or two hex digits");
        }
        return Integer.parseInt(text, 16);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConformanceCase c && name.equals(c.name) && program.equals(c.program)
                && Arrays.equals(memory, c.memory) && expectedResult.equals(c.expectedResult)
                && expectedError.equals(c.expectedError) && asm.equals(c.asm);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, program, Arrays.hashCode(memory), expectedResult, expectedError, asm);
    }

    @Override
    public String toString() {
        return "ConformanceCase[" + name + ", " + program.slotCount() + " slots, " + memory.length + " bytes of memory, "
                + (expectedResult.isPresent() ? "result 0x" + Long.toHexString(expectedResult.getAsLong()) : "error " + expectedError.orElse("?")) + "]";
    }
}
