package io.bpf4j.elf;

import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The ELF reader against llvm-readelf-19: every section header, symbol and relocation of every fixture. */
class ElfFileTest {
    private static final Path READELF = Path.of("/usr/bin/llvm-readelf-19");
    private static final Pattern SECTION = Pattern.compile(
            "^\\s*\\[\\s*(\\d+)]\\s+(\\S*)\\s+(\\S+)\\s+[0-9a-f]{16}\\s+([0-9a-f]+)\\s+([0-9a-f]+)\\s+([0-9a-f]+)\\s+(\\S*)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$");
    private static final Pattern SYMBOL = Pattern.compile(
            "^\\s*(\\d+):\\s+([0-9a-f]{16})\\s+(\\d+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s*(.*)$");
    private static final Pattern RELOCATION = Pattern.compile("^([0-9a-f]{16})\\s+([0-9a-f]{16})\\s+(\\S+)\\s+[0-9a-f]{16}\\s*(.*)$");

    @TestFactory
    Stream<DynamicTest> sectionsSymbolsAndRelocationsMatchLlvmReadelf() {
        Assumptions.assumeTrue(Files.isExecutable(READELF), "llvm-readelf-19 is not installed (" + READELF + ")");
        return Fixtures.names().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            ElfFile elf = ElfFile.parse(name, Fixtures.bytes(name));
            String path = Fixtures.path(name).toString();

            List<String[]> sections = rows(readelf("-S", "--wide", path), SECTION);
            assertThat(elf.sections()).hasSize(sections.size());
            for (String[] row : sections) {
                ElfSection s = elf.section(Integer.parseInt(row[1]));
                assertThat(s.name()).isEqualTo(row[2]);
                assertThat(s.offset()).as(s.name() + " offset").isEqualTo(Long.parseLong(row[4], 16));
                assertThat(s.size()).as(s.name() + " size").isEqualTo(Long.parseLong(row[5], 16));
                assertThat(s.entrySize()).isEqualTo(Long.parseLong(row[6], 16));
                assertThat(s.isExecutable()).as(s.name() + " executable").isEqualTo(row[7].contains("X") && row[3].equals("PROGBITS"));
                assertThat(s.isWritable()).isEqualTo(row[7].contains("W"));
                assertThat(s.link()).isEqualTo(Integer.parseInt(row[8]));
                assertThat(s.info()).isEqualTo(Integer.parseInt(row[9]));
                assertThat(s.alignment()).isEqualTo(Long.parseLong(row[10]));
                assertThat(s.isNoBits()).isEqualTo(row[3].equals("NOBITS"));
            }

            List<String[]> symbols = rows(readelf("-s", "--wide", path), SYMBOL);
            assertThat(elf.symbols()).hasSize(symbols.size());
            for (String[] row : symbols) {
                ElfSymbol sym = elf.symbols().get(Integer.parseInt(row[1]));
                assertThat(sym.value()).isEqualTo(Long.parseUnsignedLong(row[2], 16));
                assertThat(sym.size()).isEqualTo(Long.parseLong(row[3]));
                assertThat(typeName(sym.type())).isEqualTo(row[4]);
                assertThat(bindName(sym.binding())).isEqualTo(row[5]);
                String ndx = row[7];
                switch (ndx) {
                    case "UND" -> assertThat(sym.isUndefined()).isTrue();
                    case "ABS" -> assertThat(sym.sectionIndex()).isEqualTo(ElfSymbol.SHN_ABS);
                    default -> assertThat(sym.sectionIndex()).isEqualTo(Integer.parseInt(ndx));
                }
                // readelf prints a section symbol by its section's name
                assertThat(sym.isSection() ? elf.section(sym.sectionIndex()).name() : sym.name()).isEqualTo(row[8]);
            }

            List<ElfRelocation> ours = new ArrayList<>();
            for (ElfSection s : elf.sections()) {
                if (s.type() == ElfSection.SHT_REL) ours.addAll(elf.relocationsFor(elf.section(s.info())));
            }
            List<String[]> relocations = rows(readelf("-r", "--wide", path), RELOCATION);
            assertThat(ours).hasSize(relocations.size());
            for (int i = 0; i < ours.size(); i++) {
                ElfRelocation r = ours.get(i);
                String[] row = relocations.get(i);
                assertThat(r.offset()).isEqualTo(Long.parseLong(row[1], 16));
                long info = Long.parseUnsignedLong(row[2], 16);
                assertThat(r.symbolIndex()).isEqualTo((int) (info >>> 32));
                assertThat(r.type()).isEqualTo((int) info);
            }
        }));
    }

    private static String typeName(int type) {
        return switch (type) {
            case ElfSymbol.STT_NOTYPE -> "NOTYPE";
            case ElfSymbol.STT_OBJECT -> "OBJECT";
            case ElfSymbol.STT_FUNC -> "FUNC";
            case ElfSymbol.STT_SECTION -> "SECTION";
            case ElfSymbol.STT_FILE -> "FILE";
            default -> "type " + type;
        };
    }

    private static String bindName(int bind) {
        return switch (bind) {
            case ElfSymbol.STB_LOCAL -> "LOCAL";
            case ElfSymbol.STB_GLOBAL -> "GLOBAL";
            case ElfSymbol.STB_WEAK -> "WEAK";
            default -> "bind " + bind;
        };
    }

    private static List<String[]> rows(String output, Pattern pattern) {
        List<String[]> out = new ArrayList<>();
        for (String line : output.split("\n")) {
            Matcher m = pattern.matcher(line);
            if (!m.matches()) continue;
            String[] row = new String[m.groupCount() + 1];
            for (int g = 0; g <= m.groupCount(); g++) row[g] = m.group(g).strip();
            out.add(row);
        }
        return out;
    }

    private static String readelf(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(READELF.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
