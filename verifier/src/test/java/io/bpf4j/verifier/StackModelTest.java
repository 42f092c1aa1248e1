package io.bpf4j.verifier;

import io.bpf4j.abi.Helper;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.bpf4j.verifier.Asm.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What Linux 6.18 records about the stack and what follows from it, in both modes, with the kernel's verdicts and
 * messages (each program was loaded on Linux 6.18.44, as the edge cases of the agreement test): spills only at
 * 8-byte-aligned offsets (check_stack_write_fixed_off), array keys known only from zero bytes or a spill of
 * exactly key_size (get_constant_map_key), a helper's variable length checked as a read (check_mem_size_reg),
 * zero-sized helper accesses still bounds-checked, and the stack depth counting reads (grow_stack_state).
 */
class StackModelTest {
    static final int HASH = 1, ARRAY = 2, PROG_ARRAY = 3, PERCPU_ARRAY = 4, INNER_TEMPLATE = 5;

    static final Map<Integer, MapDefinition> MAPS = Map.of(
            HASH, new MapDefinition("hash", MapType.HASH, 4, 8, 16),
            ARRAY, new MapDefinition("array", MapType.ARRAY, 4, 8, 4),
            PROG_ARRAY, new MapDefinition("jmp_table", MapType.PROG_ARRAY, 4, 4, 8),
            PERCPU_ARRAY, new MapDefinition("percpu", MapType.PERCPU_ARRAY, 4, 8, 4),
            INNER_TEMPLATE, new MapDefinition("inner", MapType.ARRAY, 4, 8, 4, MapDefinition.F_INNER_MAP, null));

    /** A program and Linux's message for it with CAP_PERFMON and without (null: accepted). */
    record Case(String name, ProgramType type, Instructions program, String privileged, String unprivileged) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final ProgramType SF = ProgramType.SOCKET_FILTER, TC = ProgramType.SCHED_CLS, XDP = ProgramType.XDP;
    private static final String MAYBE_NULL = "R0 invalid mem access 'map_value_or_null'";
    private static final List<Case> CASES = new ArrayList<>();

    private static void both(String name, ProgramType type, String message, Instruction... p) {
        CASES.add(new Case(name, type, prog(p), message, message));
    }

    private static void modes(String name, ProgramType type, String privileged, String unprivileged, Instruction... p) {
        CASES.add(new Case(name, type, prog(p), privileged, unprivileged));
    }

    /** Key set up by {@code key}, R2 pointing at it; then a lookup in {@code map} dereferenced without a null check. */
    private static Instruction[] lookupWithoutNullCheck(int map, Instruction... key) {
        return concat(key, lddwMap(1, map), call(Helper.MAP_LOOKUP_ELEM.id()), ldx(Size.DW, 0, 0, 0), mov(0, 2), exit());
    }

