package io.bpf4j.tests.agreement;

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

import static io.bpf4j.tests.agreement.Asm.*;

/**
 * Seeded random programs that are sometimes unsafe, so that both verifiers must draw the line in the same
 * place: loads and stores at random offsets and sizes on the stack (including bytes never written, beyond the
 * frame, misaligned), the context (read-only and unknown fields, bad sizes), the packet (with a data_end check
 * of a random length or none) and map values (with or without the null check, constant or masked variable
 * offsets), pointers stored into maps and the context, registers read before they are written, pointer
 * arithmetic and pointers returned. Straight-line snippets with short forward branches; no loops.
 *
 * <p>Registers: r6 holds the context for the whole program; r7–r9 are scratch (each written at the start with
 * probability ¾); r0–r5 are clobbered by each helper call.
 */
final class RandomUnsafePrograms {
    static final String CORPUS = "random";
    static final int HASH = 1, ARRAY = 2;
    static final Map<Integer, MapDefinition> MAPS = Map.of(
            HASH, new MapDefinition("rhash", MapType.HASH, 4, 16, 8),
            ARRAY, new MapDefinition("rarray", MapType.ARRAY, 4, 24, 4));

    private static final ProgramType[] TYPES = {ProgramType.XDP, ProgramType.SCHED_CLS, ProgramType.SOCKET_FILTER};
    private static final Size[] SIZES = {Size.B, Size.H, Size.W, Size.DW};

