package io.bpf4j.object;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.ProgramType;

import java.util.List;

/**
 * What a program's ELF section name means, with libbpf's conventions (its {@code section_defs} table): the
 * program type, the expected attach type, the attach target written after the first '/', and load flags.
 *
 * <p>Matching follows libbpf 1.x: a definition written {@code "kprobe+"} matches {@code "kprobe"} and
 * {@code "kprobe/<anything>"}; any other definition matches the whole name exactly. The first matching
 * definition wins, so more specific names come first. A name that matches nothing gives
 * {@link ProgramType#UNSPEC}: like libbpf, the program is still read, and the caller must choose its type.
 */
public final class ProgramSections {
    /** {@code prog_flags} bits from uapi. */
    public static final int BPF_F_SLEEPABLE = 1 << 4, BPF_F_XDP_HAS_FRAGS = 1 << 5;

    /**
     * What a section name says about its programs.
     *
     * @param type         the program type, UNSPEC when the name is not libbpf's
     * @param attachType   the expected attach type, or null when libbpf passes none (0)
     * @param attachTarget the part after the first '/' for prefix definitions (kprobe function, tracepoint,
     *                     BTF function...), or null
     * @param programFlags {@code prog_flags} for BPF_PROG_LOAD (BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS)
     */
    public record Kind(ProgramType type, AttachType attachType, String attachTarget, int programFlags) {
        public boolean sleepable() {
            return (programFlags & BPF_F_SLEEPABLE) != 0;
        }

        public boolean known() {
            return type != ProgramType.UNSPEC;
        }
    }

    private record Definition(String name, boolean prefix, ProgramType type, AttachType attachType, int flags) {
        boolean matches(String section) {
            if (!prefix) return section.equals(name);
            return section.equals(name) || section.startsWith(name + "/");
        }
    }

    private static Definition def(String pattern, ProgramType type, AttachType attach) {
        return def(pattern, type, attach, 0);
    }

    private static Definition def(String pattern, ProgramType type, AttachType attach, int flags) {
        boolean prefix = pattern.endsWith("+");
        return new Definition(prefix ? pattern.substring(0, pattern.length() - 1) : pattern, prefix, type, attach, flags);
    }

    private static final int S = BPF_F_SLEEPABLE, FRAGS = BPF_F_XDP_HAS_FRAGS;

