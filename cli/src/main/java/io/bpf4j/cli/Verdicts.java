package io.bpf4j.cli;

import io.bpf4j.abi.ProgramType;
import io.bpf4j.abi.TcAction;
import io.bpf4j.abi.XdpAction;

/** What a program's return value means for its program type. */
final class Verdicts {
    private Verdicts() {}

    /** {@code XDP_PASS}, {@code TC_ACT_SHOT}, ... or null when the type has no named verdicts or the value is none. */
    static String name(ProgramType type, long retval) {
        return switch (type) {
            case XDP -> {
                XdpAction a = XdpAction.ofCode(retval);
                yield a == null ? null : "XDP_" + a.name();
            }
            case SCHED_CLS, SCHED_ACT -> {
                TcAction a = TcAction.ofCode((int) retval); // a u32 from the kernel: 0xffffffff is TC_ACT_UNSPEC
                yield a == null ? null : "TC_ACT_" + a.name();
            }
            default -> null;
        };
    }

    /** The verdict's name, or the number (signed for tc, whose verdicts are ints). */
    static String label(ProgramType type, long retval) {
        String n = name(type, retval);
        if (n != null) return n;
        return type == ProgramType.SCHED_CLS || type == ProgramType.SCHED_ACT ? Integer.toString((int) retval) : Long.toString(retval);
    }

    /** Whether the packet goes on (and so belongs in --out): passed or sent back, for the types that say. */
    static boolean forwards(ProgramType type, long retval) {
        return switch (type) {
            case XDP -> retval == XdpAction.PASS.code() || retval == XdpAction.TX.code();
            case SCHED_CLS, SCHED_ACT -> {
                int r = (int) retval;
                yield r == TcAction.OK.code() || r == TcAction.UNSPEC.code() || r == TcAction.PIPE.code() || r == TcAction.RECLASSIFY.code();
            }
            case SOCKET_FILTER, CGROUP_SKB -> retval != 0;
            default -> true;
        };
    }

    /** True for program types that take packets (data), so a run needs input. */
    static boolean takesPackets(ProgramType type) {
        return switch (type) {
            case XDP, SCHED_CLS, SCHED_ACT, SOCKET_FILTER, CGROUP_SKB, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL, SK_SKB, FLOW_DISSECTOR -> true;
            default -> false;
        };
    }
}
