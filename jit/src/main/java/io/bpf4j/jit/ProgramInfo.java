package io.bpf4j.jit;

import io.bpf4j.isa.Instruction;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.ProgramImage;

/**
 * What generated code needs about its own program only on slow paths (errors, callx, accounting after a fault):
 * the image, which function each entry slot starts, and for each pc how many instructions of its straight-line
 * segment have run up to and including it. Given to the class as class data.
 */
final class ProgramInfo {
    final ProgramImage image;
    final String name;
    final JitEngine engine;
    /** Per slot: instructions from the start of its segment through it (see {@link Emitter}'s accounting). */
    final int[] countThrough;
    /** Per slot: the index of the function starting there, or -1. */
    final int[] functionAt;

    ProgramInfo(ProgramImage image, JitEngine engine, int[] countThrough, int[] functionAt) {
        this.image = image;
        this.name = image.name();
        this.engine = engine;
        this.countThrough = countThrough;
        this.functionAt = functionAt;
    }

    /** An error at {@code pc}, phrased like the interpreter's. */
    ExecutionException error(ExecutionException.Reason reason, int pc, String problem, Throwable cause) {
        long raw = pc >= 0 && pc < image.slotCount() ? image.slots()[pc] : 0;
        return new ExecutionException(reason, name, pc, raw, image.describe(pc), problem, cause);
    }

    boolean isTailCall(int pc) {
        if (pc < 0 || pc >= image.slotCount() || image.instructions().isSecondHalf(pc)) return false;
        return image.instructions().at(pc) instanceof Instruction.Call c && c.kind() == io.bpf4j.isa.CallKind.HELPER
                && c.imm() == io.bpf4j.abi.Helper.TAIL_CALL.id();
    }

    /** True for the instructions the interpreter reports helper failures for: helper calls, callx, tail calls. */
    boolean isCall(int pc) {
        if (pc < 0 || pc >= image.slotCount() || image.instructions().isSecondHalf(pc)) return false;
        Instruction insn = image.instructions().at(pc);
        return insn instanceof Instruction.Call c && c.kind() == io.bpf4j.isa.CallKind.HELPER
                || insn instanceof Instruction.CallIndirect;
    }
}
