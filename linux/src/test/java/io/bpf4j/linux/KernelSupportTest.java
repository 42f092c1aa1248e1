package io.bpf4j.linux;

import io.bpf4j.BpfException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.ProgramType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The capability probe, the privilege diagnosis and the small parsers the backend relies on. */
class KernelSupportTest {
    /** Root on Linux (CAP_BPF or CAP_SYS_ADMIN in the effective set) must find bpf(2) usable. */
    @Test
    void probeAgreesWithThisProcesssPrivileges() {
        KernelSupport s = KernelSupport.probe();
        boolean linux = System.getProperty("os.name").startsWith("Linux");
        long caps = Privileges.effectiveCapabilities();
        boolean privileged = Privileges.has(caps, Privileges.CAP_BPF) || Privileges.has(caps, Privileges.CAP_SYS_ADMIN);
        if (linux && privileged) {
            assertThat(s.available()).as(s.toString()).isTrue();
            assertThat(s.reason()).isNull();
            assertThat(s.kernelRelease()).isNotEqualTo("?");
            assertThat(s.unavailableReason(ProgramType.XDP, ProgramType.SOCKET_FILTER, ProgramType.SCHED_CLS)).isNull();
        } else {
            assertThat(s.available()).isFalse();
            assertThat(s.reason()).isNotBlank();
            if (linux) assertThat(s.reason()).contains(KernelException.PRIVILEGE_HINT);
        }
        assertThat(s.toString()).contains(s.available() ? "available" : "unavailable");
    }

    @Test
    void everyProgramTypeHasAnAnswerAndTheUnprobeableOnesSayWhy() {
        KernelTests.assumeKernel();
        KernelSupport s = KernelSupport.probe();
        for (ProgramType t : ProgramType.values()) {
            String why = s.unavailableReason(t); // an unexpected errno or log would throw here and fail the test
            if (why != null) assertThat(why).contains(t.uapiName());
        }
        assertThat(s.unavailableReason(ProgramType.EXT)).contains("target program");
        assertThat(s.unavailableReason(ProgramType.STRUCT_OPS)).contains("struct_ops map");
        // probed as tp_btf/sched_switch through the kernel's own BTF
        assertThat(s.supports(ProgramType.TRACING)).as(s.unavailableReason(ProgramType.TRACING)).isTrue();
        String lsm = s.unavailableReason(ProgramType.LSM); // this kernel has no BPF trampolines: EPERM
        if (lsm != null) assertThat(lsm).contains("BPF_PROG_TYPE_LSM").contains("EPERM");
        assertThat(s.unavailableReason(ProgramType.UNSPEC)).contains("not a program type");
        // what every kernel with bpf(2) since 4.18 loads, and what the seed's examples use
        for (ProgramType t : new ProgramType[] {ProgramType.SOCKET_FILTER, ProgramType.XDP, ProgramType.SCHED_CLS,
                ProgramType.SCHED_ACT, ProgramType.CGROUP_SKB, ProgramType.KPROBE, ProgramType.TRACEPOINT,
                ProgramType.RAW_TRACEPOINT, ProgramType.CGROUP_SOCK_ADDR, ProgramType.SK_LOOKUP, ProgramType.SYSCALL}) {
            assertThat(s.supports(t)).as(t + ": " + s.unavailableReason(t)).isTrue();
        }
        assertThat(s.probedTypes()).containsKey(ProgramType.XDP);
    }

