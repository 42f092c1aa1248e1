package io.bpf4j.abi;

import java.util.HashMap;
import java.util.Map;

/**
 * Program types.
 *
 * <p>Numbers from the uapi {@code enum bpf_prog_type} in {@code linux/bpf.h} (Debian's linux-libc-dev 6.1),
 * plus the values later kernels added up to Linux 6.18, so they are exactly the kernel's.
 */
public enum ProgramType {
    UNSPEC(0),
    SOCKET_FILTER(1),
    KPROBE(2),
    SCHED_CLS(3),
    SCHED_ACT(4),
    TRACEPOINT(5),
    XDP(6),
    PERF_EVENT(7),
    CGROUP_SKB(8),
    CGROUP_SOCK(9),
    LWT_IN(10),
    LWT_OUT(11),
    LWT_XMIT(12),
    SOCK_OPS(13),
    SK_SKB(14),
    CGROUP_DEVICE(15),
    SK_MSG(16),
    RAW_TRACEPOINT(17),
    CGROUP_SOCK_ADDR(18),
    LWT_SEG6LOCAL(19),
    LIRC_MODE2(20),
    SK_REUSEPORT(21),
    FLOW_DISSECTOR(22),
    CGROUP_SYSCTL(23),
    RAW_TRACEPOINT_WRITABLE(24),
    CGROUP_SOCKOPT(25),
    TRACING(26),
    STRUCT_OPS(27),
    EXT(28),
    LSM(29),
    SK_LOOKUP(30),
    SYSCALL(31),
    NETFILTER(32);

    private static final Map<Integer, ProgramType> BY_ID = new HashMap<>();

    static {
        for (ProgramType t : values()) BY_ID.put(t.id, t);
    }

    private final int id;

    ProgramType(int id) {
        this.id = id;
    }

    /** The kernel's number. */
    public int id() {
        return id;
    }

    /** The uapi name, e.g. {@code BPF_PROG_TYPE_SOCKET_FILTER}. */
    public String uapiName() {
        return "BPF_PROG_TYPE_" + name();
    }

    /** The constant with the kernel's number {@code id}, or null when bpf4j does not know it. */
    public static ProgramType ofId(int id) {
        return BY_ID.get(id);
    }
}
