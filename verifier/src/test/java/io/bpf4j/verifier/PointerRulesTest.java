package io.bpf4j.verifier;

import io.bpf4j.abi.Helper;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Size;
import io.bpf4j.isa.Source;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static io.bpf4j.verifier.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Linux's rules for ALU operations and comparisons with pointer operands, each case in both modes with the
 * verdict and message Linux 6.18 gives (measured with and without CAP_PERFMON; the agreement test runs the same
 * programs against the kernel as edge cases):
 * <ul>
 * <li>only {@code +=} and {@code -=} with a scalar, in 64 bits, whichever operand is the pointer, in every mode
 * (adjust_ptr_min_max_vals); negation and byte swaps only with CAP_PERFMON (they leak the address);</li>
 * <li>pointer − pointer only with CAP_PERFMON (adjust_reg_min_max_vals), even data_end − data;</li>
 * <li>without CAP_PERFMON no comparison involving a pointer other than a NULL test of a may-be-NULL pointer and
 * the packet-range pattern; a pointer that is never NULL compared with 0 has a known outcome, any other
 * pointer's comparison both (check_cond_jmp_op, is_branch_taken);</li>
 * <li>without CAP_PERFMON (Spectre v1, sanitize_ptr_alu and sanitize_check_bounds): a register offset only on
 * stack and map-value pointers and only of one sign, no arithmetic out of the object, no variable stack offsets,
 * and one instruction moves pointers the same way on every path.</li>
 * </ul>
 */
class PointerRulesTest {
    record Case(String name, ProgramType type, Instructions program, String unprivileged, String privileged) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final ProgramType SF = ProgramType.SOCKET_FILTER, XDP = ProgramType.XDP;
    private static final int HASH = VerifierCorpus.HASH, ARRAY = VerifierCorpus.ARRAY;
    private static final String NOT_ROOT = ", pointer arithmetic with it prohibited for !root";
    private static final List<Case> CASES = new ArrayList<>();

    /** A case: the message Linux refuses with in the default (unprivileged) and privileged mode, null for accept. */
    private static void both(String name, ProgramType type, String unprivileged, String privileged, Instruction... insns) {
        CASES.add(new Case(name, type, Instructions.of(insns), unprivileged, privileged));
    }

