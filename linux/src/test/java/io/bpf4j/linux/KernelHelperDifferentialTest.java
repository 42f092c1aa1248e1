package io.bpf4j.linux;

import io.bpf4j.abi.Helper;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.TestRun;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential map helpers: random XDP programs call bpf_map_update_elem (every flag), bpf_map_delete_elem and
 * bpf_map_lookup_elem (reading and writing through the returned pointer) on a hash, an array and a per-CPU
 * array, with keys inside and past max_entries, folding every helper's return value (0 or -errno) into r0.
 * Each program runs three times on bpf4j's engines and in the kernel (CPU 0); return values and the maps'
 * contents afterwards must be equal.
 */
@ExtendWith(KernelTests.class)
class KernelHelperDifferentialTest {
    static final List<MapDefinition> MAPS = List.of(
            new MapDefinition("h_hash", MapType.HASH, 4, 8, 6),
            new MapDefinition("h_array", MapType.ARRAY, 4, 8, 4),
            new MapDefinition("h_pcpu", MapType.PERCPU_ARRAY, 4, 8, 3));

    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel(ProgramType.XDP);
    }

    static List<Engine> engines() {
        return KernelDifferentialTest.engines();
    }

    /** A program as a list of instructions with map references left as {@code lddw r1, <map index>}. */
    static List<Instruction> program(SplittableRandom random, int ops) {
        List<Instruction> out = new ArrayList<>();
        out.add(Instruction.Alu.imm(true, AluOp.MOV, 7, 0));
        for (int i = 0; i < ops; i++) {
            int map = random.nextInt(MAPS.size());
            int key = random.nextInt(MAPS.get(map).maxEntries() + 2);
            out.add(Instruction.Store.imm(Size.W, 10, -4, key));
            out.add(Instruction.Alu.reg(true, AluOp.MOV, 2, 10));
            out.add(Instruction.Alu.imm(true, AluOp.ADD, 2, -4));
            out.add(new Instruction.LoadImm64(1, Pseudo.MAP_FD, map, 0));
            switch (random.nextInt(4)) {
                case 0 -> {
                    out.add(Instruction.LoadImm64.constant(3, random.nextLong()));
                    out.add(Instruction.Store.reg(Size.DW, 10, -16, 3));
                    out.add(Instruction.Alu.reg(true, AluOp.MOV, 3, 10));
                    out.add(Instruction.Alu.imm(true, AluOp.ADD, 3, -16));
                    out.add(Instruction.Alu.imm(true, AluOp.MOV, 4, new int[] {0, 1, 2}[random.nextInt(3)]));
                    out.add(Instruction.Call.helper(Helper.MAP_UPDATE_ELEM.id()));
                    fold(out);
                }
                case 1 -> {
                    out.add(Instruction.Call.helper(Helper.MAP_DELETE_ELEM.id()));
                    fold(out);
                }
                case 2 -> { // lookup, then add to the value in place
                    out.add(Instruction.Call.helper(Helper.MAP_LOOKUP_ELEM.id()));
                    out.add(Instruction.Jump.ifImm(false, JumpOp.JEQ, 0, 0, 4));
                    out.add(new Instruction.Load(Size.DW, false, 1, 0, 0));
                    out.add(Instruction.Alu.imm(true, AluOp.ADD, 1, random.nextInt()));
                    out.add(Instruction.Store.reg(Size.DW, 0, 0, 1));
                    out.add(Instruction.Alu.imm(true, AluOp.ADD, 7, 1));
                }
                default -> { // lookup, then fold the value in
                    out.add(Instruction.Call.helper(Helper.MAP_LOOKUP_ELEM.id()));
                    out.add(Instruction.Jump.ifImm(false, JumpOp.JEQ, 0, 0, 2));
                    out.add(new Instruction.Load(Size.DW, false, 1, 0, 0));
                    out.add(Instruction.Alu.reg(true, AluOp.XOR, 7, 1));
                    out.add(Instruction.Alu.imm(true, AluOp.MUL, 7, 3));
                }
            }
        }
        out.add(Instruction.Alu.reg(true, AluOp.MOV, 0, 7));
        out.add(new Instruction.Exit());
        return out;
    }

    /** r7 = r7 * 31 + r0: a helper's return value (0 or -errno) leaves its mark. */
    private static void fold(List<Instruction> out) {
        out.add(Instruction.Alu.imm(true, AluOp.MUL, 7, 31));
        out.add(Instruction.Alu.reg(true, AluOp.ADD, 7, 0));
    }

    static Instructions render(List<Instruction> plan, IntFunction<Integer> handle) {
        List<Instruction> out = new ArrayList<>(plan.size());
        for (Instruction i : plan) {
            out.add(i instanceof Instruction.LoadImm64 l && l.pseudo() == Pseudo.MAP_FD
                    ? new Instruction.LoadImm64(l.dst(), Pseudo.MAP_FD, handle.apply(l.imm()), 0) : i);
        }
        return Instructions.of(out);
    }

    static void compare(Engine engine, long seed, int programs) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> differences = new ArrayList<>();
        byte[] packet = KernelProgramTest.packet();
        for (int n = 0; n < programs && differences.size() < 5; n++) {
            List<Instruction> plan = program(random, 4 + random.nextInt(12));
            List<KernelMap> kernelMaps = new ArrayList<>();
            try (BpfRuntime runtime = BpfRuntime.builder().cpus(PossibleCpus.count()).engine(engine).randomSeed(1).build()) {
                for (MapDefinition d : MAPS) kernelMaps.add(KernelMap.create(d));
                List<BpfMap> embeddedMaps = new ArrayList<>();
                for (MapDefinition d : MAPS) embeddedMaps.add(runtime.createMap(d));
                Program embedded = runtime.load("helpers", ProgramType.XDP, render(plan, i -> i), embeddedMaps);
                try (KernelProgram kernel = KernelProgram.load("helpers", ProgramType.XDP, render(plan, i -> kernelMaps.get(i).fd()))) {
                    for (int run = 0; run < 3; run++) {
                        int k = kernel.testRun(TestRunInput.of(packet).onCpu(0)).retval();
                        int e = embedded.testRun(TestRun.of(packet).onCpu(0)).retval32();
                        if (k != e) differences.add("program " + n + " run " + run + ": retval kernel " + k + ", " + engine.name() + " " + e);
                    }
                }
                for (int m = 0; m < MAPS.size(); m++) {
                    String k = KernelObjectDifferentialTest.snapshot(kernelMaps.get(m));
                    String e = KernelObjectDifferentialTest.snapshot(embeddedMaps.get(m));
                    if (!k.equals(e)) differences.add("program " + n + " map " + MAPS.get(m).name() + "\n  kernel " + k + "\n  " + engine.name() + " " + e);
                }
                if (!differences.isEmpty()) differences.add(io.bpf4j.isa.text.Disassembler.listing(render(plan, i -> i)));
            } finally {
                for (KernelMap m : kernelMaps) m.close();
            }
        }
        assertThat(differences).as("seed " + Long.toHexString(seed)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("engines")
    void mapHelpersReturnAndStoreWhatTheKernelsDo(Engine engine) {
        compare(engine, 0x4E1_9E25L, 150);
    }

    @ParameterizedTest
    @MethodSource("engines")
    @Tag("long")
    void manyMapHelperProgramsAgree(Engine engine) {
        compare(engine, 0x5EED_0005L, 5_000);
    }
}
