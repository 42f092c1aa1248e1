package io.bpf4j.tests.runtime;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.maps.ProgArray;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.TestRun;
import io.bpf4j.runtime.TestRunResult;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.bpf4j.tests.runtime.Asm.code;
import static io.bpf4j.tests.runtime.Asm.map;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live replacement ("update a program version without downtime"): invoker threads run a three-hop tc pipeline
 * continuously while another thread swaps the middle hop between two versions. Each version writes its number
 * into cb[0] when it starts and cb[1] when it ends, through a chain of dependent instructions; the last hop
 * returns {@code cb[0] << 16 | cb[1]}. Every invocation must complete, and every middle hop must have run one
 * whole version (both halves equal), never a mix, while both versions are observed.
 */
class LiveReplacementStressTest {
    static List<Engine> engines() {
        return RuntimeEngines.all().toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void swappingASlotThousandsOfTimesWhileThreadsInvokeLosesNothing(Engine engine) throws Exception {
        Result r = stress(engine, Duration.ofMillis(1500), 3000);
        assertThat(r.swaps).isGreaterThanOrEqualTo(3000);
    }

    @Tag("long")
    @Test
    void longStressOnTheJit() throws Exception {
        Result r = stress(RuntimeEngines.all().toList().get(1), Duration.ofSeconds(30), 200_000);
        assertThat(r.swaps).isGreaterThanOrEqualTo(200_000);
    }

    private record Result(long invocations, long swaps) {}

    private static Program version(BpfRuntime rt, ProgArray<Program> jmp, int v) {
        // cb[0] = v at the start; 64 dependent steps; cb[1] = v at the end; tail call to slot 1
        StringBuilder work = new StringBuilder("r2 = " + v + "\n*(u32 *)(r1 + 48) = r2\nr3 = r2\n");
        for (int i = 0; i < 32; i++) work.append("r3 += 1\nr3 -= 1\n");
        work.append("*(u32 *)(r1 + 52) = r3\nr6 = r1\n");
        return rt.load("v" + v, ProgramType.SCHED_CLS, code(work.toString(), "r1 = r6", map(2, 0), "r3 = 1\ncall 12\nr0 = 0\nexit"), List.of(jmp));
    }

    static Result stress(Engine engine, Duration duration, int minSwaps) throws Exception {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(2).engine(engine).build()) {
            @SuppressWarnings("unchecked")
            ProgArray<Program> jmp = (ProgArray<Program>) rt.createMap(new MapDefinition("pipeline", MapType.PROG_ARRAY, 4, 4, 2));
            Program v1 = version(rt, jmp, 1), v2 = version(rt, jmp, 2);
            Program last = rt.load("last", ProgramType.SCHED_CLS, code("r0 = *(u32 *)(r1 + 48)\nr0 <<= 16\nr2 = *(u32 *)(r1 + 52)\nr0 |= r2\nexit"), List.of());
            Program entry = rt.load("entry", ProgramType.SCHED_CLS, code("r6 = r1", map(2, 0), "r1 = r6\nr3 = 0\ncall 12\nr0 = 0xbad\nexit"), List.of(jmp));
            jmp.update(1, last);
            jmp.update(0, v1);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong invocations = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Set<Long> seen = ConcurrentHashMap.newKeySet();
            CountDownLatch started = new CountDownLatch(2);
            List<Thread> invokers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                Thread th = new Thread(() -> {
                    started.countDown();
                    try {
                        while (!stop.get()) {
                            TestRunResult r = entry.testRun(TestRun.of(Asm.packet(60)));
                            long verdict = r.retval();
                            if (verdict != 0x1_0001 && verdict != 0x2_0002) throw new AssertionError("a hop ran a mix of versions or was skipped: 0x" + Long.toHexString(verdict));
                            if (r.tailCalls() != 2) throw new AssertionError("expected 2 tail calls, got " + r.tailCalls());
                            seen.add(verdict);
                            invocations.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        stop.set(true);
                    }
                }, "invoker-" + t);
                th.start();
                invokers.add(th);
            }
            started.await();
            long swaps = 0;
            long deadline = System.nanoTime() + duration.toNanos();
            while (!stop.get() && (System.nanoTime() < deadline || swaps < minSwaps)) {
                jmp.update(0, (swaps & 1) == 0 ? v2 : v1);
                swaps++;
                // yield every 15th swap: an odd period, so the slot is left holding each version in turn when the
                // invokers get the core (every 16th always left v1 there, and a loaded machine then saw only v1)
                if (swaps % 15 == 0) Thread.yield();
            }
            stop.set(true);
            for (Thread th : invokers) th.join(10_000);
            if (failure.get() != null) throw new AssertionError("an invocation failed", failure.get());
            assertThat(invocations.get()).isPositive();
            assertThat(seen).as("both versions ran").containsExactlyInAnyOrder(0x1_0001L, 0x2_0002L);
            System.out.println("live replacement (" + engine.name() + "): " + invocations.get() + " invocations, " + swaps + " swaps in " + duration.toMillis() + " ms");
            return new Result(invocations.get(), swaps);
        }
    }
}
