package io.bpf4j.runtime;

import java.util.Objects;

/**
 * The preemption simulation: on an RT kernel a program may be interrupted between two tail calls and another
 * program may run on the same CPU meanwhile, clobbering per-CPU scratch state. With a policy other than
 * {@link #none()}, at each successful tail call the runtime may run the intruder set with
 * {@link BpfRuntime#setIntruder} on the same virtual CPU before the target starts, so code that wrongly relies on
 * per-CPU scratch surviving preemption fails in tests, while state carried in {@code __sk_buff->cb} or
 * {@code xdp_md->data_meta} (which belongs to the packet, not the CPU) survives.
 *
 * @param mode        when to preempt
 * @param probability for {@link Mode#RANDOM}: the chance per successful tail call, in [0, 1]
 * @param seed        for {@link Mode#RANDOM}: the seed of each CPU's decisions (CPU n uses {@code seed + n}), so a
 *                    failing run can be replayed
 */
public record Preemption(Mode mode, double probability, long seed) {
    public enum Mode {
        /** Never: an invocation holds its CPU from its first instruction to its last tail call's exit (the seed). */
        NEVER,
        /** At every successful tail call. */
        EVERY_TAIL_CALL,
        /** At a successful tail call with {@link #probability()}, decided by a seeded generator. */
        RANDOM
    }

    public Preemption {
        Objects.requireNonNull(mode, "mode");
        if (!(probability >= 0 && probability <= 1)) throw new IllegalArgumentException("preemption probability " + probability + " is not in [0, 1]");
    }

    public static Preemption none() {
        return new Preemption(Mode.NEVER, 0, 0);
    }

    public static Preemption everyTailCall() {
        return new Preemption(Mode.EVERY_TAIL_CALL, 1, 0);
    }

    public static Preemption random(long seed, double probability) {
        return new Preemption(Mode.RANDOM, probability, seed);
    }
}
