package io.bpf4j.verifier;

import java.util.List;
import java.util.Map;

/**
 * An accepted program: the log, statistics and facts a compiler may rely on.
 *
 * @param log    the verifier log (empty at log level 0)
 * @param stats  what verification cost
 * @param access for each load, store and atomic instruction (by pc) that some path reached: the memory region
 *               it touches, proven in bounds on every path
 */
public record VerificationResult(String log, Stats stats, Map<Integer, AccessFact> access) {
    public VerificationResult {
        access = Map.copyOf(access);
    }

    /**
     * @param processedInsns     instructions processed over all paths (Linux's "processed N insns")
     * @param totalStates        states saved for pruning
     * @param peakStates         the most states held at once
     * @param maxStatesPerInsn   the most states saved at one instruction
     * @param stackDepths        each subprogram's stack depth in bytes (main program first)
     */
    public record Stats(int processedInsns, int totalStates, int peakStates, int maxStatesPerInsn, List<Integer> stackDepths) {
        public Stats {
            stackDepths = List.copyOf(stackDepths);
        }
    }

    /** The memory region a load or store touches. */
    public enum Region {
        STACK, CONTEXT, MAP_VALUE, PACKET, PACKET_META, RINGBUF_MEM,
        /** Different regions on different paths (never the context: Linux refuses that). */
        MIXED
    }

    /**
     * What holds for one memory instruction on every path that reaches it.
     *
     * @param region    which memory
     * @param size      access size in bytes
     * @param minOffset smallest offset from the region's start accessed (for the stack: from the frame pointer, negative)
     * @param maxOffset largest such offset (equal to minOffset when the address is fixed)
     */
    public record AccessFact(Region region, int size, long minOffset, long maxOffset) {
        public boolean fixedOffset() {
            return minOffset == maxOffset;
        }

        AccessFact merge(AccessFact o) {
            Region r = region == o.region ? region : Region.MIXED;
            return new AccessFact(r, size, Math.min(minOffset, o.minOffset), Math.max(maxOffset, o.maxOffset));
        }
    }
}
