package io.bpf4j.object;

import io.bpf4j.BpfException;
import io.bpf4j.elf.ElfFile;
import io.bpf4j.elf.ElfSection;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded random corruption of every fixture: each mutant must either load or be refused with a {@link BpfException}
 * subtype. Anything else (an index out of bounds, a null pointer, an arithmetic or allocation failure) fails the
 * test with the seed and the mutation, so it can be replayed with {@link #replay}.
 *
 * <p>Mutations aim at the places a careless reader trusts: header fields, section header fields (offsets, sizes,
 * links), symbol and relocation entries, the BTF and BTF.ext headers, plus blind bit flips, byte-range overwrites
 * and truncation anywhere.
 */
class MutationTest {
    private static final long BASE_SEED = 0x6270_6634_6a5fL;

    @Test
    void thousandsOfCorruptedFixturesFailOnlyWithLoaderErrors() {
        Result r = run(BASE_SEED, 3_000);
        // Some mutants must be refused and some must still load, or the mutations are not reaching the reader.
        assertThat(r.refused).isGreaterThan(300);
        assertThat(r.loaded).isGreaterThan(100);
    }

    @Test
    @Tag("long")
    void aHundredThousandCorruptedFixtures() {
        run(BASE_SEED ^ 0x5eed, 100_000);
    }

    /** Replays one mutant: {@code replay("tail_calls.o", seed)} with the seed a failure printed. */
    static void replay(String fixture, long seed) {
        Mutant m = mutate(fixture, Fixtures.bytes(fixture), seed);
        ObjectSpec.read(fixture, m.bytes);
    }

    private record Result(int loaded, int refused) {}

    private record Mutant(byte[] bytes, String description) {}

    private static Result run(long baseSeed, int count) {
        List<String> names = Fixtures.names();
        List<byte[]> originals = names.stream().map(Fixtures::bytes).toList();
        SplittableRandom seeds = new SplittableRandom(baseSeed);
        int loaded = 0, refused = 0;
        for (int i = 0; i < count; i++) {
            int which = i % names.size();
            long seed = seeds.nextLong();
            Mutant m = mutate(names.get(which), originals.get(which), seed);
            try {
                ObjectSpec spec = ObjectSpec.read(names.get(which), m.bytes);
                // A spec that loads must be usable: every accessor a runtime calls works on it.
                for (ProgramSpec p : spec.programs()) {
                    p.relocate(map -> 1).checkControlFlow();
                    p.lineAt(p.instructions().slotCount() - 1);
                    if (loaded % 8 == 0) SourceListing.of(p); // disassembling every mutant would dominate the run
                    for (MapReference ref : p.mapReferences()) spec.map(ref.mapName());
                }
                for (MapSpec map : spec.maps()) {
                    map.initialProgramSlots().values().forEach(spec::program);
                    map.initialInnerMaps().values().forEach(spec::map);
                    map.kernelName(spec.objectName());
                }
                loaded++;
            } catch (BpfException expected) {
                // The reader's last line of defence turns stray JVM exceptions into a MalformedObjectException with
                // the JVM exception as cause: that keeps users safe, but here it is a bug to report.
                if (expected.getCause() != null && !(expected.getCause() instanceof BpfException)) {
                    fail("fixture " + names.get(which) + ", seed " + seed + "L, mutation " + m.description
                            + ": a JVM exception reached the reader's safety net: " + expected.getMessage(), expected);
                }
                assertThat(expected.getMessage()).as("error message of %s seed %d", names.get(which), seed).contains(names.get(which));
                refused++;
            } catch (Throwable t) {
                fail("fixture " + names.get(which) + ", seed " + seed + "L, mutation " + m.description
                        + ": escaped as " + t.getClass().getName() + " instead of a BpfException (replay with MutationTest.replay)", t);
            }
        }
        return new Result(loaded, refused);
    }

    private static Mutant mutate(String name, byte[] original, long seed) {
        Random rnd = new Random(seed);
        byte[] b = original.clone();
        ElfFile elf = ElfFile.parse(name, original);
        List<ElfSection> sections = elf.sections();
        StringBuilder what = new StringBuilder();
        int steps = rnd.nextInt(4) == 0 ? 2 : 1;
        int symbolCount = 0;
        for (ElfSection sec : sections) if (sec.type() == ElfSection.SHT_SYMTAB) symbolCount = (int) (sec.size() / 24);
        for (int step = 0; step < steps; step++) {
            // Weighted so that most mutants get past the ELF header into the later stages: blind damage is
            // mostly caught by the first checks, plausible lies (a neighbouring symbol, an offset one instruction
            // off, a different call target) reach maps, relocations and linking.
            int kind = rnd.nextInt(32);
            if (kind < 2) {
                int bit = rnd.nextInt(b.length * 8);
                b[bit / 8] ^= (byte) (1 << (bit % 8));
                what.append("flip bit ").append(bit).append("; ");
            } else if (kind < 4) {
                int at = rnd.nextInt(b.length), len = 1 + rnd.nextInt(Math.min(64, b.length - at));
                byte fill = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : rnd.nextBoolean() ? 0xff : 0);
                for (int j = 0; j < len; j++) b[at + j] = rnd.nextInt(4) == 0 ? (byte) rnd.nextInt(256) : fill;
                what.append("overwrite ").append(len).append(" bytes at ").append(at).append("; ");
            } else if (kind < 5) {
                int len = rnd.nextInt(b.length);
                b = java.util.Arrays.copyOf(b, len);
                what.append("truncate to ").append(len).append("; ");
            } else if (kind < 6) {
                // an ELF header field: e_shoff, e_shnum, e_shstrndx, e_shentsize, class, data, machine, type
                int[] fields = {0x28, 0x3c, 0x3e, 0x3a, 4, 5, 0x12, 0x10};
                int f = fields[rnd.nextInt(fields.length)];
                if (f < b.length) putInteresting(b, f, f == 0x28 ? 8 : f < 6 ? 1 : 2, rnd, b.length);
                what.append("ELF header field 0x").append(Integer.toHexString(f)).append("; ");
            } else if (kind < 9) {
                // a section header field: name, type, offset, size, link, info, entsize
                long shoff = le(original, 0x28, 8);
                int sec = rnd.nextInt(sections.size());
                int[] fields = {0, 4, 0x18, 0x20, 0x28, 0x2c, 0x38};
                int[] widths = {4, 4, 8, 8, 4, 4, 8};
                int k = rnd.nextInt(fields.length);
                long at = shoff + sec * 64L + fields[k];
                if (at + widths[k] <= b.length) putInteresting(b, (int) at, widths[k], rnd, b.length);
                what.append("section ").append(sections.get(sec).name()).append(" header field 0x").append(Integer.toHexString(fields[k])).append("; ");
            } else if (kind < 17) {
                // an entry of the symbol table or of a relocation section, often with a plausible value
                List<ElfSection> tables = new ArrayList<>();
                for (ElfSection sec : sections) {
                    if (sec.type() == ElfSection.SHT_SYMTAB || sec.type() == ElfSection.SHT_REL && !sec.name().startsWith(".rel.debug")) tables.add(sec);
                }
                ElfSection t = tables.get(rnd.nextInt(tables.size()));
                boolean symtab = t.type() == ElfSection.SHT_SYMTAB;
                int n = (int) (t.size() / t.entrySize());
                long entry = t.offset() + (long) rnd.nextInt(n) * t.entrySize();
                int[] fields = symtab ? new int[] {0, 4, 6, 8, 16} : new int[] {0, 8, 12};
                int[] widths = symtab ? new int[] {4, 1, 2, 8, 8} : new int[] {8, 4, 4};
                int k = rnd.nextInt(fields.length);
                int at = (int) (entry + fields[k]);
                if (at + widths[k] <= b.length) {
                    if (rnd.nextBoolean()) {
                        putInteresting(b, at, widths[k], rnd, b.length);
                    } else {
                        long old = le(b, at, widths[k]);
                        long plausible = switch (symtab ? fields[k] : 100 + fields[k]) {
                            case 6 -> rnd.nextInt(sections.size());                       // st_shndx: another section
                            case 8, 16, 100 -> old + 8L * (rnd.nextInt(9) - 4);          // value, size, r_offset: ± instructions
                            case 112 -> rnd.nextInt(symbolCount + 1);                    // r_sym: another symbol
                            case 4 -> old ^ (1 << rnd.nextInt(8));                       // st_info: binding or type
                            default -> old + rnd.nextInt(3) - 1;
                        };
                        for (int i = 0; i < widths[k]; i++) b[at + i] = (byte) (plausible >>> (8 * i));
                    }
                }
                what.append(t.name()).append(" entry field ").append(fields[k]).append("; ");
            } else if (kind < 21) {
                // one instruction of a code section: its immediate, offset or registers (pseudo source, call kind)
                List<ElfSection> code = new ArrayList<>();
                for (ElfSection sec : sections) if (sec.isExecutable() && sec.size() >= 8) code.add(sec);
                ElfSection t = code.get(rnd.nextInt(code.size()));
                int at = (int) (t.offset() + 8L * rnd.nextInt((int) (t.size() / 8)));
                if (at + 8 > b.length) continue; // an earlier step truncated the file
                switch (rnd.nextInt(3)) {
                    case 0 -> putInteresting(b, at + 4, 4, rnd, b.length);
                    case 1 -> putInteresting(b, at + 2, 2, rnd, b.length);
                    default -> b[at + 1] = (byte) rnd.nextInt(256);
                }
                what.append(t.name()).append(" instruction at ").append(at - t.offset()).append("; ");
            } else {
                // somewhere in .BTF, .BTF.ext, .maps or legacy maps: the structured contents
                List<ElfSection> targets = new ArrayList<>();
                for (ElfSection sec : sections) {
                    if (sec.size() >= 4 && !sec.isNoBits() && (sec.name().startsWith(".BTF") || sec.name().equals(".maps") || sec.name().equals("maps"))) {
                        targets.add(sec);
                    }
                }
                if (targets.isEmpty()) continue;
                ElfSection t = targets.get(rnd.nextInt(targets.size()));
                // Headers are dense with meaning: favour the first 32 bytes.
                long at = t.offset() + (rnd.nextBoolean() ? rnd.nextInt((int) Math.min(32, t.size() - 3)) : rnd.nextInt((int) t.size() - 3));
                at &= ~3L;
                if (at + 4 <= b.length) putInteresting(b, (int) at, 4, rnd, b.length);
                what.append(t.name()).append(" word at ").append(at - t.offset()).append("; ");
            }
        }
        return new Mutant(b, what.toString());
    }

    /** Writes a value likely to break a careless reader: 0, -1, huge, just past the end, off by one, or random. */
    private static void putInteresting(byte[] b, int at, int width, Random rnd, int fileLength) {
        long old = le(b, at, width);
        long v = switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> fileLength;
            case 3 -> old + 1;
            case 4 -> old - 1;
            case 5 -> 1L << (rnd.nextInt(width * 8));
            case 6 -> old ^ (1L << rnd.nextInt(width * 8));
            default -> rnd.nextLong();
        };
        for (int i = 0; i < width && at + i < b.length; i++) b[at + i] = (byte) (v >>> (8 * i));
    }

    private static long le(byte[] b, int at, int width) {
        long v = 0;
        for (int i = 0; i < width && at + i < b.length; i++) v |= (b[at + i] & 0xffL) << (8 * i);
        return v;
    }
}
