package io.bpf4j.object;

import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * cpuv.c built with -mcpu=v1 .. v4 (see the comments in the C): each build loads as the same XDP program, and
 * each uses exactly the instruction families its CPU version introduced.
 */
class CpuVersionsTest {
    private static List<Instruction> code(int version) {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("cpuv_v" + version + ".o"));
        ProgramSpec p = spec.program("cpuv");
        assertThat(spec.programs()).hasSize(1);
        assertThat(p.type()).isEqualTo(ProgramType.XDP);
        assertThat(p.subprograms()).hasSize(1);
        return p.instructions().list();
    }

    private static boolean any(List<Instruction> code, Predicate<Instruction> p) {
        return code.stream().anyMatch(p);
    }

    private static final Set<JumpOp> V2_JUMPS = EnumSet.of(JumpOp.JLT, JumpOp.JLE, JumpOp.JSLT, JumpOp.JSLE);

    private static boolean v2Jump(Instruction i) {
        return i instanceof Instruction.Jump j && V2_JUMPS.contains(j.op());
    }

    private static boolean jmp32(Instruction i) {
        return i instanceof Instruction.Jump j && j.jmp32();
    }

    private static boolean v4(Instruction i) {
        return switch (i) {
            case Instruction.Alu a -> a.op() == AluOp.SDIV || a.op() == AluOp.SMOD || a.op().isSignExtendingMove();
            case Instruction.Load l -> l.signExtend();
            case Instruction.Endian e -> e.op() == EndianOp.BSWAP;
            case Instruction.Jump j -> j.isLong();
            default -> false;
        };
    }

    @Test
    void v1UsesOnlyTheOriginalInstructionSet() {
        List<Instruction> v1 = code(1);
        assertThat(any(v1, CpuVersionsTest::v2Jump)).isFalse();
        assertThat(any(v1, CpuVersionsTest::jmp32)).isFalse();
        assertThat(any(v1, CpuVersionsTest::v4)).isFalse();
    }

    @Test
    void v2AddsTheLessThanJumps() {
        List<Instruction> v2 = code(2);
        assertThat(any(v2, CpuVersionsTest::v2Jump)).isTrue();
        assertThat(any(v2, CpuVersionsTest::jmp32)).isFalse();
        assertThat(any(v2, CpuVersionsTest::v4)).isFalse();
    }

    @Test
    void v3AddsJmp32() {
        List<Instruction> v3 = code(3);
        assertThat(any(v3, CpuVersionsTest::jmp32)).isTrue();
        assertThat(any(v3, CpuVersionsTest::v4)).isFalse();
    }

    @Test
    void v4AddsSignedDivisionSignExtensionAndByteSwap() {
        List<Instruction> v4 = code(4);
        assertThat(any(v4, i -> i instanceof Instruction.Alu a && a.op() == AluOp.SDIV)).as("sdiv").isTrue();
        assertThat(any(v4, i -> i instanceof Instruction.Alu a && a.op() == AluOp.SMOD)).as("smod").isTrue();
        assertThat(any(v4, i -> i instanceof Instruction.Alu a && a.op().isSignExtendingMove()
                || i instanceof Instruction.Load l && l.signExtend())).as("movsx or ldsx").isTrue();
        assertThat(any(v4, i -> i instanceof Instruction.Endian e && e.op() == EndianOp.BSWAP)).as("bswap").isTrue();
        assertThat(v4.size()).as("v4 needs fewer instructions than v1").isLessThan(code(1).size());
    }
}
