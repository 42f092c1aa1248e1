package io.bpf4j.tests.runtime;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.maps.ProgArray;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Collection;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.ProgramStats;
import io.bpf4j.runtime.TestRun;
import io.bpf4j.runtime.TestRunResult;
import io.bpf4j.runtime.VerifyMode;
import io.bpf4j.verifier.ProgramRejectedException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;

import static io.bpf4j.tests.runtime.Asm.code;
import static io.bpf4j.tests.runtime.Asm.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The user's BPF_PROG_TEST_RUN, loading, statistics and bad input, on each engine. */
class TestRunTest {
    static List<Engine> engines() {
        return RuntimeEngines.all().toList();
    }

    private static BpfRuntime rt(Engine e) {
        return BpfRuntime.builder().cpus(2).engine(e).build();
    }

    private static Errno errno(Throwable t) {
        return ((BpfErrnoException) t).errno();
    }

    private static byte[] xdpMd(int data, int dataEnd, int meta, int ingress, int queue, int egress) {
        byte[] c = new byte[24];
        int[] v = {data, dataEnd, meta, ingress, queue, egress};
        for (int i = 0; i < 6; i++) System.arraycopy(Asm.u32(v[i]), 0, c, i * 4, 4);
        return c;
    }

    // ---------------------------------------------------------------- xdp_md in and out

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void xdpContextInAndOutCarriesMetadataAndQueueFields(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            Program p = rt.load("meta", ProgramType.XDP, code("""
                    r2 = *(u32 *)(r1 + 8)
                    r3 = *(u32 *)(r1 + 0)
                    r0 = 0
                    r4 = r2
                    r4 += 4
                    if r4 > r3 goto +3
                    r0 = *(u32 *)(r2 + 0)
                    r5 = *(u32 *)(r1 + 16)
                    r0 += r5
                    exit
                    """), List.of());
            byte[] data = Asm.packet(68);
            System.arraycopy(Asm.u32(0x1000), 0, data, 0, 4); // the first 4 bytes are metadata
            TestRunResult r = p.testRun(TestRun.of(data).withCtx(xdpMd(4, 68, 0, 3, 1, 0)));
            assertThat(r.retval()).isEqualTo(0x1001);
            assertThat(r.ctx()).isEqualTo(xdpMd(4, 68, 0, 3, 1, 0));
            assertThat(r.data()).isEqualTo(data);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void badXdpContextsAreRefusedBeforeAnythingRuns(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            BpfMap counter = rt.createMap(new MapDefinition("runs", MapType.ARRAY, 4, 8, 1));
            Program p = rt.load("count", ProgramType.XDP, code("*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4", map(1, 0),
                    "call 1\nif r0 == 0 goto +2\nr1 = 1\nlock *(u64 *)(r0 + 0) += r1\nr0 = 2\nexit"), List.of(counter));
            byte[] data = Asm.packet(64);
            assertThatThrownBy(() -> p.testRun(TestRun.of(data).withCtx(new byte[25])))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL)).hasMessageContaining("ctx is 25 bytes; struct xdp_md is 24 bytes");
            assertThatThrownBy(() -> p.testRun(TestRun.of(data).withCtx(xdpMd(0, 0, 4, 0, 0, 0)))).hasMessageContaining("xdp_md.data_meta must be 0");
            assertThatThrownBy(() -> p.testRun(TestRun.of(data).withCtx(xdpMd(3, 0, 0, 0, 0, 0)))).hasMessageContaining("multiple of 4, at most 32");
            assertThatThrownBy(() -> p.testRun(TestRun.of(data).withCtx(xdpMd(36, 0, 0, 0, 0, 0)))).hasMessageContaining("multiple of 4, at most 32");
            assertThatThrownBy(() -> p.testRun(TestRun.of(data).withCtx(xdpMd(0, 60, 0, 0, 0, 0)))).hasMessageContaining("data_end is 60 but data is 64 bytes");
            assertThatThrownBy(() -> p.testRun(TestRun.of(data).withCtx(xdpMd(0, 0, 0, 0, 2, 0)))).hasMessageContaining("rx_queue_index 2 needs an ingress_ifindex");
            assertThatThrownBy(() -> p.testRun(TestRun.of(data).withCtx(xdpMd(0, 0, 0, 0, 0, 1)))).hasMessageContaining("egress_ifindex must be 0");
            assertThatThrownBy(() -> p.testRun(TestRun.of(new byte[10]))).hasMessageContaining("less than an Ethernet header (14)");
            assertThatThrownBy(() -> p.testRun(TestRun.of(new byte[3521]))).hasMessageContaining("more than the runtime's packet limit of 3520 bytes");
            assertThat(Asm.u64(counter.lookup(Asm.u32(0)))).as("nothing ran").isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void theMaximumPacketSizeIsAnOption(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).maxPacketSize(9000).build()) {
            Program p = rt.load("len", ProgramType.XDP, code("r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr0 = 0\nr2 += 9000\nif r2 > r3 goto +1\nr0 = 1\nexit"), List.of());
            assertThat(p.testRun(TestRun.of(Asm.packet(9000))).retval()).isEqualTo(1);
            assertThatThrownBy(() -> p.testRun(TestRun.of(Asm.packet(9001)))).hasMessageContaining("packet limit of 9000 bytes");
        }
    }

    // ---------------------------------------------------------------- __sk_buff in and out

    private static byte[] skb() {
        return new byte[192];
    }

    private static void put(byte[] ctx, int off, int v) {
        System.arraycopy(Asm.u32(v), 0, ctx, off, 4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void skBuffContextInAndOutAsLinuxCopiesIt(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            Program p = rt.load("skb", ProgramType.SCHED_CLS, code("""
                    r0 = *(u32 *)(r1 + 8)
                    r2 = *(u32 *)(r1 + 32)
                    r0 += r2
                    r2 = *(u32 *)(r1 + 0)
                    r0 += r2
                    r2 = *(u16 *)(r1 + 16)
                    r0 <<= 16
                    r0 |= r2
                    r2 = 99
                    *(u32 *)(r1 + 8) = r2
                    r2 = 0x77
                    *(u32 *)(r1 + 60) = r2
                    exit
                    """), List.of());
            byte[] ctx = skb();
            put(ctx, 8, 5);     // mark
            put(ctx, 32, 7);    // priority
            put(ctx, 56, 0x42); // cb[2]
            TestRunResult r = p.testRun(TestRun.of(Asm.packet(60)).withCtx(ctx));
            // mark + priority + len (60), then the protocol as the wire has it (0x0800 read little-endian)
            assertThat(r.retval()).isEqualTo((5 + 7 + 60L) << 16 | 0x0008);
            assertThat(Asm.u32(r.ctx(), 8)).isEqualTo(99);
            assertThat(Asm.u32(r.ctx(), 32)).isEqualTo(7);
            assertThat(Asm.u32(r.ctx(), 56)).isEqualTo(0x42);
            assertThat(Asm.u32(r.ctx(), 60)).isEqualTo(0x77);
            assertThat(Asm.u32(r.ctx(), 0)).as("len is not copied out").isZero();
            assertThat(Asm.u32(r.ctx(), 160)).as("wire_len defaults to the length").isEqualTo(60);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void skBuffFieldsACallerMayNotSetAreRefusedByName(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            Program p = rt.load("tc", ProgramType.SCHED_CLS, code("r0 = 0\nexit"), List.of());
            byte[] len = skb();
            put(len, 0, 60);
            assertThatThrownBy(() -> p.testRun(TestRun.of(Asm.packet(60)).withCtx(len)))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL)).hasMessageContaining("__sk_buff.len (offset 0) cannot be set");
            byte[] hash = skb();
            put(hash, 68, 1);
            assertThatThrownBy(() -> p.testRun(TestRun.of(Asm.packet(60)).withCtx(hash))).hasMessageContaining("__sk_buff.hash (offset 68)");
            assertThatThrownBy(() -> p.testRun(TestRun.of(Asm.packet(60)).withCtx(new byte[200]))).hasMessageContaining("ctx is 200 bytes; struct __sk_buff (sched_cls/sched_act) is 192 bytes");
            byte[] wire = skb();
            put(wire, 160, 10);
            assertThatThrownBy(() -> p.testRun(TestRun.of(Asm.packet(60)).withCtx(wire))).hasMessageContaining("wire_len 10 is less than the packet length 60");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void socketFiltersSeeThePacketFromTheNetworkHeaderAndGetTheEthernetHeaderBackAsZeros(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            Program p = rt.load("sf", ProgramType.SOCKET_FILTER, code("r6 = r1\nr0 = *(u8 *)skb[0x0]\nr1 = *(u32 *)(r6 + 0)\nr0 <<= 16\nr0 |= r1\nexit"), List.of());
            byte[] packet = Asm.packet(60);
            TestRunResult r = p.testRun(TestRun.of(packet));
            assertThat(r.retval()).as("first L3 byte, then len = 60 - 14").isEqualTo((14L << 16) | 46);
            assertThat(Arrays.copyOfRange(r.data(), 0, 14)).containsOnly(0);
            assertThat(Arrays.copyOfRange(r.data(), 14, 60)).isEqualTo(Arrays.copyOfRange(packet, 14, 60));
        }
    }

    // ---------------------------------------------------------------- repeat, duration, data_size_out, raw memory

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void repeatRunsTheProgramOnTheSamePacketAndReportsTheMeanDuration(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            BpfMap counter = rt.createMap(new MapDefinition("runs", MapType.ARRAY, 4, 8, 1));
            Program p = rt.load("count", ProgramType.XDP, code("*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4", map(1, 0),
                    "call 1\nif r0 == 0 goto +2\nr1 = 1\nlock *(u64 *)(r0 + 0) += r1\nr0 = 2\nexit"), List.of(counter));
            TestRunResult r = p.testRun(TestRun.of(Asm.packet(64)).withRepeat(100));
            assertThat(Asm.u64(counter.lookup(Asm.u32(0)))).isEqualTo(100);
            assertThat(r.retval()).isEqualTo(2);
            assertThat(r.durationNanos()).isPositive();
            TestRunResult cut = p.testRun(TestRun.of(Asm.packet(64)).withDataSizeOut(10));
            assertThat(cut.data()).hasSize(10);
            assertThat(cut.dataTruncated()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void eachRepetitionStartsFromTheInputLayoutAsLinuxDoes(Engine engine) {
        // Measured on Linux 6.18: the example firewall, which grows data_meta, passes on every one of 5 repetitions;
        // if the metadata grew across repetitions, the fifth would exceed 32 bytes and abort.
        // verified as root's programs are: it measures the metadata as data - data_meta, and Linux subtracts
        // pointers only with CAP_PERFMON
        try (BpfRuntime rt = BpfRuntime.builder().cpus(2).engine(engine).verify(io.bpf4j.runtime.VerifyMode.PRIVILEGED).build()) {
            Program p = rt.load("meta", ProgramType.XDP, code("r6 = r1\nr2 = -8\ncall 54\nif r0 != 0 goto +5"
                    + "\nr2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 8)\nr2 -= r3\nr0 = r2\nexit\nr0 = 99\nexit"), List.of());
            assertThat(p.testRun(TestRun.of(Asm.packet(64)).withRepeat(5)).retval()).as("metadata length after the last repetition").isEqualTo(8);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void rawMemoryProgramsForEmbedding(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            Program p = rt.loadRaw("raw", code("r0 = *(u64 *)(r1 + 8)\nr2 = 0x55\n*(u64 *)(r1 + 0) = r2\nexit"), 16, List.of());
            byte[] ctx = new byte[16];
            ctx[8] = 9;
            TestRunResult r = p.testRun(TestRun.ofContext(ctx));
            assertThat(r.retval()).isEqualTo(9);
            assertThat(Asm.u64(r.ctx())).isEqualTo(0x55);
            assertThatThrownBy(() -> p.testRun(TestRun.ofContext(new byte[8])))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL)).hasMessageContaining("ctx is 8 bytes; the program's raw memory context is 16 bytes");
            assertThatThrownBy(() -> rt.loadRaw("oob", code("r0 = *(u64 *)(r1 + 16)\nexit"), 16, List.of())).isInstanceOf(ProgramRejectedException.class);
        }
    }

    // ---------------------------------------------------------------- stats, verification modes

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void statisticsCountRunsAndTimeWhileEnabled(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).stats(true).build(); Collection c = rt.load(Asm.fixture("tail_calls.o"))) {
            Program entry = c.program("entry");
            for (int i = 0; i < 3; i++) entry.testRun(TestRun.of(Asm.packet(64)));
            ProgramStats s = entry.stats();
            assertThat(s.runCount()).isEqualTo(3);
            assertThat(s.runTimeNanos()).isPositive();
            assertThat(c.program("stage_a").stats().runCount()).as("as on Linux, tail-call targets are not invoked").isZero();
            rt.setStatsEnabled(false);
            entry.testRun(TestRun.of(Asm.packet(64)));
            assertThat(entry.stats().runCount()).isEqualTo(3);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void anUnverifiedProgramThatFaultsIsStoppedWithPcAndTheCpuStaysUsable(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).verify(VerifyMode.NONE).build()) {
            Program bad = rt.load("wild", ProgramType.XDP, code("r0 = *(u64 *)(r10 + 8)\nexit"), List.of());
            assertThatThrownBy(() -> bad.testRun(TestRun.of(Asm.packet(64))))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("program 'wild' pc 0").hasMessageContaining("out of bounds of stack");
            Program good = rt.load("good", ProgramType.XDP, code("r0 = 2\nexit"), List.of());
            assertThat(good.testRun(TestRun.of(Asm.packet(64))).retval()).isEqualTo(2);
        }
    }

    /** The seed: "each program has to pass the verifier independently and also gets its own complexity budget". */
    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void splittingIntoTailCallsPassesWhereOneProgramExceedsTheComplexityBudget(Engine engine) {
        String half = "r0 += 3\nr0 *= 5\n".repeat(30);
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).verifierComplexityLimit(100).build()) {
            assertThatThrownBy(() -> rt.load("whole", ProgramType.XDP, code("r0 = 1\n" + half + half + "exit"), List.of()))
                    .isInstanceOf(ProgramRejectedException.class).hasMessageContaining("BPF program is too large");
            @SuppressWarnings("unchecked")
            ProgArray<Program> jmp = (ProgArray<Program>) rt.createMap(new MapDefinition("jmp", MapType.PROG_ARRAY, 4, 4, 1));
            // the first half leaves its result where the second finds it: a one-entry array
            BpfMap carry = rt.createMap(new MapDefinition("carry", MapType.ARRAY, 4, 8, 1));
            String lookup = "r6 = r1\n*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4";
            Program second = rt.load("second", ProgramType.XDP, code(lookup, map(1, 0), "call 1\nif r0 == 0 goto +62\nr0 = *(u64 *)(r0 + 0)\n" + half + "exit\nr0 = 0\nexit"), List.of(carry));
            jmp.update(0, second);
            Program first = rt.load("first", ProgramType.XDP, code(lookup, map(1, 0), "call 1\nif r0 == 0 goto +" + (60 + 3) + "\nr7 = r0\nr0 = 1\n" + half + "*(u64 *)(r7 + 0) = r0",
                    "r1 = r6", map(2, 1), "r3 = 0\ncall 12\nr0 = 0\nexit"), List.of(carry, jmp));
            long expected = 1;
            for (int i = 0; i < 60; i++) expected = (expected + 3) * 5;
            assertThat(first.testRun(TestRun.of(Asm.packet(64))).retval()).isEqualTo(expected);
        }
    }

    // ---------------------------------------------------------------- objects

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void globalDataIsInitialisedAndRodataIsFrozen(Engine engine) {
        try (BpfRuntime rt = rt(engine); Collection c = rt.load(Asm.fixture("globals.o"))) {
            TestRunResult r = c.program("globals_prog").testRun(TestRun.of(Asm.packet(64)));
            assertThat(r.retval()).isEqualTo(2);
            BpfMap data = c.maps().values().stream().filter(m -> m.name().endsWith(".data")).findFirst().orElseThrow();
            assertThat(Asm.u32(data.lookup(Asm.u32(0)), 0)).as("counter 7, incremented").isEqualTo(8);
            BpfMap rodata = c.maps().values().stream().filter(m -> m.name().endsWith(".rodata")).findFirst().orElseThrow();
            assertThatThrownBy(() -> rodata.update(Asm.u32(0), rodata.lookup(Asm.u32(0)))).satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EPERM));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void aStaticallyFilledProgArrayWithAnIncompatibleProgramFailsTheLoadNamingSlotAndField(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            assertThatThrownBy(() -> rt.load(Asm.fixture("prog_array_mismatch.o")))
                    .satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL))
                    .hasMessageContaining("mixed_table")
                    .hasMessageContaining("slot 1")
                    .hasMessageContaining("prog_type: the owner has XDP, this program SCHED_CLS");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void theTailCallStackRuleRefusesTheObjectNamingTheProgram(Engine engine) {
        try (BpfRuntime rt = rt(engine)) {
            assertThatThrownBy(() -> rt.load(Asm.fixture("tail_call_stack.o")))
                    .isInstanceOf(ProgramRejectedException.class)
                    .hasMessageContaining("reject_stack_256")
                    .hasMessageContaining("tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large");
        }
    }

    // ---------------------------------------------------------------- maps: bad input leaves them unchanged

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void mapsRefuseWrongSizesWithLinuxErrnosAndPerCpuValuesAreOnePerCpu(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(3).engine(engine).build()) {
            assertThatThrownBy(() -> rt.createMap(new MapDefinition("bad", MapType.ARRAY, 8, 8, 1))).satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL)).hasMessageContaining("key_size 8");
            assertThatThrownBy(() -> rt.createMap(new MapDefinition("bad", MapType.PROG_ARRAY, 4, 8, 1))).hasMessageContaining("value_size 8");
            BpfMap hash = rt.createMap(new MapDefinition("h", MapType.HASH, 4, 8, 2));
            assertThatThrownBy(() -> hash.update(new byte[3], new byte[8])).satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL));
            assertThatThrownBy(() -> hash.update(new byte[4], new byte[7])).satisfies(e -> assertThat(errno(e)).isEqualTo(Errno.EINVAL));
            assertThat(hash.keys()).isEmpty();
            BpfMap percpu = rt.createMap(new MapDefinition("pc", MapType.PERCPU_ARRAY, 4, 8, 1));
            percpu.updatePerCpu(Asm.u32(0), List.of(new byte[] {10, 0, 0, 0, 0, 0, 0, 0}, new byte[] {11, 0, 0, 0, 0, 0, 0, 0}, new byte[] {12, 0, 0, 0, 0, 0, 0, 0}), 0);
            Program p = rt.load("read", ProgramType.XDP, code("*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4", map(1, 0), "call 1\nif r0 == 0 goto +1\nr0 = *(u64 *)(r0 + 0)\nexit"), List.of(percpu));
            for (int cpu = 0; cpu < 3; cpu++) assertThat(p.testRun(TestRun.of(Asm.packet(64)).onCpu(cpu)).retval()).isEqualTo(10 + cpu);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void mapsOfMapsAreFilledFromTheObjectAndLookedUpByPrograms(Engine engine) {
        try (BpfRuntime rt = rt(engine); Collection c = rt.load(Asm.fixture("map_in_map.o"))) {
            Program p = c.program("lookup_inner");
            assertThat(p.testRun(TestRun.of(Asm.packet(64))).retval()).as("inner_a found, its slot 3 still 0").isZero();
            c.map("inner_a").update(Asm.u32(3), Asm.u32(42));
            assertThat(p.testRun(TestRun.of(Asm.packet(64))).retval()).isEqualTo(42);
            c.map("outer_array").delete(Asm.u32(0));
            assertThat(p.testRun(TestRun.of(Asm.packet(64))).retval()).as("no inner map at key 0").isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void programsOnManyThreadsLoseNoUpdateOfASharedCounter(Engine engine) throws Exception {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(3).engine(engine).build()) {
            BpfMap counter = rt.createMap(new MapDefinition("shared", MapType.ARRAY, 4, 8, 1));
            Program p = rt.load("count", ProgramType.XDP, code("*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4", map(1, 0),
                    "call 1\nif r0 == 0 goto +2\nr1 = 1\nlock *(u64 *)(r0 + 0) += r1\nr0 = 2\nexit"), List.of(counter));
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
                for (int t = 0; t < 4; t++) fs.add(pool.submit(() -> {
                    for (int i = 0; i < 250; i++) p.testRun(TestRun.of(Asm.packet(64)).withRepeat(4));
                }));
                for (java.util.concurrent.Future<?> f : fs) f.get();
            } finally {
                pool.shutdownNow();
            }
            assertThat(Asm.u64(counter.lookup(Asm.u32(0)))).isEqualTo(4 * 250 * 4);
        }
    }
}