    private final RandomGenerator random;
    private ProgramType type;
    private List<Instruction> out;

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
        out.add(movr(6, 1));
        for (int r = 7; r <= 9; r++) {                  // most scratch registers start written, a few do not
            if (random.nextInt(4) != 0) out.add(random.nextBoolean() ? mov(r, random.nextInt(64)) : ldx(Size.W, r, 6, 0));
        }
        int snippets = 1 + random.nextInt(4);
        for (int i = 0; i < snippets; i++) snippet();
        epilogue();
        Instructions program = Instructions.of(out);
        Map<Integer, MapDefinition> used = new java.util.TreeMap<>();
        for (Instruction i : out) {
            if (i instanceof Instruction.LoadImm64 l && l.pseudo().refersToMap()) used.put(l.imm(), MAPS.get(l.imm()));
        }
        return AgreementProgram.of(CORPUS, name, type, program, used);
    }

    private void snippet() {
        switch (random.nextInt(9)) {
            case 0, 1 -> stack();
            case 2 -> context();
            case 3, 4 -> {
                if (type != ProgramType.SOCKET_FILTER || random.nextInt(8) == 0) packet(); // no direct packet access there
                else stack();
            }
            case 5, 6 -> mapValue();
            case 7 -> scratch();
            default -> pointerArithmetic();
        }
    }

    private int scratchReg() {
        return 7 + random.nextInt(3);
    }

    private Size size() {
        return SIZES[random.nextInt(SIZES.length)];
    }

    /** Mostly aligned offsets in or near the frame; sometimes beyond it or misaligned. */
    private int stackOffset(Size s) {
        int bytes = s.bytes();
        return switch (random.nextInt(10)) {
            case 0 -> -520 + random.nextInt(24);              // around the bottom
            case 1 -> -8 + random.nextInt(24);                // around the top
            case 2 -> -1 - random.nextInt(64);                // any alignment
            default -> -bytes * (1 + random.nextInt(64 / bytes * 2));
        };
    }

    private void stack() {
        Size s = size();
        int off = stackOffset(s);
        switch (random.nextInt(5)) {
            case 0 -> out.add(st(s, 10, off, random.nextInt(1000)));
            case 1 -> out.add(stx(s, 10, off, random.nextInt(4) == 0 ? 6 : scratchReg()));  // may spill a pointer or an unwritten register
            case 2 -> out.add(ldx(s, scratchReg(), 10, off));                              // may read stack never written
            case 3 -> {                                                                     // write then read back, possibly elsewhere
                out.add(st(Size.DW, 10, off & ~7, 1));
                out.add(ldx(s, scratchReg(), 10, random.nextBoolean() ? off : stackOffset(s)));
            }
            default -> {                                                                    // through a copy of the frame pointer
                int r = scratchReg();
                out.add(movr(r, 10));
                out.add(add(r, -8 * random.nextInt(66)));
                out.add(ldx(s, scratchReg(), r, random.nextInt(16) - 8));
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
        Size s = random.nextInt(3) == 0 ? size() : Size.W;
        int off = random.nextInt(3) == 0 ? contextOffset() : contextOffset() & ~3;
        switch (random.nextInt(4)) {
            case 0, 1 -> out.add(ldx(s, scratchReg(), 6, off));
            case 2 -> out.add(st(s, 6, off, random.nextInt(100)));
            default -> out.add(stx(s, 6, off, random.nextInt(3) == 0 ? 10 : scratchReg()));   // may leak a pointer into the context
        }
    }

    /** data and data_end as the program type has them; socket filters get no direct packet access (a refusal). */
    private void packet() {
        int dataOff = type == ProgramType.XDP ? 0 : 76, endOff = type == ProgramType.XDP ? 4 : 80;
        out.add(ldx(Size.W, 2, 6, dataOff));
        out.add(ldx(Size.W, 3, 6, endOff));
        Size s = size();
        int checked = random.nextInt(40);
        int off = random.nextInt(8) == 0 ? -1 - random.nextInt(4) : random.nextInt(checked + 10);
        boolean store = random.nextInt(3) == 0;
        Instruction access = store ? st(s, 2, off, 7) : ldx(s, scratchReg(), 2, off);
        switch (random.nextInt(5)) {
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
                boolean wrongSide = random.nextInt(8) == 0;
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
        int off = random.nextInt(8) == 0 ? -1 - random.nextInt(8) : random.nextInt(valueSize + 4);
        List<Instruction> use = new ArrayList<>();
        switch (random.nextInt(5)) {
            case 0 -> use.add(ldx(s, scratchReg(), 0, off));
            case 1 -> use.add(st(s, 0, off, 9));
            case 2 -> use.add(stx(Size.DW, 0, off & ~7, random.nextInt(3) == 0 ? 6 : random.nextBoolean() ? 10 : scratchReg())); // may leak
            case 3 -> {                                                                     // masked variable offset
                use.add(movr(7, 0));
                use.add(call(Helper.GET_PRANDOM_U32.id()));
                use.add(alu(AluOp.AND, 0, (1 << random.nextInt(6)) - 1));
                use.add(alur(AluOp.ADD, 7, 0));
                use.add(ldx(s, 8, 7, 0));
            }
            default -> {
                use.add(movr(8, 0));                                                        // keep the value pointer
            }
        }
        if (random.nextInt(5) != 0) out.add(jeq(0, 0, use.size()));                        // the null check, mostly
        out.addAll(use);
    }

    private void scratch() {
        int r = scratchReg();
        switch (random.nextInt(4)) {
            case 0 -> out.add(mov(r, random.nextInt(2000) - 1000));
            case 1 -> out.add(alur(AluOp.ADD, r, scratchReg()));                               // may read an unwritten register
            case 2 -> {
                out.add(call(Helper.GET_PRANDOM_U32.id()));
                out.add(movr(r, 0));
            }
            default -> out.add(ldx(Size.W, r, 6, 0));
        }
    }

    private void pointerArithmetic() {
        int r = scratchReg();
        int base = random.nextBoolean() ? 10 : 6;
        out.add(movr(r, base));
        switch (random.nextInt(4)) {
            case 0 -> out.add(add(r, random.nextInt(64) - 32));
            case 1 -> out.add(alu(AluOp.AND, r, 0xff));
            case 2 -> out.add(alur(AluOp.SUB, r, base == 10 ? 6 : 10));
            default -> out.add(alu32(AluOp.ADD, r, 4));
        }
    }

    private void epilogue() {
        switch (random.nextInt(6)) {
            case 0 -> out.add(movr(0, scratchReg()));                                       // may be unwritten or a pointer
            case 1 -> out.add(movr(0, 10));                                                 // leaks the frame pointer
            default -> out.add(mov(0, type == ProgramType.XDP ? 2 : 0));
        }
        out.add(exit());
    }
}
