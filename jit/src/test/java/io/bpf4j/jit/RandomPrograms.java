package io.bpf4j.jit;

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

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random programs for the differential fuzzer: ALU and byte-order instructions of every kind, forward jumps, bounded
 * (and now and then endless) loops, stack and caller-memory loads, stores and atomics (now and then out of bounds),
 * helper calls (one that can end the program, one that faults), bpf2bpf calls (now and then runaway recursion),
 * callx through function pointers and helper numbers, tail calls through a prog array of random targets, legacy
 * packet loads. Everything an unverified program may do, so engines are compared on errors as well as results.
 */
final class RandomPrograms {
    /** A generated case: the entry program, the tail call targets, the input memory and the options. */
    record Case(long seed, ProgramImage entry, List<ProgramImage> targets, byte[] memory, RuntimeOptions options) {}

    static final HelperRegistry HELPERS = HelperRegistry.empty()
            .with(1, "mix", (inv, a, b, c, d, e) -> a * 31 + (b ^ (c << 3)) - d + (e >>> 7))
            .with(2, "stop_at_7", (inv, a, b, c, d, e) -> {
                if (b == 7) inv.requestExit();
                return b + 1;
            })
            .with(3, "read_u64", (inv, a, b, c, d, e) -> inv.memory().load64(a + (b & 0x38)));

    private static final AluOp[] ALU = AluOp.values();
    private static final JumpOp[] CONDITIONS = {JumpOp.JEQ, JumpOp.JGT, JumpOp.JGE, JumpOp.JSET, JumpOp.JNE, JumpOp.JSGT,
            JumpOp.JSGE, JumpOp.JLT, JumpOp.JLE, JumpOp.JSLT, JumpOp.JSLE};
    private static final int MEMORY = 64;
    private static final long[] BUDGETS = {1, 40, 300, 1000, 2500};
    private static final int[] LIMITS = {0, 1, 5, 33};

    private RandomPrograms() {}

    static Case generate(long seed) {
        Random rnd = new Random(seed);
        // odd seeds: a prog array without a slot array, so both ways compiled tail calls read a slot are compared
        Slots slots = (seed & 1) == 0 ? new Slots(4) : Slots.targetOnly(4);
        int targetCount = rnd.nextInt(4);
        boolean tailCalls = targetCount > 0 || rnd.nextInt(10) == 0;
        List<ProgramImage> targets = new ArrayList<>();
        for (int t = 0; t < targetCount; t++) {
            ProgramImage target = program("target" + t, rnd, slots, tailCalls, true);
            targets.add(target);
            slots.set(rnd.nextInt(4), target);
        }
        ProgramImage entry = program("entry", rnd, slots, tailCalls, false);
        byte[] memory = new byte[MEMORY];
        rnd.nextBytes(memory);
        // a few fixed option sets: each gets one pair of generation-aligned invocations (see Runs.alignedPair)
        RuntimeOptions options = RuntimeOptions.DEFAULTS.withInstructionBudget(rnd.nextInt(5) == 0 ? BUDGETS[rnd.nextInt(BUDGETS.length)] : 200_000);
        if (rnd.nextInt(4) == 0) options = options.withTailCallLimit(LIMITS[rnd.nextInt(LIMITS.length)]);
        return new Case(seed, entry, targets, memory, options);
    }

    private static ProgramImage program(String name, Random rnd, Slots slots, boolean tailCalls, boolean initialiseAll) {
        Gen g = new Gen(rnd, tailCalls);
        int subs = rnd.nextInt(4);
        int[] entries = new int[subs + 1];
        for (int f = 0; f <= subs; f++) entries[f] = g.newLabel();
        for (int f = 0; f <= subs; f++) {
            g.bind(entries[f]);
            g.function = f;
            g.functions = entries;
            if (f == 0) {
                for (int r = 0; r <= 9; r++) {
                    if (r == 1) continue;
                    if (initialiseAll || rnd.nextInt(3) > 0) g.add(rnd.nextBoolean() ? Instruction.Alu.imm(true, AluOp.MOV, r, rnd.nextInt())
                            : Instruction.LoadImm64.constant(r, rnd.nextLong()));
                }
            }
            g.body(6 + rnd.nextInt(f == 0 ? 40 : 20), true);
            g.add(Instruction.Alu.imm(true, AluOp.MOV, 0, rnd.nextInt(1000)));
            g.add(new Instruction.Exit());
        }
        return ProgramImage.load(name, g.build(), HELPERS, List.of(slots));
    }

