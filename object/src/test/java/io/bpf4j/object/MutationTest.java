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
        int steps = 1 + rnd.nextInt(3);
        for (int step = 0; step < steps; step++) {
            switch (rnd.nextInt(9)) {
                case 0 -> {
                    int bit = rnd.nextInt(b.length * 8);
                    b[bit / 8] ^= (byte) (1 << (bit % 8));
                    what.append("flip bit ").append(bit).append("; ");
                }
                case 1 -> {
                    int at = rnd.nextInt(b.length), len = 1 + rnd.nextInt(Math.min(64, b.length - at));
                    byte fill = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : rnd.nextBoolean() ? 0xff : 0);
                    for (int j = 0; j < len; j++) b[at + j] = rnd.nextInt(4) == 0 ? (byte) rnd.nextInt(256) : fill;
                    what.append("overwrite ").append(len).append(" bytes at ").append(at).append("; ");
                }
                case 2 -> {
                    int len = rnd.nextInt(b.length);
                    b = java.util.Arrays.copyOf(b, len);
                    what.append("truncate to ").append(len).append("; ");
                }
                case 3 -> {
                    // an ELF header field: e_shoff, e_shnum, e_shstrndx, e_shentsize, class, data, machine, type
                    int[] fields = {0x28, 0x3c, 0x3e, 0x3a, 4, 5, 0x12, 0x10};
                    int f = fields[rnd.nextInt(fields.length)];
                    if (f < b.length) putInteresting(b, f, f == 0x28 ? 8 : f < 6 ? 1 : 2, rnd, b.length);
                    what.append("ELF header field 0x").append(Integer.toHexString(f)).append("; ");
                }
                case 4 -> {
                    // a section header field: name, type, offset, size, link, info, entsize
                    long shoff = 0x40L + 0; // placeholder: the real table offset is read from the original below
                    shoff = le(original, 0x28, 8);
                    int s = rnd.nextInt(sections.size());
                    int[] fields = {0, 4, 0x18, 0x20, 0x28, 0x2c, 0x38};
                    int[] widths = {4, 4, 8, 8, 4, 4, 8};
                    int k = rnd.nextInt(fields.length);
                    long at = shoff + s * 64L + fields[k];
                    if (at + widths[k] <= b.length) putInteresting(b, (int) at, widths[k], rnd, b.length);
                    what.append("section ").append(sections.get(s).name()).append(" header field 0x").append(Integer.toHexString(fields[k])).append("; ");
                }
                case 5, 6 -> {
                    // an entry of the symbol table or of a relocation section
                    List<ElfSection> tables = new ArrayList<>();
                    for (ElfSection s : sections) if (s.type() == ElfSection.SHT_SYMTAB || s.type() == ElfSection.SHT_REL) tables.add(s);
                    ElfSection t = tables.get(rnd.nextInt(tables.size()));
                    int entry = (int) t.entrySize();
                    int n = (int) (t.size() / entry);
                    long at = t.offset() + (long) rnd.nextInt(n) * entry;
                    int[] fields = entry == 24 ? new int[] {0, 4, 6, 8, 16} : new int[] {0, 8, 12};
                    int[] widths = entry == 24 ? new int[] {4, 1, 2, 8, 8} : new int[] {8, 4, 4};
                    int k = rnd.nextInt(fields.length);
                    if (at + fields[k] + widths[k] <= b.length) putInteresting(b, (int) (at + fields[k]), widths[k], rnd, b.length);
                    what.append(t.name()).append(" entry field ").append(fields[k]).append("; ");
                }
                case 7, 8 -> {
                    // somewhere in .BTF, .BTF.ext, .maps or a code section: the structured contents
                    List<ElfSection> targets = new ArrayList<>();
                    for (ElfSection s : sections) {
                        if (s.size() >= 4 && !s.isNoBits() && (s.name().startsWith(".BTF") || s.name().equals(".maps") || s.isExecutable()
                                || s.name().equals("maps"))) targets.add(s);
                    }
                    ElfSection t = targets.get(rnd.nextInt(targets.size()));
                    // Headers are dense with meaning: favour the first 32 bytes.
                    long at = t.offset() + (rnd.nextBoolean() ? rnd.nextInt((int) Math.min(32, t.size() - 3)) : rnd.nextInt((int) t.size() - 3));
                    at &= ~3L;
                    if (at + 4 <= b.length) putInteresting(b, (int) at, 4, rnd, b.length);
                    what.append(t.name()).append(" word at ").append(at - t.offset()).append("; ");
                }
                default -> throw new AssertionError();
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
