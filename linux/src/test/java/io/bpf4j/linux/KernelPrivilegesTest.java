package io.bpf4j.linux;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.Helper;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Size;
import io.bpf4j.verifier.ProgramRejectedException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.bpf4j.linux.Asm.call;
import static io.bpf4j.linux.Asm.exit;
import static io.bpf4j.linux.Asm.mapFd;
import static io.bpf4j.linux.Asm.mov;
import static io.bpf4j.linux.Asm.movReg;
import static io.bpf4j.linux.Asm.program;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Loads verified with and without CAP_PERFMON ({@link LoadPrivileges}): the seed's rule that a tail-call
 * target cannot read the stack its caller left is Linux's rule without CAP_PERFMON; with it, the target sees
 * the caller's bytes.
 */
@ExtendWith(KernelTests.class)
class KernelPrivilegesTest {
    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel(ProgramType.XDP, ProgramType.KPROBE);
    }

    /** r0 = *(u64 *)(r10 - 8): reads a stack slot this program never wrote. */
    static ProgramLoadSpec stackReader(LoadPrivileges privileges) {
        return ProgramLoadSpec.of("reads_stack", ProgramType.XDP,
                program(new Instruction.Load(Size.DW, false, 0, 10, -8), exit())).withPrivileges(privileges);
    }

    @Test
    void withoutPerfmonATailCallTargetCannotReadTheStackItsCallerLeft() {
        assertThatThrownBy(() -> KernelProgram.load(stackReader(LoadPrivileges.WITHOUT_PERFMON)))
                .isInstanceOfSatisfying(ProgramRejectedException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EACCES.number());
                    assertThat(e.getMessage()).contains("rejected at pc 0: invalid read from stack R10 off=-8 size=8");
                });
    }

    @Test
    void withPerfmonTheTargetSeesTheBytesItsCallerWrote() {
        try (KernelProgArray jumps = KernelProgArray.create("jumps", 1);
             KernelProgram target = KernelProgram.load(stackReader(LoadPrivileges.PROCESS));
             KernelProgram caller = KernelProgram.load("writes_stack", ProgramType.XDP, program(
                     Instruction.LoadImm64.constant(2, 0x1122_3344_5566_7788L),
                     Instruction.Store.reg(Size.DW, 10, -8, 2),
                     mapFd(2, jumps), mov(3, 0), call(Helper.TAIL_CALL),
                     mov(0, 1), exit()))) {
            jumps.set(0, target);
            // the same stack frame: the target's r10 - 8 holds what the caller stored (retval is r0's low 32 bits)
            assertThat(caller.testRun(TestRunInput.of(KernelProgramTest.packet())).retval()).isEqualTo(0x5566_7788);
        }
    }

    @Test
    void withoutPerfmonPointersCannotLeakThroughR0() {
        var leak = ProgramLoadSpec.of("leaks", ProgramType.XDP, program(movReg(0, 10), exit()));
        assertThatThrownBy(() -> KernelProgram.load(leak.withPrivileges(LoadPrivileges.WITHOUT_PERFMON)))
                .isInstanceOfSatisfying(ProgramRejectedException.class,
                        e -> assertThat(e.getMessage()).contains("R0 leaks addr as return value"));
        try (KernelProgram p = KernelProgram.load(leak)) {
            assertThat(p.type()).isEqualTo(ProgramType.XDP);
        }
    }

    @Test
    void onlyTheLoaderThreadLosesCapabilitiesAndTheMessageSaysWhichAreMissing() {
        var kprobe = ProgramLoadSpec.of("probe", ProgramType.KPROBE, program(mov(0, 0), exit()));
        assertThatThrownBy(() -> KernelProgram.load(kprobe.withPrivileges(LoadPrivileges.WITHOUT_PERFMON)))
                .isInstanceOfSatisfying(KernelException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EPERM);
                    assertThat(e.isMissingPrivilege()).isTrue();
                    assertThat(e.getMessage()).contains(KernelException.PRIVILEGE_HINT)
                            .contains("with CAP_BPF, no CAP_SYS_ADMIN, CAP_NET_ADMIN, no CAP_PERFMON");
                });
        try (KernelProgram p = KernelProgram.load(kprobe)) { // this thread still has CAP_PERFMON
            assertThat(p.type()).isEqualTo(ProgramType.KPROBE);
        }
        assertThat(Privileges.has(Privileges.effectiveCapabilities(), Privileges.CAP_PERFMON)).isTrue();
    }
}
