package io.bpf4j.object;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.Helper;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** tail_calls.c and tc_cb.c: the programs, maps and static prog-array slots the C declares. */
class TailCallFixturesTest {
    private final ObjectSpec tailCalls = ObjectSpec.read(Fixtures.path("tail_calls.o"));

    @Test
    void everyXdpProgramOfTheFileIsReadWithItsTypeAndLicense() {
        assertThat(tailCalls.programs()).extracting(ProgramSpec::name)
                .containsExactlyInAnyOrder("entry", "stage_a", "stage_b", "stage_d", "loop", "leaf", "via_subprog");
        for (ProgramSpec p : tailCalls.programs()) {
            assertThat(p.sectionName()).isEqualTo("xdp");
            assertThat(p.type()).isEqualTo(ProgramType.XDP);
            assertThat(p.attachType()).isEqualTo(AttachType.XDP);
            assertThat(p.flags()).isZero();
            assertThat(p.license()).isEqualTo("GPL");
        }
        assertThat(tailCalls.license()).isEqualTo("GPL");
        assertThat(tailCalls.kernelVersion()).isZero();
    }

    @Test
    void theJumpTableArrivesFilledAsTheCInitialiserSays() {
        MapSpec table = tailCalls.map("jmp_table");
        assertThat(table.definition().type()).isEqualTo(MapType.PROG_ARRAY);
        assertThat(table.definition().keySize()).isEqualTo(4);
        assertThat(table.definition().valueSize()).isEqualTo(4);
        assertThat(table.definition().maxEntries()).isEqualTo(8);
        // .values = { [SLOT_A=0] = stage_a, [SLOT_B=1] = stage_b, [SLOT_D=3] = stage_d, [SLOT_LEAF=5] = leaf, [LOOP_SLOT=7] = loop }
        assertThat(table.initialProgramSlots()).containsExactly(Map.entry(0, "stage_a"), Map.entry(1, "stage_b"),
                Map.entry(3, "stage_d"), Map.entry(5, "leaf"), Map.entry(7, "loop"));
        assertThat(table.initialProgramSlots()).doesNotContainKey(2);
        assertThat(table.origin()).isEqualTo(MapSpec.Origin.BTF);
        assertThat(table.section()).isEqualTo(".maps");
    }

    @Test
    void stateMapsHaveTheDeclaredShapes() {
        MapSpec scratch = tailCalls.map("scratch");
        assertThat(scratch.definition().type()).isEqualTo(MapType.PERCPU_ARRAY);
        assertThat(scratch.definition().keySize()).isEqualTo(4);
        assertThat(scratch.definition().valueSize()).isEqualTo(4);
        assertThat(scratch.definition().maxEntries()).isEqualTo(1);
        assertThat(tailCalls.btf().type(scratch.keyTypeId()).name()).isEqualTo("__u32");
        for (String name : List.of("hops", "loop_runs")) {
            MapSpec m = tailCalls.map(name);
            assertThat(m.definition().type()).isEqualTo(MapType.ARRAY);
            assertThat(m.definition().valueSize()).isEqualTo(8);
            assertThat(m.definition().maxEntries()).isEqualTo(1);
            assertThat(tailCalls.btf().type(m.valueTypeId()).name()).isEqualTo("__u64");
        }
    }

    @Test
    void everyTailCallPassesTheJumpTableInR2() {
        // Each bpf_tail_call(ctx, &jmp_table, i) compiles to "r2 = &jmp_table" (lddw) before "call 12".
        for (String name : List.of("entry", "stage_a", "stage_b", "loop")) {
            ProgramSpec p = tailCalls.program(name);
            List<Integer> tailCalls = helperCalls(p.instructions(), Helper.TAIL_CALL.id());
            assertThat(tailCalls).as(name).isNotEmpty();
            for (int callPc : tailCalls) {
                MapReference ref = lastMapLoadInto(p, 2, callPc);
                assertThat(ref).as("%s: map in r2 before the tail call at pc %d", name, callPc).isNotNull();
                assertThat(ref.mapName()).isEqualTo("jmp_table");
                assertThat(ref.valueAccess()).isFalse();
            }
        }
        // stage_b tries the empty slot, then stage_d: two tail calls.
        assertThat(helperCalls(tailCalls.program("stage_b").instructions(), Helper.TAIL_CALL.id())).hasSize(2);
    }

