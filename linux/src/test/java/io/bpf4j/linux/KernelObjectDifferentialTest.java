package io.bpf4j.linux;

import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Collection;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.TestRun;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential on whole objects: each fixture is loaded into the kernel ({@link KernelCollection}) and into
 * bpf4j's runtime ({@code BpfRuntime.load}) from the same {@link ObjectSpec}; every program runs on the same
 * packets in the same order on CPU 0 on both sides; return values, output packets, and then the contents of
 * every map (through the one {@link BpfMap} interface both sides implement) must be equal
 * ({@link DifferentialHarness} compares them).
 */
@ExtendWith(KernelTests.class)
class KernelObjectDifferentialTest {
    static final List<String> FIXTURES = List.of("tail_calls.o", "tc_cb.o", "globals.o", "multi.o", "subprogs.o",
            "maps_all.o", "map_in_map.o", "legacy_maps.o", "cpuv_v1.o", "cpuv_v2.o", "cpuv_v3.o", "cpuv_v4.o");

    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel(ProgramType.XDP, ProgramType.SCHED_CLS, ProgramType.SOCKET_FILTER);
    }

    static Stream<Arguments> cases() {
        return KernelDifferentialTest.engines().stream().flatMap(e -> FIXTURES.stream().map(f -> Arguments.of(e, f)));
    }

    /** Packets of several sizes with seeded contents, the first a recognisable counting pattern. */
    static List<byte[]> packets() {
        SplittableRandom random = new SplittableRandom(0xF1_7757L);
        List<byte[]> out = new ArrayList<>();
        out.add(KernelProgramTest.packet());
        for (int size : new int[] {14, 60, 128, 1500}) {
            byte[] p = new byte[size];
            random.nextBytes(p);
            out.add(p);
        }
        return out;
    }

    /** What a map holds, comparable across the two sides: sorted entries, per-CPU values in CPU order, queues popped. */
    static String snapshot(BpfMap m) {
        HexFormat hex = HexFormat.of();
        if (m.type() == MapType.QUEUE || m.type() == MapType.STACK) {
            List<String> values = new ArrayList<>();
            for (byte[] v = m.pop(); v != null; v = m.pop()) values.add(hex.formatHex(v));
            return values.toString();
        }
        TreeMap<String, String> entries = new TreeMap<>();
        for (byte[] k : m.keys()) {
            String value = m.definition().isPerCpu()
                    ? m.lookupPerCpu(k).stream().map(hex::formatHex).toList().toString()
                    : hex.formatHex(m.lookup(k));
            entries.put(hex.formatHex(k), value);
        }
        return entries.toString();
    }

    /** Maps whose contents are not the program's data: descriptors and ids, or records read another way. */
    static boolean comparable(MapSpec m) {
        return switch (m.definition().type()) {
            case PROG_ARRAY, PERF_EVENT_ARRAY, RINGBUF, ARRAY_OF_MAPS, HASH_OF_MAPS -> false;
            default -> true;
        };
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void programsAndMapsEndTheSameAsInTheKernel(Engine engine, String fixture) {
        ObjectSpec spec = KernelCollectionTest.fixture(fixture);
        DifferentialHarness harness = new DifferentialHarness("object-" + fixture + "-" + engine.name());
        List<String> what = new ArrayList<>();
        List<DifferentialHarness.Outcome> kernelRuns = new ArrayList<>(), bpf4jRuns = new ArrayList<>();
        List<DifferentialHarness.Reproducer> reproducers = new ArrayList<>();
        java.util.SortedMap<String, String> none = new TreeMap<>(), kernelMaps = new TreeMap<>(), bpf4jMaps = new TreeMap<>();
        try (KernelCollection kernel = KernelCollection.load(spec);
             // verified as the kernel verifies for this root process (CAP_PERFMON): subprogs.o's xdp_squares measures
             // the packet as data_end - data, which Linux allows only then
             BpfRuntime runtime = BpfRuntime.builder().cpus(PossibleCpus.count()).engine(engine)
                     .tailCallLimit(RuntimeOptions.LINUX_TAIL_CALL_LIMIT).randomSeed(1).verify(io.bpf4j.runtime.VerifyMode.PRIVILEGED).build();
             Collection bpf4j = runtime.load(spec)) {
            List<byte[]> packets = packets();
            for (ProgramSpec p : spec.programs()) {
                for (int n = 0; n < packets.size(); n++) {
                    byte[] packet = packets.get(n);
                    TestRunResult k = kernel.program(p.name()).testRun(TestRunInput.of(packet).onCpu(0));
                    io.bpf4j.runtime.TestRunResult e = bpf4j.program(p.name()).testRun(TestRun.of(packet).onCpu(0));
                    // no context is passed in, so the kernel copies none out: the context is not compared here
                    kernelRuns.add(new DifferentialHarness.Outcome(k.retval(), k.data(), null, none));
                    bpf4jRuns.add(new DifferentialHarness.Outcome(e.retval32(), e.data(), null, none));
                    what.add(fixture + " " + p.name() + " run " + kernelRuns.size() + " on packet " + n + " (" + packet.length + " bytes)");
                    reproducers.add(reproducer(fixture, p.name(), n, kernelRuns.size()));
                }
            }
            for (MapSpec m : spec.maps()) {
                if (!comparable(m)) continue;
                kernelMaps.put(m.name(), snapshot(kernel.map(m.name())));
                bpf4jMaps.put(m.name(), snapshot(bpf4j.map(m.name())));
            }
        }
        // every run is one comparison; the last also carries every map's contents after all runs
        for (int i = 0; i < kernelRuns.size(); i++) {
            DifferentialHarness.Outcome k = kernelRuns.get(i), e = bpf4jRuns.get(i);
            if (i == kernelRuns.size() - 1) {
                k = new DifferentialHarness.Outcome(k.retval(), k.packet(), null, kernelMaps);
                e = new DifferentialHarness.Outcome(e.retval(), e.packet(), null, bpf4jMaps);
            }
            harness.compare(what.get(i), reproducers.get(i), engine.name(), e, k);
        }
        harness.finish();
        assertThat(harness.programs()).isEqualTo(spec.programs().size() * packets().size());
    }

    /** A fixture run: the object, the program, the packet (of {@link #packets}) and its place in the sequence of runs. */
    static DifferentialHarness.Reproducer reproducer(String fixture, String program, int packet, int run) {
        java.util.Map<String, String> f = new java.util.LinkedHashMap<>();
        f.put("fixture", fixture);
        f.put("program", program);
        f.put("packet", Integer.toString(packet));
        f.put("run", Integer.toString(run));
        f.put("note", "every program of the fixture runs on every packet in object order; map contents build up across runs");
        return new DifferentialHarness.Reproducer("object", f, "");
    }

    private static String hexOf(byte[] b) {
        return b == null ? "none" : HexFormat.of().formatHex(b);
    }
}
