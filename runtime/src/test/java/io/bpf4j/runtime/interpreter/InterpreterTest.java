package io.bpf4j.runtime.interpreter;

import io.bpf4j.BpfException;
import io.bpf4j.abi.Helper;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.ExecutionException.Reason;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.ProgramLoadException;
import io.bpf4j.runtime.Programs;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static io.bpf4j.runtime.Programs.code;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InterpreterTest {

    private static ExecutionException failure(ProgramImage image, Invocation inv, Reason reason) {
        try {
            Programs.run(image, inv, null);
        } catch (ExecutionException e) {
            assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
            return e;
        }
        throw new AssertionError("expected " + reason);
    }

    @Test
    @Timeout(30)
    void anEndlessLoopEndsWithABudgetErrorNamingThePc() {
        ProgramImage loop = Programs.image("spin", code("mov %r0, 0\nloop:\nadd %r0, 1\nja loop\nexit"));
        Invocation inv = new Invocation(RuntimeOptions.DEFAULTS.withInstructionBudget(10_000));
        ExecutionException e = failure(loop, inv, Reason.BUDGET_EXHAUSTED);
        assertThat(e).hasMessage("program 'spin' pc 2 (05 00 fe ff 00 00 00 00: goto -0x2): instruction budget of 10000 exhausted (an endless or too long loop?)");
        assertThat(e.pc()).isEqualTo(2);
        assertThat(inv.executedInstructions()).isBetween(10_001L, 10_002L);
    }

    @Test
    void theInstructionCountIsExact() {
        // 1 + 100 * 3 + 1 instructions, lddw counting once, plus a forward jump that skips one
        ProgramImage loop = Programs.image("count", code("""
                lddw %r1, 100
                loop:
                sub %r1, 1
                mov %r0, %r1
                jne %r1, 0, loop
                ja +1
                mov %r0, 5
                exit
                """));
        Invocation inv = new Invocation();
        assertThat(Programs.run(loop, inv, null)).isZero();
        assertThat(inv.executedInstructions()).isEqualTo(1 + 300 + 1 + 1);
    }

    @Test
    void subprogramsGetTheirOwnFrameAndKeepTheCallersR6ToR9() {
        ProgramImage p = Programs.image("frames", code("""
                mov %r6, 6
                mov %r9, 9
                stdw [%r10-8], 100
                mov %r1, 1
                call local sub
                ldxdw %r1, [%r10-8]
                add %r0, %r1
                add %r0, %r6
                add %r0, %r9
                exit
                sub:
                ldxdw %r0, [%r10-8]
                stdw [%r10-8], 555
                mov %r6, 0
                mov %r9, 0
                add %r0, %r1
                exit
                """));
        // callee's fresh frame reads 0, adds r1 = 1; the caller's slot is still 100; r6 + r9 = 15
        assertThat(Programs.run(p)).isEqualTo(116);
    }

    @Test
    void eightFramesAreAllowedANinthIsAnError() {
        // depth counts down in r1; each level calls itself once more
        String recurse = """
                call local f
                exit
                f:
                jeq %r1, 0, done
                sub %r1, 1
                call local f
                done:
                mov %r0, 1
                exit
                """;
        ProgramImage p = Programs.image("deep", code("mov %r1, 6", recurse));
        assertThat(Programs.run(p)).isEqualTo(1); // 1 + 7 frames = 8
        ProgramImage q = Programs.image("deeper", code("mov %r1, 7", recurse));
        ExecutionException e = failure(q, new Invocation(), Reason.CALL_STACK_OVERFLOW);
        assertThat(e).hasMessageContaining("pc 5").hasMessageContaining("call pc-3").hasMessageContaining("would need frame 9 but at most 8 frames are allowed");
    }

    @Test
    void callxCallsTheSubprogramAFunctionPointerNames() {
        ProgramImage p = Programs.image("callx", code(new Instruction.LoadImm64(2, Pseudo.FUNC, 4, 0), """
                mov %r1, 20
                call %r2
                exit
                mov %r0, %r1
                add %r0, 22
                exit
                """));
        assertThat(Programs.run(p)).isEqualTo(42);
    }

    @Test
    void callxToANonEntryOrAnUnknownHelperFailsAtRunTime() {
        ProgramImage notEntry = Programs.image("bad", code("lddw %r2, 0x100000001\ncall %r2\nexit"));
        assertThat(failure(notEntry, new Invocation(), Reason.BAD_CALL_TARGET))
                .hasMessageContaining("pc 2").hasMessageContaining("callx r2").hasMessageContaining("slot 1 is not a function entry");
        ProgramImage unknown = Programs.image("unknown", code("mov %r2, 77\ncall %r2\nexit"));
        assertThat(failure(unknown, new Invocation(), Reason.UNKNOWN_HELPER))
                .hasMessage("program 'unknown' pc 1 (8d 02 00 00 00 00 00 00: callx r2): call to unknown helper bpf_rc_repeat (#77)");
        ProgramImage negative = Programs.image("negative", code("mov %r2, -5\ncall %r2\nexit"));
        assertThat(failure(negative, new Invocation(), Reason.BAD_CALL_TARGET)).hasMessageContaining("neither a function pointer nor a helper number");
    }

    @Test
    void anUnknownHelperIsRefusedAtLoadNamingPcAndInstruction() {
        assertThatThrownBy(() -> Programs.image("p", code("mov %r0, 0\ncall 1\nexit")))
                .isInstanceOf(ProgramLoadException.class)
                .hasMessage("program 'p' pc 1 (85 00 00 00 01 00 00 00: call 0x1 <bpf_map_lookup_elem>): call to unknown helper bpf_map_lookup_elem#1 (not registered in this runtime)")
                .extracting(e -> ((ProgramLoadException) e).pc()).isEqualTo(1);
        assertThatThrownBy(() -> Programs.image("p", code("call 100000\nexit")))
                .isInstanceOf(ProgramLoadException.class).hasMessageContaining("unknown helper #100000");
    }

    @Test
    void registeredJavaHelpersReceiveArgumentsAndMemory() {
        HelperRegistry helpers = HelperRegistry.empty()
                .with(1000, "sum5", (inv, a, b, c, d, e) -> a + b + c + d + e)
                .with(1001, "read_u16_be", (inv, addr, x, y, z, w) -> (inv.memory().load8(addr) << 8) | inv.memory().load8(addr + 1));
        ProgramImage p = Programs.image("helpers", code("""
                mov %r1, 1
                mov %r2, 2
                mov %r3, 3
                mov %r4, 4
                mov %r5, 5
                call 1000
                mov %r6, %r0
                sth [%r10-2], 0x0201
                mov %r1, %r10
                add %r1, -2
                call 1001
                add %r0, %r6
                exit
                """), helpers, List.of());
        assertThat(Programs.run(p)).isEqualTo(15 + 0x0102);
        assertThat(helpers.nameOf(1000)).isEqualTo("sum5");
        assertThat(helpers.nameOf(Helper.MAP_LOOKUP_ELEM.id())).isEqualTo("bpf_map_lookup_elem");
    }

    @Test
    void aFailingHelperIsReportedWithThePcAndNeverLeaksRaw() {
        HelperRegistry helpers = HelperRegistry.empty()
                .with(2000, "fails", (inv, a, b, c, d, e) -> { throw new BpfException("no such thing"); })
                .with(2001, "buggy", (inv, a, b, c, d, e) -> { throw new NullPointerException("oops"); })
                .with(2002, "wild", (inv, a, b, c, d, e) -> inv.memory().load64(a));
        ExecutionException fails = failure(Programs.image("p", code("call 2000\nexit"), helpers, List.of()), new Invocation(), Reason.HELPER_FAILED);
        assertThat(fails).hasMessage("program 'p' pc 0 (85 00 00 00 d0 07 00 00: call 0x7d0 <fails>): helper failed: no such thing");
        ExecutionException buggy = failure(Programs.image("p", code("call 2001\nexit"), helpers, List.of()), new Invocation(), Reason.HELPER_FAILED);
        assertThat(buggy).hasMessageContaining("helper threw java.lang.NullPointerException: oops").hasCauseInstanceOf(NullPointerException.class);
        ExecutionException wild = failure(Programs.image("p", code("mov %r1, 8\ncall 2002\nexit"), helpers, List.of()), new Invocation(), Reason.MEMORY_FAULT);
        assertThat(wild).hasMessageContaining("pc 1").hasMessageContaining("in helper: read of 8 bytes at 0x0000_0000_00000008: not a pointer");
    }

    @Test
    void theTailCallHelperCannotBeReplaced() {
        assertThatThrownBy(() -> HelperRegistry.empty().with(12, "mine", (inv, a, b, c, d, e) -> 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bpf_tail_call");
    }

    @Test
    void aHelperCanEndTheProgram() {
        HelperRegistry helpers = HelperRegistry.empty().with(3000, "stop", (inv, a, b, c, d, e) -> {
            inv.requestExit();
            return 99;
        });
        assertThat(Programs.run(Programs.image("p", code("call 3000\nmov %r0, 1\nexit"), helpers, List.of()))).isEqualTo(99);
    }

    @Test
    void mapReferencesLoadHandlesAndGlobalDataAddresses() {
        Region data = Region.allocate(RegionKind.MAP_VALUE, ".data", 16);
        Object someMap = new Object();
        HelperRegistry helpers = HelperRegistry.empty().with(4000, "is_map", (inv, a, b, c, d, e) -> inv.memory().object(a, Object.class) == someMap ? 1 : 0);
        ProgramImage p = Programs.image("p", code(
                new Instruction.LoadImm64(1, Pseudo.MAP_IDX, 0, 0), "call 4000\nmov %r6, %r0",
                new Instruction.LoadImm64(2, Pseudo.MAP_IDX_VALUE, 1, 8), "stdw [%r2], 40",
                new Instruction.LoadImm64(3, Pseudo.MAP_IDX, 1, 0), "ldxdw %r0, [%r3+8]\nadd %r0, %r6\nadd %r0, %r6\nexit"), helpers, List.of(someMap, data));
        assertThat(Programs.run(p)).isEqualTo(42);
        assertThatThrownBy(() -> Programs.image("p", code(new Instruction.LoadImm64(1, Pseudo.MAP_IDX, 3, 0), "exit"), helpers, List.of(someMap)))
                .isInstanceOf(ProgramLoadException.class).hasMessageContaining("lddw names map 3 but the program has 1 maps");
    }

    @Test
    void legacyPacketLoadsReadBigEndianAndEndTheProgramWithZeroOutsideThePacket() {
        ProgramImage p = Programs.image("ldabs", code(new Instruction.PacketLoad(io.bpf4j.isa.Size.H, false, 0, 12),
                "mov %r6, %r0", new Instruction.PacketLoad(io.bpf4j.isa.Size.B, true, 7, 1), "add %r0, %r6\nexit"));
        Invocation inv = new Invocation().begin();
        byte[] pkt = new byte[14];
        pkt[12] = 0x08;
        pkt[13] = 0x06;
        inv.setLegacyPacket(inv.memory().register(Region.copyOf(RegionKind.PACKET, "pkt", pkt, false)));
        Interpreter engine = Interpreter.INSTANCE;
        // r7 = 12: byte 13
        List<Object> parts = new java.util.ArrayList<>();
        parts.add("mov %r7, 12");
        parts.addAll(p.instructions().list());
        ProgramImage withR7 = Programs.image("ldind", code(parts.toArray()));
        assertThat(withR7.prepared(engine).run(inv, 0)).isEqualTo(0x0806 + 0x06);
        inv.begin();
        inv.setLegacyPacket(inv.memory().register(Region.copyOf(RegionKind.PACKET, "pkt", new byte[13], false)));
        assertThat(withR7.prepared(engine).run(inv, 0)).isZero();
        assertThat(failure(p, new Invocation(), Reason.UNSUPPORTED)).hasMessageContaining("without a packet");
    }

    @Test
    void runningWithoutBeginIsAClearError() {
        ProgramImage p = Programs.image("p", code("mov %r0, 1\nexit"));
        assertThatThrownBy(() -> p.prepared(Interpreter.INSTANCE).run(new Invocation(), 0))
                .isInstanceOf(ExecutionException.class).hasMessageContaining("Invocation.begin()");
    }

    @Test
    void aProgramThatCouldRunPastItsEndIsRefusedAtLoad() {
        assertThatThrownBy(() -> Programs.image("p", code("mov %r0, 1\njeq %r0, 2, -2")))
                .isInstanceOf(ProgramLoadException.class)
                .hasMessage("program 'p' pc 1 (15 00 fe ff 02 00 00 00: if r0 == 0x2 goto -0x2): the last instruction is not an exit or an unconditional jump: execution could run past the end of the program");
        assertThatThrownBy(() -> Programs.image("p", code("lddw %r0, 1"))).isInstanceOf(ProgramLoadException.class).hasMessageContaining("pc 0");
        assertThat(Programs.run(Programs.image("p", code("ja +1\nexit\nmov %r0, 3\nja -3")))).isEqualTo(3);
    }
}
