package io.bpf4j.verifier;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Source;

/**
 * ALU instructions: scalar arithmetic through {@link ScalarBounds}, and the pointer-arithmetic rules
 * (Linux's check_alu_op, adjust_ptr_min_max_vals): which pointers may move, by which operations, and what
 * stays forbidden without CAP_PERFMON.
 */
final class Arithmetic {
    /** Linux's BPF_MAX_VAR_OFF: the largest offset pointer arithmetic may reach. */
    static final long MAX_VAR_OFF = 1L << 29;

    private final Checker c;

    Arithmetic(Checker c) {
        this.c = c;
    }

    private Checker.Reject reject(String msg) {
        return new Checker.Reject(c.pc, msg);
    }

    private static String opString(AluOp op) {
        return op == AluOp.NEG ? "neg" : op.symbol();
    }

    void alu(Instruction.Alu a) {
        AluOp op = a.op();
        RegState src = null;
        if (a.source() == Source.REG) src = c.read(a.src());
        if (op != AluOp.MOV && !op.isSignExtendingMove()) c.read(a.dst());
        c.checkWritable(a.dst());

        if (a.source() == Source.IMM) {
            int width = a.alu64() ? 64 : 32;
            if (op.isShift() && (a.imm() < 0 || a.imm() >= width)) throw reject("invalid shift " + a.imm());
            if ((op == AluOp.DIV || op == AluOp.MOD || op == AluOp.SDIV || op == AluOp.SMOD) && a.imm() == 0) {
                throw reject("div by zero");
            }
            src = RegState.constant(a.imm()); // sign-extended; 32-bit operations use its low half
        }

        if (op == AluOp.MOV || op.isSignExtendingMove()) {
            move(a, src);
            return;
        }
        RegState dst = c.st.reg(a.dst());
        if (op == AluOp.NEG) src = RegState.constant(0);
        if (dst.isScalar() && src.isScalar()) {
            c.st.set(a.dst(), RegState.scalar(dst.bounds().alu(a.alu64(), op, src.bounds())));
            return;
        }
        pointerArithmetic(a, dst, src);
    }

    private void move(Instruction.Alu a, RegState src) {
        AluOp op = a.op();
        if (a.source() == Source.IMM) {
            long v = a.alu64() ? a.imm() : a.imm() & 0xffffffffL;
            c.st.set(a.dst(), RegState.constant(v));
            return;
        }
        if (op == AluOp.MOV && a.alu64()) {
            // a copy: scalars stay linked, so a comparison of one narrows both
            if (src.isScalar() && !src.isConst()) {
                if (src.id() == 0) {
                    src = src.withId(c.newId());
                    c.st.set(a.src(), src);
                }
            }
            c.st.set(a.dst(), src);
            return;
        }
        if (src.isPointer()) {
            if (!c.privileged) {
                throw reject(op == AluOp.MOV ? "R" + a.src() + " partial copy of pointer" : "R" + a.src() + " sign-extension part of pointer");
            }
            c.st.set(a.dst(), RegState.UNKNOWN_SCALAR);
            return;
        }
        c.st.set(a.dst(), RegState.scalar(ScalarBounds.ZERO.alu(a.alu64(), op, src.bounds())));
    }

    void endian(Instruction.Endian e) {
        RegState v = c.read(e.dst());
        c.checkWritable(e.dst());
        if (v.isPointer()) {
            if (!c.privileged) throw reject("R" + e.dst() + " pointer arithmetic prohibited");
            c.st.set(e.dst(), RegState.UNKNOWN_SCALAR);
            return;
        }
        c.st.set(e.dst(), RegState.scalar(v.bounds().endian(e.op(), e.bits())));
    }