    // Order matters where one name is a prefix of another ("xdp.frags/devmap" before "xdp.frags"): as in libbpf.
    private static final List<Definition> DEFINITIONS = List.of(
            def("socket", ProgramType.SOCKET_FILTER, null),
            def("sk_reuseport/migrate", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT_OR_MIGRATE),
            def("sk_reuseport", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT),
            def("kprobe+", ProgramType.KPROBE, null),
            def("uprobe+", ProgramType.KPROBE, null),
            def("uprobe.s+", ProgramType.KPROBE, null, S),
            def("kretprobe+", ProgramType.KPROBE, null),
            def("uretprobe+", ProgramType.KPROBE, null),
            def("uretprobe.s+", ProgramType.KPROBE, null, S),
            def("kprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_KPROBE_MULTI),
            def("kretprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_KPROBE_MULTI),
            def("kprobe.session+", ProgramType.KPROBE, AttachType.TRACE_KPROBE_SESSION),
            def("uprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI),
            def("uretprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI),
            def("uprobe.multi.s+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, S),
            def("uretprobe.multi.s+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, S),
            def("uprobe.session+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_SESSION),
            def("ksyscall+", ProgramType.KPROBE, null),
            def("kretsyscall+", ProgramType.KPROBE, null),
            def("usdt+", ProgramType.KPROBE, null),
            def("usdt.s+", ProgramType.KPROBE, null, S),
            def("tc/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS),
            def("tc/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS),
            def("tcx/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS),
            def("tcx/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS),
            def("tc", ProgramType.SCHED_CLS, null),
            def("classifier", ProgramType.SCHED_CLS, null),
            def("action", ProgramType.SCHED_ACT, null),
            def("netkit/primary", ProgramType.SCHED_CLS, AttachType.NETKIT_PRIMARY),
            def("netkit/peer", ProgramType.SCHED_CLS, AttachType.NETKIT_PEER),
            def("tracepoint+", ProgramType.TRACEPOINT, null),
            def("tp+", ProgramType.TRACEPOINT, null),
            def("raw_tracepoint+", ProgramType.RAW_TRACEPOINT, null),
            def("raw_tp+", ProgramType.RAW_TRACEPOINT, null),
            def("raw_tracepoint.w+", ProgramType.RAW_TRACEPOINT_WRITABLE, null),
            def("raw_tp.w+", ProgramType.RAW_TRACEPOINT_WRITABLE, null),
            def("tp_btf+", ProgramType.TRACING, AttachType.TRACE_RAW_TP),
            def("fentry+", ProgramType.TRACING, AttachType.TRACE_FENTRY),
            def("fmod_ret+", ProgramType.TRACING, AttachType.MODIFY_RETURN),
            def("fexit+", ProgramType.TRACING, AttachType.TRACE_FEXIT),
            def("fentry.s+", ProgramType.TRACING, AttachType.TRACE_FENTRY, S),
            def("fmod_ret.s+", ProgramType.TRACING, AttachType.MODIFY_RETURN, S),
            def("fexit.s+", ProgramType.TRACING, AttachType.TRACE_FEXIT, S),
            def("freplace+", ProgramType.EXT, null),
            def("lsm+", ProgramType.LSM, AttachType.LSM_MAC),
            def("lsm.s+", ProgramType.LSM, AttachType.LSM_MAC, S),
            def("lsm_cgroup+", ProgramType.LSM, AttachType.LSM_CGROUP),
            def("iter+", ProgramType.TRACING, AttachType.TRACE_ITER),
            def("iter.s+", ProgramType.TRACING, AttachType.TRACE_ITER, S),
            def("syscall", ProgramType.SYSCALL, null, S),
            def("xdp.frags/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, FRAGS),
            def("xdp/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP),
            def("xdp.frags/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, FRAGS),
            def("xdp/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP),
            def("xdp.frags", ProgramType.XDP, AttachType.XDP, FRAGS),
            def("xdp", ProgramType.XDP, AttachType.XDP),
            def("perf_event", ProgramType.PERF_EVENT, null),
            def("lwt_in", ProgramType.LWT_IN, null),
            def("lwt_out", ProgramType.LWT_OUT, null),
            def("lwt_xmit", ProgramType.LWT_XMIT, null),
            def("lwt_seg6local", ProgramType.LWT_SEG6LOCAL, null),
            def("sockops", ProgramType.SOCK_OPS, AttachType.CGROUP_SOCK_OPS),
            def("sk_skb/stream_parser", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_PARSER),
            def("sk_skb/stream_verdict", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_VERDICT),
            def("sk_skb/verdict", ProgramType.SK_SKB, AttachType.SK_SKB_VERDICT),
            def("sk_skb", ProgramType.SK_SKB, null),
            def("sk_msg", ProgramType.SK_MSG, AttachType.SK_MSG_VERDICT),
            def("lirc_mode2", ProgramType.LIRC_MODE2, AttachType.LIRC_MODE2),
            def("flow_dissector", ProgramType.FLOW_DISSECTOR, AttachType.FLOW_DISSECTOR),
            def("cgroup_skb/ingress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS),
            def("cgroup_skb/egress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS),
            def("cgroup/skb", ProgramType.CGROUP_SKB, null),
            def("cgroup/sock_create", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE),
            def("cgroup/sock_release", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_RELEASE),
            def("cgroup/sock", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE),
            def("cgroup/post_bind4", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET4_POST_BIND),
            def("cgroup/post_bind6", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET6_POST_BIND),
            def("cgroup/bind4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_BIND),
            def("cgroup/bind6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_BIND),
            def("cgroup/connect4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT),
            def("cgroup/connect6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_CONNECT),
            def("cgroup/connect_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_CONNECT),
            def("cgroup/sendmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_SENDMSG),
            def("cgroup/sendmsg6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_SENDMSG),
            def("cgroup/sendmsg_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_SENDMSG),
            def("cgroup/recvmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_RECVMSG),
            def("cgroup/recvmsg6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_RECVMSG),
            def("cgroup/recvmsg_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_RECVMSG),
            def("cgroup/getpeername4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETPEERNAME),
            def("cgroup/getpeername6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETPEERNAME),
            def("cgroup/getpeername_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETPEERNAME),
            def("cgroup/getsockname4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETSOCKNAME),
            def("cgroup/getsockname6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETSOCKNAME),
            def("cgroup/getsockname_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETSOCKNAME),
            def("cgroup/sysctl", ProgramType.CGROUP_SYSCTL, AttachType.CGROUP_SYSCTL),
            def("cgroup/getsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_GETSOCKOPT),
            def("cgroup/setsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT),
            def("cgroup/dev", ProgramType.CGROUP_DEVICE, AttachType.CGROUP_DEVICE),
            def("struct_ops+", ProgramType.STRUCT_OPS, null),
            def("struct_ops.s+", ProgramType.STRUCT_OPS, null, S),
            def("sk_lookup", ProgramType.SK_LOOKUP, AttachType.SK_LOOKUP),
            def("netfilter", ProgramType.NETFILTER, AttachType.NETFILTER));

    private ProgramSections() {}

    /** What {@code sectionName} says about its programs; {@link ProgramType#UNSPEC} when it says nothing libbpf knows. */
    public static Kind of(String sectionName) {
        for (Definition d : DEFINITIONS) {
            if (d.matches(sectionName)) {
                String target = null;
                if (d.prefix() && sectionName.length() > d.name().length()) target = sectionName.substring(d.name().length() + 1);
                return new Kind(d.type(), d.attachType(), target, d.flags());
            }
        }
        return new Kind(ProgramType.UNSPEC, null, null, 0);
    }
}
