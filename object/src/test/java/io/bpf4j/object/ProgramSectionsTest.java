package io.bpf4j.object;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Section names → program type, expected attach type, attach target, flags: libbpf's section_defs table. */
class ProgramSectionsTest {
    private static final ObjectSpec SECTIONS = ObjectSpec.read(Fixtures.path("sections.o"));

    @ParameterizedTest(name = "{0} → {1} {2}")
    @CsvSource(nullValues = "-", value = {
            // program,        type,               attach type,             target,                    flags
            "xdp_frags,        XDP,                XDP,                     -,                         32",
            "xdp_devmap,       XDP,                XDP_DEVMAP,              -,                         0",
            "tc_ingress,       SCHED_CLS,          TCX_INGRESS,             -,                         0",
            "tcx_egress,       SCHED_CLS,          TCX_EGRESS,              -,                         0",
            "cls_legacy,       SCHED_CLS,          -,                       -,                         0",
            "kprobe_unlink,    KPROBE,             -,                       do_unlinkat,               0",
            "kretprobe_unlink, KPROBE,             -,                       do_unlinkat,               0",
            "uprobe_malloc,    KPROBE,             -,                       libc.so.6:malloc,          0",
            "tp_openat,        TRACEPOINT,         -,                       syscalls/sys_enter_openat, 0",
            "raw_sched_switch, RAW_TRACEPOINT,     -,                       sched_switch,              0",
            "btf_sched_wakeup, TRACING,            TRACE_RAW_TP,            sched_wakeup,              0",
            "fentry_unlink,    TRACING,            TRACE_FENTRY,            do_unlinkat,               0",
            "fexit_unlink,     TRACING,            TRACE_FEXIT,             do_unlinkat,               0",
            "fmod_file_open,   TRACING,            MODIFY_RETURN,           security_file_open,        0",
            "lsm_file_open,    LSM,                LSM_MAC,                 file_open,                 0",
            "cgroup_ingress,   CGROUP_SKB,         CGROUP_INET_INGRESS,     -,                         0",
            "cgroup_connect4,  CGROUP_SOCK_ADDR,   CGROUP_INET4_CONNECT,    -,                         0",
            "skb_verdict,      SK_SKB,             SK_SKB_STREAM_VERDICT,   -,                         0",
            "msg_verdict,      SK_MSG,             SK_MSG_VERDICT,          -,                         0",
            "dissect,          FLOW_DISSECTOR,     FLOW_DISSECTOR,          -,                         0",
            "lookup,           SK_LOOKUP,          SK_LOOKUP,               -,                         0",
            "on_perf_event,    PERF_EVENT,         -,                       -,                         0",
            "run_syscall,      SYSCALL,            -,                       -,                         16",
            "nf_hook,          NETFILTER,          NETFILTER,               -,                         0",
            "iter_task,        TRACING,            TRACE_ITER,              task,                      0",
            "ops_test_1,       STRUCT_OPS,         -,                       test_1,                    0",
    })
    void fixtureProgramsGetLibbpfsTypes(String program, ProgramType type, AttachType attach, String target, int flags) {
        ProgramSpec p = SECTIONS.program(program);
        assertThat(p.type()).isEqualTo(type);
        assertThat(p.attachType()).isEqualTo(attach);
        assertThat(p.attachTarget()).isEqualTo(target);
        assertThat(p.flags()).isEqualTo(flags);
    }

    @Test
    void everyFixtureProgramOfSectionsIsCoveredAbove() {
        assertThat(SECTIONS.programs()).hasSize(26);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "-", value = {
            "socket,                 SOCKET_FILTER,      -",
            "xdp,                    XDP,                XDP",
            "xdp.frags/cpumap,       XDP,                XDP_CPUMAP",
            "tc,                     SCHED_CLS,          -",
            "tc/egress,              SCHED_CLS,          TCX_EGRESS",
            "tracepoint,             TRACEPOINT,         -",
            "fentry.s/vfs_read,      TRACING,            TRACE_FENTRY",
            "lsm.s/bprm_check,       LSM,                LSM_MAC",
            "kprobe.multi/do_*,      KPROBE,             TRACE_KPROBE_MULTI",
            "cgroup/sock,            CGROUP_SOCK,        CGROUP_INET_SOCK_CREATE",
            "cgroup/skb,             CGROUP_SKB,         -",
            "sk_skb,                 SK_SKB,             -",
            "sk_reuseport/migrate,   SK_REUSEPORT,       SK_REUSEPORT_SELECT_OR_MIGRATE",
            "freplace/handler,       EXT,                -",
            "raw_tp.w/sys_enter,     RAW_TRACEPOINT_WRITABLE, -",
    })
    void namesResolveAsInLibbpf(String section, ProgramType type, AttachType attach) {
        ProgramSections.Kind kind = ProgramSections.of(section);
        assertThat(kind.type()).isEqualTo(type);
        assertThat(kind.attachType()).isEqualTo(attach);
    }

    @Test
    void sleepableVariantsSetTheSleepableFlag() {
        assertThat(ProgramSections.of("fentry.s/vfs_read").sleepable()).isTrue();
        assertThat(ProgramSections.of("fentry/vfs_read").sleepable()).isFalse();
        assertThat(ProgramSections.of("fentry.s/vfs_read").attachTarget()).isEqualTo("vfs_read");
    }

    @Test
    void unknownNamesAndNearMissesAreUnspecified() {
        // libbpf matches "kprobe+" as "kprobe" or "kprobe/..." only, and exact names exactly.
        for (String name : new String[] {"my_section", "xdpfoo", "kprobefoo", "socket/extra", "tc/sideways", ".text.hot"}) {
            ProgramSections.Kind kind = ProgramSections.of(name);
            assertThat(kind.type()).as(name).isEqualTo(ProgramType.UNSPEC);
            assertThat(kind.known()).isFalse();
        }
    }
}