    @Test
    void missingPrivilegeMessageSaysWhatIsNeededAndWhatThisProcessHas() {
        assertThat(Privileges.describeMissing()).startsWith(KernelException.PRIVILEGE_HINT)
                .contains("this process runs as uid").contains("CAP_BPF").contains("kernel.unprivileged_bpf_disabled=");
        KernelException e = new KernelException("BPF_PROG_LOAD", "program p (XDP)", Errno.EPERM.number());
        assertThat(e.errno()).isEqualTo(Errno.EPERM);
        if (Privileges.hasEveryBpfCapability()) {
            // root: an EPERM is about something else, and the message must not send the user hunting for capabilities
            assertThat(e.isMissingPrivilege()).isFalse();
            assertThat(e.getMessage()).contains("EPERM (Operation not permitted); this process has CAP_BPF")
                    .contains("not about capabilities").doesNotContain(KernelException.PRIVILEGE_HINT);
        } else {
            assertThat(e.isMissingPrivilege()).isTrue();
            assertThat(e.getMessage()).contains(KernelException.PRIVILEGE_HINT);
        }
        KernelException frozen = new KernelException("BPF_MAP_UPDATE_ELEM", "map m (ARRAY)", Errno.EPERM.number());
        assertThat(frozen.isMissingPrivilege()).as("EPERM on an element op is about the map, not the process").isFalse();
        assertThat(frozen.getMessage()).isEqualTo("bpf(BPF_MAP_UPDATE_ELEM) on map m (ARRAY): EPERM (Operation not permitted)");
    }

    @Test
    void errnoNumbersTheTableDoesNotListStillGetLibcsText() {
        KernelException e = new KernelException("BPF_MAP_CREATE", "map m (HASH)", 24);
        assertThat(e.errno()).isNull();
        assertThat(e.errnoNumber()).isEqualTo(24);
        assertThat(e.getMessage()).isEqualTo("bpf(BPF_MAP_CREATE) on map m (HASH): errno 24 (Too many open files)");
    }

    @Test
    void possibleCpuListsAreCounted() {
        assertThat(PossibleCpus.parse("0\n")).isEqualTo(1);
        assertThat(PossibleCpus.parse("0-1\n")).isEqualTo(2);
        assertThat(PossibleCpus.parse("0-3,8-11")).isEqualTo(8);
        assertThat(PossibleCpus.parse("0,2,4-5")).isEqualTo(4);
        assertThatThrownBy(() -> PossibleCpus.parse("0-x")).isInstanceOf(BpfException.class).hasMessageContaining("0-x");
        assertThatThrownBy(() -> PossibleCpus.parse("3-1")).isInstanceOf(BpfException.class).hasMessageContaining("backwards");
    }

    @Test
    void bpfSystemCallNumbersPerArchitecture() {
        assertThat(Syscalls.bpfSyscallNumber("amd64")).isEqualTo(321);
        assertThat(Syscalls.bpfSyscallNumber("aarch64")).isEqualTo(280);
        assertThat(Syscalls.bpfSyscallNumber("sparc")).isEqualTo(-1);
    }

    @Test
    void verifierLogReasonAndPc() {
        String log = """
                func#0 @0
                0: R1=ctx() R10=fp0
                0: (b7) r2 = 0                        ; R2_w=0
                1: (61) r0 = *(u32 *)(r2 +0)
                R2 invalid mem access 'scalar'
                processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
                """;
        assertThat(VerifierLog.reason(log)).isEqualTo("R2 invalid mem access 'scalar'");
        assertThat(VerifierLog.pc(log)).isEqualTo(1);
        assertThat(VerifierLog.reason("")).isNull();
        String twoLines = "5: (79) r0 = *(u64 *)(r1 +64)\ninvalid access to map value, value_size=64 off=64 size=8\n"
                + "R1 min value is outside of the allowed memory range\nprocessed 6 insns\n";
        assertThat(VerifierLog.reason(twoLines)).isEqualTo("invalid access to map value, value_size=64 off=64 size=8 "
                + "(R1 min value is outside of the allowed memory range)");
        assertThat(VerifierLog.pc("no instructions here")).isEqualTo(-1);
    }

    @Test
    void objectNamesAreCutAndCleanedTheWayTheKernelAccepts() {
        assertThat(Names.kernelName("xdp/prog-1")).isEqualTo("xdp_prog_1");
        assertThat(Names.kernelName(".rodata.str1.1")).isEqualTo(".rodata.str1.1");
        assertThat(Names.kernelName("a_name_longer_than_fifteen")).isEqualTo("a_name_longer_t");
    }
}