    static {
        // ---- array keys (get_constant_map_key)
        both("key 1 stored as an immediate at fp-4 is only data", XDP, MAYBE_NULL,
                lookupWithoutNullCheck(ARRAY, st(Size.W, 10, -4, 1), movr(2, 10), add(2, -4)));
        both("key 1 stored as an immediate at fp-8 is a 4-byte spill", XDP, null,
                lookupWithoutNullCheck(ARRAY, st(Size.W, 10, -8, 1), movr(2, 10), add(2, -8)));
        both("key 3 stored at fp-8, the last element", XDP, null,
                lookupWithoutNullCheck(ARRAY, st(Size.W, 10, -8, 3), movr(2, 10), add(2, -8)));
        both("key 4 stored at fp-8, past max_entries", XDP, MAYBE_NULL,
                lookupWithoutNullCheck(ARRAY, st(Size.W, 10, -8, 4), movr(2, 10), add(2, -8)));
        both("key -1 stored at fp-8 is negative as a 64-bit number", XDP, MAYBE_NULL,
                lookupWithoutNullCheck(ARRAY, st(Size.W, 10, -8, -1), movr(2, 10), add(2, -8)));
        both("key 1 spilled from a register in 4 bytes at fp-8", XDP, null,
                lookupWithoutNullCheck(ARRAY, mov(1, 1), stx(Size.W, 10, -8, 1), movr(2, 10), add(2, -8)));
        both("key 1 spilled in 8 bytes does not match a 4-byte key", XDP, MAYBE_NULL,
                lookupWithoutNullCheck(ARRAY, mov(1, 1), stx(Size.DW, 10, -8, 1), movr(2, 10), add(2, -8)));
        both("key in the upper half of an 8-byte spill of 1 counts as 1", XDP, null,
                lookupWithoutNullCheck(ARRAY, mov(3, 1), stx(Size.DW, 10, -8, 3), movr(2, 10), add(2, -4)));
        both("key 0 from four zero bytes stored one by one", XDP, null,
                lookupWithoutNullCheck(ARRAY, st(Size.B, 10, -4, 0), st(Size.B, 10, -3, 0), st(Size.B, 10, -2, 0),
                        st(Size.B, 10, -1, 0), movr(2, 10), add(2, -4)));
        both("key 0 from a zero register stored at fp-4", XDP, null,
                lookupWithoutNullCheck(ARRAY, mov(3, 0), stx(Size.W, 10, -4, 3), movr(2, 10), add(2, -4)));
        both("key 1 stored at fp-8, then the slot's other half written: the spill is gone", XDP, MAYBE_NULL,
                lookupWithoutNullCheck(ARRAY, st(Size.W, 10, -8, 1), st(Size.W, 10, -4, 0), movr(2, 10), add(2, -8)));
        both("key 1 as a 2-byte immediate over a 4-byte spill: 2 spilled bytes", XDP, MAYBE_NULL,
                lookupWithoutNullCheck(ARRAY, st(Size.W, 10, -16, 0), st(Size.H, 10, -16, 1), movr(2, 10), add(2, -16)));
        both("a per-CPU array with a known key", XDP, null,
                lookupWithoutNullCheck(PERCPU_ARRAY, st(Size.W, 10, -8, 2), movr(2, 10), add(2, -8)));
        both("a hash map with a known key may still miss", XDP, MAYBE_NULL,
                lookupWithoutNullCheck(HASH, st(Size.W, 10, -8, 2), movr(2, 10), add(2, -8)));
        // Linux's fix of June 2026 (bpf: keep dynamic inner array lookups nullable), which bpf4j applies in any case
        both("an inner-map template array with a known key may still miss", XDP, MAYBE_NULL,
                lookupWithoutNullCheck(INNER_TEMPLATE, st(Size.W, 10, -8, 2), movr(2, 10), add(2, -8)));

        // ---- what a spill is
        Instruction[] boundedAt8 = {st(Size.W, 10, -4, 0), movr(2, 10), add(2, -4), lddwMap(1, HASH), call(Helper.MAP_LOOKUP_ELEM.id()),
                jeq(0, 0, 8), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.AND, 0, 7), stx(Size.W, 10, -8, 0),
                ldx(Size.W, 1, 10, -8), alur(AluOp.ADD, 6, 1), ldx(Size.B, 0, 6, 0), exit(), mov(0, 0), exit()};
        both("a bounded scalar spilled in 4 bytes at fp-8 keeps its bounds", SF, null, boundedAt8);
        Instruction[] boundedAt12 = boundedAt8.clone();
        boundedAt12[9] = stx(Size.W, 10, -12, 0);
        boundedAt12[10] = ldx(Size.W, 1, 10, -12);
        modes("a bounded scalar stored in 4 bytes at fp-12 is only data", SF,
                "R6 unbounded memory access, make sure to bounds check any such access",
                "R6 pointer arithmetic of map value goes out of range, prohibited for !root", boundedAt12);
        both("a map key whose unwritten bytes share a slot with a spilled scalar", SF, null,
                st(Size.H, 10, -4, 0), st(Size.W, 10, -8, 0), movr(2, 10), add(2, -4), lddwMap(1, HASH),
                call(Helper.MAP_LOOKUP_ELEM.id()), mov(0, 0), exit());
        both("atomic add on a 4-byte spill", SF, null, mov(1, 3), stx(Size.W, 10, -8, 1), mov(2, 1),
                new Instruction.Atomic(Size.W, AtomicOp.ADD, true, 10, 2, -8), movr(0, 2), exit());
        both("a spilled constant read back narrower at the slot's start", SF, null, mov(1, 7), stx(Size.DW, 10, -8, 1),
                ldx(Size.B, 1, 10, -8), movr(2, 10), add(2, -16), alur(AluOp.ADD, 2, 1), mov(0, 0), exit());
        both("a spilled 64-bit constant read back as its low byte", SF, null, lddw(1, 0x1_0000_0007L), stx(Size.DW, 10, -8, 1),
                ldx(Size.B, 1, 10, -8), movr(2, 10), add(2, -16), alur(AluOp.ADD, 2, 1), mov(0, 0), exit());

