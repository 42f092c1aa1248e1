package io.bpf4j.isa.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Just enough ELF64 (little-endian) to pull the executable sections out of the committed BPF fixtures, so the
 * isa tests can use real clang output without depending on the object module.
 */
public final class ElfSections {
    private ElfSections() {}

    private static final int SHT_PROGBITS = 1;
    private static final long SHF_EXECINSTR = 0x4;

    /** Section name to bytes, for every non-empty executable PROGBITS section, in file order. */
    public static Map<String, byte[]> executable(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer elf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.getInt(0) != 0x464c457f || bytes[4] != 2 || bytes[5] != 1) throw new IllegalArgumentException(file + " is not a little-endian ELF64 file");
        long shoff = elf.getLong(0x28);
        int shentsize = Short.toUnsignedInt(elf.getShort(0x3a));
        int shnum = Short.toUnsignedInt(elf.getShort(0x3c));
        int shstrndx = Short.toUnsignedInt(elf.getShort(0x3e));
        long namesOffset = elf.getLong((int) (shoff + (long) shstrndx * shentsize) + 0x18);
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i < shnum; i++) {
            int header = (int) (shoff + (long) i * shentsize);
            int type = elf.getInt(header + 0x04);
            long flags = elf.getLong(header + 0x08);
            long offset = elf.getLong(header + 0x18);
            long size = elf.getLong(header + 0x20);
            if (type != SHT_PROGBITS || (flags & SHF_EXECINSTR) == 0 || size == 0) continue;
            int nameStart = (int) (namesOffset + elf.getInt(header));
            int nameEnd = nameStart;
            while (bytes[nameEnd] != 0) nameEnd++;
            String name = new String(bytes, nameStart, nameEnd - nameStart, StandardCharsets.US_ASCII);
            byte[] section = new byte[(int) size];
            System.arraycopy(bytes, (int) offset, section, 0, (int) size);
            out.put(name, section);
        }
        return out;
    }

    /** The committed clang fixtures ({@code testdata/src/main/resources/io/bpf4j/testdata/*.o}); skips if absent. */
    public static Stream<Path> fixtures() {
        String root = System.getProperty("bpf4j.root", "..");
        Path dir = Path.of(root, "testdata", "src", "main", "resources", "io", "bpf4j", "testdata");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dir), "BPF fixtures not found at " + dir.toAbsolutePath());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".o")).sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
