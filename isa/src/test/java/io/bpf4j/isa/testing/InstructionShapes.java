package io.bpf4j.isa.testing;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;

import java.util.ArrayList;
import java.util.List;

/** At least one instruction of every shape the model allows: each operation, width and operand source. */
public final class InstructionShapes {
    private InstructionShapes() {}

    public static List<Instruction> all() {
        List<Instruction> out = new ArrayList<>();
        for (boolean wide : new boolean[]{false, true}) {
            for (AluOp op : AluOp.values()) {
                if (op == AluOp.NEG) {
                    out.add(Instruction.Alu.imm(wide, op, 3, 0));
                } else if (op.isSignExtendingMove()) {
                    if (op != AluOp.MOVSX32 || wide) out.add(Instruction.Alu.reg(wide, op, 1, 9));
                } else {
                    out.add(Instruction.Alu.reg(wide, op, 1, 9));
                    out.add(Instruction.Alu.imm(wide, op, 10, -7));
                    out.add(Instruction.Alu.imm(wide, op, 0, 0x7fffffff));
                }
            }
            for (JumpOp op : JumpOp.values()) {
                if (op == JumpOp.JA) continue;
                out.add(Instruction.Jump.ifReg(wide, op, 2, 3, -4));
                out.add(Instruction.Jump.ifImm(wide, op, 4, Integer.MIN_VALUE, 0));
                out.add(Instruction.Jump.ifImm(wide, op, 4, 12, 9));
            }
        }
        out.add(Instruction.Jump.always(0));
        out.add(Instruction.Jump.always(-1));
        out.add(Instruction.Jump.alwaysLong(70000));
        out.add(Instruction.Jump.alwaysLong(-70000));
        for (EndianOp op : EndianOp.values()) {
            for (int bits : new int[]{16, 32, 64}) out.add(new Instruction.Endian(op, 5, bits));
        }
        out.add(Instruction.Call.helper(12));
        out.add(Instruction.Call.helper(-1));
        out.add(Instruction.Call.local(3));
        out.add(Instruction.Call.local(-1));
        out.add(new Instruction.Call(CallKind.KFUNC, 77, 0));
        out.add(new Instruction.Call(CallKind.KFUNC, 77, 2));
        out.add(new Instruction.CallIndirect(4));
        out.add(new Instruction.Exit());
        for (Size size : Size.values()) {
            out.add(new Instruction.Load(size, false, 0, 1, 4));
            out.add(new Instruction.Load(size, false, 6, 10, -8));
            if (size != Size.DW) out.add(new Instruction.Load(size, true, 7, 10, -2));
            out.add(Instruction.Store.reg(size, 10, -16, 1));
            out.add(Instruction.Store.imm(size, 1, 0, -1));
            out.add(Instruction.Store.imm(size, 1, 2, 0x11223344));
        }
        for (Size size : new Size[]{Size.W, Size.DW}) {
            for (AtomicOp op : AtomicOp.values()) {
                out.add(new Instruction.Atomic(size, op, true, 1, 2, -8));
                if (!op.alwaysFetches()) out.add(new Instruction.Atomic(size, op, false, 10, 3, 16));
            }
        }
        out.add(Instruction.LoadImm64.constant(1, 0x1122334455667788L));
        out.add(Instruction.LoadImm64.constant(2, -1));
        out.add(Instruction.LoadImm64.constant(3, Long.MIN_VALUE));
        out.add(Instruction.LoadImm64.constant(4, 0));
        for (Pseudo pseudo : Pseudo.values()) {
            if (pseudo == Pseudo.IMM) continue;
            out.add(new Instruction.LoadImm64(1, pseudo, 5, 0));
            out.add(new Instruction.LoadImm64(2, pseudo, -16, 24));
        }
        for (Size size : new Size[]{Size.B, Size.H, Size.W}) {
            out.add(new Instruction.PacketLoad(size, false, 0, 12));
            out.add(new Instruction.PacketLoad(size, false, 0, -1));
            out.add(new Instruction.PacketLoad(size, true, 3, 0));
            out.add(new Instruction.PacketLoad(size, true, 3, 14));
            out.add(new Instruction.PacketLoad(size, true, 3, -2));
        }
        return out;
    }
}