    private void pointerArithmetic(Instruction.Alu a, RegState dst, RegState src) {
        AluOp op = a.op();
        int dstReg = a.dst();
        if (dst.isPointer() && src.isPointer()) {
            if (op == AluOp.SUB && (c.privileged || sameRegion(dst, src))) {
                // a distance, not an address: bpf4j allows it in the default mode too (Linux only with CAP_PERFMON)
                c.st.set(dstReg, RegState.UNKNOWN_SCALAR);
                return;
            }
            throw reject("R" + dstReg + " pointer " + opString(op) + " pointer prohibited");
        }
        RegState ptr, off;
        if (dst.isPointer()) {
            ptr = dst;
            off = src;
        } else {
            // scalar op pointer: only addition may make the result a pointer
            if (op == AluOp.SUB) throw reject("R" + dstReg + " tried to subtract pointer from scalar");
            ptr = src;
            off = dst;
        }
        if (!a.alu64()) {
            if (op == AluOp.SUB && c.privileged) {
                c.st.set(dstReg, RegState.UNKNOWN_SCALAR);
                return;
            }
            throw reject("R" + dstReg + " 32-bit pointer arithmetic prohibited");
        }
        String name = ptr.type().logName();
        if (ptr.type().mayBeNull()) throw reject("R" + dstReg + " pointer arithmetic on " + name + " prohibited, null-check it first");
        switch (ptr.type()) {
            case CONST_PTR_TO_MAP, PTR_TO_PACKET_END, PTR_TO_FUNC, PTR_TO_SOCK_COMMON ->
                    throw reject("R" + dstReg + " pointer arithmetic on " + name + " prohibited");
            default -> {
            }
        }
        if (op != AluOp.ADD && op != AluOp.SUB) {
            if (c.privileged) {
                c.st.set(dstReg, RegState.UNKNOWN_SCALAR);
                return;
            }
            if (op == AluOp.AND || op == AluOp.OR || op == AluOp.XOR) {
                throw reject("R" + dstReg + " bitwise operator " + opString(op) + " on pointer prohibited");
            }
            throw reject("R" + dstReg + " pointer arithmetic with " + opString(op) + " operator prohibited");
        }
        ScalarBounds ob = off.bounds();
        // Linux's check_reg_sane_offset, on the scalar operand
        if (ob.isConst()) {
            long v = ob.constValue();
            if (v <= -MAX_VAR_OFF || v >= MAX_VAR_OFF) throw reject("math between " + name + " pointer and " + v + " is not allowed");
        } else if (ob.smin() == Long.MIN_VALUE) {
            throw reject("math between " + name + " pointer and register with unbounded min value is not allowed");
        } else if (ob.smin() <= -MAX_VAR_OFF || ob.smin() >= MAX_VAR_OFF) {
            throw reject("value " + ob.smin() + " makes " + name + " pointer be out of bounds");
        }
        if (!c.privileged && !ob.isConst()) {
            // Linux's sanitize_ptr_alu without CAP_PERFMON: only stack and map-value pointers move by unknown amounts,
            // and only by amounts of one sign
            int offReg = off == src ? a.src() : dstReg;
            if ((ob.smin() < 0) != (ob.smax() < 0)) {
                throw reject("R" + offReg + " has unknown scalar with mixed signed bounds, pointer arithmetic with it prohibited for !root");
            }
            // Linux refuses packet pointers here too (a Spectre v1 mitigation, meaningless inside a JVM): bpf4j
            // lets packet parsing move by a register, as every XDP/tc loader running as root sees Linux do
            if (ptr.type() != RegType.PTR_TO_STACK && ptr.type() != RegType.PTR_TO_MAP_VALUE && !ptr.type().isPacket()) {
                throw reject("R" + dstReg + " has pointer with unsupported alu operation, pointer arithmetic with it prohibited for !root");
            }
        }
        RegState result;
        if (ob.isConst()) {
            long newOff = op == AluOp.ADD ? (long) ptr.off() + ob.constValue() : (long) ptr.off() - ob.constValue();
            if (newOff <= -MAX_VAR_OFF || newOff >= MAX_VAR_OFF) throw reject(name + " pointer offset " + newOff + " is not allowed");
            result = ptr.withOff((int) newOff);
        } else {
            if (op == AluOp.SUB && ptr == src) throw reject("R" + dstReg + " tried to subtract pointer from scalar");
            ScalarBounds var = ptr.bounds().alu(true, op, ob);
            // the result, checked as Linux does (its smin); a huge smax is caught when the pointer is used
            if (var.smin() == Long.MIN_VALUE) {
                throw reject("math between " + name + " pointer and register with unbounded min value is not allowed");
            }
            if (var.smin() <= -MAX_VAR_OFF || var.smin() >= MAX_VAR_OFF) {
                throw reject("value " + var.smin() + " makes " + name + " pointer be out of bounds");
            }
            result = ptr.withBounds(var);
            if (ptr.type().isPacket()) {
                // a new variable part: no comparison has proven anything about it yet
                result = result.withId(c.newId()).withRange(0);
            }
        }
        if (!c.privileged) checkUnprivilegedResult(dstReg, result);
        c.st.set(dstReg, result);
    }

    /** Two pointers into the same object: packet data (start, end, metadata), one stack frame, one map's values. */
    private static boolean sameRegion(RegState a, RegState b) {
        boolean pa = a.type().isPacket() || a.type() == RegType.PTR_TO_PACKET_END;
        boolean pb = b.type().isPacket() || b.type() == RegType.PTR_TO_PACKET_END;
        if (pa && pb) return true;
        if (a.type() != b.type()) return false;
        return switch (a.type()) {
            case PTR_TO_STACK -> a.frameno() == b.frameno();
            case PTR_TO_MAP_VALUE -> a.map().handle() == b.map().handle();
            default -> false;
        };
    }

    /** Without CAP_PERFMON, pointer arithmetic must stay inside the object (Linux's sanitize checks). */
    private void checkUnprivilegedResult(int reg, RegState r) {
        switch (r.type()) {
            case PTR_TO_STACK -> {
                if (!r.fixedOffset()) {
                    throw reject("R" + reg + " variable stack access prohibited for !root, var_off=" + r.bounds().tnum() + " off=" + r.off());
                }
                if (r.off() >= 0 || r.off() < -FuncState.MAX_STACK) {
                    throw reject("R" + reg + " stack pointer arithmetic goes out of range, prohibited for !root; off=" + r.off());
                }
            }
            case PTR_TO_MAP_VALUE -> {
                long size = r.map().definition().valueSize();
                long min = r.off() + r.bounds().smin(), max = r.off() + r.bounds().smax();
                if (min < 0 || max >= size) {
                    throw reject("R" + reg + " pointer arithmetic of map value goes out of range, prohibited for !root");
                }
            }
            default -> {
            }
        }
    }
}