    static {
        // 1. operators other than += and -=: refused in both modes
        both("pointer OR a constant", SF, "R1 bitwise operator |= on pointer prohibited", "R1 bitwise operator |= on pointer prohibited",
                alu(AluOp.OR, 1, 1), mov(0, 0), exit());
        both("pointer shifted right", SF, "R2 pointer arithmetic with >>= operator prohibited",
                "R2 pointer arithmetic with >>= operator prohibited", movr(2, 10), alu(AluOp.RSH, 2, 3), mov(0, 0), exit());
        both("pointer divided", SF, "R2 pointer arithmetic with /= operator prohibited", "R2 pointer arithmetic with /= operator prohibited",
                movr(2, 10), alu(AluOp.DIV, 2, 2), mov(0, 0), exit());
        both("scalar AND the frame pointer", SF, "R1 bitwise operator &= on pointer prohibited",
                "R1 bitwise operator &= on pointer prohibited", mov(1, 5), alur(AluOp.AND, 1, 10), mov(0, 0), exit());
        both("scalar multiplied by a pointer", SF, "R2 pointer arithmetic with *= operator prohibited",
                "R2 pointer arithmetic with *= operator prohibited", mov(2, 5), alur(AluOp.MUL, 2, 1), mov(0, 0), exit());
        both("map value AND a constant", SF, "R0 bitwise operator &= on pointer prohibited", "R0 bitwise operator &= on pointer prohibited",
                lookup(HASH, jeq(0, 0, 1), alu(AluOp.AND, 0, 4), mov(0, 0), exit()));
        both("pointer plus pointer", SF, "R2 pointer += pointer prohibited", "R2 pointer += pointer prohibited",
                movr(2, 10), alur(AluOp.ADD, 2, 1), mov(0, 0), exit());
        both("32-bit pointer AND a constant", SF, "R2 32-bit pointer arithmetic prohibited", "R2 32-bit pointer arithmetic prohibited",
                movr(2, 10), alu32(AluOp.AND, 2, 8), mov(0, 0), exit());
        // the leaks: refused without CAP_PERFMON, an unknown number with it
        both("pointer negated", SF, "R2 pointer arithmetic prohibited", null, movr(2, 10), alu(AluOp.NEG, 2, 0), movr(0, 2), exit());
        both("pointer byte-swapped", SF, "R2 pointer arithmetic prohibited", null,
                movr(2, 10), new Instruction.Endian(EndianOp.TO_BE, 2, 64), mov(0, 0), exit());
        both("32-bit pointer minus a constant", SF, "R2 32-bit pointer arithmetic prohibited", null,
                movr(2, 10), alu32(AluOp.SUB, 2, 8), mov(0, 0), exit());
        both("32-bit scalar minus a pointer", SF, "R2 32-bit pointer arithmetic prohibited", null,
                mov(2, 8), Instruction.Alu.reg(false, AluOp.SUB, 2, 10), mov(0, 0), exit());
        both("stack pointer minus a register", SF, "R2 subtraction from stack pointer prohibited", "R2 subtraction from stack pointer prohibited",
                movr(2, 10), mov(3, 8), alur(AluOp.SUB, 2, 3), st(Size.DW, 2, 0, 1), mov(0, 0), exit());

        // 2. pointer − pointer
        both("data - data_meta", XDP, "R3 pointer -= pointer prohibited", null,
                ldx(Size.W, 2, 1, 8), ldx(Size.W, 3, 1, 0), alur(AluOp.SUB, 3, 2), mov(0, 0), exit());
        both("map value minus map value", SF, "R1 pointer -= pointer prohibited", null,
                lookup(HASH, jeq(0, 0, 2), movr(1, 0), alur(AluOp.SUB, 1, 0), mov(0, 0), exit()));

        // 3. comparisons
        both("data_meta compared with 0", XDP, "R2 pointer comparison prohibited", null,
                ldx(Size.W, 2, 1, 8), jeq(2, 0, 1), mov(0, 1), mov(0, 2), exit());
        both("packet end compared with 0", XDP, "R3 pointer comparison prohibited", null,
                ldx(Size.W, 3, 1, 4), jeq(3, 0, 1), mov(0, 1), mov(0, 2), exit());
        // the stack pointer may be 0 as far as Linux knows: with CAP_PERFMON both branches are explored
        both("frame pointer equal to 0 leads to a bad read", SF, "R10 pointer comparison prohibited", "invalid bpf_context access off=1000 size=4",
                jeq(10, 0, 2), mov(0, 0), exit(), ldx(Size.W, 0, 1, 1000), exit());
        // a map value is never NULL: the comparison's outcome is known in both modes
        both("checked map value equal to 0 leads to a bad read", SF, null, null,
                lookup(HASH, jeq(0, 0, 3), jne(0, 0, 1), ldx(Size.DW, 0, 9, 0), mov(0, 0), exit()));
        both("map pointer compared with 0", SF, null, null, lddwMap(1, HASH), jeq(1, 0, 1), mov(0, 1), mov(0, 2), exit());
        both("map value or null compared with 1", SF, "R0 pointer comparison prohibited", null,
                lookup(HASH, jeq(0, 1, 1), mov(0, 0), mov(0, 0), exit()));
        both("scalar compared with the frame pointer", SF, "R10 pointer comparison prohibited", null,
                mov(2, 0), jmpr(JumpOp.JEQ, 2, 10, 1), mov(0, 1), mov(0, 2), exit());

        // 4. Spectre v1 without CAP_PERFMON
        Instruction[] pkt = {ldx(Size.W, 2, 1, 0), ldx(Size.W, 3, 1, 4), movr(4, 2), add(4, 14)};
        both("packet pointer plus a constant register", XDP, "R2 has pointer with unsupported alu operation" + NOT_ROOT, null,
                concat(pkt, jmpr(JumpOp.JGT, 4, 3, 4), mov(5, 4), alur(AluOp.ADD, 2, 5), ldx(Size.B, 0, 2, 0), exit(), mov(0, 2), exit()));
        both("scalar minus the context", SF, "R1 has pointer with unsupported alu operation" + NOT_ROOT,
                "R0 tried to subtract pointer from scalar", mov(0, 1), alur(AluOp.SUB, 0, 1), exit());
        both("map value plus a register with mixed signs", SF, "R1 has unknown scalar with mixed signed bounds" + NOT_ROOT, null,
                lookup(HASH, jeq(0, 0, 6), ldx(Size.W, 1, 0, 0), alu(AluOp.AND, 1, 7), add(1, -2), alur(AluOp.ADD, 0, 1),
                        mov(0, 0), exit(), mov(0, 0), exit()));
        both("map value plus a register past its end", SF, "R0 pointer arithmetic of map value goes out of range, prohibited for !root", null,
                lookup(HASH, jeq(0, 0, 6), ldx(Size.W, 1, 0, 0), alu(AluOp.AND, 1, 15), add(1, 8), alur(AluOp.ADD, 0, 1),
                        mov(0, 0), exit(), mov(0, 0), exit()));
        both("map value plus a constant past its end", SF, "R0 pointer arithmetic of map value goes out of range, prohibited for !root", null,
                lookup(HASH, jeq(0, 0, 3), add(0, 8), mov(0, 0), exit(), mov(0, 0), exit()));
        both("stack pointer minus a constant", SF, "R2 subtraction from stack pointer prohibited", "R2 subtraction from stack pointer prohibited",
                movr(2, 10), alu(AluOp.SUB, 2, 8), st(Size.DW, 2, 0, 1), mov(0, 0), exit());
        both("map value plus a bounded register", SF, null, null, lookup(HASH, jeq(0, 0, 5), ldx(Size.W, 1, 0, 0),
                alu(AluOp.AND, 1, 7), alur(AluOp.ADD, 0, 1), ldx(Size.B, 0, 0, 0), exit(), mov(0, 0), exit()));
        both("stack pointer plus a bounded register", SF, "R2 variable stack access prohibited for !root, var_off=(0x0; 0x7) off=-16", null,
                ldx(Size.W, 3, 1, 0), alu(AluOp.AND, 3, 7), movr(2, 10), add(2, -16), alur(AluOp.ADD, 2, 3), mov(0, 0), exit());
        both("stack pointer at the frame's top", SF, "R2 stack pointer arithmetic goes out of range, prohibited for !root; off=0", null,
                movr(2, 10), add(2, -8), add(2, 8), mov(0, 0), exit());
        both("one instruction adds a pointer and a scalar", SF, "R2 tried to add from different maps, paths or scalars" + NOT_ROOT, null,
                ldx(Size.W, 4, 1, 0), movr(2, 10), jeq(4, 0, 1), mov(2, 7), mov(3, -8), alur(AluOp.ADD, 2, 3), mov(0, 0), exit());
        both("one instruction adds two constants to a map value", SF, "R0 tried to add from different maps, paths or scalars" + NOT_ROOT, null,
                lookup(HASH, jeq(0, 0, 7), ldx(Size.W, 4, 0, 0), mov(3, 4), jeq(4, 0, 1), mov(3, 2), alur(AluOp.ADD, 0, 3),
                        ldx(Size.B, 0, 0, 0), exit(), mov(0, 0), exit()));
        // the same move on both paths can share one masking
        both("one instruction adds to two stack offsets", SF, null, null, ldx(Size.W, 4, 1, 0), movr(2, 10), add(2, -8), jeq(4, 0, 1),
                add(2, -8), mov(3, -8), alur(AluOp.ADD, 2, 3), st(Size.DW, 2, 0, 1), mov(0, 0), exit());
        both("one instruction adds the same constant to two maps", SF, null, null, concat(lookup(HASH, jeq(0, 0, 14), movr(6, 0)),
                st(Size.W, 10, -4, 0), movr(2, 10), add(2, -4), lddwMap(1, ARRAY), call(Helper.MAP_LOOKUP_ELEM.id()), jeq(0, 0, 5),
                ldx(Size.W, 4, 6, 0), jeq(4, 0, 1), movr(0, 6), mov(3, 4), alur(AluOp.ADD, 0, 3), mov(0, 0), exit()));
        // a checkpoint the wide path leaves before the addition must not cover the narrow path: once an instruction
        // moved a pointer by an unknown scalar, Linux prunes only on equal scalars (explore_alu_limits)
        for (int periods = 1; periods <= 4; periods++) {
            both("a narrow range reaches a map value addition after a wide one, " + periods + " padded jumps", SF,
                    "R0 tried to add from different maps, paths or scalars" + NOT_ROOT, null, prunedNarrowPath(periods));
        }
        both("jmp32 null test is no null check", SF, "R0 pointer comparison prohibited", "R0 invalid mem access 'map_value_or_null'",
                lookup(HASH, new Instruction.Jump(true, JumpOp.JEQ, 0, Source.IMM, 0, 1, 0), ldx(Size.DW, 0, 0, 0), mov(0, 0), exit()));
    }

