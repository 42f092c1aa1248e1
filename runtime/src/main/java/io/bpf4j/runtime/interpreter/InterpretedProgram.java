package io.bpf4j.runtime.interpreter;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Opcodes;
import io.bpf4j.isa.Source;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Executable;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.memory.AddressSpace;

/**
 * A program in the interpreter's form: the slots with a few opcodes rewritten to internal ones so that the
 * dispatch switch needs no second look at the offset or source fields (see {@link Interpreter}'s opcode table),
 * the lddw constants precomputed into their second slots, and with common pairs of adjacent instructions fused into superinstructions
 * ({@link #fuse}).
 */
final class InterpretedProgram implements Executable {
    final ProgramImage image;
    final Interpreter engine;
    /**
     * Slots with internal opcodes in the low byte; the other fields as encoded. The second slot of an lddw of a
     * constant or function holds the 64-bit value instead: nothing dispatches a second slot (control flow cannot
     * land there), and the dispatch then needs no second array.
     */
    final long[] code;
    final String name;

    InterpretedProgram(ProgramImage image, Interpreter engine) {
        this.image = image;
        this.engine = engine;
        this.name = image.name();
        long[] slots = image.slots();
        this.code = slots.clone();
        Instructions instructions = image.instructions();
        for (Instructions.At at : instructions) {
            int pc = at.pc();
            int op = switch (at.instruction()) {
                case Instruction.Alu a -> {
                    int x = a.source() == Source.REG ? Opcodes.X : 0;
                    yield switch (a.op()) {
                        case SDIV -> (a.alu64() ? Interpreter.SDIV64_K : Interpreter.SDIV32_K) | x;
                        case SMOD -> (a.alu64() ? Interpreter.SMOD64_K : Interpreter.SMOD32_K) | x;
                        case MOVSX8 -> a.alu64() ? Interpreter.MOVSX64_8 : Interpreter.MOVSX32_8;
                        case MOVSX16 -> a.alu64() ? Interpreter.MOVSX64_16 : Interpreter.MOVSX32_16;
                        case MOVSX32 -> Interpreter.MOVSX64_32;
                        default -> -1;
                    };
                }
                case Instruction.Call c -> switch (c.kind()) {
                    case HELPER -> c.imm() == io.bpf4j.abi.Helper.TAIL_CALL.id() ? Interpreter.TAIL_CALL : -1;
                    case LOCAL -> Interpreter.CALL_LOCAL;
                    case KFUNC -> throw new IllegalStateException("kfunc call survived loading at pc " + pc);
                };
                case Instruction.LoadImm64 l -> {
                    if (l.pseudo() == Pseudo.IMM) {
                        code[pc + 1] = l.value();
                        yield -1;
                    }
                    if (l.pseudo() == Pseudo.FUNC) {
                        code[pc + 1] = AddressSpace.functionPointer(pc + 1 + l.imm());
                        yield -1;
                    }
                    yield Interpreter.LDDW_OBJECT;
                }
                default -> -1;
            };
            if (op >= 0) code[pc] = (code[pc] & ~0xffL) | op;
        }
        fuse(image, code);
    }

