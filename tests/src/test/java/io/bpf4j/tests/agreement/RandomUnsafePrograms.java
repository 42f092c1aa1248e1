package io.bpf4j.tests.agreement;

import io.bpf4j.verifier.Asm;
import io.bpf4j.abi.Helper;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import static io.bpf4j.verifier.Asm.*;

/**
 * Seeded random programs that are sometimes unsafe, so that both verifiers must draw the line in the same
 * place: loads and stores at random offsets and sizes on the stack (including bytes never written, beyond the
 * frame, misaligned), the context (read-only and unknown fields, bad sizes), the packet (with a data_end check
 * of a random length or none) and map values (with or without the null check, constant or masked variable
 * offsets), pointers stored into maps and the context, registers read before they are written, pointer
 * arithmetic and pointers returned; tail calls whose R1, R2 and R3 are sometimes wrong and registers read after
 * them; bpf2bpf subprograms with random stack depths that sometimes tail-call (the 512-byte combined stack, the
 * 256-byte rule); helpers that write into the stack with lengths that are right, too large, zero or unbounded. Straight-line snippets with short forward branches; no loops.
 *
 * <p>Registers: r6 holds the context for the whole program; r7–r9 are scratch (each written at the start with
 * probability ¾); r0–r5 are clobbered by each helper call.
 */
final class RandomUnsafePrograms {
    static final String CORPUS = "random";
    static final int HASH = 1, ARRAY = 2, PROG_ARRAY = 3;
    static final Map<Integer, MapDefinition> MAPS = Map.of(
            HASH, new MapDefinition("rhash", MapType.HASH, 4, 16, 8),
            ARRAY, new MapDefinition("rarray", MapType.ARRAY, 4, 24, 4),
            PROG_ARRAY, new MapDefinition("rjmp", MapType.PROG_ARRAY, 4, 4, 4));

    private static final ProgramType[] TYPES = {ProgramType.XDP, ProgramType.SCHED_CLS, ProgramType.SOCKET_FILTER};
    private static final Size[] SIZES = {Size.B, Size.H, Size.W, Size.DW};

    private final RandomGenerator random;
    private ProgramType type;
    private List<Instruction> out;
    /** Index in {@link #out} of each local call, and the subprogram (0, 1) it calls; patched once the layout is known. */
    private List<int[]> calls;
    /** Whether the snippet being generated may be unsafe (one in three); a safe one keeps to what both verifiers accept. */
    private boolean risky;
    /** Scratch registers r7–r9 known to hold a scalar in the main program (safe snippets read only these). */
    private final boolean[] scalar = new boolean[10];
    /** 8-byte stack slots of the main frame fully written with a scalar (by offset). */
    private final List<Integer> written = new ArrayList<>();

    RandomUnsafePrograms(RandomGenerator random) {
        this.random = random;
    }

