// SPDX-License-Identifier: Apache-2.0
//
// Replace a stage of the XDP firewall while packets flow, and show that no packet is lost.
//
//   ./bpf4j --version        # builds cli/target/bpf4j.jar once
//   java -cp cli/target/bpf4j.jar examples/swap-stage/SwapStage.java
//
// Four threads run the sample capture through examples/xdp-firewall/firewall.o on bpf4j's runtime, over and over,
// each on its own virtual CPU. Half-way through, the main thread puts policy_v2 (a stricter policy: pings from
// outside 10.0.0.0/8 are dropped) into the slot of the prog array where policy sits. The exchange is atomic: a
// packet already in the pipeline finishes with the stage it started with, the next tail call sees the new one.
// A tail call that found the slot empty would fall through, and the firewall answers XDP_ABORTED to that: so
// "lost" counts XDP_ABORTED, and it stays 0.

import io.bpf4j.cli.pcap.Packet;
import io.bpf4j.cli.pcap.PcapReader;
import io.bpf4j.maps.ProgArray;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Collection;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.TestRun;
import io.bpf4j.runtime.VerifyMode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

public class SwapStage {
    static final int XDP_ABORTED = 0, XDP_DROP = 1, XDP_PASS = 2;
    static final int SLOT_POLICY = 5;

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        int threads = 4;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6; // passes over the capture per thread
        List<Packet> capture = PcapReader.readAll(root.resolve("examples/traffic.pcap"));

        // verified as Linux verifies it for root (CAP_PERFMON), as XDP programs are loaded: the firewall reads
        // headers at variable packet offsets, which Linux refuses without CAP_PERFMON (Spectre v1)
        try (BpfRuntime runtime = BpfRuntime.builder().cpus(threads).verify(VerifyMode.PRIVILEGED).build();
             Collection firewall = runtime.load(ObjectSpec.read(root.resolve("examples/xdp-firewall/firewall.o")))) {
            Program entry = firewall.program("xdp_entry");
            ProgArray<Program> stages = firewall.progArray("stages");

            // verdict counts before and after the swap: [phase][verdict]
            AtomicLongArray counts = new AtomicLongArray(2 * 5);
            AtomicBoolean swapped = new AtomicBoolean();
            AtomicLong packets = new AtomicLong();
            long total = (long) threads * rounds * capture.size();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int cpu = t;
                workers.add(Thread.ofPlatform().name("cpu-" + t).start(() -> {
                    try {
                        start.await();
                        for (int round = 0; round < rounds; round++) {
                            for (Packet p : capture) {
                                // which policy a packet meets is decided at its tail call into slot 5, so a packet
                                // started just before the swap may still meet the old one: count it under the phase
                                // seen when it finished
                                long verdict = entry.testRun(TestRun.of(p.data()).onCpu(cpu)).retval();
                                int phase = swapped.get() ? 1 : 0;
                                counts.incrementAndGet(phase * 5 + (int) Math.min(verdict, 4));
                                packets.incrementAndGet();
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }

            start.countDown();
            while (packets.get() < total / 2) Thread.onSpinWait();
            Program old = stages.update(SLOT_POLICY, firewall.program("policy_v2"));
            swapped.set(true);
            long at = packets.get();
            for (Thread w : workers) w.join();

            System.out.printf("%d threads ran %,d packets; after %,d, stages[%d] went from %s to policy_v2 while they ran.%n",
                    threads, packets.get(), at, SLOT_POLICY, old.name());
            System.out.printf("%-16s %10s %10s %10s%n", "", "XDP_PASS", "XDP_DROP", "lost");
            for (int phase = 0; phase < 2; phase++) {
                System.out.printf("%-16s %,10d %,10d %,10d%n", phase == 0 ? "before the swap" : "after the swap",
                        counts.get(phase * 5 + XDP_PASS), counts.get(phase * 5 + XDP_DROP), counts.get(phase * 5 + XDP_ABORTED));
            }
            long lost = counts.get(XDP_ABORTED) + counts.get(5 + XDP_ABORTED);
            System.out.println(lost == 0
                    ? "No packet lost: every tail call into slot " + SLOT_POLICY + " found a policy, old or new."
                    : lost + " packets lost: a tail call found slot " + SLOT_POLICY + " empty");
            if (lost != 0) System.exit(1);
        }
    }
}