    @Test
    void mapLoadsStaySymbolicUntilRelocated() {
        ProgramSpec entry = tailCalls.program("entry");
        assertThat(entry.mapNames()).containsExactlyInAnyOrder("scratch", "hops", "jmp_table");
        Map<String, Integer> handles = Map.of("scratch", 11, "hops", 12, "jmp_table", 13);
        Instructions relocated = entry.relocate(handles::get);
        for (MapReference ref : entry.mapReferences()) {
            Instruction.LoadImm64 before = (Instruction.LoadImm64) entry.instructions().at(ref.pc());
            assertThat(before.pseudo()).isEqualTo(Pseudo.MAP_FD);
            assertThat(before.imm()).isZero();
            Instruction.LoadImm64 after = (Instruction.LoadImm64) relocated.at(ref.pc());
            assertThat(after.pseudo()).isEqualTo(Pseudo.MAP_FD);
            assertThat(after.imm()).isEqualTo(handles.get(ref.mapName()));
            assertThat(after.dst()).isEqualTo(before.dst());
        }
        assertThat(relocated.slotCount()).isEqualTo(entry.instructions().slotCount());
    }

    @Test
    void theSubprogramThatTailCallsIsLinkedIntoItsCaller() {
        ProgramSpec via = tailCalls.program("via_subprog");
        assertThat(via.subprograms()).extracting(Subprogram::name).containsExactly("via_subprog", "tail_from_subprog");
        Subprogram sub = via.subprograms().get(1);
        // The call in via_subprog lands on the first instruction of tail_from_subprog.
        List<Integer> targets = localCallTargets(via.instructions());
        assertThat(targets).containsExactly(sub.startPc());
        // The tail call itself is inside the subprogram, through jmp_table.
        List<Integer> calls = helperCalls(via.instructions(), Helper.TAIL_CALL.id());
        assertThat(calls).singleElement().satisfies(pc -> assertThat(sub.contains(pc)).isTrue());
        assertThat(via.mapReferences()).singleElement().satisfies(ref -> {
            assertThat(ref.mapName()).isEqualTo("jmp_table");
            assertThat(sub.contains(ref.pc())).isTrue();
        });
        assertThat(via.funcInfos()).extracting(FuncInfo::name, FuncInfo::pc)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("via_subprog", 0), org.assertj.core.groups.Tuple.tuple("tail_from_subprog", sub.startPc()));
    }

    @Test
    void tcProgramsShareStateThroughTheirStaticTable() {
        ObjectSpec tc = ObjectSpec.read(Fixtures.path("tc_cb.o"));
        assertThat(tc.programs()).extracting(ProgramSpec::name).containsExactlyInAnyOrder("tc_entry", "tc_check");
        for (ProgramSpec p : tc.programs()) {
            assertThat(p.type()).isEqualTo(ProgramType.SCHED_CLS);
            assertThat(p.attachType()).as("SEC(\"tc\") passes no expected attach type").isNull();
        }
        MapSpec table = tc.map("tc_table");
        assertThat(table.definition().type()).isEqualTo(MapType.PROG_ARRAY);
        assertThat(table.definition().maxEntries()).isEqualTo(2);
        assertThat(table.initialProgramSlots()).containsExactly(Map.entry(0, "tc_check"));
        // tc_entry stores into skb->cb[0] and cb[1]: offsetof(struct __sk_buff, cb) is 48 (uapi).
        List<Integer> cbStores = tc.program("tc_entry").instructions().list().stream()
                .filter(i -> i instanceof Instruction.Store s && s.dst() == 1)
                .map(i -> ((Instruction.Store) i).offset()).toList();
        assertThat(cbStores).contains(48, 52);
    }

    @Test
    void theStackFixtureUsesTheStackSizesItsNamesSay() {
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("tail_call_stack.o"));
        assertThat(spec.map("stack_table").initialProgramSlots()).containsExactly(Map.entry(0, "target"));
        // volatile __u64 buf[bytes / 8]: the deepest frame-pointer access is the buffer's size.
        assertThat(deepestStackAccess(spec.program("stack_ok"))).isEqualTo(224);
        assertThat(deepestStackAccess(spec.program("reject_stack_256"))).isEqualTo(256);
        for (String name : List.of("stack_ok", "reject_stack_256")) {
            ProgramSpec p = spec.program(name);
            assertThat(p.subprograms()).extracting(Subprogram::name).containsExactly(name, "tail_call_target");
            assertThat(helperCalls(p.instructions(), Helper.TAIL_CALL.id())).singleElement()
                    .satisfies(pc -> assertThat(p.subprograms().get(1).contains(pc)).isTrue());
        }
    }

    @Test
    void theMismatchFixtureDeclaresIncompatibleSlotsAsTheCSays() {
        // Reading does not judge compatibility (that is the prog array's owner's business when it is filled):
        // the spec reports what the C declares, with each program's type and flags for the runtime to compare.
        ObjectSpec spec = ObjectSpec.read(Fixtures.path("prog_array_mismatch.o"));
        assertThat(spec.map("mixed_table").initialProgramSlots()).containsExactly(Map.entry(0, "xdp_peer"),
                Map.entry(1, "tc_intruder"), Map.entry(2, "frags_intruder"), Map.entry(3, "devmap_intruder"));
        assertThat(spec.program("xdp_owner").type()).isEqualTo(ProgramType.XDP);
        assertThat(spec.program("xdp_peer").attachType()).isEqualTo(AttachType.XDP);
        assertThat(spec.program("tc_intruder").type()).isEqualTo(ProgramType.SCHED_CLS);
        assertThat(spec.program("frags_intruder").xdpHasFrags()).isTrue();
        assertThat(spec.program("xdp_peer").xdpHasFrags()).isFalse();
        assertThat(spec.program("devmap_intruder").attachType()).isEqualTo(AttachType.XDP_DEVMAP);
    }

    /** The largest negative offset from r10 any load or store of the program's own function uses. */
    private static int deepestStackAccess(ProgramSpec p) {
        int deepest = 0;
        Subprogram own = p.subprograms().getFirst();
        for (Instructions.At at : p.instructions()) {
            if (!own.contains(at.pc())) continue;
            int offset = switch (at.instruction()) {
                case Instruction.Store s when s.dst() == 10 -> s.offset();
                case Instruction.Load l when l.src() == 10 -> l.offset();
                default -> 0;
            };
            deepest = Math.max(deepest, -offset);
        }
        return deepest;
    }

    static List<Integer> helperCalls(Instructions code, int helper) {
        List<Integer> out = new java.util.ArrayList<>();
        for (Instructions.At at : code) {
            if (at.instruction() instanceof Instruction.Call c && c.kind() == CallKind.HELPER && c.imm() == helper) out.add(at.pc());
        }
        return out;
    }

    static List<Integer> localCallTargets(Instructions code) {
        List<Integer> out = new java.util.ArrayList<>();
        for (Instructions.At at : code) {
            if (at.instruction() instanceof Instruction.Call c && c.kind() == CallKind.LOCAL) out.add(c.target(at.pc()));
        }
        return out;
    }

    /** The map reference of the last lddw into register {@code reg} before {@code pc}. */
    static MapReference lastMapLoadInto(ProgramSpec p, int reg, int pc) {
        MapReference best = null;
        for (MapReference ref : p.mapReferences()) {
            if (ref.pc() < pc && ((Instruction.LoadImm64) p.instructions().at(ref.pc())).dst() == reg) best = ref;
        }
        return best;
    }
}
