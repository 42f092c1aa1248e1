package io.bpf4j.jit;

import io.bpf4j.isa.Instruction;

import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;

/**
 * How generated code reaches the runtime: the type of the environment every generated method receives as its
 * first parameter, and the code for the instructions whose meaning the runtime owns (memory, helpers, map
 * references, tail calls, legacy packet loads). The emitter owns registers and control flow; a linkage owns
 * nothing but these instructions, and emits them as calls into the runtime's single definition of each.
 *
 * <p>A linkage that cannot handle an instruction throws {@link Emitter#unsupported}, so the program falls
 * back instead of running wrongly.
 */
interface Linkage {
    /** The declared type of the environment parameter. */
    ClassDesc environmentType();

    /** Rough upper bound of the bytecode bytes {@code insn} becomes, for planning method splits. */
    int estimateSize(Instruction insn);

    void load(Emitter e, int pc, Instruction.Load insn);

    void store(Emitter e, int pc, Instruction.Store insn);

    void atomic(Emitter e, int pc, Instruction.Atomic insn);

    /** An lddw whose pseudo source is not a plain constant nor a function reference. */
    void loadPseudo(Emitter e, int pc, Instruction.LoadImm64 insn);

    void packetLoad(Emitter e, int pc, Instruction.PacketLoad insn);

    /** A helper call, kfunc call or call through a register that does not name a bpf2bpf function. */
    void call(Emitter e, int pc, Instruction insn);

    /** Leaves the frame pointer of a function called from the current frame on the operand stack. */
    void calleeFramePointer(Emitter e, int pc);

    /** No runtime at all: ALU, jumps, lddw constants, bpf2bpf calls and exit only. */
    Linkage NONE = new Linkage() {
        @Override
        public ClassDesc environmentType() {
            return ConstantDescs.CD_Object;
        }

        @Override
        public int estimateSize(Instruction insn) {
            return 0;
        }

        @Override
        public void load(Emitter e, int pc, Instruction.Load insn) {
            throw e.unsupported(pc, "memory loads need a runtime");
        }

        @Override
        public void store(Emitter e, int pc, Instruction.Store insn) {
            throw e.unsupported(pc, "memory stores need a runtime");
        }

        @Override
        public void atomic(Emitter e, int pc, Instruction.Atomic insn) {
            throw e.unsupported(pc, "atomic operations need a runtime");
        }

        @Override
        public void loadPseudo(Emitter e, int pc, Instruction.LoadImm64 insn) {
            throw e.unsupported(pc, "lddw of " + insn.pseudo() + " needs a runtime");
        }

        @Override
        public void packetLoad(Emitter e, int pc, Instruction.PacketLoad insn) {
            throw e.unsupported(pc, "legacy packet loads need a runtime");
        }

        @Override
        public void call(Emitter e, int pc, Instruction insn) {
            throw e.unsupported(pc, "helper calls need a runtime");
        }

        @Override
        public void calleeFramePointer(Emitter e, int pc) {
            // Without a runtime there is no stack memory: the callee's r10 is the caller's, which nothing can dereference.
            e.loadRegister(10);
        }
    };
}