    /**
     * Rewrites the first slot of common pairs of adjacent instructions to a superinstruction, which the dispatch
     * executes in one step, keeping the shared register's value in a local instead of storing and reloading it.
     * Pairs are taken greedily from the start of the program.
     *
     * <p>Exactness: a pair is fused only when nothing can enter at its second instruction (no jump, call or function
     * pointer targets it, and it is no function entry), so every way into the pair executes both; the second slot
     * keeps its own instruction all the same. The operations fused are total (no division, memory, calls), so the
     * only thing that can fail inside a pair is the budget check of a taken jump in its second half, and the
     * dispatch then stands on the jump's pc, which is what the error names and the count includes. The instruction
     * count needs nothing special: it is computed from pcs, and a pair advances the pc by two.
     *
     * <p>Slot layouts (fields as in an encoded instruction; the opcode byte is the superinstruction):
     * <ul>
     *   <li>{@code MOVX_opK}: {@code mov d, s; op d, k} → dst d, src s, imm k.
     *   <li>{@code ADDK_condK}, {@code ADDK_condX}: {@code add d, k; if d cond k2/s goto +o} (also {@code sub d, k},
     *       as add of -k) → dst d, src s, off o, imm k; k2 is read from the jump's own slot.
     *   <li>{@code op1X_op2K}: {@code op1 d, s; op2 d, k} → dst d, src s, imm k.
     *   <li>{@code op1K_op2X}: {@code op1 a, k; op2 d, a} → dst d, src a, imm k.
     *   <li>{@code op1K_op2K}: {@code op1 d, k; op2 d, k2} → the first instruction's fields; k2 is read from the
     *       second slot.
     * </ul>
     */
    static void fuse(ProgramImage image, long[] code) {
        Instructions instructions = image.instructions();
        int n = code.length;
        boolean[] entered = new boolean[n + 1];
        for (Instructions.At at : instructions) {
            int target = switch (at.instruction()) {
                case Instruction.Jump j -> j.target(at.pc());
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> c.target(at.pc());
                case Instruction.LoadImm64 l when l.pseudo() == Pseudo.FUNC -> at.pc() + 1 + l.imm();
                default -> -1;
            };
            if (target >= 0 && target <= n) entered[target] = true;
        }
        for (int pc = 1; pc < n; pc++) if (image.isFunctionEntry(pc)) entered[pc] = true;
        for (int pc = 0; pc + 1 < n; pc++) {
            if (instructions.isSecondHalf(pc) || instructions.isSecondHalf(pc + 1) || entered[pc + 1]) continue;
            if (!(instructions.at(pc) instanceof Instruction.Alu a) || !a.alu64()) continue;
            final int second = pc + 1;
            long fused = switch (instructions.at(second)) {
                case Instruction.Alu b when b.alu64() -> fuse(a, b);
                case Instruction.Jump j -> fuse(a, j);
                default -> 0;
            };
            if (fused == 0) continue;
            code[pc] = fused;
            pc++; // the second instruction is taken
        }
    }

    /** A slot as the dispatch reads it; never 0 (the opcode byte of a superinstruction is not), which means "not fused". */
    private static long slot(int op, int dst, int src, int off, int imm) {
        return op | (long) dst << 8 | (long) src << 12 | (long) (off & 0xffff) << 16 | (long) imm << 32;
    }

    private static long fuse(Instruction.Alu a, Instruction.Alu b) {
        boolean ax = a.source() == Source.REG, bx = b.source() == Source.REG;
        int op;
        if (a.op() == AluOp.MOV && ax && !bx && b.dst() == a.dst() && (op = movThenImm(b.op())) >= 0) {
            return slot(op, a.dst(), a.src(), 0, b.imm());
        }
        if (ax && !bx && b.dst() == a.dst() && (op = regThenImm(a.op(), b.op())) >= 0) {
            return slot(op, a.dst(), a.src(), 0, b.imm());
        }
        if (!ax && bx && b.src() == a.dst() && (op = immThenReg(a.op(), b.op())) >= 0) {
            return slot(op, b.dst(), a.dst(), 0, a.imm());
        }
        if (!ax && !bx && b.dst() == a.dst() && (op = immThenImm(a.op(), b.op())) >= 0) {
            return slot(op, a.dst(), 0, 0, a.imm());
        }
        return 0;
    }

    private static long fuse(Instruction.Alu a, Instruction.Jump j) {
        if (a.source() != Source.IMM || j.jmp32() || j.dst() != a.dst()) return 0;
        int k;
        if (a.op() == AluOp.ADD) k = a.imm();
        else if (a.op() == AluOp.SUB && a.imm() != Integer.MIN_VALUE) k = -a.imm(); // dst - k = dst + (-k), -k fits
        else return 0;
        int op = j.source() == Source.REG ? addImmThenJumpReg(j.op()) : addImmThenJumpImm(j.op());
        return op < 0 ? 0 : slot(op, a.dst(), j.source() == Source.REG ? j.src() : 0, j.offset(), k);
    }

