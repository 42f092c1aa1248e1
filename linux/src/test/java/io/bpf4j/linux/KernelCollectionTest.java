package io.bpf4j.linux;

import io.bpf4j.BpfException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static io.bpf4j.linux.KernelMapTest.asU32;
import static io.bpf4j.linux.KernelMapTest.asU64;
import static io.bpf4j.linux.KernelMapTest.u32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Whole fixture objects from {@code testdata} loaded into the kernel and run there. */
@ExtendWith(KernelTests.class)
class KernelCollectionTest {
    static final byte[] PACKET = KernelProgramTest.packet();

    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel(ProgramType.XDP, ProgramType.SOCKET_FILTER, ProgramType.SCHED_CLS);
    }

    static ObjectSpec fixture(String name) {
        return ObjectSpec.read(name, Fixtures.bytes(name));
    }

    static int run(KernelCollection c, String program) {
        return c.program(program).testRun(TestRunInput.of(PACKET)).retval();
    }

    @Test
    void tailCallPipelineRunsEveryStageWithStaticallyFilledSlots() {
        try (KernelCollection c = KernelCollection.load(fixture("tail_calls.o"))) {
            assertThat(c.warnings()).isEmpty();
            KernelProgArray table = c.progArray("jmp_table");
            assertThat(table.programId(0)).hasValue(c.program("stage_a").info().id());
            assertThat(table.programId(1)).hasValue(c.program("stage_b").info().id());
            assertThat(table.programId(2)).as("slot 2 stays empty on purpose").isEmpty();
            assertThat(table.programId(7)).hasValue(c.program("loop").info().id());

            assertThat(run(c, "entry")).as("XDP_PASS: every check of the pipeline held").isEqualTo(2);
            assertThat(asU64(c.map("hops").lookup(u32(0)))).isEqualTo(4);

            assertThat(run(c, "loop")).isEqualTo(2);
            assertThat(asU64(c.map("loop_runs").lookup(u32(0)))).as("1 run + 33 tail calls on Linux").isEqualTo(34);

            // The fixture means 105 (leaf's 5 returned to via_subprog, + 100), but clang-19 -O2 folds the subprogram's
            // result to its C fall-through value 77 and emits `call tail_from_subprog; r0 = 177; exit`: leaf's R0 is
            // discarded. The kernel, like any faithful engine, therefore returns 177 for this object.
            assertThat(run(c, "via_subprog")).isEqualTo(177);
        }
    }

    @Test
    void skbControlBufferSurvivesATailCallInTc() {
        try (KernelCollection c = KernelCollection.load(fixture("tc_cb.o"))) {
            assertThat(c.program("tc_entry").type()).isEqualTo(ProgramType.SCHED_CLS);
            assertThat(run(c, "tc_entry")).as("TC_ACT_OK").isZero();
            c.progArray("tc_table").clear(0);
            assertThat(run(c, "tc_entry")).as("TC_ACT_UNSPEC when the tail call falls through").isEqualTo(-1);
        }
    }

    @Test
    void globalDataSectionsBecomeMapsWithTheirInitialValuesAndRodataIsFrozen() {
        ObjectSpec spec = fixture("globals.o");
        byte[] data = spec.map(".data").initialValue();
        int counterOffset = indexOfU32(data, 7);
        try (KernelCollection c = KernelCollection.load(spec)) {
            assertThat(c.map(".data").info().name()).isEqualTo("globals.data");
            assertThat(c.map(".rodata").isFrozen()).isTrue();
            assertThat(c.map(".data").isFrozen()).isFalse();
            assertThat(c.map(".rodata").lookup(u32(0))).containsExactly(spec.map(".rodata").initialValue());
            assertThatThrownBy(() -> c.map(".rodata").update(u32(0), spec.map(".rodata").initialValue()))
                    .hasMessageContaining("EPERM").hasMessageContaining("frozen");

            assertThat(run(c, "globals_prog")).as("XDP_PASS: threshold, custom_ro and limits read as the C says").isEqualTo(2);
            byte[] after = c.map(".data").lookup(u32(0));
            assertThat(asU32(Arrays.copyOfRange(after, counterOffset, counterOffset + 4))).as("counter++").isEqualTo(8);
        }
    }

    private static int indexOfU32(byte[] b, int value) {
        for (int i = 0; i + 4 <= b.length; i += 4) if (asU32(Arrays.copyOfRange(b, i, i + 4)) == value) return i;
        throw new AssertionError("no u32 " + value + " in " + Arrays.toString(b));
    }

    @Test
    void severalProgramsPerSectionEachLoadAndRun() {
        try (KernelCollection c = KernelCollection.load(fixture("multi.o"))) {
            assertThat(run(c, "xdp_pass")).isEqualTo(2);
            assertThat(run(c, "xdp_drop")).isEqualTo(1);
            assertThat(run(c, "xdp_count")).isEqualTo(3);
            assertThat(asU64(c.map("packets").lookup(u32(2)))).isEqualTo(1);
            assertThat(run(c, "sock_all")).isEqualTo(64 - 14);
            assertThat(run(c, "sock_none")).isZero();
        }
    }

    @Test
    void subprogramsAndCallbacksRunInTheKernel() {
        try (KernelCollection c = KernelCollection.load(fixture("subprogs.o"))) {
            byte[] three = new byte[14];
            // the fixture's contract: a packet shorter than 64 bytes gives len² + 2²; but XDP needs ≥ 14 bytes
            assertThat(c.program("xdp_squares").testRun(TestRunInput.of(three)).retval()).isEqualTo(14 * 14 + 4);
            assertThat(run(c, "xdp_loop")).isEqualTo(45);
        }
    }

    @Test
    void everyCommonMapTypeBehavesAsTheFixtureExpects() {
        try (KernelCollection c = KernelCollection.load(fixture("maps_all.o"))) {
            assertThat(c.warnings()).isEmpty();
            assertThat(run(c, "exercise")).as("XDP_PASS: every map step behaved").isEqualTo(2);
        }
    }

    @Test
    void mapsOfMapsAreCreatedAndFilled() {
        try (KernelCollection c = KernelCollection.load(fixture("map_in_map.o"))) {
            assertThat(c.warnings()).isEmpty();
            ObjectSpec spec = c.spec();
            spec.map("outer_array").initialInnerMaps().forEach((key, inner) ->
                    assertThat(asU32(c.map("outer_array").lookup(u32(key)))).isEqualTo(c.map(inner).info().id()));
        }
    }

    @Test
    void btfGivesTheKernelSourceLinesForTheVerifierLog() {
        try (KernelCollection c = KernelCollection.load(fixture("tail_calls.o"),
                KernelCollection.Options.DEFAULT.withPrograms(Set.of("leaf", "loop")).withLogLevel(2))) {
            assertThat(c.program("loop").verifierLog()).contains("__sync_fetch_and_add(runs, 1)").contains("tail_calls.c");
            assertThat(c.programs()).containsOnlyKeys("leaf", "loop");
            assertThat(c.warnings()).anyMatch(w -> w.contains("slot 0 left empty: program stage_a was not loaded"));
            assertThat(c.map("jmp_table").info().btfId()).as("prog arrays take no BTF").isZero();
            assertThat(c.map("hops").info().btfId()).isPositive();
        }
        Set<String> withoutSubprogTailCall = Set.of("entry", "stage_a", "stage_b", "stage_d", "leaf", "loop");
        try (KernelCollection c = KernelCollection.load(fixture("tail_calls.o"),
                KernelCollection.Options.DEFAULT.withBtf(false).withPrograms(withoutSubprogTailCall))) {
            assertThat(c.map("hops").info().btfId()).isZero();
            assertThat(run(c, "entry")).isEqualTo(2);
        }
        // Linux needs func_info (so BTF) to allow a tail call inside a bpf2bpf subprogram
        assertThatThrownBy(() -> KernelCollection.load(fixture("tail_calls.o"), KernelCollection.Options.DEFAULT.withBtf(false)))
                .isInstanceOfSatisfying(io.bpf4j.verifier.ProgramRejectedException.class, e -> {
                    assertThat(e.program()).isEqualTo("via_subprog");
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL.number());
                    assertThat(e.getMessage()).contains("tail_call is not allowed in subprogs without BTF");
                });
    }

    @Test
    void unsupportedProgramsAreNamedAndNothingStaysLoadedAfterTheFailure() {
        ObjectSpec spec = fixture("sections.o");
        assertThat(spec.programs().getLast().name()).as("the fixture's last program").isEqualTo("ops_test_1");
        Set<String> allButTrampolines = spec.programs().stream().map(ProgramSpec::name)
                .filter(n -> !TRAMPOLINE_PROGRAMS.contains(n)).collect(Collectors.toSet());
        // every other program of sections.o loads first: each must be closed again when the last one fails
        assertThatThrownBy(() -> KernelCollection.load(spec, KernelCollection.Options.DEFAULT.withPrograms(allButTrampolines)))
                .isInstanceOf(BpfException.class)
                .hasMessageContaining("sections.o: program ops_test_1 (section struct_ops/test_1) is BPF_PROG_TYPE_STRUCT_OPS")
                .hasMessageContaining("struct_ops map");
        // the extension's leak check proves the programs loaded before the failure were closed
    }

    /** Programs that need a BPF trampoline (ftrace direct calls) to load. */
    static final Set<String> TRAMPOLINE_PROGRAMS = Set.of("fentry_unlink", "fexit_unlink", "fmod_file_open", "lsm_file_open");

    @Test
    void everySectionNameGivesAProgramTheKernelLoadsWithItsTypeAndAttachType() {
        KernelTests.assumeKernel(ProgramType.KPROBE, ProgramType.CGROUP_SOCK_ADDR, ProgramType.SK_LOOKUP, ProgramType.NETFILTER);
        ObjectSpec spec = fixture("sections.o");
        Set<String> loadable = spec.programs().stream().map(ProgramSpec::name)
                .filter(n -> !n.equals("ops_test_1") && !TRAMPOLINE_PROGRAMS.contains(n)).collect(Collectors.toSet());
        try (KernelCollection c = KernelCollection.load(spec, KernelCollection.Options.DEFAULT.withPrograms(loadable))) {
            assertThat(c.programs()).hasSize(spec.programs().size() - 1 - TRAMPOLINE_PROGRAMS.size());
            for (String name : loadable) {
                KernelProgram p = c.program(name);
                assertThat(p.info().type()).as(name).isEqualTo(spec.program(name).type());
                assertThat(p.expectedAttachType()).as(name).isEqualTo(spec.program(name).attachType());
            }
            // tp_btf and iter programs found their targets' ids in the running kernel's BTF
            assertThat(c.program("btf_sched_wakeup").type()).isEqualTo(ProgramType.TRACING);
            assertThat(c.program("iter_task").type()).isEqualTo(ProgramType.TRACING);
        }
    }

    @Test
    void trampolineProgramsLoadWhereTheKernelHasTrampolinesAndSayWhyNotElsewhere() {
        ObjectSpec spec = fixture("sections.o");
        for (String name : TRAMPOLINE_PROGRAMS) {
            try (KernelCollection c = KernelCollection.load(spec, KernelCollection.Options.DEFAULT.withPrograms(Set.of(name)))) {
                assertThat(c.program(name).info().type()).isEqualTo(spec.program(name).type());
            } catch (io.bpf4j.verifier.ProgramRejectedException e) {
                // Linux 6.18 here is built without CONFIG_FUNCTION_TRACER: BPF_PROG_LOAD answers EPERM, with no log
                assertThat(e.errno()).as(e.getMessage()).isEqualTo(Errno.EPERM.number());
                assertThat(e.program()).isEqualTo(name);
                if (Privileges.hasEveryBpfCapability()) {
                    assertThat(e.getMessage()).contains("not about capabilities").contains("trampolines");
                }
            }
        }
    }

    @Test
    void unknownProgramNamesInOptionsAreRefusedBeforeAnythingLoads() {
        assertThatThrownBy(() -> KernelCollection.load(fixture("multi.o"),
                KernelCollection.Options.DEFAULT.withPrograms(Set.of("xdp_pass", "nope"))))
                .hasMessageContaining("multi.o has no program nope");
    }

    @Test
    void lookupsOfMissingObjectsNameWhatExists() {
        try (KernelCollection c = KernelCollection.load(fixture("multi.o"))) {
            assertThatThrownBy(() -> c.map("nope")).hasMessageContaining("[packets]");
            assertThatThrownBy(() -> c.progArray("packets")).hasMessageContaining("is ARRAY, not a prog array");
            assertThatThrownBy(() -> c.program("nope")).hasMessageContaining("xdp_pass");
        }
    }

    @Test
    void closingTheCollectionClosesEveryDescriptor() {
        KernelCollection c = KernelCollection.load(fixture("tail_calls.o"));
        int before = BpfDescriptors.open().size();
        assertThat(before).isGreaterThanOrEqualTo(c.maps().size() + c.programs().size());
        c.close();
        c.close();
        assertThat(BpfDescriptors.open().size()).isEqualTo(before - c.maps().size() - c.programs().size());
        assertThatThrownBy(() -> run(c, "entry")).isInstanceOfSatisfying(io.bpf4j.abi.BpfErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    }
}
