package io.bpf4j.runtime.interpreter;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
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
 * and the lddw constants precomputed.
 */
final class InterpretedProgram implements Executable {
    final ProgramImage image;
    final Interpreter engine;
    /** Slots with internal opcodes in the low byte; the other fields as encoded. */
    final long[] code;
    /** For lddw of a constant or function: the 64-bit value, at the lddw's slot. */
    final long[] wide;
    final String name;

    InterpretedProgram(ProgramImage image, Interpreter engine) {
        this.image = image;
        this.engine = engine;
        this.name = image.name();
        long[] slots = image.slots();
        this.code = slots.clone();
        this.wide = new long[slots.length];
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
                        wide[pc] = l.value();
                        yield -1;
                    }
                    if (l.pseudo() == Pseudo.FUNC) {
                        wide[pc] = AddressSpace.functionPointer(pc + 1 + l.imm());
                        yield -1;
                    }
                    yield Interpreter.LDDW_OBJECT;
                }
                default -> -1;
            };
            if (op >= 0) code[pc] = (code[pc] & ~0xffL) | op;
        }
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