    /** {@code mov dst, src; OP dst, imm}. */
    static int movThenImm(AluOp op) {
        return switch (op) {
            case ADD -> Interpreter.MOVX_ADDK;
            case SUB -> Interpreter.MOVX_SUBK;
            case MUL -> Interpreter.MOVX_MULK;
            case OR -> Interpreter.MOVX_ORK;
            case AND -> Interpreter.MOVX_ANDK;
            case LSH -> Interpreter.MOVX_LSHK;
            case RSH -> Interpreter.MOVX_RSHK;
            case XOR -> Interpreter.MOVX_XORK;
            case ARSH -> Interpreter.MOVX_ARSHK;
            default -> -1;
        };
    }

    /** {@code add dst, imm; if dst COND imm goto} (sub is fused as add of the negated immediate). */
    static int addImmThenJumpImm(JumpOp cond) {
        return switch (cond) {
            case JEQ -> Interpreter.ADDK_JEQK;
            case JNE -> Interpreter.ADDK_JNEK;
            case JGT -> Interpreter.ADDK_JGTK;
            case JGE -> Interpreter.ADDK_JGEK;
            case JLT -> Interpreter.ADDK_JLTK;
            case JLE -> Interpreter.ADDK_JLEK;
            case JSGT -> Interpreter.ADDK_JSGTK;
            case JSGE -> Interpreter.ADDK_JSGEK;
            case JSLT -> Interpreter.ADDK_JSLTK;
            case JSLE -> Interpreter.ADDK_JSLEK;
            default -> -1;
        };
    }

    /** {@code add dst, imm; if dst COND src goto}. */
    static int addImmThenJumpReg(JumpOp cond) {
        return switch (cond) {
            case JEQ -> Interpreter.ADDK_JEQX;
            case JNE -> Interpreter.ADDK_JNEX;
            case JGT -> Interpreter.ADDK_JGTX;
            case JGE -> Interpreter.ADDK_JGEX;
            case JLT -> Interpreter.ADDK_JLTX;
            case JLE -> Interpreter.ADDK_JLEX;
            case JSGT -> Interpreter.ADDK_JSGTX;
            case JSGE -> Interpreter.ADDK_JSGEX;
            case JSLT -> Interpreter.ADDK_JSLTX;
            case JSLE -> Interpreter.ADDK_JSLEX;
            default -> -1;
        };
    }

    /** {@code OP1 dst, src; OP2 dst, imm}. */
    static int regThenImm(AluOp first, AluOp second) {
        return switch (first) {
            case ADD -> switch (second) { case LSH -> Interpreter.ADDX_LSHK; case RSH -> Interpreter.ADDX_RSHK; case AND -> Interpreter.ADDX_ANDK; default -> -1; };
            case OR -> switch (second) { case LSH -> Interpreter.ORX_LSHK; case RSH -> Interpreter.ORX_RSHK; case AND -> Interpreter.ORX_ANDK; default -> -1; };
            case XOR -> switch (second) { case LSH -> Interpreter.XORX_LSHK; case RSH -> Interpreter.XORX_RSHK; case AND -> Interpreter.XORX_ANDK; default -> -1; };
            default -> -1;
        };
    }

    /** {@code OP1 a, imm; OP2 dst, a}. */
    static int immThenReg(AluOp first, AluOp second) {
        return switch (first) {
            case LSH -> switch (second) { case ADD -> Interpreter.LSHK_ADDX; case OR -> Interpreter.LSHK_ORX; case XOR -> Interpreter.LSHK_XORX; default -> -1; };
            case RSH -> switch (second) { case ADD -> Interpreter.RSHK_ADDX; case OR -> Interpreter.RSHK_ORX; case XOR -> Interpreter.RSHK_XORX; default -> -1; };
            default -> -1;
        };
    }

    /** {@code OP1 dst, imm; OP2 dst, imm}. */
    static int immThenImm(AluOp first, AluOp second) {
        return switch (first) {
            case LSH -> switch (second) { case RSH -> Interpreter.LSHK_RSHK; case ARSH -> Interpreter.LSHK_ARSHK; default -> -1; };
            default -> -1;
        };
    }

    @Override
    public ProgramImage image() {
        return image;
    }

    @Override
    public Engine engine() {
        return engine;
    }

    @Override
    public long run(Invocation invocation, long r1, long r2, long r3, long r4, long r5) {
        return Interpreter.execute(this, invocation, r1, r2, r3, r4, r5);
    }

    @Override
    public String toString() {
        return "interpreted " + image;
    }
}
