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
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.TailCallTargets;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;
import io.bpf4j.verifier.ProgramRejectedException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential tail calls: random groups of programs jump through a prog array — to filled slots, empty
 * slots, indexes beyond max_entries, 64-bit indexes whose low 32 bits hit a slot, cycles that run into the
 * limit — on each bpf4j engine (with Linux's limit of 33) and in the kernel. Each program counts its runs
 * and folds its id into a trail in memory, so the memory afterwards records exactly which programs ran how
 * often and in which order; values kept in r6/r7 across failed tail calls must survive them.
 */
@ExtendWith(KernelTests.class)
class KernelTailCallDifferentialTest {
    static final int MEMORY = 64, TRAIL = 48, SCRATCH = 56, SEEDED = 40;

    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel(ProgramType.XDP);
    }

    static List<Engine> engines() {
        return KernelDifferentialTest.engines();
    }

    /** One group: programs (as plans, rendered per world), their slots, and the input memory. */
    record Group(List<List<Op>> programs, int[] slotOf, int maxEntries, byte[] memory) {}

    /** A step of a program, rendered differently for the kernel and for bpf4j only where the worlds differ. */
    sealed interface Op {}
    record Plain(Instruction instruction) implements Op {}
    record TailCall(long index) implements Op {}
    record Finish() implements Op {}

    static Group group(SplittableRandom random) {
        int n = 1 + random.nextInt(4);
        int maxEntries = n + 1 + random.nextInt(2);
        List<Integer> free = new ArrayList<>();
        for (int s = 0; s < maxEntries; s++) free.add(s);
        int[] slotOf = new int[n];
        for (int p = 0; p < n; p++) slotOf[p] = free.remove(random.nextInt(free.size()));
        List<List<Op>> programs = new ArrayList<>();
        for (int p = 0; p < n; p++) programs.add(plan(random, p, slotOf, maxEntries, free));
        byte[] memory = new byte[MEMORY];
        for (int i = SEEDED; i < MEMORY; i++) memory[i] = (byte) random.nextInt();
        return new Group(programs, slotOf, maxEntries, memory);
    }

    private static List<Op> plan(SplittableRandom random, int id, int[] slotOf, int maxEntries, List<Integer> empty) {
        List<Op> ops = new ArrayList<>();
        // count this run: u64 at 8 * id
        ops.add(new Plain(new Instruction.Load(Size.DW, false, 2, 8, 8 * id)));
        ops.add(new Plain(Instruction.Alu.imm(true, AluOp.ADD, 2, 1)));
        ops.add(new Plain(Instruction.Store.reg(Size.DW, 8, 8 * id, 2)));
        // trail = trail * 31 + id + 1
        ops.add(new Plain(new Instruction.Load(Size.DW, false, 3, 8, TRAIL)));
        ops.add(new Plain(Instruction.Alu.imm(true, AluOp.MUL, 3, 31)));
        ops.add(new Plain(Instruction.Alu.imm(true, AluOp.ADD, 3, id + 1)));
        ops.add(new Plain(Instruction.Store.reg(Size.DW, 8, TRAIL, 3)));
        // values that survive helper calls (r0 does not: Linux's verifier leaves it unreadable after bpf_tail_call)
        ops.add(new Plain(new Instruction.Load(Size.DW, false, 6, 8, SEEDED)));
        ops.add(new Plain(new Instruction.Load(Size.W, false, 7, 8, SCRATCH)));
        int attempts = 1 + random.nextInt(3);
        for (int a = 0; a < attempts; a++) {
            ops.add(new Plain(Instruction.Alu.imm(random.nextBoolean(), AluOp.values()[random.nextInt(3)], 6, random.nextInt())));
            ops.add(new Plain(Instruction.Alu.reg(true, AluOp.XOR, 7, 6)));
            ops.add(new Plain(Instruction.Store.reg(Size.DW, 8, SCRATCH, 7)));
            long index = switch (random.nextInt(7)) {
                case 0, 1, 2 -> slotOf[random.nextInt(slotOf.length)];                       // a program (maybe itself)
                case 3 -> empty.isEmpty() ? maxEntries : empty.get(random.nextInt(empty.size())); // an empty slot
                case 4 -> maxEntries + random.nextInt(3);                                      // beyond max_entries
                case 5 -> 0x1_0000_0000L * (1 + random.nextInt(3)) + slotOf[random.nextInt(slotOf.length)];
                default -> random.nextBoolean() ? 0xffff_ffffL : -1L;
            };
            ops.add(new TailCall(index));
        }
        ops.add(new Plain(Instruction.Alu.reg(true, AluOp.MOV, 0, 6)));
        ops.add(new Plain(Instruction.Alu.reg(true, AluOp.ADD, 0, 7)));
        ops.add(new Finish());
        return ops;
    }

    /** Renders a plan; {@code progArray} gives the lddw naming the prog array, {@code finish} ends the program. */
    static Instructions render(List<Op> plan, List<Instruction> prologue, IntFunction<Instruction> progArray,
                               List<Instruction> finish) {
        List<Instruction> out = new ArrayList<>(prologue);
        for (Op op : plan) {
            switch (op) {
                case Plain p -> out.add(p.instruction());
                case TailCall t -> {
                    out.add(Instruction.Alu.reg(true, AluOp.MOV, 1, 9));
                    out.add(progArray.apply(2));
                    out.add(Instruction.LoadImm64.constant(3, t.index()));
                    out.add(Instruction.Call.helper(Helper.TAIL_CALL.id()));
                }
                case Finish f -> out.addAll(finish);
            }
        }
        return Instructions.of(out);
    }

    record Outcome(long r0, byte[] memory) {
        String describe() {
            return "r0=0x" + Long.toHexString(r0) + " memory=" + HexFormat.of().formatHex(memory);
        }

        boolean same(Outcome o) {
            return r0 == o.r0 && Arrays.equals(memory, o.memory);
        }
    }

    /** bpf4j: r1 = memory; the plan's r8 (memory) and r9 (context for tail calls) are both r1. */
    static Outcome embedded(Engine engine, Group g) {
        final class Slots implements TailCallTargets {
            final ProgramImage[] slots = new ProgramImage[g.maxEntries()];

            @Override
            public int maxEntries() {
                return slots.length;
            }

            @Override
            public ProgramImage target(int index) {
                return slots[index];
            }
        }
        Slots slots = new Slots();
        List<Instruction> prologue = List.of(Instruction.Alu.reg(true, AluOp.MOV, 9, 1), Instruction.Alu.reg(true, AluOp.MOV, 8, 1));
        List<ProgramImage> images = new ArrayList<>();
        for (int p = 0; p < g.programs().size(); p++) {
            Instructions code = render(g.programs().get(p), prologue, r -> new Instruction.LoadImm64(r, Pseudo.MAP_IDX, 0, 0),
                    List.of(new Instruction.Exit()));
            images.add(ProgramImage.load("p" + p, code, HelperRegistry.empty(), List.of(slots)));
        }
        for (int p = 0; p < images.size(); p++) slots.slots[g.slotOf()[p]] = images.get(p);
        Invocation invocation = new Invocation(RuntimeOptions.DEFAULTS.withTailCallLimit(RuntimeOptions.LINUX_TAIL_CALL_LIMIT)).begin();
        Region region = Region.copyOf(RegionKind.CALLER_MEMORY, "memory", g.memory(), true);
        long r1 = invocation.memory().register(region);
        long r0 = images.getFirst().prepared(engine).run(invocation, r1, MEMORY);
        return new Outcome(r0, region.segment().toArray(JAVA_BYTE));
    }

    /** The kernel: r9 = the XDP context, r8 = the memory map's value; every exit stores r0 in a result map. */
    static Outcome kernel(Group g) {
        try (KernelMap memory = KernelMap.create(new MapDefinition("tc_memory", MapType.ARRAY, 4, MEMORY, 1));
             KernelMap result = KernelMap.create(new MapDefinition("tc_result", MapType.ARRAY, 4, 8, 1));
             KernelProgArray jumps = KernelProgArray.create("tc_jumps", g.maxEntries())) {
            memory.update(new byte[4], g.memory());
            List<Instruction> prologue = new ArrayList<>(List.of(Instruction.Alu.reg(true, AluOp.MOV, 9, 1)));
            prologue.addAll(lookup(memory));
            prologue.add(Instruction.Jump.ifImm(false, JumpOp.JNE, 0, 0, 1));
            prologue.add(new Instruction.Exit());
            prologue.add(Instruction.Alu.reg(true, AluOp.MOV, 8, 0));
            List<Instruction> finish = new ArrayList<>(List.of(Instruction.Alu.reg(true, AluOp.MOV, 6, 0)));
            finish.addAll(lookup(result));
            finish.add(Instruction.Jump.ifImm(false, JumpOp.JEQ, 0, 0, 1));
            finish.add(Instruction.Store.reg(Size.DW, 0, 0, 6));
            finish.add(Instruction.Alu.reg(true, AluOp.MOV, 0, 6));
            finish.add(new Instruction.Exit());
            List<KernelProgram> loaded = new ArrayList<>();
            try {
                for (int p = 0; p < g.programs().size(); p++) {
                    Instructions code = render(g.programs().get(p), prologue,
                            r -> new Instruction.LoadImm64(r, Pseudo.MAP_FD, jumps.fd(), 0), finish);
                    loaded.add(KernelProgram.load("p" + p, ProgramType.XDP, code));
                }
                for (int p = 0; p < loaded.size(); p++) jumps.set(g.slotOf()[p], loaded.get(p));
                loaded.getFirst().testRun(TestRunInput.of(new byte[64]));
            } finally {
                for (KernelProgram k : loaded) k.close();
            }
            long r0 = ByteBuffer.wrap(result.lookup(new byte[4])).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return new Outcome(r0, memory.lookup(new byte[4]));
        }
    }

    private static List<Instruction> lookup(KernelMap map) {
        return List.of(Instruction.Store.imm(Size.W, 10, -4, 0), Instruction.Alu.reg(true, AluOp.MOV, 2, 10),
                Instruction.Alu.imm(true, AluOp.ADD, 2, -4), new Instruction.LoadImm64(1, Pseudo.MAP_FD, map.fd(), 0),
                Instruction.Call.helper(Helper.MAP_LOOKUP_ELEM.id()));
    }

    static void compare(Engine engine, long seed, int groups) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> problems = new ArrayList<>();
        int hitLimit = 0;
        for (int i = 0; i < groups && problems.size() < 3; i++) {
            Group g = group(random);
            Outcome kernel;
            try {
                kernel = kernel(g);
            } catch (ProgramRejectedException e) {
                problems.add("group " + i + ": the kernel refused a generated program: " + e.getMessage());
                continue;
            }
            Outcome bpf4j = embedded(engine, g);
            long runs = 0;
            for (int p = 0; p < g.programs().size(); p++) runs += ByteBuffer.wrap(kernel.memory()).order(ByteOrder.LITTLE_ENDIAN).getLong(8 * p);
            if (runs == 34) hitLimit++;
            assertThat(runs).as("group %d: 1 + at most 33 tail calls", i).isBetween(1L, 34L);
            if (!bpf4j.same(kernel)) {
                problems.add("seed " + Long.toHexString(seed) + " group " + i + " (" + g.programs().size() + " programs in slots "
                        + Arrays.toString(g.slotOf()) + " of " + g.maxEntries() + "):\n  " + engine.name() + " "
                        + bpf4j.describe() + "\n  kernel " + kernel.describe() + "\n" + listings(g));
            }
        }
        assertThat(problems).isEmpty();
        assertThat(hitLimit).as("groups that ran into Linux's limit of 33 tail calls").isPositive();
    }

    /** The programs as bpf4j runs them (map index 0 is the prog array), for a failure message. */
    static String listings(Group g) {
        StringBuilder sb = new StringBuilder();
        List<Instruction> prologue = List.of(Instruction.Alu.reg(true, AluOp.MOV, 9, 1), Instruction.Alu.reg(true, AluOp.MOV, 8, 1));
        for (int p = 0; p < g.programs().size(); p++) {
            sb.append("program p").append(p).append(" in slot ").append(g.slotOf()[p]).append(":\n").append(
                    io.bpf4j.isa.text.Disassembler.listing(render(g.programs().get(p), prologue,
                            r -> new Instruction.LoadImm64(r, Pseudo.MAP_IDX, 0, 0), List.of(new Instruction.Exit()))));
        }
        return sb.toString();
    }

    @ParameterizedTest
    @MethodSource("engines")
    void randomTailCallGroupsAgreeWithTheKernel(Engine engine) {
        compare(engine, 0x7A11_CA11L, 200);
    }

    @ParameterizedTest
    @MethodSource("engines")
    @Tag("long")
    void manyRandomTailCallGroupsAgreeWithTheKernel(Engine engine) {
        compare(engine, 0x7A11_0002L, 5_000);
    }
}
