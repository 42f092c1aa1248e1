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
    record Group(List<Plan> programs, int[] slotOf, int maxEntries, byte[] memory) {
        boolean hasSubprograms() {
            return programs.stream().anyMatch(p -> p.sub() != null);
        }
    }

    /** A program: its main function and, optionally, one bpf2bpf subprogram that main calls and that tail-calls. */
    record Plan(List<Op> main, List<Op> sub) {}

    /** A step of a program, rendered differently for the kernel and for bpf4j only where the worlds differ. */
    sealed interface Op {}
    record Plain(Instruction instruction) implements Op {}
    record TailCall(long index) implements Op {}
    record Finish() implements Op {}
    record CallSub() implements Op {}
    record Return(int value) implements Op {}

    static Group group(SplittableRandom random, boolean withSubprograms) {
        int n = 1 + random.nextInt(4);
        int maxEntries = n + 1 + random.nextInt(2);
        List<Integer> free = new ArrayList<>();
        for (int s = 0; s < maxEntries; s++) free.add(s);
        int[] slotOf = new int[n];
        for (int p = 0; p < n; p++) slotOf[p] = free.remove(random.nextInt(free.size()));
        List<Plan> programs = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            boolean sub = withSubprograms && random.nextBoolean();
            programs.add(new Plan(plan(random, p, slotOf, maxEntries, free, sub),
                    sub ? subPlan(random, p, slotOf, maxEntries, free) : null));
        }
        byte[] memory = new byte[MEMORY];
        for (int i = SEEDED; i < MEMORY; i++) memory[i] = (byte) random.nextInt();
        return new Group(programs, slotOf, maxEntries, memory);
    }

    private static List<Op> plan(SplittableRandom random, int id, int[] slotOf, int maxEntries, List<Integer> empty,
                                 boolean callsSub) {
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
            if (callsSub && random.nextBoolean()) {
                ops.add(new CallSub());
                ops.add(new Plain(Instruction.Alu.reg(true, AluOp.XOR, 6, 0))); // what came back: sub's or a target's r0
            } else {
                ops.add(new TailCall(index(random, slotOf, maxEntries, empty)));
            }
        }
        if (callsSub) {
            ops.add(new CallSub());
            ops.add(new Plain(Instruction.Alu.reg(true, AluOp.ADD, 7, 0)));
        }
        ops.add(new Plain(Instruction.Alu.reg(true, AluOp.MOV, 0, 6)));
        ops.add(new Plain(Instruction.Alu.reg(true, AluOp.ADD, 0, 7)));
        ops.add(new Finish());
        return ops;
    }

    private static long index(SplittableRandom random, int[] slotOf, int maxEntries, List<Integer> empty) {
        return switch (random.nextInt(7)) {
            case 0, 1, 2 -> slotOf[random.nextInt(slotOf.length)];                       // a program (maybe itself)
            case 3 -> empty.isEmpty() ? maxEntries : empty.get(random.nextInt(empty.size())); // an empty slot
            case 4 -> maxEntries + random.nextInt(3);                                      // beyond max_entries
            case 5 -> 0x1_0000_0000L * (1 + random.nextInt(3)) + slotOf[random.nextInt(slotOf.length)];
            default -> random.nextBoolean() ? 0xffff_ffffL : -1L;
        };
    }

    /**
     * The subprogram: counts its runs (u64 at 32), folds 100 + id into the trail, tries 1–2 tail calls (a
     * success replaces only this frame: the target's r0 returns to main) and otherwise returns 1000 + id.
     */
    private static List<Op> subPlan(SplittableRandom random, int id, int[] slotOf, int maxEntries, List<Integer> empty) {
        List<Op> ops = new ArrayList<>();
        ops.add(new Plain(new Instruction.Load(Size.DW, false, 2, 8, 32)));
        ops.add(new Plain(Instruction.Alu.imm(true, AluOp.ADD, 2, 1)));
        ops.add(new Plain(Instruction.Store.reg(Size.DW, 8, 32, 2)));
        ops.add(new Plain(new Instruction.Load(Size.DW, false, 3, 8, TRAIL)));
        ops.add(new Plain(Instruction.Alu.imm(true, AluOp.MUL, 3, 31)));
        ops.add(new Plain(Instruction.Alu.imm(true, AluOp.ADD, 3, 100 + id)));
        ops.add(new Plain(Instruction.Store.reg(Size.DW, 8, TRAIL, 3)));
        int attempts = 1 + random.nextInt(2);
        for (int a = 0; a < attempts; a++) ops.add(new TailCall(index(random, slotOf, maxEntries, empty)));
        ops.add(new Return(1000 + id));
        return ops;
    }

    /** Renders a plan; {@code progArray} gives the lddw naming the prog array, {@code finish} ends the program. */
    static Instructions render(Plan plan, List<Instruction> prologue, IntFunction<Instruction> progArray,
                               List<Instruction> finish) {
        List<Instruction> main = renderOps(plan.main(), prologue, progArray, finish);
        if (plan.sub() == null) return Instructions.of(main);
        List<Instruction> sub = renderOps(plan.sub(), prologue, progArray, finish);
        int mainSlots = slots(main, main.size());
        List<Instruction> out = new ArrayList<>();
        for (int i = 0; i < main.size(); i++) {
            Instruction ins = main.get(i);
            if (ins == CALL_SUB) ins = Instruction.Call.local(mainSlots - (slots(main, i) + 1));
            out.add(ins);
        }
        out.addAll(sub);
        return Instructions.of(out);
    }

    /** A placeholder for the local call, patched once main's length is known. */
    private static final Instruction CALL_SUB = Instruction.Call.local(0x7fff_0000);

    private static int slots(List<Instruction> list, int upTo) {
        int n = 0;
        for (int i = 0; i < upTo; i++) n += list.get(i).slots();
        return n;
    }

    private static List<Instruction> renderOps(List<Op> ops, List<Instruction> prologue, IntFunction<Instruction> progArray,
                                               List<Instruction> finish) {
        List<Instruction> out = new ArrayList<>(prologue);
        for (Op op : ops) {
            switch (op) {
                case Plain p -> out.add(p.instruction());
                case TailCall t -> {
                    out.add(Instruction.Alu.reg(true, AluOp.MOV, 1, 9));
                    out.add(progArray.apply(2));
                    out.add(Instruction.LoadImm64.constant(3, t.index()));
                    out.add(Instruction.Call.helper(Helper.TAIL_CALL.id()));
                }
                case CallSub c -> {
                    out.add(Instruction.Alu.reg(true, AluOp.MOV, 1, 9));
                    out.add(CALL_SUB);
                }
                case Return r -> {
                    out.add(Instruction.Alu.imm(true, AluOp.MOV, 0, r.value()));
                    out.add(new Instruction.Exit());
                }
                case Finish f -> out.addAll(finish);
            }
        }
        return out;
    }

    record Outcome(long r0, byte[] memory) {
        String describe() {
            return "r0=0x" + Long.toHexString(r0) + " memory=" + HexFormat.of().formatHex(memory);
        }

        DifferentialHarness.Outcome forHarness() {
            return DifferentialHarness.Outcome.of(r0, java.util.Map.of("memory", HexFormat.of().formatHex(memory)));
        }
    }

    /** bpf4j: r1 = memory; the plan's r8 (memory) and r9 (context for tail calls) are both r1. */
    static Outcome embedded(Engine engine, Group g) {
        return embedded(engine, g, null);
    }

    /** {@link #embedded(Engine, Group)} with a tail call observer on the invocation (null for none). */
    static Outcome embedded(Engine engine, Group g, io.bpf4j.runtime.TailCallObserver observer) {
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
        invocation.setObserver(observer);
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
            KernelBtf btf = g.hasSubprograms() ? KernelBtf.load("tail-call-differential", TinyBtf.bytes()) : null;
            try {
                for (int p = 0; p < g.programs().size(); p++) {
                    Instructions code = render(g.programs().get(p), prologue,
                            r -> new Instruction.LoadImm64(r, Pseudo.MAP_FD, jumps.fd(), 0), finish);
                    ProgramLoadSpec spec = ProgramLoadSpec.of("p" + p, ProgramType.XDP, code);
                    // Linux allows a tail call inside a subprogram only with BTF func_info
                    if (btf != null) spec = spec.withBtf(new ProgramBtf(btf, TinyBtf.funcInfo(subStart(code)), 8, null, 0));
                    loaded.add(KernelProgram.load(spec));
                }
                for (int p = 0; p < loaded.size(); p++) jumps.set(g.slotOf()[p], loaded.get(p));
                loaded.getFirst().testRun(TestRunInput.of(new byte[64]));
            } finally {
                for (KernelProgram k : loaded) k.close();
                if (btf != null) btf.close();
            }
            long r0 = ByteBuffer.wrap(result.lookup(new byte[4])).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return new Outcome(r0, memory.lookup(new byte[4]));
        }
    }

    /** The slot of the subprogram (the target of the first local call), or -1. */
    private static int subStart(Instructions code) {
        for (Instructions.At at : code) {
            if (at.instruction() instanceof Instruction.Call c && c.kind() == io.bpf4j.isa.CallKind.LOCAL) return c.target(at.pc());
        }
        return -1;
    }

    private static List<Instruction> lookup(KernelMap map) {
        return List.of(Instruction.Store.imm(Size.W, 10, -4, 0), Instruction.Alu.reg(true, AluOp.MOV, 2, 10),
                Instruction.Alu.imm(true, AluOp.ADD, 2, -4), new Instruction.LoadImm64(1, Pseudo.MAP_FD, map.fd(), 0),
                Instruction.Call.helper(Helper.MAP_LOOKUP_ELEM.id()));
    }

    /** What a differential run found: the harness's tally and how many groups ran into the limit (34 runs). */
    record Report(DifferentialHarness harness, int hitLimit) {}

    /** A group as a reproducer: where it came from, its slots, its memory and each program's bytes as bpf4j runs them. */
    static DifferentialHarness.Reproducer reproducer(long seed, int index, boolean withSubprograms, Group g) {
        java.util.Map<String, String> f = new java.util.LinkedHashMap<>();
        f.put("seed", Long.toHexString(seed));
        f.put("index", Integer.toString(index));
        f.put("subprograms", Boolean.toString(withSubprograms));
        f.put("slots", Arrays.toString(g.slotOf()));
        f.put("max-entries", Integer.toString(g.maxEntries()));
        f.put("memory", HexFormat.of().formatHex(g.memory()));
        for (int p = 0; p < g.programs().size(); p++) f.put("program-" + p, DifferentialHarness.hex(bpf4jCode(g.programs().get(p))));
        return new DifferentialHarness.Reproducer("tail-call-group", f, listings(g));
    }

    /** The group a reproducer names, generated again from its seed (the generator is deterministic). */
    static Group regenerate(long seed, int index, boolean withSubprograms) {
        SplittableRandom random = new SplittableRandom(seed);
        Group g = null;
        for (int i = 0; i <= index; i++) g = group(random, withSubprograms);
        return g;
    }

    static Report compare(Engine engine, long seed, int groups, boolean withSubprograms) {
        SplittableRandom random = new SplittableRandom(seed);
        DifferentialHarness harness = new DifferentialHarness("tail-calls-" + (withSubprograms ? "subprograms-" : "")
                + engine.name() + "-seed-" + Long.toHexString(seed));
        int hitLimit = 0;
        for (int i = 0; i < groups && harness.mismatches().size() < 5; i++) {
            Group g = group(random, withSubprograms);
            if (compareOne(harness, engine, seed, i, withSubprograms, g)) hitLimit++;
        }
        return new Report(harness, hitLimit);
    }

    /** Runs one group on both sides through the harness; true when the kernel's run reached the limit (34 runs). */
    static boolean compareOne(DifferentialHarness harness, Engine engine, long seed, int i, boolean withSubprograms, Group g) {
        String where = "seed " + Long.toHexString(seed) + " group " + i + " (" + g.programs().size() + " programs in slots "
                + Arrays.toString(g.slotOf()) + " of " + g.maxEntries() + ")";
        DifferentialHarness.Reproducer reproducer = reproducer(seed, i, withSubprograms, g);
        Outcome kernel;
        try {
            kernel = kernel(g);
        } catch (ProgramRejectedException e) {
            harness.unexplained(where, reproducer, null, "the kernel refused a generated program: " + e.getMessage());
            return false;
        }
        long runs = 0;
        for (int p = 0; p < g.programs().size(); p++) runs += ByteBuffer.wrap(kernel.memory()).order(ByteOrder.LITTLE_ENDIAN).getLong(8 * p);
        assertThat(runs).as("%s: 1 + at most 33 tail calls", where).isBetween(1L, 34L);
        Outcome bpf4j;
        try {
            bpf4j = embedded(engine, g);
        } catch (io.bpf4j.runtime.ExecutionException e) {
            harness.unexplained(where, reproducer, engine.name(), "the kernel ran it (" + kernel.describe() + ") but "
                    + engine.name() + " stopped: " + e.getMessage());
            return runs == 34;
        }
        harness.compare(where, reproducer, engine.name(), bpf4j.forHarness(), kernel.forHarness());
        return runs == 34;
    }

    private static Instructions bpf4jCode(Plan plan) {
        List<Instruction> prologue = List.of(Instruction.Alu.reg(true, AluOp.MOV, 9, 1), Instruction.Alu.reg(true, AluOp.MOV, 8, 1));
        return render(plan, prologue, r -> new Instruction.LoadImm64(r, Pseudo.MAP_IDX, 0, 0), List.of(new Instruction.Exit()));
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
        Report r = compare(engine, 0x7A11_CA11L, 200, false);
        r.harness().finish();
        assertThat(r.harness().programs()).isEqualTo(200);
        assertThat(r.hitLimit()).as("groups that ran into Linux's limit of 33 tail calls").isPositive();
    }

    /** The seed's stack example at random: a tail call from a subprogram replaces only its frame. */
    @ParameterizedTest
    @MethodSource("engines")
    void randomTailCallsFromSubprogramsAgreeWithTheKernel(Engine engine) {
        Report r = compare(engine, 0x5B_CA11L, 150, true);
        r.harness().finish();
        assertThat(r.harness().programs()).as("groups both sides completed").isEqualTo(150);
        assertThat(r.hitLimit()).isPositive();
    }

    /**
     * Formerly a known divergence: Linux runs call chains that grow past 8 frames through tail calls from
     * subprograms (each program's own call graph is ≤ 8 deep, which is all its verifier checks) while bpf4j's engines
     * stopped them at the ninth frame of the invocation. With 8 frames counted per program, from the frame the running
     * program was entered in, the groups that pile up more than 8 frames (measured with a tail call observer on
     * bpf4j) leave the same memory and r0 as the kernel.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void framesPiledUpByTailCallsFromSubprogramsRunAsOnLinux(Engine engine) {
        SplittableRandom random = new SplittableRandom(0x5B_CA11L);
        DifferentialHarness harness = new DifferentialHarness("tail-calls-piled-frames-" + engine.name());
        int deepest = 0;
        for (int i = 0; i < 60; i++) {
            Group g = group(random, true);
            int[] frames = {0};
            io.bpf4j.runtime.TailCallObserver depth = new io.bpf4j.runtime.TailCallObserver() {
                @Override
                public void tailCalled(Invocation invocation, ProgramImage from, int slot, ProgramImage target) {
                    frames[0] = Math.max(frames[0], invocation.memory().deepestOpenFrame() + 1);
                }

                @Override
                public void fellThrough(Invocation invocation, ProgramImage from, long index, io.bpf4j.runtime.TailCallObserver.FallThrough reason) {
                    frames[0] = Math.max(frames[0], invocation.memory().deepestOpenFrame() + 1);
                }
            };
            try {
                embedded(engine, g, depth);
            } catch (io.bpf4j.runtime.ExecutionException e) {
                frames[0] = Integer.MAX_VALUE; // compared below: the kernel runs every group
            }
            if (frames[0] <= io.bpf4j.runtime.memory.AddressSpace.MAX_FRAMES) continue;
            deepest = Math.max(deepest, frames[0]);
            compareOne(harness, engine, 0x5B_CA11L, i, true, g);
        }
        harness.finish();
        System.out.println("groups of seed 5bca11 that piled up more than 8 frames on " + engine.name() + ": "
                + harness.programs() + " of 60, at most " + deepest + " frames");
        assertThat(harness.programs()).as("groups that piled up more than 8 frames (what bpf4j used to stop)").isPositive();
    }

    @ParameterizedTest
    @MethodSource("engines")
    @Tag("long")
    void manyRandomTailCallGroupsAgreeWithTheKernel(Engine engine) {
        Report plain = compare(engine, 0x7A11_0002L, 5_000, false);
        plain.harness().finish();
        assertThat(plain.harness().programs()).isEqualTo(5_000);
        Report subs = compare(engine, 0x5B_0002L, 5_000, true);
        subs.harness().finish();
        assertThat(subs.harness().programs()).isEqualTo(5_000);
    }
}