        // ---- a helper filling the stack (check_mem_size_reg, check_stack_range_initialized)
        Instruction[] variableLength64 = {movr(6, 1), mov(2, 0), movr(3, 10), add(3, -64), ldx(Size.W, 4, 6, 0), alu(AluOp.AND, 4, 63),
                add(4, 1), movr(1, 6), call(Helper.SKB_LOAD_BYTES.id()), mov(0, 0), exit()};
        modes("skb_load_bytes with a variable length into unwritten stack", TC, null,
                "invalid read from stack R3 off -64+0 size 64", variableLength64);
        List<Instruction> prefilled = new ArrayList<>();
        for (int off = -64; off < 0; off += 8) prefilled.add(st(Size.DW, 10, off, 0));
        prefilled.addAll(List.of(variableLength64));
        both("skb_load_bytes with a variable length into written stack", TC, null, prefilled.toArray(Instruction[]::new));
        both("skb_load_bytes with a constant length into unwritten stack", TC, null, movr(6, 1), mov(2, 0), movr(3, 10), add(3, -64),
                mov(4, 64), movr(1, 6), call(Helper.SKB_LOAD_BYTES.id()), ldx(Size.DW, 0, 10, -8), exit());
        Instruction[] variableLength8 = {ldx(Size.W, 4, 6, 0), alu(AluOp.AND, 4, 7), add(4, 1), movr(1, 6), mov(2, 0), movr(3, 10),
                add(3, -8), call(Helper.SKB_LOAD_BYTES.id()), mov(0, 0), exit()};
        modes("skb_load_bytes with a variable length over a 4-byte spill: the spill goes, its unwritten bytes stay", TC, null,
                "invalid read from stack R3 off -8+4 size 8", concat(new Instruction[] {movr(6, 1), mov(5, 3), stx(Size.W, 10, -8, 5)}, variableLength8));
        modes("skb_load_bytes with a variable length over half-written stack", TC, null,
                "invalid read from stack R3 off -8+0 size 8", concat(new Instruction[] {movr(6, 1), st(Size.W, 10, -4, 3)}, variableLength8));
        both("skb_load_bytes with a variable length over zero bytes leaves data", TC, null, movr(6, 1), st(Size.DW, 10, -8, 0),
                ldx(Size.W, 4, 6, 0), alu(AluOp.AND, 4, 7), add(4, 1), movr(1, 6), mov(2, 0), movr(3, 10), add(3, -8),
                call(Helper.SKB_LOAD_BYTES.id()), ldx(Size.W, 0, 10, -8), exit());
        Instruction[] zeroSized = {mov(2, 0), mov(3, 0), mov(4, 0), mov(5, 0), call(Helper.CSUM_DIFF.id()), mov(0, 0), exit()};
        both("csum_diff of zero bytes at the frame pointer", TC, "invalid read from stack R1 off=0 size=0",
                concat(new Instruction[] {movr(1, 10)}, zeroSized));
        modes("csum_diff of zero bytes at unwritten stack", TC, null, "invalid read from stack R1 off=-8 size=0",
                concat(new Instruction[] {movr(1, 10), add(1, -8)}, zeroSized));
        modes("csum_diff of zero bytes below the frame", TC, "invalid read from stack R1 off=-520 size=0",
                "R1 stack pointer arithmetic goes out of range, prohibited for !root; off=-520",
                concat(new Instruction[] {movr(1, 10), add(1, -8), mov(6, -512), alur(AluOp.ADD, 1, 6)}, zeroSized));

