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

    /** The operator as Linux's log names it (its bpf_alu_string): the signed forms print as their opcode. */
    private static String opString(AluOp op) {
        return switch (op) {
            case NEG -> "neg";
            case SDIV -> "/=";
            case SMOD -> "%=";
            default -> op.symbol();
        };
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
        if (op == AluOp.NEG) {
            // check_alu_op: negating a pointer is a leak, like a byte swap
            if (dst.isPointer()) {
                if (!c.privileged) throw reject("R" + a.dst() + " pointer arithmetic prohibited");
                c.st.set(a.dst(), RegState.UNKNOWN_SCALAR);
                return;
            }
            src = RegState.constant(0);
        }
        if (dst.isScalar() && src.isScalar()) {
            if (a.source() == Source.REG && (op == AluOp.ADD || op == AluOp.SUB)) sanitizeScalar(a);
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

    /**
     * An operation with a pointer operand, in Linux's order (adjust_reg_min_max_vals, adjust_ptr_min_max_vals):
     * two pointers may only be subtracted, and only with CAP_PERFMON; a pointer and a scalar only added or
     * subtracted, in 64 bits, whichever operand is the pointer and in every mode; without CAP_PERFMON the Spectre
     * v1 rules of sanitize_ptr_alu and sanitize_check_bounds on top.
     */
    private void pointerArithmetic(Instruction.Alu a, RegState dst, RegState src) {
        AluOp op = a.op();
        int dstReg = a.dst();
        if (dst.isPointer() && src.isPointer()) {
            if (op == AluOp.SUB && c.privileged) {
                // a distance, not an address: with allow_ptr_leaks Linux makes it an unknown scalar
                c.st.set(dstReg, RegState.UNKNOWN_SCALAR);
                return;
            }
            throw reject("R" + dstReg + " pointer " + opString(op) + " pointer prohibited");
        }
        // "scalar op pointer" is checked as "pointer op scalar" with the roles swapped
        boolean ptrIsDst = dst.isPointer();
        RegState ptr = ptrIsDst ? dst : src;
        RegState off = ptrIsDst ? src : dst;
        int offReg = ptrIsDst ? a.src() : dstReg;
        int ptrReg = ptrIsDst ? dstReg : a.src();
        boolean byRegister = a.source() == Source.REG;
        if (!a.alu64()) {
            // a 32-bit result cannot be a pointer; with allow_ptr_leaks a difference is just a number
            if (op == AluOp.SUB && c.privileged) {
                c.st.set(dstReg, RegState.UNKNOWN_SCALAR);
                return;
            }
            throw reject("R" + dstReg + " 32-bit pointer arithmetic prohibited");
        }
        String name = ptr.type().logName();
        ScalarBounds ob = off.bounds();
        if (ptr.type().mayBeNull()) throw reject("R" + dstReg + " pointer arithmetic on " + name + " prohibited, null-check it first");
        switch (ptr.type()) {
            case CONST_PTR_TO_MAP -> {
                if (!(ob.isConst() && ob.constValue() == 0 && op == AluOp.ADD)) {
                    throw reject("R" + dstReg + " pointer arithmetic on " + name + " prohibited");
                }
            }
            case PTR_TO_PACKET_END, PTR_TO_FUNC, PTR_TO_SOCK_COMMON ->
                    throw reject("R" + dstReg + " pointer arithmetic on " + name + " prohibited");
            default -> {
            }
        }
        // Linux's check_reg_sane_offset, on the scalar operand and on the pointer
        checkSaneOffset(ob, 0, name);
        checkSaneOffset(ptr.bounds(), ptr.off(), name);

        boolean sanitize = !c.privileged && byRegister && (op == AluOp.ADD || op == AluOp.SUB);
        boolean maskToLeft = false;
        long limitBefore = 0;
        if (sanitize) {
            // Linux's sanitize_ptr_alu before the operation: it can only mask an offset of one known sign, and
            // only on pointers whose object it knows the size of
            if (!ob.isConst() && (ob.smin() < 0) != (ob.smax() < 0)) {
                throw reject("R" + offReg + " has unknown scalar with mixed signed bounds, pointer arithmetic with it prohibited for !root");
            }
            maskToLeft = op == AluOp.ADD ? ob.smin() < 0 : ob.smin() >= 0;
            limitBefore = ptrLimit(ptr, maskToLeft, ptrReg, a);
            // from now on states are pruned only on equal scalars, so that no path through such an instruction is
            // cut short by a state whose offset there differs (Linux's explore_alu_limits)
            if (!ob.isConst()) exploreAluLimits = true;
        }

        RegState result;
        switch (op) {
            case ADD -> result = moved(ptr, ob, true, name);
            case SUB -> {
                if (!ptrIsDst) throw reject("R" + dstReg + " tried to subtract pointer from scalar");
                if (ptr.type() == RegType.PTR_TO_STACK) throw reject("R" + dstReg + " subtraction from stack pointer prohibited");
                result = moved(ptr, ob, false, name);
            }
            case AND, OR, XOR -> throw reject("R" + dstReg + " bitwise operator " + opString(op) + " on pointer prohibited");
            default -> throw reject("R" + dstReg + " pointer arithmetic with " + opString(op) + " operator prohibited");
        }
        if (!c.privileged) checkUnprivilegedResult(dstReg, result);
        if (sanitize) {
            // after it: one masking per instruction, so every path must move the pointer the same way and as far
            long limit = Math.abs((int) (limitBefore - ptrLimit(result, maskToLeft, dstReg, a)));
            int state = (ob.smin() < 0 ? ALU_NEG_VALUE : 0) | (ob.isConst() ? ALU_IMMEDIATE : 0) | (ptrIsDst ? ALU_SANITIZE_SRC : ALU_SANITIZE_DST);
            recordSanitation(a, state, limit);
        }
        c.st.set(dstReg, result);
    }

    /** Linux's BPF_ALU_* sanitation states: what one instruction did on the paths seen so far. */
    private static final int ALU_SANITIZE_SRC = 1, ALU_SANITIZE_DST = 2, ALU_NEG_VALUE = 4, ALU_NON_POINTER = 8, ALU_IMMEDIATE = 16;

    /** Set once an instruction moved a pointer by an unknown scalar without CAP_PERFMON: prune on equal scalars only. */
    boolean exploreAluLimits;

    /** Per instruction: the sanitation state and limit of the first path through it (Linux's insn_aux_data). */
    private final java.util.Map<Integer, long[]> sanitation = new java.util.HashMap<>();

    /** Without CAP_PERFMON, scalar += scalar by register records that the instruction moves no pointer (sanitize_val_alu). */
    private void sanitizeScalar(Instruction.Alu a) {
        if (!c.privileged) recordSanitation(a, ALU_NON_POINTER, 0);
    }

    /** Linux's update_alu_sanitation_state: a second path with another state or limit cannot share the masking. */
    private void recordSanitation(Instruction.Alu a, int state, long limit) {
        long[] seen = sanitation.putIfAbsent(c.pc, new long[] {state, limit});
        if (seen != null && (seen[0] != state || seen[1] != limit)) {
            throw reject("R" + a.dst() + " tried to " + (a.op() == AluOp.ADD ? "add" : "sub")
                    + " from different maps, paths or scalars, pointer arithmetic with it prohibited for !root");
        }
    }

    /**
     * Linux's retrieve_ptr_limit: how far the pointer may be masked towards the object's start or end. Only
     * stack and map-value pointers have one.
     */
    private long ptrLimit(RegState p, boolean maskToLeft, int reg, Instruction.Alu a) {
        long max, limit;
        switch (p.type()) {
            case PTR_TO_STACK -> {
                max = FuncState.MAX_STACK + (maskToLeft ? 1 : 0);
                limit = -(p.bounds().tnum().value() + p.off()) & 0xffffffffL;
            }
            case PTR_TO_MAP_VALUE -> {
                max = p.map().definition().valueSize();
                limit = ((maskToLeft ? p.bounds().smin() : p.bounds().umax()) + p.off()) & 0xffffffffL;
            }
            default -> throw reject("R" + reg + " has pointer with unsupported alu operation, pointer arithmetic with it prohibited for !root");
        }
        if (limit >= max) {
            throw reject("R" + a.dst() + " tried to " + (a.op() == AluOp.ADD ? "add" : "sub")
                    + " beyond pointer bounds, pointer arithmetic with it prohibited for !root");
        }
        return limit;
    }

    /** Linux's check_reg_sane_offset: offsets beyond 2^29 either way are refused before they can overflow. */
    private void checkSaneOffset(ScalarBounds b, int fixed, String name) {
        if (b.isConst()) {
            long v = b.constValue();
            if (v <= -MAX_VAR_OFF || v >= MAX_VAR_OFF) throw reject("math between " + name + " pointer and " + v + " is not allowed");
        }
        if (fixed <= -MAX_VAR_OFF || fixed >= MAX_VAR_OFF) throw reject(name + " pointer offset " + fixed + " is not allowed");
        if (b.smin() == Long.MIN_VALUE) {
            throw reject("math between " + name + " pointer and register with unbounded min value is not allowed");
        }
        if (b.smin() <= -MAX_VAR_OFF || b.smin() >= MAX_VAR_OFF) {
            throw reject("value " + b.smin() + " makes " + name + " pointer be out of bounds");
        }
    }

    /** The pointer moved by {@code ob} (added or subtracted): a constant into the fixed offset, else the variable part. */
    private RegState moved(RegState ptr, ScalarBounds ob, boolean add, String name) {
        if (ob.isConst()) {
            long newOff = add ? (long) ptr.off() + ob.constValue() : (long) ptr.off() - ob.constValue();
            if (newOff <= -MAX_VAR_OFF || newOff >= MAX_VAR_OFF) throw reject(name + " pointer offset " + newOff + " is not allowed");
            return ptr.withOff((int) newOff);
        }
        ScalarBounds var = ptr.bounds().alu(true, add ? AluOp.ADD : AluOp.SUB, ob);
        // the result, checked as Linux does (its smin); a huge smax is caught when the pointer is used
        checkSaneOffset(var, ptr.off(), name);
        RegState result = ptr.withBounds(var);
        if (ptr.type().isPacket()) {
            // a new variable part: no comparison has proven anything about it yet
            result = result.withId(c.newId()).withRange(0);
        }
        return result;
    }

    /** Without CAP_PERFMON, pointer arithmetic must stay inside the object (Linux's sanitize checks). */
    private void checkUnprivilegedResult(int reg, RegState r) {
        switch (r.type()) {
            case PTR_TO_STACK -> {
                if (!r.fixedOffset()) {
                    throw reject("R" + reg + " variable stack access prohibited for !root, var_off=" + r.bounds().tnum()
                            + " off=" + (r.off() + r.bounds().tnum().value()));
                }
                if (r.off() >= 0 || r.off() < -FuncState.MAX_STACK) {
                    throw reject("R" + reg + " stack pointer arithmetic goes out of range, prohibited for !root; off=" + r.off());
                }
            }
            case PTR_TO_MAP_VALUE -> {
                long size = r.map().definition().valueSize();
                // Linux's check_map_access of one byte at the pointer's smallest and largest offset
                long min = r.off() + r.bounds().smin(), umax = r.bounds().umax();
                if (min < 0 || Long.compareUnsigned(umax, size) >= 0 || r.off() + umax >= size) {
                    throw reject("R" + reg + " pointer arithmetic of map value goes out of range, prohibited for !root");
                }
            }
            default -> {
            }
        }
    }
}
