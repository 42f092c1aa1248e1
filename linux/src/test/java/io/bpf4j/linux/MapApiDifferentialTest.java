package io.bpf4j.linux;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.maps.EmbeddedMaps;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The promise of {@link BpfMap}: code written against an embedded map behaves the same against a kernel map.
 * The same seeded sequence of user-space operations (lookups, updates with every flag, deletes, iteration,
 * per-CPU access, push/pop/peek, keys out of range) runs on a {@link KernelMap} and on the embedded map of the
 * same definition; every step must give the same value or fail with the same errno.
 */
@ExtendWith(KernelTests.class)
class MapApiDifferentialTest {
    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel();
    }

    static List<MapDefinition> definitions() {
        return List.of(
                new MapDefinition("d_array", MapType.ARRAY, 4, 8, 8),
                new MapDefinition("d_hash", MapType.HASH, 4, 8, 8),
                new MapDefinition("d_hash_np", MapType.HASH, 8, 4, 6, MapDefinition.F_NO_PREALLOC, null),
                new MapDefinition("d_pcpu_array", MapType.PERCPU_ARRAY, 4, 12, 4),
                new MapDefinition("d_pcpu_hash", MapType.PERCPU_HASH, 4, 8, 4),
                new MapDefinition("d_lru_hash", MapType.LRU_HASH, 4, 8, 256),
                new MapDefinition("d_queue", MapType.QUEUE, 0, 4, 4),
                new MapDefinition("d_stack", MapType.STACK, 0, 4, 4));
    }

    /** An operation's outcome: a value (hex, or "null") or an errno. */
    static String outcome(java.util.function.Supplier<Object> op) {
        try {
            Object r = op.get();
            return switch (r) {
                case null -> "null";
                case byte[] b -> HexFormat.of().formatHex(b);
                case List<?> l -> l.stream().map(x -> x instanceof byte[] b ? HexFormat.of().formatHex(b) : String.valueOf(x)).toList().toString();
                default -> r.toString();
            };
        } catch (BpfErrnoException e) {
            return "errno " + e.errno();
        }
    }

    static void compare(MapDefinition def, long seed, int steps) {
        int cpus = PossibleCpus.count();
        SplittableRandom random = new SplittableRandom(seed ^ def.name().hashCode());
        List<String> differences = new ArrayList<>();
        boolean hash = def.type() != MapType.ARRAY && def.type() != MapType.PERCPU_ARRAY;
        // one CPU throughout: Linux's LRU evicts through per-CPU lists (a migrating thread once saw another order)
        try (OneCpu pinned = new OneCpu(); BpfMap kernel = KernelMap.create(def); BpfMap embedded = EmbeddedMaps.create(def, cpus)) {
            for (int step = 0; step < steps && differences.size() < 5; step++) {
                byte[] key = key(def, random);
                byte[] value = bytes(def.valueSize(), random);
                List<byte[]> perCpu = new ArrayList<>();
                for (int c = 0; c < cpus; c++) perCpu.add(bytes(def.valueSize(), random));
                long flags = new long[] {0, 0, 0, 1, 2, 4, 8}[random.nextInt(7)];
                boolean queue = def.keySize() == 0;
                int op = random.nextInt(queue ? 4 : 7);
                String name;
                Function<BpfMap, Object> action;
                if (queue) {
                    switch (op) {
                        case 0, 1 -> { name = "push flags " + flags; action = m -> { m.push(value, flags); return "ok"; }; }
                        case 2 -> { name = "pop"; action = BpfMap::pop; }
                        default -> { name = "peek"; action = BpfMap::peek; }
                    }
                } else {
                    switch (op) {
                        case 0 -> { name = "lookup"; action = m -> def.isPerCpu() ? m.lookupPerCpu(key) : m.lookup(key); }
                        case 1, 2 -> {
                            name = "update flags " + flags;
                            action = m -> {
                                if (def.isPerCpu()) m.updatePerCpu(key, perCpu, flags);
                                else m.update(key, value, flags);
                                return "ok";
                            };
                        }
                        case 3 -> { name = "delete"; action = m -> { m.delete(key); return "ok"; }; }
                        case 4 -> { name = "keys"; action = m -> keySet(m.keys()); }
                        case 5 -> {
                            // iteration order is the map's own for hash maps: compare only what order cannot change
                            name = hash ? "nextKey(null) is null" : "nextKey";
                            action = m -> hash ? (Object) (m.nextKey(null) == null) : m.nextKey(key);
                        }
                        default -> { name = "plain lookup"; action = m -> m.lookup(key); }
                    }
                }
                String k = outcome(() -> action.apply(kernel)), e = outcome(() -> action.apply(embedded));
                if (!k.equals(e)) {
                    differences.add(def.type() + " step " + step + " " + name + " key " + HexFormat.of().formatHex(key)
                            + ": kernel " + k + ", embedded " + e);
                }
            }
            if (!queue(def)) {
                String k = outcome(() -> keySet(kernel.keys())), e = outcome(() -> keySet(embedded.keys()));
                if (!k.equals(e)) differences.add(def.type() + " final keys: kernel " + k + ", embedded " + e);
            }
        }
        // the unit compared here is a user-space operation, not a program
        System.out.printf("differential map-api-%s-seed-%x: %d operations, %d mismatches%n", def.type(), seed, steps, differences.size());
        assertThat(differences).isEmpty();
    }

    private static boolean queue(MapDefinition def) {
        return def.keySize() == 0;
    }

    private static TreeSet<String> keySet(List<byte[]> keys) {
        TreeSet<String> out = new TreeSet<>();
        for (byte[] k : keys) out.add(HexFormat.of().formatHex(k));
        return out;
    }

    /** Keys from a small domain that also reaches past max_entries (E2BIG / ENOENT), sometimes of a wrong size. */
    private static byte[] key(MapDefinition def, SplittableRandom random) {
        if (def.keySize() == 0) return new byte[0];
        if (random.nextInt(50) == 0) return new byte[def.keySize() + 1];
        byte[] k = new byte[def.keySize()];
        int index = random.nextInt(def.maxEntries() + 3);
        k[0] = (byte) index;
        k[1] = (byte) (index >> 8);
        return k;
    }

    private static byte[] bytes(int n, SplittableRandom random) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("definitions")
    void embeddedAndKernelMapsAnswerEveryOperationAlike(MapDefinition def) {
        compare(def, 0xA11_0F_1DL, 2_000);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("definitions")
    @Tag("long")
    void embeddedAndKernelMapsAnswerManyOperationsAlike(MapDefinition def) {
        compare(def, 0x5EED_0004L, 200_000);
    }
}