        // ---- the stack depth counts reads (grow_stack_state), JIT rounding of 16 as on x86-64
        modes("combined stack over 512 through a deep read", SF, "combined stack size of 2 calls is 528. Too large",
                "invalid read from stack R8 off=-504 size=1",
                movr(8, 10), add(8, -504), ldx(Size.B, 7, 8, 0), callLocal(2), mov(0, 0), exit(), st(Size.DW, 10, -16, 0), mov(0, 0), exit());
        modes("tail call in a subprogram below a 320-byte read", TC,
                "tail_calls are not allowed when call stack of previous frames is 320 bytes. Too large",
                "invalid read from stack R8 off=-320 size=1",
                movr(6, 1), movr(8, 10), add(8, -320), ldx(Size.B, 7, 8, 0), movr(1, 6), callLocal(2), mov(0, 0), exit(),
                lddwMap(2, PROG_ARRAY), mov(3, 0), call(Helper.TAIL_CALL.id()), mov(0, 0), exit());
        modes("combined stack over 512 through a map key read deep", SF, "combined stack size of 2 calls is 528. Too large",
                "invalid read from stack R2 off=-504 size=4",
                movr(2, 10), add(2, -504), lddwMap(1, HASH), call(Helper.MAP_LOOKUP_ELEM.id()), callLocal(2), mov(0, 0), exit(),
                st(Size.DW, 10, -16, 0), mov(0, 0), exit());
    }

    static List<Case> cases() {
        return List.copyOf(CASES);
    }

    private static VerificationRequest request(Case c, boolean privileged) {
        VerificationOptions o = VerificationOptions.DEFAULT.withPrivileged(privileged).withStackRounding(16).withLogLevel(1);
        return VerificationRequest.of(c.name(), c.program(), c.type()).withMaps(MAPS).withOptions(o);
    }

    private static void check(Case c, boolean privileged) {
        String message = privileged ? c.privileged() : c.unprivileged();
        if (message == null) {
            assertThat(Verifier.verify(request(c, privileged)).log()).contains("processed ");
            return;
        }
        assertThatThrownBy(() -> Verifier.verify(request(c, privileged)))
                .isInstanceOf(ProgramRejectedException.class)
                .satisfies(e -> assertThat(e.getMessage()).endsWith(": " + message));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void privilegedAsLinuxWithCapPerfmon(Case c) {
        check(c, true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void defaultAsLinuxWithoutCapPerfmon(Case c) {
        check(c, false);
    }

    @Test
    void aReadSetsTheStackDepthLikeAWrite() {
        Instructions read = prog(ldx(Size.B, 0, 10, -200), exit());
        VerificationResult r = Verifier.verify(VerificationRequest.of("read", read, SF)
                .withOptions(VerificationOptions.DEFAULT.withPrivileged(true).withLogLevel(4)));
        assertThat(r.stats().stackDepths()).containsExactly(200);
        assertThat(r.log()).contains("stack depth 200");
    }

    // ---- pruning compares the new stack facts soundly

    private static VerifierState state() {
        VerifierState s = new VerifierState();
        FuncState f = new FuncState(0, -1, 0, -1);
        f.regs[10] = RegState.stack(0, 0);
        s.frames[0] = f;
        return s;
    }

    @Test
    void aSpilledSlotDoesNotStandInForZeroBytesTheOldStateKept() {
        // old: data in fp-8..fp-5, zero in fp-4..fp-1; current: a spilled scalar in fp-8..fp-5, zero above. An
        // unaligned write into the current slot would turn its zero bytes into data (the spill is scrubbed), not
        // in the old one: the old state does not cover the current one
        VerifierState old = state(), cur = state();
        old.cur().writeData(-8, 4, FuncState.STACK_MISC);
        old.cur().writeData(-4, 4, FuncState.STACK_ZERO);
        cur.cur().writeData(-4, 4, FuncState.STACK_ZERO);
        cur.cur().saveRegister(FuncState.slotOf(-8), RegState.constant(1), 4);
        old.cur().allocated = cur.cur().allocated = 8;
        assertThat(StateEquivalence.covers(old, cur, false, 0)).isFalse();
        // without the zero bytes the old data covers the spilled scalar
        old.cur().writeData(-4, 4, FuncState.STACK_MISC);
        assertThat(StateEquivalence.covers(old, cur, false, 0)).isTrue();
        // and a spilled pointer is never data
        cur.cur().saveRegister(FuncState.slotOf(-8), RegState.stack(0, -16), 8);
        assertThat(StateEquivalence.covers(old, cur, false, 0)).isFalse();
    }

    @Test
    void spillsCoverOnlySpillsOfTheSameSizeWithContainedValues() {
        VerifierState old = state(), cur = state();
        int slot = FuncState.slotOf(-8);
        old.cur().saveRegister(slot, RegState.scalar(ScalarBounds.unsignedRange(0, 3)), 4);
        cur.cur().saveRegister(slot, RegState.constant(2), 4);
        old.cur().allocated = cur.cur().allocated = 8;
        assertThat(StateEquivalence.covers(old, cur, false, 0)).isTrue();
        assertThat(StateEquivalence.covers(cur, old, false, 0)).isFalse();
        cur.cur().saveRegister(slot, RegState.constant(2), 8);
        assertThat(StateEquivalence.covers(old, cur, false, 0)).isFalse();
    }

    @Test
    void aStateThatAccessedDeeperDoesNotCoverOneThatAccessedLess() {
        // without CAP_PERFMON a helper's zero-sized read below the accessed part is refused whatever the bytes
        VerifierState old = state(), cur = state();
        old.cur().allocated = 16;
        cur.cur().allocated = 8;
        assertThat(StateEquivalence.covers(old, cur, false, 0)).isFalse();
        assertThat(StateEquivalence.covers(cur, old, false, 0)).isTrue();
    }
}
