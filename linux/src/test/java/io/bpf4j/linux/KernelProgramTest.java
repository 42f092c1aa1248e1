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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static io.bpf4j.linux.Asm.add;
import static io.bpf4j.linux.Asm.call;
import static io.bpf4j.linux.Asm.exit;
import static io.bpf4j.linux.Asm.jeq;
import static io.bpf4j.linux.Asm.jgtReg;
import static io.bpf4j.linux.Asm.load;
import static io.bpf4j.linux.Asm.mov;
import static io.bpf4j.linux.Asm.movReg;
import static io.bpf4j.linux.Asm.program;
import static io.bpf4j.linux.Asm.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Loading hand-written programs into the kernel and running them with BPF_PROG_TEST_RUN. */
@ExtendWith(KernelTests.class)
class KernelProgramTest {
    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel(ProgramType.XDP, ProgramType.SOCKET_FILTER);
    }

    /** A 64-byte Ethernet frame whose bytes count up from 1. */
    static byte[] packet() {
        byte[] p = new byte[64];
        for (int i = 0; i < p.length; i++) p[i] = (byte) (i + 1);
        return p;
    }

    @Test
    void xdpReturnValueComesBackAsRetval() {
        try (KernelProgram p = KernelProgram.load("xdp_tx", ProgramType.XDP, program(mov(0, 3), exit()))) {
            TestRunResult r = p.testRun(TestRunInput.of(packet()));
            assertThat(r.retval()).isEqualTo(3);
            assertThat(r.data()).as("an untouched packet comes back unchanged").containsExactly(packet());
            assertThat(r.context()).isNull();
            assertThat(r.repeat()).isEqualTo(1);
        }
    }

    @Test
    void packetWritesAreVisibleInDataOut() {
        try (KernelProgram p = KernelProgram.load("xdp_write", ProgramType.XDP, program(
                load(Size.W, 2, 1, 0),        // r2 = ctx->data
                load(Size.W, 3, 1, 4),        // r3 = ctx->data_end
                movReg(4, 2),
                add(4, 2),
                jgtReg(4, 3, 2),              // if data + 2 > data_end goto pass
                store(Size.B, 2, 0, 0xab),
                store(Size.B, 2, 1, 0xcd),
                mov(0, 2),                    // pass: XDP_PASS
                exit()))) {
            TestRunResult r = p.testRun(TestRunInput.of(packet()));
            byte[] expected = packet();
            expected[0] = (byte) 0xab;
            expected[1] = (byte) 0xcd;
            assertThat(r.retval()).isEqualTo(2);
            assertThat(r.data()).containsExactly(expected);
        }
    }

    @Test
    void xdpOutputStartsAtDataMetaAndContextRoundTrips() {
        try (KernelProgram p = KernelProgram.load("xdp_meta", ProgramType.XDP, program(
                movReg(6, 1),
                mov(2, -4),
                call(Helper.XDP_ADJUST_META), // bpf_xdp_adjust_meta(ctx, -4)
                Instruction.Jump.ifImm(false, io.bpf4j.isa.JumpOp.JNE, 0, 0, 6),
                load(Size.W, 2, 6, 8),        // r2 = data_meta
                load(Size.W, 3, 6, 0),        // r3 = data
                movReg(4, 2),
                add(4, 4),
                jgtReg(4, 3, 1),
                store(Size.W, 2, 0, 0x11223344),
                mov(0, 2),
                exit()))) {
            byte[] ctx = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(0).putInt(64).putInt(0).putInt(0).putInt(0).putInt(0).array(); // struct xdp_md
            TestRunResult r = p.testRun(TestRunInput.of(packet()).withContext(ctx));
            assertThat(r.retval()).isEqualTo(2);
            byte[] data = r.data();
            assertThat(data).hasSize(68);
            assertThat(Arrays.copyOf(data, 4)).containsExactly(0x44, 0x33, 0x22, 0x11);
            assertThat(Arrays.copyOfRange(data, 4, 68)).containsExactly(packet());
            ByteBuffer out = ByteBuffer.wrap(r.context()).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(r.context()).hasSize(24);
            assertThat(out.getInt(0)).as("data").isEqualTo(4);
            assertThat(out.getInt(4)).as("data_end").isEqualTo(68);
            assertThat(out.getInt(8)).as("data_meta").isZero();
        }
    }

    @Test
    void socketFilterSeesThePacketAfterItsEthernetHeaderAndReturnsTheHeaderZeroed() {
        try (KernelProgram p = KernelProgram.load("len", ProgramType.SOCKET_FILTER, program(
                load(Size.W, 0, 1, 0),        // r0 = skb->len
                exit()))) {
            TestRunResult r = p.testRun(TestRunInput.of(packet()));
            // the kernel pulls the 14-byte Ethernet header before the filter runs (eth_type_trans): len is 50
            assertThat(r.retval()).isEqualTo(64 - 14);
            byte[] expected = packet();
            Arrays.fill(expected, 0, 14, (byte) 0);
            assertThat(r.data()).containsExactly(expected);
        }
    }

    @Test
    void repeatRunsManyTimesAndReportsNanosecondsPerRun() {
        try (KernelProgram p = KernelProgram.load("xdp_pass", ProgramType.XDP, program(mov(0, 2), exit()))) {
            TestRunResult r = p.testRun(TestRunInput.of(packet()).withRepeat(100_000));
            assertThat(r.retval()).isEqualTo(2);
            assertThat(r.repeat()).isEqualTo(100_000);
            // the kernel's loop alone costs ~26 ns per XDP run here; an average of 0 or of a millisecond
            // would mean the field was misread (total instead of mean, or the wrong offset)
            assertThat(r.durationNanos()).isBetween(1, 1_000_000);
        }
    }

    @Test
    void kernelVerifierRejectionIsProgramRejectedExceptionWithLogAndErrno() {
        assertThatThrownBy(() -> KernelProgram.load("no_r0", ProgramType.XDP, program(exit())))
                .isInstanceOfSatisfying(ProgramRejectedException.class, e -> {
                    assertThat(e.program()).isEqualTo("no_r0");
                    assertThat(e.errno()).isEqualTo(Errno.EACCES.number());
                    assertThat(e.pc()).isZero();
                    assertThat(e.log()).contains("R0 !read_ok").contains("processed");
                    assertThat(e.getMessage()).isEqualTo(
                            "program no_r0 rejected at pc 0: R0 !read_ok (BPF_PROG_LOAD: EACCES, Permission denied)");
                    assertThat(e.getCause()).isInstanceOf(KernelException.class);
                });
    }

    @Test
    void uncheckedPacketAccessIsRejectedAtItsPc() {
        assertThatThrownBy(() -> KernelProgram.load("oob", ProgramType.XDP, program(
                load(Size.W, 2, 1, 0),
                mov(0, 0),
                load(Size.B, 0, 2, 0),        // no bounds check against data_end
                exit())))
                .isInstanceOfSatisfying(ProgramRejectedException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EACCES.number());
                    assertThat(e.pc()).isEqualTo(2);
                    assertThat(e.getMessage()).contains("rejected at pc 2: invalid access to packet, off=0 size=1")
                            .contains("(R2 offset is outside of the packet)");
                });
    }

    @Test
    void unknownHelperIsRejectedWithEinval() {
        assertThatThrownBy(() -> KernelProgram.load("bad_call", ProgramType.SOCKET_FILTER, program(
                Instruction.Call.helper(9999), mov(0, 0), exit())))
                .isInstanceOfSatisfying(ProgramRejectedException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL.number());
                    assertThat(e.getMessage()).contains("invalid func unknown#9999").contains("EINVAL");
                });
    }

    @Test
    void requestedLogIsKeptOnSuccess() {
        try (KernelProgram p = KernelProgram.load(ProgramLoadSpec.of("logged", ProgramType.XDP,
                program(mov(0, 2), exit())).withLogLevel(2))) {
            assertThat(p.verifierLog()).contains("processed 2 insns");
        }
        try (KernelProgram p = KernelProgram.load("quiet", ProgramType.XDP, program(mov(0, 2), exit()))) {
            assertThat(p.verifierLog()).isEmpty();
        }
    }

    @Test
    void badTestRunInputsNameTheProgramAndTheProblem() {
        try (KernelProgram p = KernelProgram.load("xdp_pass", ProgramType.XDP, program(mov(0, 2), exit()))) {
            assertThatThrownBy(() -> p.testRun(TestRunInput.of(new byte[5])))
                    .isInstanceOfSatisfying(KernelException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                        assertThat(e.getMessage()).contains("bpf(BPF_PROG_TEST_RUN) on program xdp_pass (XDP)")
                                .contains("5 bytes of data");
                    });
            assertThatThrownBy(() -> p.testRun(TestRunInput.of(packet()).withDataOutCapacity(10)))
                    .isInstanceOfSatisfying(KernelException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.ENOSPC);
                        assertThat(e.getMessage()).contains("produced 64 bytes of data (room: 10)");
                    });
        }
    }

    @Test
    void infoShowsTheLoadedProgram() {
        try (KernelProgram p = KernelProgram.load("a_long_program_name", ProgramType.SOCKET_FILTER,
                program(mov(0, 0), exit()))) {
            ProgramInfo info = p.info();
            assertThat(info.type()).isEqualTo(ProgramType.SOCKET_FILTER);
            assertThat(info.name()).isEqualTo("a_long_program_");
            assertThat(info.id()).isPositive();
            assertThat(info.tag()).hasSize(16);
            assertThat(info.xlatedLength()).isEqualTo(16);
            assertThat(info.verifiedInsns()).isEqualTo(2);
        }
    }

    @Test
    void closedProgramCannotRun() {
        KernelProgram p = KernelProgram.load("short_lived", ProgramType.XDP, program(mov(0, 2), exit()));
        p.close();
        assertThatThrownBy(() -> p.testRun(TestRunInput.of(packet())))
                .hasMessageContaining("program short_lived (XDP) was used after close()")
                .hasMessageContaining("EBADF");
    }

    @Test
    void syscallProgramsRunOnceOnTheirContextAndTheContextComesBack() {
        KernelTests.assumeKernel(ProgramType.SYSCALL);
        try (KernelProgram p = KernelProgram.load(ProgramLoadSpec.of("sys", ProgramType.SYSCALL, program(
                load(Size.W, 2, 1, 0),                       // r2 = ctx[0]
                movReg(0, 2),
                add(0, 1),                                   // r0 = ctx[0] + 1
                Instruction.Alu.reg(true, io.bpf4j.isa.AluOp.ADD, 2, 2),
                Instruction.Store.reg(Size.W, 1, 4, 2),      // ctx[1] = 2 * ctx[0]
                exit())).withFlags(ProgramLoadSpec.F_SLEEPABLE))) {
            byte[] ctx = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(21).putInt(0).array();
            TestRunResult r = p.testRun(TestRunInput.ofContext(ctx));
            assertThat(r.retval()).isEqualTo(22);
            assertThat(ByteBuffer.wrap(r.context()).order(ByteOrder.LITTLE_ENDIAN).getInt(4)).isEqualTo(42);
            assertThat(r.data()).isNull();
            assertThatThrownBy(() -> p.testRun(TestRunInput.ofContext(ctx).withRepeat(5)))
                    .isInstanceOfSatisfying(KernelException.class, e -> assertThat(e.getMessage())
                            .contains("EINVAL").contains("SYSCALL programs run once, with a context and no packet data"));
        }
    }

    @Test
    void onCpuRunsEveryProgramTypeOnTheChosenCpu() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
                "skipped: needs two online CPUs to tell them apart");
        try (KernelMap counts = KernelMap.create(new io.bpf4j.abi.MapDefinition("per_cpu", io.bpf4j.abi.MapType.PERCPU_ARRAY, 4, 8, 1));
             KernelProgram p = KernelProgram.load("count_cpu", ProgramType.XDP, program(
                     store(Size.W, 10, -4, 0),
                     movReg(2, 10),
                     add(2, -4),
                     Asm.mapFd(1, counts),
                     call(Helper.MAP_LOOKUP_ELEM),
                     jeq(0, 0, 2),
                     mov(1, 1),
                     Asm.atomicAdd(Size.DW, 0, 0, 1),
                     mov(0, 2),
                     exit()))) {
            p.testRun(TestRunInput.of(packet()).withRepeat(5).onCpu(1));
            p.testRun(TestRunInput.of(packet()).withRepeat(3).onCpu(0));
            java.util.List<byte[]> perCpu = counts.lookupPerCpu(new byte[4]);
            assertThat(ByteBuffer.wrap(perCpu.get(0)).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(3);
            assertThat(ByteBuffer.wrap(perCpu.get(1)).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(5);
        }
    }

    @Test
    void zeroIsAValidJumpTargetForTheHelperlessFallThrough() {
        // r0 = 1; if r0 == 1 goto +1; r0 = 9; exit — checks jump encoding against the kernel
        try (KernelProgram p = KernelProgram.load("branch", ProgramType.XDP,
                program(mov(0, 1), jeq(0, 1, 1), mov(0, 9), exit()))) {
            assertThat(p.testRun(TestRunInput.of(packet())).retval()).isEqualTo(1);
        }
    }
}
