package io.bpf4j.tests.runtime;

import io.bpf4j.abi.ProgramType;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Collection;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Preemption;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.TestRun;
import io.bpf4j.runtime.TestRunResult;
import io.bpf4j.runtime.TraceEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static io.bpf4j.tests.runtime.Asm.code;
import static io.bpf4j.tests.runtime.Asm.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's three ways to share state between tail calls — {@code __sk_buff->cb}, {@code xdp_md->data_meta}, a
 * single-entry per-CPU array — and its warning that the per-CPU way breaks when a program is preempted between
 * tail calls (RT kernels), shown with the preemption simulation.
 */
class StateBetweenTailCallsTest {
    static List<Engine> engines() {
        return RuntimeEngines.all().toList();
    }

    private static final int XDP_PASS = 2, BAD_TRAIL = 22, TC_ACT_OK = 0;

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void stateCrossesATailCallInSkBuffCb(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(2).engine(engine).build(); Collection c = rt.load(Asm.fixture("tc_cb.o"))) {
            TestRunResult r = c.program("tc_entry").testRun(TestRun.of(Asm.packet(60)));
            assertThat(r.retval()).as("tc_check saw cb[0] and cb[1] that tc_entry wrote").isEqualTo(TC_ACT_OK);
            assertThat(Asm.u32(r.ctx(), 48)).isEqualTo(0xC0FFEE);
            assertThat(Asm.u32(r.ctx(), 52)).isEqualTo(60);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void stateCrossesTailCallsInXdpDataMeta(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(2).engine(engine).build(); Collection c = rt.load(Asm.fixture("tail_calls.o"))) {
            byte[] packet = Asm.packet(64);
            TestRunResult r = c.program("entry").testRun(TestRun.of(packet));
            assertThat(r.retval()).isEqualTo(XDP_PASS);
            // the output starts at data_meta: the 4-byte metadata word every stage OR-ed its bit into, then the packet
            assertThat(r.data()).hasSize(4 + 64);
            assertThat(Asm.u32(r.data(), 0)).isEqualTo(0xf);
            assertThat(java.util.Arrays.copyOfRange(r.data(), 4, 68)).isEqualTo(packet);
            assertThat(Asm.u32(r.ctx(), 0)).as("xdp_md.data out: the metadata length").isEqualTo(4);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void stateCrossesTailCallsInASingleEntryPerCpuArrayOfTheInvocationsCpu(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(3).engine(engine).build(); Collection c = rt.load(Asm.fixture("tail_calls.o"))) {
            TestRunResult r = c.program("entry").testRun(TestRun.of(Asm.packet(64)).onCpu(1));
            assertThat(r.retval()).isEqualTo(XDP_PASS);
            List<byte[]> trail = c.map("scratch").lookupPerCpu(Asm.u32(0));
            assertThat(Asm.u32(trail.get(1), 0)).as("stages 1,2,3,4 shifted in on CPU 1").isEqualTo(0x1234);
            assertThat(Asm.u32(trail.get(0), 0)).isZero();
            assertThat(Asm.u32(trail.get(2), 0)).isZero();
        }
    }

    /** An XDP program that scribbles over the per-CPU scratch of whatever CPU it runs on. */
    private static Program scribbler(BpfRuntime rt, BpfMap scratch) {
        return rt.load("scribbler", ProgramType.XDP, code("*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4", map(1, 0),
                "call 1\nif r0 == 0 goto +2\nr1 = 0xdead\n*(u32 *)(r0 + 0) = r1\nr0 = 2\nexit"), List.of(scratch));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void underPreemptionPerCpuScratchIsClobberedWhileDataMetaSurvives(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(2).engine(engine).preemption(Preemption.everyTailCall()).build();
             Collection c = rt.load(Asm.fixture("tail_calls.o"))) {
            assertThat(c.program("entry").testRun(TestRun.of(Asm.packet(64))).retval()).as("no intruder set: nothing preempts").isEqualTo(XDP_PASS);
            rt.setIntruder(scribbler(rt, c.map("scratch")), TestRun.of(Asm.packet(64)));
            TestRunResult r = c.program("entry").testRun(TestRun.of(Asm.packet(64)).traced());
            // the metadata checks all passed (no BAD_META); only the per-CPU trail was wrong
            assertThat(r.retval()).isEqualTo(BAD_TRAIL);
            assertThat(r.trace()).filteredOn(e -> e instanceof TraceEvent.Preempted).hasSize(3)
                    .allSatisfy(e -> assertThat(((TraceEvent.Preempted) e).cpu()).isEqualTo(r.cpu()));
            assertThat(Asm.u32(r.data(), 0)).isEqualTo(0xf);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void underPreemptionSkBuffCbSurvives(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).preemption(Preemption.everyTailCall()).build();
             Collection c = rt.load(Asm.fixture("tc_cb.o"))) {
            // the intruder is a tc program writing its own cb: the packet's cb is not the CPU's
            Program intruder = rt.load("cb_writer", ProgramType.SCHED_CLS, code("r2 = 0\n*(u32 *)(r1 + 48) = r2\n*(u32 *)(r1 + 52) = r2\nr0 = 0\nexit"), List.of());
            rt.setIntruder(intruder, TestRun.of(Asm.packet(60)));
            TestRunResult r = c.program("tc_entry").testRun(TestRun.of(Asm.packet(60)).traced());
            assertThat(r.trace()).contains(new TraceEvent.Preempted("cb_writer", 0));
            assertThat(r.retval()).isEqualTo(TC_ACT_OK);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void randomPreemptionIsReplayableWithItsSeed(Engine engine) {
        List<List<TraceEvent>> traces = new java.util.ArrayList<>();
        for (int attempt = 0; attempt < 2; attempt++) {
            try (BpfRuntime rt = BpfRuntime.builder().cpus(1).engine(engine).preemption(Preemption.random(42, 0.5)).build();
                 Collection c = rt.load(Asm.fixture("tail_calls.o"))) {
                rt.setIntruder(scribbler(rt, c.map("scratch")), TestRun.of(Asm.packet(64)));
                List<TraceEvent> trace = new java.util.ArrayList<>();
                for (int i = 0; i < 5; i++) trace.addAll(c.program("loop").testRun(TestRun.of(Asm.packet(64)).traced()).trace());
                traces.add(trace);
            }
        }
        assertThat(traces.get(0)).isEqualTo(traces.get(1));
        long preemptions = traces.get(0).stream().filter(e -> e instanceof TraceEvent.Preempted).count();
        assertThat(preemptions).as("about half of 5 × 32 tail calls").isBetween(40L, 120L);
    }
}
