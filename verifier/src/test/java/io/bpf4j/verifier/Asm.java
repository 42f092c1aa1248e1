package io.bpf4j.verifier;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;

/** Short names for building test programs from instruction records; shared with the kernel-agreement tests through the test-jar. */
public final class Asm {
    private Asm() {}

    public static Instructions prog(Instruction... insns) {
        return Instructions.of(insns);
    }

    public static Instruction mov(int dst, int imm) {
        return Instruction.Alu.imm(true, AluOp.MOV, dst, imm);
    }

    public static Instruction movr(int dst, int src) {
        return Instruction.Alu.reg(true, AluOp.MOV, dst, src);
    }

    public static Instruction mov32r(int dst, int src) {
        return Instruction.Alu.reg(false, AluOp.MOV, dst, src);
    }

    public static Instruction alu(AluOp op, int dst, int imm) {
        return Instruction.Alu.imm(true, op, dst, imm);
    }

    public static Instruction alur(AluOp op, int dst, int src) {
        return Instruction.Alu.reg(true, op, dst, src);
    }

    public static Instruction alu32(AluOp op, int dst, int imm) {
        return Instruction.Alu.imm(false, op, dst, imm);
    }

    public static Instruction add(int dst, int imm) {
        return alu(AluOp.ADD, dst, imm);
    }

    public static Instruction ldx(Size size, int dst, int src, int off) {
        return new Instruction.Load(size, false, dst, src, off);
    }

    public static Instruction stx(Size size, int dst, int off, int src) {
        return Instruction.Store.reg(size, dst, off, src);
    }

    public static Instruction st(Size size, int dst, int off, int imm) {
        return Instruction.Store.imm(size, dst, off, imm);
    }

    public static Instruction jeq(int dst, int imm, int off) {
        return Instruction.Jump.ifImm(false, JumpOp.JEQ, dst, imm, off);
    }

    public static Instruction jne(int dst, int imm, int off) {
        return Instruction.Jump.ifImm(false, JumpOp.JNE, dst, imm, off);
    }

    public static Instruction jmp(JumpOp op, int dst, int imm, int off) {
        return Instruction.Jump.ifImm(false, op, dst, imm, off);
    }

    public static Instruction jmpr(JumpOp op, int dst, int src, int off) {
        return Instruction.Jump.ifReg(false, op, dst, src, off);
    }

    public static Instruction ja(int off) {
        return Instruction.Jump.always(off);
    }

    public static Instruction call(int helper) {
        return Instruction.Call.helper(helper);
    }

    public static Instruction callLocal(int rel) {
        return Instruction.Call.local(rel);
    }

    public static Instruction exit() {
        return new Instruction.Exit();
    }

    public static Instruction lddwMap(int dst, int handle) {
        return new Instruction.LoadImm64(dst, Pseudo.MAP_FD, handle, 0);
    }

    public static Instruction lddwFunc(int dst, int rel) {
        return new Instruction.LoadImm64(dst, Pseudo.FUNC, rel, 0);
    }

    public static Instruction lddw(int dst, long v) {
        return Instruction.LoadImm64.constant(dst, v);
    }

    /** {@code a} followed by {@code b}. */
    public static Instruction[] concat(Instruction[] a, Instruction... b) {
        Instruction[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** The usual map lookup with a zeroed 4-byte key at fp-4, then {@code after}; R0 is map_value_or_null after the call. */
    public static Instruction[] lookup(int map, Instruction... after) {
        return concat(new Instruction[] {st(io.bpf4j.isa.Size.W, 10, -4, 0), movr(2, 10), add(2, -4), lddwMap(1, map),
                call(io.bpf4j.abi.Helper.MAP_LOOKUP_ELEM.id())}, after);
    }
}
