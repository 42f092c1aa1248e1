package io.bpf4j.linux;

import io.bpf4j.abi.Helper;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;

/** Short names for hand-written test programs (the instruction records spelled out are hard to read). */
final class Asm {
    private Asm() {}

    static Instructions program(Instruction... insns) {
        return Instructions.of(insns);
    }

    static Instruction mov(int dst, int imm) {
        return Instruction.Alu.imm(true, AluOp.MOV, dst, imm);
    }

    static Instruction movReg(int dst, int src) {
        return Instruction.Alu.reg(true, AluOp.MOV, dst, src);
    }

    static Instruction add(int dst, int imm) {
        return Instruction.Alu.imm(true, AluOp.ADD, dst, imm);
    }

    static Instruction addReg(int dst, int src) {
        return Instruction.Alu.reg(true, AluOp.ADD, dst, src);
    }

    static Instruction load(Size size, int dst, int src, int off) {
        return new Instruction.Load(size, false, dst, src, off);
    }

    static Instruction store(Size size, int dst, int off, int imm) {
        return Instruction.Store.imm(size, dst, off, imm);
    }

    static Instruction storeReg(Size size, int dst, int off, int src) {
        return Instruction.Store.reg(size, dst, off, src);
    }

    static Instruction atomicAdd(Size size, int dst, int off, int src) {
        return new Instruction.Atomic(size, AtomicOp.ADD, false, dst, src, off);
    }

    static Instruction jeq(int dst, int imm, int off) {
        return Instruction.Jump.ifImm(false, JumpOp.JEQ, dst, imm, off);
    }

    static Instruction jgtReg(int dst, int src, int off) {
        return Instruction.Jump.ifReg(false, JumpOp.JGT, dst, src, off);
    }

    static Instruction ja(int off) {
        return Instruction.Jump.always(off);
    }

    static Instruction call(Helper helper) {
        return Instruction.Call.helper(helper.id());
    }

    static Instruction mapFd(int dst, KernelMap map) {
        return new Instruction.LoadImm64(dst, Pseudo.MAP_FD, map.fd(), 0);
    }

    static Instruction exit() {
        return new Instruction.Exit();
    }
}