    /** An immediate worth testing: 0, -1, INT_MIN, a small value or any value. */
    static int interestingImmediate(java.util.Random rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> Integer.MIN_VALUE;
            case 3 -> rnd.nextInt(16);
            default -> rnd.nextInt();
        };
    }

    private static final class Gen {
        private final Random rnd;
        private final boolean tailCalls;
        private final LabelledCode code = new LabelledCode();
        int function;
        int[] functions;
        private boolean inLoop;

        Gen(Random rnd, boolean tailCalls) {
            this.rnd = rnd;
            this.tailCalls = tailCalls;
        }

        int newLabel() {
            return code.newLabel();
        }

        void bind(int label) {
            code.bind(label);
        }

        void add(Instruction insn) {
            code.add(insn);
        }

        /** A data register to write: r0, r2–r9 (r9 is the loop counter inside loops); rarely r1 or r10. */
        private int dst() {
            if (rnd.nextInt(150) == 0) return rnd.nextBoolean() ? 1 : 10;
            int r;
            do {
                r = rnd.nextInt(10);
            } while (r == 1 || inLoop && r == 9);
            return r;
        }

        private int any() {
            return rnd.nextInt(11);
        }

        private void body(int size, boolean loopsAllowed) {
            List<int[]> pending = new ArrayList<>(); // {label, bind after this many more items}
            for (int i = 0; i < size; i++) {
                int k = rnd.nextInt(100);
                if (k < 40) alu();
                else if (k < 44) add(new Instruction.Endian(EndianOp.values()[rnd.nextInt(3)], dst(), 16 << rnd.nextInt(3)));
                else if (k < 52) load();
                else if (k < 60) store();
                else if (k < 63) atomic();
                else if (k < 65) add(Instruction.LoadImm64.constant(dst(), rnd.nextLong()));
                else if (k < 73) {
                    int label = newLabel();
                    conditional(label);
                    pending.add(new int[] {label, 1 + rnd.nextInt(8)});
                } else if (k < 78) helper();
                else if (k < 84) call();
                else if (k < 88 && loopsAllowed && !inLoop) loop();
                else if (k < 91 && tailCalls && function == 0) tailCall();
                else if (k < 92 && rnd.nextInt(4) == 0) add(new Instruction.PacketLoad(Size.values()[rnd.nextInt(3)], rnd.nextBoolean(), 0, rnd.nextInt(16)));
                else alu();
                for (int[] p : pending) p[1]--;
                pending.removeIf(p -> {
                    if (p[1] > 0) return false;
                    bind(p[0]);
                    return true;
                });
            }
            for (int[] p : pending) bind(p[0]);
        }

        private void alu() {
            AluOp op = ALU[rnd.nextInt(ALU.length)];
            boolean alu64 = op == AluOp.MOVSX32 || rnd.nextBoolean();
            int d = dst();
            if (op == AluOp.NEG) add(Instruction.Alu.imm(alu64, op, d, 0));
            else if (op.isSignExtendingMove() || rnd.nextBoolean()) add(Instruction.Alu.reg(alu64, op, d, any()));
            else add(Instruction.Alu.imm(alu64, op, d, op.isShift() && rnd.nextInt(4) > 0 ? rnd.nextInt(64) : interesting()));
        }

        private int interesting() {
            return RandomPrograms.interestingImmediate(rnd);
        }

        private void conditional(int label) {
            JumpOp op = CONDITIONS[rnd.nextInt(CONDITIONS.length)];
            if (rnd.nextBoolean()) code.jump(rnd.nextBoolean(), op, any(), Source.REG, any(), 0, label);
            else code.jump(rnd.nextBoolean(), op, any(), Source.IMM, 0, interesting(), label);
        }

        /** A base register and an offset: mostly inside the stack frame or the caller memory, rarely outside. */
        private int[] where(int bytes) {
            boolean stack = rnd.nextBoolean();
            int offset;
            if (rnd.nextInt(40) == 0) offset = rnd.nextInt(1200) - 600;
            else if (stack) offset = -bytes * (1 + rnd.nextInt(512 / bytes));
            else offset = bytes * rnd.nextInt(MEMORY / bytes);
            return new int[] {stack ? 10 : 1, offset};
        }

        private void load() {
            Size size = Size.values()[rnd.nextInt(4)];
            int[] w = where(size.bytes());
            add(new Instruction.Load(size, size != Size.DW && rnd.nextInt(4) == 0, dst(), w[0], w[1]));
        }

        private void store() {
            Size size = Size.values()[rnd.nextInt(4)];
            int[] w = where(size.bytes());
            if (rnd.nextBoolean()) add(Instruction.Store.reg(size, w[0], w[1], any()));
            else add(Instruction.Store.imm(size, w[0], w[1], interesting()));
        }

        private void atomic() {
            Size size = rnd.nextBoolean() ? Size.W : Size.DW;
            AtomicOp op = AtomicOp.values()[rnd.nextInt(AtomicOp.values().length)];
            int[] w = where(size.bytes());
            int src = dst();
            if (op == AtomicOp.CMPXCHG && src == 0) src = 2;
            add(new Instruction.Atomic(size, op, op.alwaysFetches() || rnd.nextBoolean(), w[0], src, w[1]));
        }

        private void helper() {
            int id = 1 + rnd.nextInt(3);
            if (id == 2 && rnd.nextInt(3) == 0) add(Instruction.Alu.imm(true, AluOp.MOV, 2, 7));
            add(Instruction.Call.helper(id));
        }

        private void call() {
            int later = functions.length - 1 - function;
            boolean recurse = rnd.nextInt(60) == 0;
            if (later <= 0 && !recurse) {
                helper();
                return;
            }
            int callee = recurse ? function : function + 1 + rnd.nextInt(later);
            if (!tailCalls && rnd.nextInt(4) == 0) {
                // callx: through a function pointer or a helper number
                int reg = 2 + rnd.nextInt(3);
                if (rnd.nextBoolean()) code.functionRef(reg, functions[callee]);
                else add(Instruction.Alu.imm(true, AluOp.MOV, reg, 1 + rnd.nextInt(3)));
                add(new Instruction.CallIndirect(reg));
            } else {
                code.call(functions[callee]);
            }
        }

        private void loop() {
            int start = newLabel();
            add(Instruction.Alu.imm(true, AluOp.MOV, 9, 1 + rnd.nextInt(6)));
            bind(start);
            inLoop = true;
            body(2 + rnd.nextInt(8), false);
            inLoop = false;
            if (rnd.nextInt(30) == 0) {
                code.jump(false, JumpOp.JA, 0, Source.IMM, 0, 0, start); // endless: the budget stops it
            } else {
                add(Instruction.Alu.imm(true, AluOp.SUB, 9, 1));
                code.jump(false, JumpOp.JNE, 9, Source.IMM, 0, 0, start);
            }
        }

        private void tailCall() {
            add(new Instruction.LoadImm64(2, Pseudo.MAP_IDX, 0, 0));
            add(Instruction.Alu.imm(true, AluOp.MOV, 3, rnd.nextInt(10) == 0 ? rnd.nextInt() : rnd.nextInt(5)));
            add(Instruction.Call.helper(12));
        }

        Instructions build() {
            return code.build();
        }
    }
}
