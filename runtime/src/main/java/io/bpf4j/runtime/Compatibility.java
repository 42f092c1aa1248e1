package io.bpf4j.runtime;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.ProgramType;

import java.util.Objects;

/**
 * What a program must share with the owner of a prog array to enter it or tail-call through it — the fields
 * Linux's {@code __bpf_prog_map_compatible} (kernel/bpf/core.c) compares: program type, expected attach type,
 * attach target (Linux's {@code attach_btf_id}), the XDP frags flag, sleepable, and JIT-ness (here: the engine).
 * The first program that uses a prog array (at its load) or enters it becomes its owner.
 *
 * @param type         {@code prog_type}
 * @param attachType   {@code expected_attach_type} (null for none)
 * @param attachTarget the attach function ({@code attach_btf_id}'s function name), or null
 * @param xdpHasFrags  {@code BPF_F_XDP_HAS_FRAGS}
 * @param sleepable    {@code BPF_F_SLEEPABLE}
 * @param engine       the engine that runs the program (Linux: {@code jited})
 */
public record Compatibility(ProgramType type, AttachType attachType, String attachTarget, boolean xdpHasFrags,
                            boolean sleepable, String engine) {
    public Compatibility {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(engine, "engine");
    }

    /**
     * Null when a program with this description may share a prog array owned by {@code owner}, else which field
     * differs with both values, e.g. {@code "prog_type: the owner has XDP, this program SCHED_CLS"}.
     */
    public String mismatchWith(Compatibility owner) {
        if (type != owner.type) return diff("prog_type", owner.type.name(), type.name());
        if (attachType != owner.attachType) return diff("expected_attach_type", name(owner.attachType), name(attachType));
        if (!Objects.equals(attachTarget, owner.attachTarget)) return diff("attach_btf_id (attach target)", String.valueOf(owner.attachTarget), String.valueOf(attachTarget));
        if (xdpHasFrags != owner.xdpHasFrags) return diff("xdp_has_frags", String.valueOf(owner.xdpHasFrags), String.valueOf(xdpHasFrags));
        if (sleepable != owner.sleepable) return diff("sleepable", String.valueOf(owner.sleepable), String.valueOf(sleepable));
        if (!engine.equals(owner.engine)) return diff("jited (engine)", owner.engine, engine);
        return null;
    }

    private static String name(AttachType a) {
        return a == null ? "none" : a.name();
    }

    private static String diff(String field, String owner, String mine) {
        return field + ": the owner has " + owner + ", this program " + mine;
    }
}
