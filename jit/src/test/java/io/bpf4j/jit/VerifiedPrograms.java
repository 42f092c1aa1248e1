package io.bpf4j.jit;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.abi.ContextLayout;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;
import io.bpf4j.isa.Source;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;
import io.bpf4j.verifier.ProgramRejectedException;
import io.bpf4j.verifier.VerificationOptions;
import io.bpf4j.verifier.VerificationRequest;
import io.bpf4j.verifier.VerificationResult;
import io.bpf4j.verifier.Verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random programs the verifier accepts (privileged mode, a raw-memory context of {@value #CONTEXT} bytes), loaded with
 * the verifier's facts so that the JIT compiles their proven accesses directly ({@link AccessPlan}): loads, stores and
 * atomics on the frame through r10 (every size and alignment the verifier allows), on the context (r6, a copy of r1),
 * on a map value (r7, at constant and at masked variable offsets), and through pointers into the caller's frame in
 * bpf2bpf callees (checked accesses next to direct ones on the same bytes); ALU, byte swaps, forward branches,
 * bounded loops, bpf2bpf calls and tail calls into other such programs (which share the frame). A program the
 * verifier refuses after all is loaded unverified, and counted.
 */
final class VerifiedPrograms {
    static final int CONTEXT = 64, VALUE = 64;
    private static final int[] SCRATCH = {0, 2, 3, 4, 5, 8, 9};
    private static final AluOp[] ALU = {AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.DIV, AluOp.OR, AluOp.AND, AluOp.LSH,
            AluOp.RSH, AluOp.NEG, AluOp.MOD, AluOp.XOR, AluOp.MOV, AluOp.ARSH};
    private static final JumpOp[] CONDITIONS = {JumpOp.JEQ, JumpOp.JGT, JumpOp.JGE, JumpOp.JSET, JumpOp.JNE, JumpOp.JSGT,
            JumpOp.JSGE, JumpOp.JLT, JumpOp.JLE, JumpOp.JSLT, JumpOp.JSLE};
    private static final MapDefinition VALUE_MAP = new MapDefinition("global", MapType.ARRAY, 4, VALUE, 1);
    private static final MapDefinition PROG_ARRAY = new MapDefinition("jumps", MapType.PROG_ARRAY, 4, 4, 4);

    /** A case: the entry, its targets, the caller memory (the context), the map value and its initial bytes. */
    record Case(long seed, ProgramImage entry, List<ProgramImage> targets, byte[] memory, Region value, byte[] valueBytes,
                RuntimeOptions options, int rejected) {}

    private VerifiedPrograms() {}

    static Case generate(long seed) {
        Random rnd = new Random(seed);
        Slots slots = new Slots(4);
        Region value = Region.allocate(RegionKind.MAP_VALUE, "global", VALUE);
        List<Object> objects = List.of(value, slots);
        int targetCount = rnd.nextInt(3);
        List<ProgramImage> targets = new ArrayList<>();
        int rejected = 0;
        for (int t = 0; t < targetCount; t++) {
            ProgramImage target = load("target" + t, rnd, objects, targetCount > 0);
            if (target.verification() == null) rejected++;
            targets.add(target);
            slots.set(rnd.nextInt(4), target);
        }
        ProgramImage entry = load("entry", rnd, objects, targetCount > 0 || rnd.nextInt(8) == 0);
        if (entry.verification() == null) rejected++;
        byte[] memory = new byte[CONTEXT];
        rnd.nextBytes(memory);
        byte[] valueBytes = new byte[VALUE];
        rnd.nextBytes(valueBytes);
        RuntimeOptions options = RuntimeOptions.DEFAULTS;
        if (rnd.nextInt(4) == 0) options = options.withTailCallLimit(rnd.nextInt(4));
        return new Case(seed, entry, targets, memory, value, valueBytes, options, rejected);
    }

    private static ProgramImage load(String name, Random rnd, List<Object> objects, boolean tailCalls) {
        Instructions code = new Gen(rnd, tailCalls).program();
        VerificationRequest req = VerificationRequest.of(name, code, ProgramType.UNSPEC)
                .withContext(ContextLayout.rawMemory(CONTEXT))
                .withMaps(Map.of(0, VALUE_MAP, 1, PROG_ARRAY))
                .withOptions(VerificationOptions.DEFAULT.withPrivileged(true).withLogLevel(0));
        VerificationResult verified;
        try {
            verified = Verifier.verify(req);
        } catch (ProgramRejectedException e) {
            if (Boolean.getBoolean("bpf4j.fuzz.showRejections")) System.out.println("REJECTED " + e.getMessage().lines().findFirst().orElse(""));
            verified = null;
        }
        return ProgramImage.load(name, code, HelperRegistry.empty(), objects, verified);
    }

    private static final class Gen {
        private final Random rnd;
        private final boolean tailCalls;
        private final LabelledCode code = new LabelledCode();
        private boolean subprogram, inLoop, hasCalls;
        private final List<Integer> calleeLabels = new ArrayList<>();
        private final java.util.Set<Integer> called = new java.util.HashSet<>();

        Gen(Random rnd, boolean tailCalls) {
            this.rnd = rnd;
            this.tailCalls = tailCalls;
        }

        Instructions program() {
            int callees = rnd.nextInt(3);
            hasCalls = callees > 0;
            for (int i = 0; i < callees; i++) calleeLabels.add(code.newLabel());
            // entry: r6 = ctx, r7 = the map value, scratch registers initialised
            add(Instruction.Alu.reg(true, AluOp.MOV, 6, 1));
            add(new Instruction.LoadImm64(7, Pseudo.MAP_VALUE, 0, 0));
            initScratch(true);
            body(10 + rnd.nextInt(40));
            for (int label : calleeLabels) if (!called.contains(label)) call(label); // no unreachable subprogram
            add(Instruction.Alu.imm(true, AluOp.AND, 0, 0xffff));
            add(new Instruction.Exit());
            subprogram = true;
            for (int label : calleeLabels) {
                code.bind(label);
                for (int r : new int[] {0, 8, 9}) add(Instruction.Alu.imm(true, AluOp.MOV, r, rnd.nextInt()));
                body(4 + rnd.nextInt(20));
                add(new Instruction.Exit());
            }
            return build();
        }

        private void initScratch(boolean all) {
            for (int r : SCRATCH) {
                if (!all && (r == 8 || r == 9)) continue;
                if (rnd.nextInt(3) == 0) add(Instruction.LoadImm64.constant(r, rnd.nextLong()));
                else add(Instruction.Alu.imm(rnd.nextBoolean(), AluOp.MOV, r, interesting()));
            }
        }

        private void add(Instruction insn) {
            code.add(insn);
        }

        private int scratch() {
            int r;
            do {
                r = SCRATCH[rnd.nextInt(SCRATCH.length)];
            } while (inLoop && r == 9);
            return r;
        }

        private int interesting() {
            return RandomPrograms.interestingImmediate(rnd);
        }

        /** The frame offsets this function may use: with bpf2bpf calls all frames together stay within 512 bytes. */
        private int frameOffset(int bytes) {
            int span = hasCalls ? 240 : 512;
            return -bytes * (1 + rnd.nextInt(span / bytes));
        }

        private void body(int size) {
            List<int[]> pending = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                int k = rnd.nextInt(100);
                if (k < 30) alu();
                else if (k < 33) add(new Instruction.Endian(EndianOp.values()[rnd.nextInt(3)], scratch(), 16 << rnd.nextInt(3)));
                else if (k < 47) frame();
                else if (k < 57 && !subprogram) context();
                else if (k < 67 && !subprogram) mapValue();
                else if (k < 71) atomic();
                else if (k < 79) {
                    int label = code.newLabel();
                    JumpOp op = CONDITIONS[rnd.nextInt(CONDITIONS.length)];
                    if (rnd.nextBoolean()) code.jump(rnd.nextBoolean(), op, scratch(), Source.REG, scratch(), 0, label);
                    else code.jump(rnd.nextBoolean(), op, scratch(), Source.IMM, 0, interesting(), label);
                    pending.add(new int[] {label, 1 + rnd.nextInt(6)});
                } else if (k < 83 && !inLoop && pending.isEmpty()) loop();
                else if (k < 87 && !subprogram && !inLoop && hasCalls) call();
                else if (k < 90 && !subprogram && !inLoop && tailCalls) tailCall();
                else alu();
                for (int[] p : pending) p[1]--;
                pending.removeIf(p -> {
                    if (p[1] > 0) return false;
                    code.bind(p[0]);
                    return true;
                });
            }
            for (int[] p : pending) code.bind(p[0]);
        }

        private void alu() {
            AluOp op = ALU[rnd.nextInt(ALU.length)];
            boolean alu64 = rnd.nextBoolean();
            int d = scratch();
            if (op == AluOp.NEG) add(Instruction.Alu.imm(alu64, op, d, 0));
            else if (rnd.nextBoolean()) add(Instruction.Alu.reg(alu64, op, d, scratch()));
            else if (op.isShift()) add(Instruction.Alu.imm(alu64, op, d, rnd.nextInt(alu64 ? 64 : 32)));
            else if (op == AluOp.DIV || op == AluOp.MOD) add(Instruction.Alu.imm(alu64, op, d, 1 + rnd.nextInt(1000))); // "div by zero"
            else add(Instruction.Alu.imm(alu64, op, d, interesting()));
        }

        /** r10-based loads and stores of every size, aligned as the verifier requires for the stack. */
        private void frame() {
            Size size = Size.values()[rnd.nextInt(4)];
            int off = frameOffset(size.bytes());
            if (subprogram && rnd.nextInt(4) == 0) {
                // through r1, the pointer into the caller's frame every call passes: a checked access
                int o = size.bytes() * rnd.nextInt(8 / size.bytes());
                if (rnd.nextBoolean()) add(new Instruction.Load(size, false, 0, 1, o));
                else add(Instruction.Store.reg(size, 1, o, scratch()));
                return;
            }
            if (rnd.nextBoolean()) {
                add(new Instruction.Load(size, size != Size.DW && rnd.nextInt(4) == 0, scratch(), 10, off));
            } else if (rnd.nextBoolean()) {
                add(Instruction.Store.reg(size, 10, off, scratch()));
            } else {
                add(Instruction.Store.imm(size, 10, off, interesting()));
            }
            if (rnd.nextInt(8) == 0) {
                // the same bytes through another register: a stack pointer the JIT checks
                add(Instruction.Alu.reg(true, AluOp.MOV, 8, 10));
                add(Instruction.Alu.imm(true, AluOp.ADD, 8, off));
                add(new Instruction.Load(size, false, 0, 8, 0));
                add(Instruction.Alu.imm(true, AluOp.MOV, 8, interesting()));
            }
        }

        private void context() {
            Size size = Size.values()[rnd.nextInt(4)];
            int off = rnd.nextInt(CONTEXT - size.bytes() + 1);
            if (rnd.nextBoolean()) add(new Instruction.Load(size, size != Size.DW && rnd.nextInt(4) == 0, scratch(), 6, off));
            else if (rnd.nextBoolean()) add(Instruction.Store.reg(size, 6, off, scratch()));
            else add(Instruction.Store.imm(size, 6, off, interesting()));
        }

        private void mapValue() {
            Size size = Size.values()[rnd.nextInt(4)];
            if (rnd.nextInt(3) == 0) {
                // a variable offset the verifier bounds: r8 = (rX & mask) + r7
                int mask = (VALUE - 8) & -size.bytes();
                add(Instruction.Alu.reg(true, AluOp.MOV, 8, scratch() == 8 ? 0 : 2));
                add(Instruction.Alu.imm(true, AluOp.AND, 8, mask));
                add(Instruction.Alu.reg(true, AluOp.ADD, 8, 7));
                if (rnd.nextBoolean()) add(new Instruction.Load(size, false, 0, 8, rnd.nextInt(8 - size.bytes() + 1)));
                else add(Instruction.Store.reg(size, 8, rnd.nextInt(8 - size.bytes() + 1), 0));
                add(Instruction.Alu.imm(true, AluOp.MOV, 8, interesting()));
                return;
            }
            int off = rnd.nextInt(VALUE - size.bytes() + 1);
            if (rnd.nextBoolean()) add(new Instruction.Load(size, size != Size.DW && rnd.nextInt(4) == 0, scratch(), 7, off));
            else if (rnd.nextBoolean()) add(Instruction.Store.reg(size, 7, off, scratch()));
            else add(Instruction.Store.imm(size, 7, off, interesting()));
        }

        private void atomic() {
            Size size = rnd.nextBoolean() ? Size.W : Size.DW;
            AtomicOp op = AtomicOp.values()[rnd.nextInt(AtomicOp.values().length)];
            int src = scratch();
            if (op == AtomicOp.CMPXCHG && src == 0) src = 2;
            int base = subprogram || rnd.nextBoolean() ? 10 : 7;
            int off = base == 10 ? frameOffset(8) : 8 * rnd.nextInt(VALUE / 8);
            add(new Instruction.Atomic(size, op, op.alwaysFetches() || rnd.nextBoolean(), base, src, off));
        }

        private void loop() {
            int start = code.newLabel();
            add(Instruction.Alu.imm(true, AluOp.MOV, 9, 1 + rnd.nextInt(5)));
            code.bind(start);
            inLoop = true;
            int n = 2 + rnd.nextInt(6);
            for (int i = 0; i < n; i++) {
                int k = rnd.nextInt(4);
                if (k == 0) alu();
                else if (k == 1) frame();
                else if (k == 2 && !subprogram) context();
                else if (!subprogram) mapValue();
                else alu();
            }
            inLoop = false;
            add(Instruction.Alu.imm(true, AluOp.SUB, 9, 1));
            code.jump(false, JumpOp.JNE, 9, Source.IMM, 0, 0, start);
        }

        private void call() {
            call(calleeLabels.get(rnd.nextInt(calleeLabels.size())));
        }

        private void call(int callee) {
            called.add(callee);
            add(Instruction.Alu.reg(true, AluOp.MOV, 1, 10));
            add(Instruction.Alu.imm(true, AluOp.ADD, 1, frameOffset(8)));
            for (int r = 2; r <= 5; r++) add(Instruction.Alu.imm(true, AluOp.MOV, r, interesting()));
            code.call(callee);
            for (int r = 1; r <= 5; r++) if (r != 1) add(Instruction.Alu.imm(true, AluOp.MOV, r, interesting()));
        }

        private void tailCall() {
            add(Instruction.Alu.reg(true, AluOp.MOV, 1, 6));
            add(new Instruction.LoadImm64(2, Pseudo.MAP_FD, 1, 0));
            add(Instruction.Alu.imm(true, AluOp.MOV, 3, rnd.nextInt(10) == 0 ? rnd.nextInt() : rnd.nextInt(5)));
            add(Instruction.Call.helper(12));
            add(Instruction.Alu.imm(true, AluOp.MOV, 0, interesting()));
            for (int r = 2; r <= 5; r++) add(Instruction.Alu.imm(true, AluOp.MOV, r, interesting()));
        }

        Instructions build() {
            return code.build();
        }
    }
}
