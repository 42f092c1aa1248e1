package io.bpf4j.linux;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Size;
import io.bpf4j.isa.text.Disassembler;
import io.bpf4j.verifier.ProgramRejectedException;
import io.bpf4j.verifier.VerificationOptions;
import io.bpf4j.verifier.VerificationRequest;
import io.bpf4j.verifier.Verifier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential verification: bpf4j's verifier (privileged, as root's kernel is) and the Linux kernel's verifier
 * judge the same programs — the random programs of {@link RandomPrograms} wrapped as the kernel runs them,
 * and mutants of them that break one rule each. Both must accept or both reject; for rejections the reason
 * (the verifier's last line) and the pc are compared too.
 */
@ExtendWith(KernelTests.class)
class KernelVerifierDifferentialTest {
    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel(ProgramType.XDP);
    }

    /** A verdict: null reason means accepted. */
    record Verdict(String reason, int pc) {
        boolean accepted() {
            return reason == null;
        }

        @Override
        public String toString() {
            return accepted() ? "accepted" : "rejected at pc " + pc + ": " + reason;
        }
    }

    static Verdict kernelVerdict(Instructions program, boolean privileged) {
        try (KernelProgram p = KernelProgram.load(ProgramLoadSpec.of("vdiff", ProgramType.XDP, program)
                .withPrivileges(privileged ? LoadPrivileges.PROCESS : LoadPrivileges.WITHOUT_PERFMON))) {
            return new Verdict(null, -1);
        } catch (ProgramRejectedException e) {
            String reason = VerifierLog.reason(e.log());
            return new Verdict(reason == null ? "(no message, " + e.errno() + ")" : reason, e.pc());
        }
    }

    static Verdict bpf4jVerdict(Instructions program, Map<Integer, MapDefinition> maps, boolean privileged) {
        try {
            Verifier.verify(VerificationRequest.of("vdiff", program, ProgramType.XDP).withMaps(maps)
                    .withOptions(VerificationOptions.DEFAULT.withPrivileged(privileged).withLogLevel(1)));
            return new Verdict(null, -1);
        } catch (ProgramRejectedException e) {
            String m = e.getMessage();
            return new Verdict(m.substring(m.indexOf(": ") + 2), e.pc());
        }
    }

    /** One rule broken on purpose: (program, random) → mutant. */
    record Mutation(String name, BiFunction<List<Instruction>, SplittableRandom, List<Instruction>> apply) {}

    static final int PROLOGUE_NULL_CHECK = 5; // KernelIsaRunner.wrap: store, mov, add, lddw, call, then the null check

    static List<Mutation> mutations() {
        return List.of(
                new Mutation("no null check after map lookup", (p, r) -> set(p, PROLOGUE_NULL_CHECK, Instruction.Jump.always(1))),
                new Mutation("memory access beyond the map value", (p, r) -> retarget(p, r, 64)),
                new Mutation("memory access before the map value", (p, r) -> retarget(p, r, -8)),
                new Mutation("read of a register the helper call clobbered", (p, r) -> insert(p, body(p), Instruction.Alu.reg(true, AluOp.ADD, 0, 3 + r.nextInt(3)))),
                new Mutation("division by constant zero", (p, r) -> insert(p, body(p) + r.nextInt(8), Instruction.Alu.imm(r.nextBoolean(), r.nextBoolean() ? AluOp.DIV : AluOp.MOD, 0, 0))),
                new Mutation("constant shift out of range", (p, r) -> insert(p, body(p) + r.nextInt(8), Instruction.Alu.imm(true, AluOp.LSH, 2, 64 + r.nextInt(10)))),
                new Mutation("stack write above the frame", (p, r) -> insert(p, body(p), Instruction.Store.imm(Size.DW, 10, 8, 1))),
                new Mutation("infinite loop", (p, r) -> insert(p, body(p) + r.nextInt(8), Instruction.Jump.always(-1))),
                new Mutation("jump out of the program", (p, r) -> insert(p, body(p), Instruction.Jump.always(30_000))),
                new Mutation("unbounded pointer arithmetic", (p, r) -> insert(p, body(p) + 9, Instruction.Alu.reg(true, AluOp.ADD, 1, 2))),
                new Mutation("misaligned atomic", (p, r) -> insert(p, body(p), new Instruction.Atomic(Size.DW, AtomicOp.ADD, false, 1, 2, 1 + r.nextInt(7)))),
                new Mutation("pointer stored into the map value", (p, r) -> insert(p, body(p), Instruction.Store.reg(Size.DW, 1, 8 * r.nextInt(8), 10))),
                new Mutation("read of stack never written", (p, r) -> insert(p, body(p), new Instruction.Load(Size.DW, false, 0, 10, -64))),
                new Mutation("unknown helper", (p, r) -> insert(p, body(p), Instruction.Call.helper(9999))),
                new Mutation("write through the frame pointer register", (p, r) -> insert(p, body(p), Instruction.Alu.imm(true, AluOp.ADD, 10, 8))),
                new Mutation("narrow load of the map value pointer", (p, r) -> insert(p, body(p), new Instruction.Load(Size.W, false, 0, 1, 62))));
    }

    /** Where the wrapped body starts: after the prologue (lookup, null check, exit, r1 = r0, r2 = len, r0 = 0). */
    static int body(List<Instruction> p) {
        return PROLOGUE_NULL_CHECK + 5;
    }

    static List<Instruction> set(List<Instruction> p, int index, Instruction insn) {
        List<Instruction> out = new ArrayList<>(p);
        out.set(index, insn);
        return out;
    }

    /** Inserting before any jump target would shift it: only insert where no jump crosses (the body's start region). */
    static List<Instruction> insert(List<Instruction> p, int index, Instruction insn) {
        List<Instruction> out = new ArrayList<>(p);
        out.add(Math.min(index, body(p) + 8), insn);
        return out;
    }

    /** Moves one memory access through r1 to {@code base} plus its own offset. */
    static List<Instruction> retarget(List<Instruction> p, SplittableRandom r, int base) {
        List<Integer> candidates = new ArrayList<>();
        for (int i = body(p); i < p.size(); i++) {
            if (p.get(i) instanceof Instruction.Load l && l.src() == 1 || p.get(i) instanceof Instruction.Store s && s.dst() == 1) candidates.add(i);
        }
        int i = candidates.get(r.nextInt(candidates.size()));
        Instruction moved = switch (p.get(i)) {
            case Instruction.Load l -> new Instruction.Load(l.size(), l.signExtend(), l.dst(), l.src(), base + (l.offset() & 7));
            case Instruction.Store s -> new Instruction.Store(s.size(), s.dst(), base + (s.offset() & 7), s.source(), s.src(), s.imm());
            default -> throw new AssertionError();
        };
        return set(p, i, moved);
    }

    /**
     * Divergences found by this test and reported, pinned by name so the suite stays meaningful for
     * everything else: a known one is collected apart, and {@link #knownDivergencesStillReproduce} fails once
     * bpf4j's verifier is fixed (then delete the entry).
     */
    enum Known {
        /**
         * Same verdict and pc, different words for out-of-range pointer arithmetic on a map value. Linux, by
         * case: "value -2147483648 makes map_value pointer be out of bounds", "R2 has unknown scalar with mixed
         * signed bounds, pointer arithmetic with it prohibited for !root", "R1 pointer arithmetic of map value
         * goes out of range, prohibited for !root"; bpf4j answers some of these with "R1 map_value pointer
         * offset out of allowed range" or with another of Linux's sentences.
         */
        POINTER_ARITHMETIC_MESSAGE;

        private static final java.util.regex.Pattern POINTER_ARITHMETIC = java.util.regex.Pattern.compile(
                "makes map_value pointer be out of bounds|pointer arithmetic .*prohibited for !root|map_value pointer offset out of allowed range");

        static Known classify(Verdict kernel, Verdict bpf4j) {
            if (!kernel.accepted() && !bpf4j.accepted() && kernel.pc() == bpf4j.pc()
                    && POINTER_ARITHMETIC.matcher(kernel.reason()).find() && POINTER_ARITHMETIC.matcher(bpf4j.reason()).find()) {
                return POINTER_ARITHMETIC_MESSAGE;
            }
            return null;
        }
    }

    record Report(List<String> verdictDiffs, Map<String, String> reasonDiffs, Map<Known, Integer> known, int rejectedBoth) {}

    private static final Map<String, Report> REPORTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** A run's report, computed once per JVM (the known-divergence test reads the same runs). */
    static Report compare(long seed, int programs, boolean privileged) {
        return REPORTS.computeIfAbsent(seed + "/" + programs + "/" + privileged, k -> run(seed, programs, privileged));
    }

    private static Report run(long seed, int programs, boolean privileged) {
        SplittableRandom random = new SplittableRandom(seed);
        RandomPrograms generator = new RandomPrograms(random);
        List<Mutation> mutations = mutations();
        List<String> verdictDiffs = new ArrayList<>();
        Map<String, String> reasonDiffs = new TreeMap<>();
        Map<Known, Integer> known = new java.util.EnumMap<>(Known.class);
        int rejectedBoth = 0;
        try (KernelMap memory = KernelMap.create(new MapDefinition("vd_memory", MapType.ARRAY, 4, RandomPrograms.MEMORY, 1));
             KernelMap result = KernelMap.create(new MapDefinition("vd_result", MapType.ARRAY, 4, 8, 1))) {
            Map<Integer, MapDefinition> maps = Map.of(memory.fd(), memory.definition(), result.fd(), result.definition());
            for (int i = 0; i < programs; i++) {
                // the generator's jumps only skip forward inside its body, and the first 9 body instructions are
                // the register loads no jump starts before, so inserting there shifts no jump's target
                List<Instruction> valid = KernelIsaRunner.wrap(generator.program(30), memory.fd(), RandomPrograms.MEMORY, result.fd()).list();
                Mutation m = i % 3 == 0 ? null : mutations.get(random.nextInt(mutations.size()));
                Instructions program = Instructions.of(m == null ? valid : m.apply().apply(valid, random));
                Verdict kernel = kernelVerdict(program, privileged), bpf4j = bpf4jVerdict(program, maps, privileged);
                String what = (privileged ? "privileged" : "without CAP_PERFMON") + ", seed " + Long.toHexString(seed) + " #" + i
                        + " (" + (m == null ? "unmutated" : m.name()) + ")";
                Known k = Known.classify(kernel, bpf4j);
                if (k != null) {
                    known.merge(k, 1, Integer::sum);
                } else if (kernel.accepted() != bpf4j.accepted()) {
                    if (verdictDiffs.size() < 8) {
                        verdictDiffs.add(what + ": kernel " + kernel + " / bpf4j " + bpf4j + "\n" + Disassembler.listing(program));
                    }
                } else if (!kernel.accepted()) {
                    rejectedBoth++;
                    // the kernel's log does not always show the pc (CFG checks run before any instruction line)
                    boolean samePc = kernel.pc() < 0 || kernel.pc() == bpf4j.pc();
                    // Linux may follow the verdict with a range note: "verdict (R1 min value is outside ...)"
                    boolean sameReason = kernel.reason().equals(bpf4j.reason()) || kernel.reason().startsWith(bpf4j.reason() + " (");
                    if (!sameReason || !samePc) {
                        reasonDiffs.putIfAbsent(m == null ? "unmutated" : m.name(), what + ": kernel " + kernel + " / bpf4j " + bpf4j);
                    }
                }
            }
        }
        System.out.printf("differential verifier-%s-seed-%x: %d programs, %d mismatches (%d rejected by both with the same reason), known divergences %s%n",
                privileged ? "privileged" : "without-perfmon", seed, programs, verdictDiffs.size() + reasonDiffs.size(), rejectedBoth, known);
        return new Report(verdictDiffs, reasonDiffs, known, rejectedBoth);
    }

    @Test
    void bpf4jsVerifierJudgesLikeTheKernels() {
        Report r = compare(0xBE41F1E5L, 300, true);
        assertThat(r.verdictDiffs()).as("programs one verifier accepts and the other rejects").isEmpty();
        assertThat(r.reasonDiffs()).as("same verdict, different reason or pc").isEmpty();
        assertThat(r.rejectedBoth()).isGreaterThan(100);
    }

    /** The seed's default: bpf4j's unprivileged verifier against Linux without CAP_PERFMON. */
    @Test
    void bpf4jsUnprivilegedVerifierJudgesLikeTheKernelWithoutPerfmon() {
        Report r = compare(0x0BE41F1EL, 300, false);
        assertThat(r.verdictDiffs()).as("programs one verifier accepts and the other rejects").isEmpty();
        assertThat(r.reasonDiffs()).as("same verdict, different reason or pc").isEmpty();
        assertThat(r.rejectedBoth()).isGreaterThan(100);
    }

    /** Each {@link Known} divergence, reproduced: when one stops reproducing, bpf4j was fixed — delete it. */
    @Test
    void knownDivergencesStillReproduce() {
        Map<Known, Integer> seen = new java.util.EnumMap<>(compare(0xBE41F1E5L, 300, true).known());
        seen.putAll(compare(0x0BE41F1EL, 300, false).known());
        assertThat(seen).containsOnlyKeys(Known.values());
    }

    @Test
    @Tag("long")
    void bpf4jsVerifierJudgesLikeTheKernelsOnManyPrograms() {
        for (boolean privileged : new boolean[] {true, false}) {
            Report r = compare(0x5EED_0003L, 10_000, privileged);
            assertThat(r.verdictDiffs()).as("programs one verifier accepts and the other rejects").isEmpty();
            assertThat(r.reasonDiffs()).as("same verdict, different reason or pc").isEmpty();
        }
    }
}