    /** r3 in [0,3] takes a path padded with jumps and moves to {@code r0 += r3}; r3 in [0,1] jumps there later. */
    private static Instruction[] prunedNarrowPath(int periods) {
        List<Instruction> tail = new ArrayList<>(List.of(ldx(Size.W, 4, 0, 0), movr(3, 4), alu(AluOp.AND, 3, 3)));
        int padding = periods * 9;
        tail.add(jeq(4, 0, padding));
        for (int p = 0; p < periods; p++) {
            for (int i = 0; i < 8; i++) tail.add(mov(5 + i % 3, i));
            tail.add(ja(p == periods - 1 ? 1 : 0));
        }
        tail.addAll(List.of(alu(AluOp.AND, 3, 1), alur(AluOp.ADD, 0, 3), ldx(Size.B, 0, 0, 0), exit(), mov(0, 0), exit()));
        List<Instruction> all = new ArrayList<>();
        all.add(jeq(0, 0, tail.size() - 2));
        all.addAll(tail);
        return lookup(HASH, all.toArray(Instruction[]::new));
    }

    static List<Case> cases() {
        return List.copyOf(CASES);
    }

    private static VerificationRequest request(Case c, boolean privileged) {
        return VerificationRequest.of(c.name(), c.program(), c.type()).withMaps(VerifierCorpus.MAPS)
                .withOptions(VerificationOptions.DEFAULT.withPrivileged(privileged).withLogLevel(1));
    }

    private static void check(Case c, boolean privileged, String expected) {
        if (expected == null) {
            assertThat(Verifier.verify(request(c, privileged)).log()).contains("processed ");
            return;
        }
        assertThatThrownBy(() -> Verifier.verify(request(c, privileged)))
                .isInstanceOf(ProgramRejectedException.class)
                .satisfies(e -> {
                    ProgramRejectedException p = (ProgramRejectedException) e;
                    assertThat(p.getMessage()).endsWith(": " + expected);
                    // the refusal names the pc and the instruction in Linux's log format: "N: (xx) …" then the reason
                    assertThat(p.log()).containsPattern("\\n?" + p.pc() + ": \\([0-9a-f]{2}\\) [^\\n]*\\n" + java.util.regex.Pattern.quote(expected) + "\\n");
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void withoutCapPerfmonAsLinux(Case c) {
        check(c, false, c.unprivileged());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void withCapPerfmonAsLinux(Case c) {
        check(c, true, c.privileged());
    }
}