    static List<AgreementProgram> generate(long seed, int count) {
        RandomUnsafePrograms g = new RandomUnsafePrograms(new java.util.SplittableRandom(seed));
        List<AgreementProgram> programs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) programs.add(g.next(seed + "-" + i));
        return programs;
    }

    AgreementProgram next(String name) {
        type = TYPES[random.nextInt(TYPES.length)];
        out = new ArrayList<>();
        calls = new ArrayList<>();
        java.util.Arrays.fill(scalar, false);
        written.clear();
        out.add(movr(6, 1));
        for (int r = 7; r <= 9; r++) {                  // most scratch registers start written, a few do not
            if (random.nextInt(4) != 0) {
                out.add(random.nextBoolean() ? mov(r, random.nextInt(64)) : ldx(Size.W, r, 6, scalarContextField()));
                scalar[r] = true;
            }
        }
        int subprograms = random.nextInt(4) == 0 ? 1 + random.nextInt(2) : 0;
        if (subprograms > 0 && random.nextBoolean()) out.add(st(Size.DW, 10, -8 * (1 + random.nextInt(64)), 0)); // main's own stack
        int snippets = 1 + random.nextInt(4);
        for (int i = 0; i < snippets; i++) {
            risky = random.nextInt(3) == 0;
            if (subprograms > 0 && random.nextInt(3) == 0) callSubprogram(random.nextInt(subprograms));
            else snippet();
        }
        if (subprograms > 0 && calls.isEmpty()) callSubprogram(0);
        risky = random.nextInt(3) == 0;
        epilogue();
        List<Integer> starts = new ArrayList<>();
        for (int f = 0; f < subprograms; f++) {
            starts.add(slots(out));
            subprogram(f, subprograms);
        }
        for (int[] c : calls) {
            int pc = slots(out.subList(0, c[0]));
            out.set(c[0], callLocal(starts.get(c[1]) - (pc + 1)));
        }
        Instructions program = Instructions.of(out);
        Map<Integer, MapDefinition> used = new java.util.TreeMap<>();
        for (Instruction i : out) {
            if (i instanceof Instruction.LoadImm64 l && l.pseudo().refersToMap()) used.put(l.imm(), MAPS.get(l.imm()));
        }
        return AgreementProgram.of(CORPUS, name, type, program, used);
    }

    private static int slots(List<Instruction> list) {
        int n = 0;
        for (Instruction i : list) n += i.slots();
        return n;
    }

    /** A 4-byte context field every program type here may read and that holds a scalar. */
    private int scalarContextField() {
        return switch (type) {
            case XDP -> 12 + 4 * random.nextInt(2);                      // ingress_ifindex, rx_queue_index
            default -> random.nextBoolean() ? 0 : 48 + 4 * random.nextInt(5); // len, cb[0..4]
        };
    }

    /** A scratch register to write; it no longer holds a known scalar unless the caller says so. */
    private int target() {
        return 7 + random.nextInt(3);
    }

    private int written(int r, boolean isScalar) {
        scalar[r] = isScalar;
        return r;
    }

    /** A scratch register holding a scalar, or -1. */
    private int scalarSource() {
        List<Integer> l = new ArrayList<>();
        for (int r = 7; r <= 9; r++) if (scalar[r]) l.add(r);
        return l.isEmpty() ? -1 : l.get(random.nextInt(l.size()));
    }

    /** r1 = the context, a stack pointer or a scalar; call subprogram {@code f} (patched later); maybe use r0. */
    private void callSubprogram(int f) {
        switch (risky ? random.nextInt(4) : 2 + random.nextInt(2)) {
            case 0 -> out.add(mov(1, random.nextInt(100)));
            case 1 -> {
                out.add(st(Size.DW, 10, -16, 7));
                out.add(movr(1, 10));
                out.add(add(1, -16));
            }
            default -> out.add(movr(1, 6));
        }
        calls.add(new int[] {out.size(), f});
        out.add(callLocal(0));
        if (random.nextBoolean()) out.add(movr(written(target(), !risky), 0)); // r0 may be a leaked pointer when risky
    }

    /**
     * A subprogram: its own stack of a random depth (the combined-stack and frame limits), maybe a tail call with
     * the r1 it was given (the 256-byte rule when called with a deep caller stack; "expected=ctx" when r1 is not the
     * context), maybe a call to the next subprogram, maybe a use of its argument.
     */
    private void subprogram(int f, int count) {
        risky = random.nextInt(3) == 0;
        int maxDepthSlots = risky ? 64 : 16;
        if (random.nextInt(3) != 0) out.add(st(Size.DW, 10, -8 * (1 + random.nextInt(maxDepthSlots)), 0));
        if (risky && random.nextInt(3) == 0) out.add(ldx(Size.W, 2, 1, 0));        // reads through its argument
        if (random.nextBoolean()) {
            if (!risky) out.add(movr(6, 1));                                         // r6 is not the caller's here
            tailCallWith(risky ? -1 : 6);
        }
        if (f + 1 < count) {                                                           // every subprogram is reachable
            out.add(movr(1, 10));
            out.add(add(1, -8));
            out.add(st(Size.DW, 10, -8, 0));
            calls.add(new int[] {out.size(), f + 1});
            out.add(callLocal(0));
        }
        out.add(risky && random.nextInt(3) == 0 ? movr(0, 10) : mov(0, 0));
        out.add(exit());
    }

    /**
     * bpf_tail_call; when risky, each of R1 (the context from {@code ctxReg}, or -1 for whatever r1 holds), R2 and R3
     * is sometimes wrong, and a clobbered register may be read afterwards.
     */
    private void tailCallWith(int ctxReg) {
        if (ctxReg >= 0) out.add(movr(1, ctxReg));
        if (risky && random.nextInt(4) == 0) out.add(random.nextBoolean() ? movr(1, 10) : mov(1, 0));
        switch (risky ? random.nextInt(4) : 3) {
            case 0 -> out.add(lddwMap(2, ARRAY));
            case 1 -> out.add(mov(2, 0));
            default -> out.add(lddwMap(2, PROG_ARRAY));
        }
        switch (risky ? random.nextInt(5) : 3 + random.nextInt(2)) {
            case 0 -> out.add(movr(3, 10));
            case 1 -> { /* r3 as it is: maybe never written */ }
            case 2 -> out.add(ldx(Size.W, 3, 6, scalarContextField()));
            default -> out.add(mov(3, random.nextInt(6)));
        }
        out.add(call(Helper.TAIL_CALL.id()));
        if (risky && random.nextInt(2) == 0) out.add(movr(written(target(), true), random.nextInt(6))); // r0-r5 are unreadable now
    }

    private void snippet() {
        if (random.nextInt(10) == 0 && type != ProgramType.SOCKET_FILTER) {
            tailCallWith(6);
            return;
        }
        if (random.nextInt(8) == 0) {
            helperMemory();
            return;
        }
        switch (random.nextInt(9)) {
            case 0, 1 -> stack();
            case 2 -> context();
            case 3, 4 -> {
                if (type != ProgramType.SOCKET_FILTER || (risky && random.nextInt(4) == 0)) packet(); // no direct packet access there
                else stack();
            }
            case 5, 6 -> mapValue();
            case 7 -> scratch();
            default -> pointerArithmetic();
        }
    }

    private Size size() {
        return SIZES[random.nextInt(SIZES.length)];
    }

    /** Risky: in or near the frame, sometimes beyond it or misaligned. */
    private int stackOffset(Size s) {
        int bytes = s.bytes();
        return switch (random.nextInt(20)) {
            case 0, 1 -> -520 + random.nextInt(24);           // around the bottom
            case 2, 3 -> -8 + random.nextInt(24);             // around the top
            case 4 -> -1 - random.nextInt(64);                // any alignment
            default -> -bytes * (1 + random.nextInt(64 / bytes * 2));
        };
    }

    private void stack() {
        if (!risky) {
            int off = -8 * (2 + random.nextInt(62));                                       // fp-16 … fp-504, aligned
            int src = scalarSource();
            if (!written.isEmpty() && random.nextBoolean()) {
                int from = written.get(random.nextInt(written.size()));
                Size s = size();
                out.add(ldx(s, written(target(), true), 10, from + random.nextInt(8 / s.bytes()) * s.bytes()));
            } else if (src >= 0 && random.nextBoolean()) {
                out.add(stx(Size.DW, 10, off, src));
                written.add(off);
            } else {
                out.add(st(Size.DW, 10, off, random.nextInt(1000)));
                written.add(off);
            }
            return;
        }
        Size s = size();
        int off = stackOffset(s);
        switch (random.nextInt(5)) {
            case 0 -> out.add(st(s, 10, off, random.nextInt(1000)));
            case 1 -> out.add(stx(s, 10, off, random.nextInt(4) == 0 ? 6 : 7 + random.nextInt(3)));  // may spill a pointer or an unwritten register
            case 2 -> out.add(ldx(s, written(target(), true), 10, off));                   // may read stack never written
            case 3 -> {                                                                     // write then read back, possibly elsewhere
                out.add(st(Size.DW, 10, off & ~7, 1));
                out.add(ldx(s, written(target(), true), 10, random.nextBoolean() ? off : stackOffset(s)));
            }
            default -> {                                                                    // through a copy of the frame pointer
                int r = written(target(), false);
                out.add(movr(r, 10));
                out.add(add(r, -8 * random.nextInt(66)));
                out.add(ldx(s, written(target(), true), r, random.nextInt(16) - 8));
            }
        }
    }

    private int contextOffset() {
        int limit = switch (type) {
            case XDP -> 32;
            default -> 200;
        };
        return random.nextInt(12) == 0 ? -4 : random.nextInt(limit);
    }

    private void context() {
        if (!risky) {
            if (random.nextBoolean() || type == ProgramType.XDP) {
                out.add(ldx(Size.W, written(target(), true), 6, scalarContextField()));
            } else {
                int cb = 48 + 4 * random.nextInt(5);                                       // __sk_buff->cb[0..4]: writable
                int src = scalarSource();
                out.add(src >= 0 ? stx(Size.W, 6, cb, src) : st(Size.W, 6, cb, random.nextInt(100)));
            }
            return;
        }
        Size s = random.nextInt(3) == 0 ? size() : Size.W;
        int off = random.nextInt(3) == 0 ? contextOffset() : contextOffset() & ~3;
        switch (random.nextInt(4)) {
            case 0, 1 -> out.add(ldx(s, written(target(), false), 6, off));
            case 2 -> out.add(st(s, 6, off, random.nextInt(100)));
            default -> out.add(stx(s, 6, off, random.nextInt(3) == 0 ? 10 : 7 + random.nextInt(3)));   // may leak a pointer into the context
        }
    }

    /** data and data_end as the program type has them; socket filters get no direct packet access (a refusal). */
    private void packet() {
        int dataOff = type == ProgramType.XDP ? 0 : 76, endOff = type == ProgramType.XDP ? 4 : 80;
        out.add(ldx(Size.W, 2, 6, dataOff));
        out.add(ldx(Size.W, 3, 6, endOff));
        Size s = size();
        int checked = random.nextInt(40) + (risky ? 0 : 8);
        int off = !risky ? random.nextInt(checked - s.bytes() + 1) : switch (random.nextInt(4)) {
            case 0 -> -1 - random.nextInt(4);                                               // before the packet
            case 1, 2 -> random.nextInt(checked + 10);                                      // around the checked end
            default -> random.nextInt(Math.max(1, checked - s.bytes() + 1));
        };
        boolean store = random.nextInt(3) == 0;
        Instruction access = store ? st(s, 2, off, 7) : ldx(s, written(target(), true), 2, off);
        switch (risky ? random.nextInt(4) : 3) {
            case 0 -> out.add(access);                                                      // no bounds check
            case 1 -> {                                                                     // variable offset, then checked
                out.add(ldx(Size.B, 5, 2, 0));
                out.add(alu(AluOp.AND, 5, (1 << random.nextInt(6)) - 1));
                out.add(alur(AluOp.ADD, 2, 5));
                out.add(movr(4, 2));
                out.add(add(4, checked));
                out.add(jmpr(JumpOp.JGT, 4, 3, 1));
                out.add(access);
            }
            default -> {
                out.add(movr(4, 2));
                out.add(add(4, checked));
                boolean wrongSide = risky && random.nextInt(3) == 0;
                out.add(jmpr(JumpOp.JGT, 4, 3, wrongSide ? 0 : 1));
                out.add(access);
            }
        }
    }

    private void mapValue() {
        int map = random.nextBoolean() ? HASH : ARRAY;
        int valueSize = MAPS.get(map).valueSize();
        out.add(st(Size.W, 10, -4, random.nextInt(3)));
        out.add(movr(2, 10));
        out.add(add(2, -4));
        out.add(lddwMap(1, map));
        out.add(call(Helper.MAP_LOOKUP_ELEM.id()));
        Size s = size();
        int off = !risky ? random.nextInt(valueSize / s.bytes()) * s.bytes()
                : random.nextInt(4) == 0 ? -1 - random.nextInt(8) : random.nextInt(valueSize + 4);
        List<Instruction> use = new ArrayList<>();
        int src = scalarSource();
        switch (risky ? random.nextInt(5) : random.nextInt(3)) {
            case 0 -> use.add(ldx(s, written(target(), true), 0, off));
            case 1 -> use.add(st(s, 0, off, 9));
            case 2 -> use.add(risky || src < 0 ? stx(Size.DW, 0, off & ~7, random.nextInt(3) == 0 ? 6 : random.nextBoolean() ? 10 : 7 + random.nextInt(3)) // may leak
                    : stx(Size.DW, 0, Math.min(off & ~7, valueSize - 8), src));
            case 3 -> {                                                                     // masked variable offset
                use.add(movr(7, 0));
                use.add(call(Helper.GET_PRANDOM_U32.id()));
                use.add(alu(AluOp.AND, 0, (1 << random.nextInt(6)) - 1));
                use.add(alur(AluOp.ADD, 7, 0));
                use.add(ldx(s, 8, 7, 0));
                scalar[7] = false;
                scalar[8] = true;
            }
            default -> use.add(movr(written(8, false), 0));                                // keep the value pointer
        }
        if (!risky || random.nextInt(3) != 0) out.add(jeq(0, 0, use.size()));             // the null check
        out.addAll(use);
    }

    /**
     * A helper that writes into memory the program names: bpf_skb_load_bytes (socket filter, tc) or
     * bpf_xdp_load_bytes (XDP) into the stack — when risky, at a random depth (beyond the frame, above it), with a
     * length that is zero, too large for the room left, or an unbounded scalar.
     */
    private void helperMemory() {
        out.add(movr(1, 6));
        out.add(mov(2, random.nextInt(32)));
        int len = 1 + random.nextInt(64);
        int depth = risky ? random.nextInt(10) == 0 ? -random.nextInt(8) : 8 * (1 + random.nextInt(66))
                : 8 * (8 + random.nextInt(56));
        out.add(movr(3, 10));
        out.add(add(3, -depth));
        switch (risky ? random.nextInt(4) : 3) {
            case 0 -> out.add(mov(4, 0));
            case 1 -> out.add(ldx(Size.W, 4, 6, scalarContextField()));                       // unbounded length
            case 2 -> {
                out.add(ldx(Size.W, 4, 6, scalarContextField()));
                out.add(alu(AluOp.AND, 4, 63));
                out.add(add(4, 1));
            }
            default -> out.add(mov(4, risky ? len : Math.min(len, depth)));
        }
        out.add(call((type == ProgramType.XDP ? Helper.XDP_LOAD_BYTES : Helper.SKB_LOAD_BYTES).id()));
        if (!risky && random.nextBoolean()) out.add(ldx(Size.B, written(target(), true), 10, -depth));
    }

    private void scratch() {
        int r = target();
        int src = scalarSource();
        switch (random.nextInt(4)) {
            case 0 -> out.add(mov(written(r, true), random.nextInt(2000) - 1000));
            case 1 -> {
                if (risky) out.add(alur(AluOp.ADD, r, 7 + random.nextInt(3)));               // may read an unwritten register
                else if (src >= 0 && scalar[r]) out.add(alur(AluOp.ADD, r, src));
                else out.add(mov(written(r, true), 1));
            }
            case 2 -> {
                out.add(call(Helper.GET_PRANDOM_U32.id()));
                out.add(movr(written(r, true), 0));
            }
            default -> out.add(ldx(Size.W, written(r, true), 6, scalarContextField()));
        }
    }

    private void pointerArithmetic() {
        int r = target();
        if (!risky) {
            out.add(movr(written(r, false), 10));
            out.add(add(r, -8 * (1 + random.nextInt(64))));
            return;
        }
        int base = random.nextBoolean() ? 10 : 6;
        out.add(movr(written(r, false), base));
        switch (random.nextInt(4)) {
            case 0 -> out.add(add(r, random.nextInt(64) - 32));
            case 1 -> out.add(alu(AluOp.AND, r, 0xff));
            case 2 -> out.add(alur(AluOp.SUB, r, base == 10 ? 6 : 10));
            default -> out.add(alu32(AluOp.ADD, r, 4));
        }
    }

    private void epilogue() {
        int src = scalarSource();
        switch (risky ? random.nextInt(3) : 2 + random.nextInt(2)) {
            case 0 -> out.add(movr(0, 7 + random.nextInt(3)));                              // may be unwritten or a pointer
            case 1 -> out.add(movr(0, 10));                                                 // leaks the frame pointer
            case 2 -> out.add(src >= 0 ? movr(0, src) : mov(0, 1));
            default -> out.add(mov(0, type == ProgramType.XDP ? 2 : 0));
        }
        out.add(exit());
    }
}
