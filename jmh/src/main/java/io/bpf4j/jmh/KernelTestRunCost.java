package io.bpf4j.jmh;

import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.text.Assembler;
import io.bpf4j.linux.KernelProgram;
import io.bpf4j.linux.TestRunInput;

/**
 * What one BPF_PROG_TEST_RUN of the empty XDP program costs in wall time for several repeat counts, next to the
 * kernel's own {@code duration}: shows the fixed cost of a call with repeat &gt; 1, which is why
 * {@link KernelComparisonBenchmark}'s {@code kernel} wall time per repeat is far above {@code duration}.
 * A diagnostic (20 calls per repeat count after 5 warm-up calls, System.nanoTime around the syscall), not a
 * benchmark: the comparison uses JMH and the kernel's {@code duration}.
 *
 * <pre>java -cp jmh/target/benchmarks.jar io.bpf4j.jmh.KernelTestRunCost</pre>
 */
public final class KernelTestRunCost {
    private KernelTestRunCost() {}

    public static void main(String[] args) {
        String why = KernelXdp.unavailableReason();
        if (why != null) {
            System.out.println("skipped: bpf() is unavailable: " + why);
            return;
        }
        try (KernelProgram p = KernelProgram.load("empty", ProgramType.XDP, Assembler.assemble("r0 = 0x2\nexit\n"))) {
            for (int repeat : new int[] {1, 2, 10, 1000, 10_000, 100_000}) {
                TestRunInput in = TestRunInput.of(new byte[64]).withRepeat(repeat);
                for (int w = 0; w < 5; w++) p.testRun(in);
                int calls = 20;
                long duration = 0;
                long start = System.nanoTime();
                for (int i = 0; i < calls; i++) duration += p.testRun(in).durationNanos();
                double wallMicros = (System.nanoTime() - start) / 1e3 / calls;
                System.out.printf("repeat %6d: wall %9.1f us per call (%8.1f ns per repeat), kernel duration %4d ns per repeat%n",
                        repeat, wallMicros, wallMicros * 1e3 / repeat, duration / calls);
            }
        }
    }
}
