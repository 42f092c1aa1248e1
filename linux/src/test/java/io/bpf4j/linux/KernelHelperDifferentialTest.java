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
import io.bpf4j.verifier.ProgramRejectedException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential map helpers and packet access: random XDP programs call bpf_map_update_elem (every flag),
 * bpf_map_delete_elem and bpf_map_lookup_elem (reading and writing through the returned pointer) on a hash,
 * an array and a per-CPU array, with keys inside and past max_entries, folding every helper's return value
 * (0 or -errno) into r0, read and write the packet at offsets inside and past its end (behind the bounds
 * check the verifier demands), and copy between packet and stack with bpf_xdp_load_bytes / bpf_xdp_store_bytes. Each program runs three times on bpf4j's engines and in the kernel (CPU 0),
 * with an {@code xdp_md} context passed in; return values, output packets, output contexts and the maps'
 * contents afterwards must be equal (compared by {@link DifferentialHarness}).
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
        out.add(Instruction.Alu.reg(true, AluOp.MOV, 6, 1)); // the context, for the packet helpers
        // r8 = ctx->data, r9 = ctx->data_end: kept in callee-saved registers across the helper calls
        out.add(new Instruction.Load(Size.W, false, 8, 1, 0));
        out.add(new Instruction.Load(Size.W, false, 9, 1, 4));
        for (int i = 0; i < ops; i++) {
            if (random.nextInt(3) == 0) {
                packetAccess(random, out);
                continue;
            }
            if (random.nextInt(4) == 0) {
                packetHelper(random, out);
                continue;
            }
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

    /** Bytes of the packet the programs are given ({@link KernelProgramTest#packet}). */
    static final int PACKET = 64;

    /**
     * {@code if (data + off + size <= data_end)} then a load folded into r7 or a store of a register or
     * constant; offsets reach past the packet's end, so some accesses are skipped (the same way on both sides).
     */
    private static void packetAccess(SplittableRandom random, List<Instruction> out) {
        Size size = Size.values()[random.nextInt(Size.values().length)];
        int off = random.nextInt(PACKET + 8 - size.bytes() + 1);
        List<Instruction> access = new ArrayList<>();
        switch (random.nextInt(3)) {
            case 0 -> {
                access.add(new Instruction.Load(size, false, 3, 8, off));
                access.add(Instruction.Alu.reg(true, AluOp.XOR, 7, 3));
                access.add(Instruction.Alu.imm(true, AluOp.MUL, 7, 3));
            }
            case 1 -> access.add(Instruction.Store.imm(size, 8, off, random.nextInt()));
            default -> access.add(Instruction.Store.reg(size, 8, off, 7));
        }
        out.add(Instruction.Alu.reg(true, AluOp.MOV, 2, 8));
        out.add(Instruction.Alu.imm(true, AluOp.ADD, 2, off + size.bytes()));
        out.add(Instruction.Jump.ifReg(false, JumpOp.JGT, 2, 9, access.size()));
        out.addAll(access);
    }

    /**
     * bpf_xdp_load_bytes or bpf_xdp_store_bytes between the packet and a 16-byte stack buffer (written first, so
     * both sides start from the same bytes: on an error load_bytes leaves it alone), at offsets and lengths that
     * reach past the packet's end (EINVAL) or past 0xffff (EFAULT) or fit; the return value and, for a load, the buffer's first word are
     * folded into r7; data and data_end are read again afterwards.
     */
    private static void packetHelper(SplittableRandom random, List<Instruction> out) {
        int off = random.nextInt(12) == 0 ? 0xffff + random.nextInt(3) : random.nextInt(PACKET + 9); // over 0xffff: EFAULT
        int len = 1 + random.nextInt(16);
        boolean load = random.nextBoolean();
        out.add(Instruction.LoadImm64.constant(3, random.nextLong()));
        out.add(Instruction.Store.reg(Size.DW, 10, -40, 3));
        out.add(Instruction.Store.reg(Size.DW, 10, -32, 3));
        out.add(Instruction.Alu.reg(true, AluOp.MOV, 1, 6));
        out.add(Instruction.Alu.imm(true, AluOp.MOV, 2, off));
        out.add(Instruction.Alu.reg(true, AluOp.MOV, 3, 10));
        out.add(Instruction.Alu.imm(true, AluOp.ADD, 3, -40));
        out.add(Instruction.Alu.imm(true, AluOp.MOV, 4, len));
        out.add(Instruction.Call.helper((load ? Helper.XDP_LOAD_BYTES : Helper.XDP_STORE_BYTES).id()));
        fold(out);
        if (load) {
            out.add(new Instruction.Load(Size.DW, false, 3, 10, -40));
            out.add(Instruction.Alu.reg(true, AluOp.XOR, 7, 3));
        }
        out.add(new Instruction.Load(Size.W, false, 8, 6, 0));
        out.add(new Instruction.Load(Size.W, false, 9, 6, 4));
    }

    /** An {@code xdp_md} as BPF_PROG_TEST_RUN accepts it: data 0, data_end the packet's length, the rest 0. */
    static byte[] context(int packetLength) {
        return ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0).putInt(4, packetLength).array();
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

    /** A program with its maps as {@code lddw r1, <index in MAPS>}, the packet and the number of runs. */
    static DifferentialHarness.Reproducer reproducer(String origin, Instructions program, byte[] packet, int runs) {
        java.util.Map<String, String> f = new java.util.LinkedHashMap<>();
        f.put("origin", origin);
        f.put("maps", MAPS.toString());
        f.put("program", DifferentialHarness.hex(program));
        f.put("packet", HexFormat.of().formatHex(packet));
        f.put("runs", Integer.toString(runs));
        return new DifferentialHarness.Reproducer("map-helpers", f, io.bpf4j.isa.text.Disassembler.listing(program));
    }

    static void compare(Engine engine, long seed, int programs) {
        SplittableRandom random = new SplittableRandom(seed);
        DifferentialHarness harness = new DifferentialHarness("map-helpers-" + engine.name() + "-seed-" + Long.toHexString(seed));
        byte[] packet = KernelProgramTest.packet();
        int rewrotePacket = 0;
        for (int n = 0; n < programs && harness.mismatches().size() < 5; n++) {
            Instructions program = render(program(random, 4 + random.nextInt(12)), i -> i);
            DifferentialHarness.Outcome kernel = compareOne(harness, engine, "seed " + Long.toHexString(seed) + " program " + n, program, packet, 3);
            if (kernel != null) {
                assertThat(kernel.context()).as("the kernel copies the xdp_md out").hasSize(24);
                if (!java.util.Arrays.equals(kernel.packet(), packet)) rewrotePacket++;
            }
        }
        harness.finish();
        assertThat(rewrotePacket).as("programs whose packet writes the comparison saw").isGreaterThan(programs / 4);
        assertThat(harness.programs()).as("seed " + Long.toHexString(seed)).isEqualTo(programs);
    }

    /**
     * Loads {@code program} (maps as {@code lddw r1, <index in MAPS>}) on both sides with fresh maps, runs it
     * {@code runs} times on CPU 0 with the packet and an xdp_md, and compares, through the harness, each run's
     * return value, packet and context and, after the last run, every map.
     */
    static DifferentialHarness.Outcome compareOne(DifferentialHarness harness, Engine engine, String what, Instructions program,
                                                  byte[] packet, int runs) {
        DifferentialHarness.Reproducer reproducer = reproducer(what, program, packet, runs);
        List<KernelMap> kernelMaps = new ArrayList<>();
        try (BpfRuntime runtime = BpfRuntime.builder().cpus(PossibleCpus.count()).engine(engine).randomSeed(1).build()) {
            for (MapDefinition d : MAPS) kernelMaps.add(KernelMap.create(d));
            List<BpfMap> embeddedMaps = new ArrayList<>();
            for (MapDefinition d : MAPS) embeddedMaps.add(runtime.createMap(d));
            Program embedded = runtime.load("helpers", ProgramType.XDP, program, embeddedMaps);
            List<Instruction> withFds = new ArrayList<>();
            for (Instruction i : program.list()) {
                withFds.add(i instanceof Instruction.LoadImm64 l && l.pseudo() == Pseudo.MAP_FD
                        ? new Instruction.LoadImm64(l.dst(), Pseudo.MAP_FD, kernelMaps.get(l.imm()).fd(), 0) : i);
            }
            java.util.SortedMap<String, String> none = new java.util.TreeMap<>();
            List<DifferentialHarness.Outcome> k = new ArrayList<>(), e = new ArrayList<>();
            try (KernelProgram kernel = KernelProgram.load("helpers", ProgramType.XDP, Instructions.of(withFds))) {
                for (int run = 0; run < runs; run++) {
                    TestRunResult kr = kernel.testRun(TestRunInput.of(packet).withContext(context(packet.length)).onCpu(0));
                    io.bpf4j.runtime.TestRunResult er = embedded.testRun(TestRun.of(packet).withCtx(context(packet.length)).onCpu(0));
                    k.add(new DifferentialHarness.Outcome(kr.retval(), kr.data(), kr.context(), none));
                    e.add(new DifferentialHarness.Outcome(er.retval32(), er.data(), er.ctx(), none));
                }
            } catch (ProgramRejectedException rejected) {
                harness.unexplained(what, reproducer, engine.name(), "the kernel refused a generated program: " + rejected.getMessage());
                return null;
            }
            java.util.SortedMap<String, String> km = new java.util.TreeMap<>(), em = new java.util.TreeMap<>();
            for (int m = 0; m < MAPS.size(); m++) {
                km.put(MAPS.get(m).name(), DifferentialHarness.snapshot(kernelMaps.get(m)));
                em.put(MAPS.get(m).name(), DifferentialHarness.snapshot(embeddedMaps.get(m)));
            }
            // the last run carries the maps: one comparison per program covers every run and every map
            int last = runs - 1;
            String runsK = "", runsE = "";
            for (int run = 0; run < last; run++) {
                if (!k.get(run).differences(e.get(run)).isEmpty()) {
                    runsK += " run" + run + "[" + k.get(run).describe() + "]";
                    runsE += " run" + run + "[" + e.get(run).describe() + "]";
                }
            }
            if (!runsK.isEmpty()) {
                km.put("earlier runs", runsK);
                em.put("earlier runs", runsE);
            }
            DifferentialHarness.Outcome kernelOutcome = new DifferentialHarness.Outcome(k.get(last).retval(), k.get(last).packet(),
                    k.get(last).context(), km);
            harness.compare(what, reproducer, engine.name(),
                    new DifferentialHarness.Outcome(e.get(last).retval(), e.get(last).packet(), e.get(last).context(), em), kernelOutcome);
            return kernelOutcome;
        } finally {
            for (KernelMap m : kernelMaps) m.close();
        }
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
