package io.bpf4j.tests.runtime;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.maps.ProgArray;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.TestRun;
import io.bpf4j.runtime.TestRunResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.bpf4j.tests.runtime.Asm.code;
import static io.bpf4j.tests.runtime.Asm.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Virtual CPUs: an invocation holds one CPU from its first instruction to its last tail call's exit. */
class VirtualCpuTest {
    static List<Engine> engines() {
        return RuntimeEngines.all().toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void getSmpProcessorIdReturnsTheInvocationsCpu(Engine engine) {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(4).engine(engine).build()) {
            Program p = rt.load("cpu", ProgramType.XDP, code("call 8\nexit"), List.of());
            for (int cpu = 0; cpu < 4; cpu++) {
                TestRunResult r = p.testRun(TestRun.of(Asm.packet(64)).onCpu(cpu));
                assertThat(r.retval()).isEqualTo(cpu);
                assertThat(r.cpu()).isEqualTo(cpu);
            }
            assertThatThrownBy(() -> p.testRun(TestRun.of(Asm.packet(64)).onCpu(4))).hasMessageContaining("cpu 4 does not exist (the runtime has 4 CPUs)");
        }
    }

    /**
     * Four threads share two CPUs; each invocation makes 33 non-atomic read-modify-writes of its CPU's per-CPU
     * counter across 32 tail calls. If two invocations ever held one CPU at once, updates would be lost.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void noTwoInvocationsHoldTheSameCpuSoPerCpuScratchLosesNoUpdate(Engine engine) throws Exception {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(2).engine(engine).build()) {
            BpfMap counter = rt.createMap(new MapDefinition("percpu", MapType.PERCPU_ARRAY, 4, 8, 1));
            @SuppressWarnings("unchecked")
            ProgArray<Program> jmp = (ProgArray<Program>) rt.createMap(new MapDefinition("jmp", MapType.PROG_ARRAY, 4, 4, 1));
            Program hop = rt.load("hop", ProgramType.XDP, code(
                    "r6 = r1\n*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4", map(1, 0),
                    """
                    call 1
                    if r0 == 0 goto +7
                    r1 = *(u64 *)(r0 + 0)
                    r2 = 0
                    r3 = 200
                    r2 += 1
                    if r2 < r3 goto -2
                    r1 += 1
                    *(u64 *)(r0 + 0) = r1
                    """, "r1 = r6", map(2, 1), "r3 = 0\ncall 12\nr0 = 2\nexit"), List.of(counter, jmp));
            jmp.update(0, hop);
            int threads = 4, runsPerThread = 150;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < runsPerThread; i++) hop.testRun(TestRun.of(Asm.packet(64)));
                    }));
                }
                for (Future<?> f : futures) f.get();
            } finally {
                pool.shutdownNow();
            }
            long total = 0;
            for (byte[] v : counter.lookupPerCpu(Asm.u32(0))) total += Asm.u64(v);
            assertThat(total).isEqualTo(33L * threads * runsPerThread);
        }
    }
}
