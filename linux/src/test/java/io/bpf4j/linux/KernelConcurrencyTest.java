package io.bpf4j.linux;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.bpf4j.linux.Asm.exit;
import static io.bpf4j.linux.Asm.mov;
import static io.bpf4j.linux.Asm.program;
import static io.bpf4j.linux.KernelMapTest.asU32;
import static io.bpf4j.linux.KernelMapTest.u32;
import static org.assertj.core.api.Assertions.assertThat;

/** Descriptors under concurrent use: a close racing with operations never lets them reach a recycled fd. */
@ExtendWith(KernelTests.class)
class KernelConcurrencyTest {
    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel(ProgramType.XDP);
    }

    @Test
    void operationsRacingWithCloseSeeTheirMapOrEbadfNeverAnotherMap() throws InterruptedException {
        for (int round = 0; round < 20; round++) {
            KernelMap first = KernelMap.create(new MapDefinition("first", MapType.ARRAY, 4, 4, 1));
            first.update(u32(0), u32(1));
            int threads = 4;
            CountDownLatch started = new CountDownLatch(threads);
            AtomicLong reads = new AtomicLong();
            ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(Thread.ofPlatform().start(() -> {
                    started.countDown();
                    while (true) {
                        try {
                            byte[] v = first.lookup(u32(0));
                            if (v == null || asU32(v) != 1) wrong.add("read " + (v == null ? "nothing" : asU32(v)));
                            reads.incrementAndGet();
                        } catch (BpfErrnoException e) {
                            if (e.errno() != Errno.EBADF || !e.getMessage().contains("used after close()")) {
                                wrong.add(e.getMessage());
                            }
                            return;
                        }
                    }
                }));
            }
            started.await();
            Thread.sleep(2);
            first.close();
            // the kernel hands out the lowest free number: this map very likely gets first's old descriptor
            try (KernelMap second = KernelMap.create(new MapDefinition("second", MapType.ARRAY, 4, 4, 1))) {
                second.update(u32(0), u32(2));
                for (Thread w : workers) w.join();
            }
            assertThat(wrong).as("round " + round).isEmpty();
            assertThat(reads.get()).isPositive();
        }
    }

    @Test
    void concurrentTestRunsAndProgArrayUpdatesAllSucceed() throws InterruptedException {
        try (KernelProgArray jumps = KernelProgArray.create("jumps", 1);
             KernelProgram a = KernelProgram.load("ret3", ProgramType.XDP, program(mov(0, 3), exit()));
             KernelProgram b = KernelProgram.load("ret4", ProgramType.XDP, program(mov(0, 4), exit()));
             KernelProgram dispatch = KernelTailCallTest.dispatcher(jumps, 0)) {
            jumps.set(0, a);
            AtomicInteger[] seen = new AtomicInteger[5];
            for (int i = 0; i < seen.length; i++) seen[i] = new AtomicInteger();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Thread> runners = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                runners.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 300; i++) {
                            int r = dispatch.testRun(TestRunInput.of(KernelProgramTest.packet())).retval();
                            seen[r].incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (int i = 0; i < 300; i++) jumps.set(0, i % 2 == 0 ? b : a); // atomic replacement while they run
            for (Thread r : runners) r.join();
            assertThat(failures).isEmpty();
            // every run jumped: a slot being replaced is never seen empty
            assertThat(seen[1].get()).isZero();
            assertThat(seen[3].get() + seen[4].get()).isEqualTo(900);
        }
    }

    @Test
    void runStatisticsCountTestRunsWhileEnabled() {
        try (KernelProgram p = KernelProgram.load("counted", ProgramType.XDP, program(mov(0, 2), exit()))) {
            p.testRun(TestRunInput.of(KernelProgramTest.packet()).withRepeat(10));
            assertThat(p.info().runCount()).as("statistics off").isZero();
            try (RunStatistics stats = RunStatistics.enable()) {
                p.testRun(TestRunInput.of(KernelProgramTest.packet()).withRepeat(1000));
                ProgramInfo info = p.info();
                assertThat(info.runCount()).isEqualTo(1000);
                assertThat(info.runTimeNanos()).isPositive();
            }
        }
    }
}
