package io.bpf4j.linux;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.Helper;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Size;
import io.bpf4j.verifier.ProgramRejectedException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.bpf4j.linux.Asm.add;
import static io.bpf4j.linux.Asm.atomicAdd;
import static io.bpf4j.linux.Asm.call;
import static io.bpf4j.linux.Asm.exit;
import static io.bpf4j.linux.Asm.jeq;
import static io.bpf4j.linux.Asm.mapFd;
import static io.bpf4j.linux.Asm.mov;
import static io.bpf4j.linux.Asm.movReg;
import static io.bpf4j.linux.Asm.program;
import static io.bpf4j.linux.Asm.store;
import static io.bpf4j.linux.KernelMapTest.asU64;
import static io.bpf4j.linux.KernelMapTest.u32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tail calls through a prog array built by hand, measured against linux-semantics.md. */
@ExtendWith(KernelTests.class)
class KernelTailCallTest {
    static final byte[] PACKET = KernelProgramTest.packet();

    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel(ProgramType.XDP, ProgramType.SOCKET_FILTER);
    }

    /** counter[0] += 1; tail_call(ctx, jumps, 0); return XDP_PASS. */
    static KernelProgram selfCounting(KernelMap counter, KernelProgArray jumps) {
        return KernelProgram.load("count_self", ProgramType.XDP, program(
                movReg(6, 1),
                store(Size.W, 10, -4, 0),
                movReg(2, 10),
                add(2, -4),
                mapFd(1, counter),
                call(Helper.MAP_LOOKUP_ELEM),
                jeq(0, 0, 7),
                mov(1, 1),
                atomicAdd(Size.DW, 0, 0, 1),
                movReg(1, 6),
                mapFd(2, jumps),
                mov(3, 0),
                call(Helper.TAIL_CALL),
                mov(0, 2),
                exit()));
    }

    @Test
    void aProgramTailCallingItselfRuns34TimesOnLinux() {
        try (KernelMap counter = KernelMap.create(new MapDefinition("runs", MapType.ARRAY, 4, 8, 1));
             KernelProgArray jumps = KernelProgArray.create("jumps", 1);
             KernelProgram self = selfCounting(counter, jumps)) {
            jumps.set(0, self);
            TestRunResult r = self.testRun(TestRunInput.of(PACKET));
            assertThat(r.retval()).isEqualTo(2);
            // MAX_TAIL_CALL_CNT is 33 since Linux 5.17: the first run plus 33 tail calls
            assertThat(asU64(counter.lookup(u32(0)))).isEqualTo(34);

            // every invocation gets a fresh budget
            counter.update(u32(0), new byte[8]);
            self.testRun(TestRunInput.of(PACKET).withRepeat(3));
            assertThat(asU64(counter.lookup(u32(0)))).isEqualTo(3 * 34);
        }
    }

    /** tail_call(ctx, jumps, index); return 1 — the fall-through value. */
    static KernelProgram dispatcher(KernelProgArray jumps, long index) {
        return KernelProgram.load("dispatch", ProgramType.XDP, program(
                movReg(6, 1),
                movReg(1, 6),
                mapFd(2, jumps),
                Instruction.LoadImm64.constant(3, index),
                call(Helper.TAIL_CALL),
                mov(0, 1),
                exit()));
    }

    @Test
    void tailCallJumpsFallsThroughOnEmptySlotsAndUsesTheLow32BitsOfTheIndex() {
        try (KernelProgArray jumps = KernelProgArray.create("jumps", 4);
             KernelProgram slot2 = dispatcher(jumps, 2);
             KernelProgram wide = dispatcher(jumps, 0x1_0000_0002L);
             KernelProgram beyond = dispatcher(jumps, 4);
             KernelProgram target = KernelProgram.load("target", ProgramType.XDP, program(mov(0, 3), exit()))) {
            assertThat(slot2.testRun(TestRunInput.of(PACKET)).retval()).as("empty slot: fall through").isEqualTo(1);
            jumps.set(2, target);
            assertThat(slot2.testRun(TestRunInput.of(PACKET)).retval()).isEqualTo(3);
            assertThat(wide.testRun(TestRunInput.of(PACKET)).retval()).as("index 0x1_00000002 reaches slot 2").isEqualTo(3);
            assertThat(beyond.testRun(TestRunInput.of(PACKET)).retval()).as("index == max_entries").isEqualTo(1);
            jumps.clear(2);
            assertThat(slot2.testRun(TestRunInput.of(PACKET)).retval()).as("cleared slot").isEqualTo(1);
        }
    }

    @Test
    void r0CannotBeReadAfterATailCallThatFellThrough() {
        // Linux's verifier treats bpf_tail_call as returning nothing: r0 is uninitialised afterwards
        try (KernelProgArray jumps = KernelProgArray.create("jumps", 1)) {
            assertThatThrownBy(() -> KernelProgram.load("reads_r0", ProgramType.XDP, program(
                    movReg(6, 1), mov(0, 7), movReg(1, 6), mapFd(2, jumps), mov(3, 0), call(Helper.TAIL_CALL), exit())))
                    .isInstanceOfSatisfying(ProgramRejectedException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EACCES.number());
                        assertThat(e.getMessage()).contains("R0 !read_ok");
                        assertThat(e.pc()).isEqualTo(7); // the exit after the call (lddw takes two slots)
                    });
        }
    }

    @Test
    void aProgramOfAnotherTypeCannotUseAnXdpOwnedArray() {
        try (KernelProgArray jumps = KernelProgArray.create("xdp_owned", 1);
             KernelProgram owner = dispatcher(jumps, 0)) {
            assertThat(owner.type()).isEqualTo(ProgramType.XDP);
            assertThatThrownBy(() -> KernelProgram.load("filter_user", ProgramType.SOCKET_FILTER, program(
                    movReg(6, 1), movReg(1, 6), mapFd(2, jumps), mov(3, 0), call(Helper.TAIL_CALL), mov(0, 0), exit())))
                    .isInstanceOfSatisfying(ProgramRejectedException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EINVAL.number());
                        // Linux gives no reason: the log holds only the statistics line
                        assertThat(e.log()).startsWith("processed ");
                        assertThat(VerifierLog.reason(e.log())).isNull();
                        assertThat(e.pc()).isEqualTo(-1);
                        assertThat(e.getMessage()).contains("program filter_user rejected")
                                .contains("a prog array that another program type owns").contains("EINVAL");
                    });
        }
    }

    @Test
    void programsStayUsableThroughTheArrayAfterTheirOwnDescriptorCloses() {
        try (KernelProgArray jumps = KernelProgArray.create("jumps", 1);
             KernelProgram dispatch = dispatcher(jumps, 0)) {
            int targetId;
            try (KernelProgram target = KernelProgram.load("target", ProgramType.XDP, program(mov(0, 3), exit()))) {
                jumps.set(0, target);
                targetId = target.info().id();
            }
            assertThat(jumps.programId(0)).hasValue(targetId);
            assertThat(dispatch.testRun(TestRunInput.of(PACKET)).retval()).isEqualTo(3);
        }
    }
}
