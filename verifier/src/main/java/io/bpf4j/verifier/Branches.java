package io.bpf4j.verifier;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Source;

/**
 * A conditional jump's two outcomes: the state on each side, narrowed by what the comparison proves there, or
 * null for a side that cannot happen (Linux's check_cond_jmp_op, is_branch_taken, reg_set_min_max,
 * mark_ptr_or_null_regs and find_good_pkt_pointers).
 */
final class Branches {
    /** Largest packet offset a comparison with data_end can prove (Linux's MAX_PACKET_OFF). */
    static final int MAX_PACKET_OFF = 0xffff;

    final VerifierState taken;
    final VerifierState notTaken;

    private Branches(VerifierState taken, VerifierState notTaken) {
        this.taken = taken;
        this.notTaken = notTaken;
    }

    static Branches decide(Checker c, Instruction.Jump j, RegState dst, RegState src) {
        JumpOp op = j.op();
        boolean jmp32 = j.jmp32();
        boolean srcIsReg = j.source() == Source.REG;
        boolean againstZero = !srcIsReg && j.imm() == 0 && !jmp32 && (op == JumpOp.JEQ || op == JumpOp.JNE);

        // Linux's check_cond_jmp_op: without CAP_PERFMON a pointer may only be compared with another packet pointer
        // (as the source), or, as the destination, tested against 0 when it may be NULL or matched with
        // data_end (data_meta with data); anything else would let the program learn an address
        if (srcIsReg && src.isPointer() && !(isPacketAny(dst) && isPacketAny(src)) && !c.privileged) {
            throw new Checker.Reject(c.pc, "R" + j.src() + " pointer comparison prohibited");
        }
        // is_branch_taken: a pointer that cannot be NULL (reg_not_null: a map value, a map, ring-buffer memory,
        // a socket) is never equal to 0; for other pointers (stack, context, packet) Linux knows no outcome
        Boolean known = comparedWithZero(j, dst, src);
        if (known != null) return known ? new Branches(c.st, null) : new Branches(null, c.st);
        // a null check of a may-be-null pointer settles every copy of it
        if (againstZero && dst.type().mayBeNull()) {
            VerifierState isNull = c.st.copy(), nonNull = c.st.copy();
            markPtrOrNull(isNull, dst.id(), true);
            markPtrOrNull(nonNull, dst.id(), false);
            return op == JumpOp.JEQ ? new Branches(isNull, nonNull) : new Branches(nonNull, isNull);
        }
        if (srcIsReg && !jmp32 && dst.isPointer() && src.isPointer()) {
            Branches b = packetComparison(c, j, dst, src);
            if (b != null) return b;
        }
        if (dst.isPointer()) {
            if (!c.privileged) throw new Checker.Reject(c.pc, "R" + j.dst() + " pointer comparison prohibited");
            // with allow_ptr_leaks both outcomes are explored, the registers unchanged
            return new Branches(c.st.copy(), c.st);
        }
        if (src.isPointer()) {
            return new Branches(c.st.copy(), c.st);
        }

        ScalarBounds.Pair t, f;
        if (op == JumpOp.JSET) {
            t = ScalarBounds.refine(jmp32, JumpOp.JSET, dst.bounds(), src.bounds());
            f = ScalarBounds.refineJsetFalse(jmp32, dst.bounds(), src.bounds());
        } else {
            t = ScalarBounds.refine(jmp32, op, dst.bounds(), src.bounds());
            f = ScalarBounds.refine(jmp32, op.negate(), dst.bounds(), src.bounds());
        }
        int srcReg = srcIsReg ? j.src() : -1;
        VerifierState takenState = null, fallState = null;
        if (t != null && f != null) {
            takenState = narrow(c.st.copy(), j.dst(), dst, t.dst(), srcReg, src, t.src());
            fallState = narrow(c.st, j.dst(), dst, f.dst(), srcReg, src, f.src());
        } else if (t != null) {
            takenState = narrow(c.st, j.dst(), dst, t.dst(), srcReg, src, t.src());
        } else if (f != null) {
            fallState = narrow(c.st, j.dst(), dst, f.dst(), srcReg, src, f.src());
        } else {
            // contradictory facts: the path itself is impossible; follow the fall-through unchanged
            fallState = c.st;
        }
        return new Branches(takenState, fallState);
    }

    /**
     * Linux's is_branch_taken for a pointer and a constant: a pointer that is never NULL compared with 0 by
     * == or != has a known outcome (true: the jump is taken). Null when the outcome is not known.
     */
    private static Boolean comparedWithZero(Instruction.Jump j, RegState dst, RegState src) {
        if (dst.isPointer() == src.isPointer()) return null;
        RegState ptr = dst.isPointer() ? dst : src, other = dst.isPointer() ? src : dst;
        if (!other.isConst() || !neverNull(ptr.type())) return null;
        long v = other.bounds().constValue();
        if (j.jmp32() ? (int) v != 0 : v != 0) return null;
        return switch (j.op()) {
            case JEQ -> false;
            case JNE -> true;
            default -> null;
        };
    }

    /** Linux's reg_not_null, for the pointer types bpf4j has. */
    private static boolean neverNull(RegType t) {
        return t == RegType.PTR_TO_MAP_VALUE || t == RegType.CONST_PTR_TO_MAP || t == RegType.PTR_TO_RINGBUF_MEM
                || t == RegType.PTR_TO_SOCK_COMMON;
    }

    private static boolean isPacketAny(RegState r) {
        return r.type() == RegType.PTR_TO_PACKET || r.type() == RegType.PTR_TO_PACKET_META || r.type() == RegType.PTR_TO_PACKET_END;
    }

    /** Writes narrowed scalar bounds into the registers compared and every register linked to them. */
    private static VerifierState narrow(VerifierState s, int dstReg, RegState dst, ScalarBounds newDst,
                                        int srcReg, RegState src, ScalarBounds newSrc) {
        setLinked(s, dstReg, dst, newDst);
        if (srcReg >= 0) setLinked(s, srcReg, src, newSrc);
        return s;
    }

    private static void setLinked(VerifierState s, int reg, RegState old, ScalarBounds b) {
        s.set(reg, old.withBounds(b));
        if (old.id() != 0) {
            int id = old.id();
            s.mapAllRegs(r -> r.isScalar() && r.id() == id ? r.withBounds(b) : r);
        }
    }

    private static void markPtrOrNull(VerifierState s, int id, boolean isNull) {
        // a null ring-buffer reservation holds nothing to release
        int[] released = {0};
        s.mapAllRegs(r -> {
            if (r.id() != id || !r.type().mayBeNull()) return r;
            if (isNull) {
                if (r.refObjId() != 0) released[0] = r.refObjId();
                return RegState.constant(0);
            }
            if (r.type() == RegType.PTR_TO_MAP_VALUE_OR_NULL && r.map().definition().isMapInMap() && r.map().definition().inner() != null) {
                // a lookup in a map of maps yields the inner map (Linux: CONST_PTR_TO_MAP with the inner map's meta)
                return RegState.pointer(RegType.CONST_PTR_TO_MAP, 0).withMap(new MapRef(-r.map().handle(), r.map().definition().inner()));
            }
            return r.withType(r.type().nonNull());
        });
        if (released[0] != 0) s.release(released[0]);
    }

    /**
     * Comparisons of a packet pointer with data_end (or of a metadata pointer with data): on the side where
     * {@code p <= end} holds, every pointer sharing p's id may access up to p's offset; with {@code p < end}
     * one byte more. Null when the pair is not such a comparison.
     */
    private static Branches packetComparison(Checker c, Instruction.Jump j, RegState dst, RegState src) {
        JumpOp op = j.op();
        boolean dstRanged = ranged(dst, src);
        boolean srcRanged = ranged(src, dst);
        if (!dstRanged && !srcRanged) return null;
        if (op != JumpOp.JGT && op != JumpOp.JGE && op != JumpOp.JLT && op != JumpOp.JLE) return null;
        RegState p = dstRanged ? dst : src;
        // the relation "p R end" on the taken side
        JumpOp takenRel = dstRanged ? op : swap(op);
        JumpOp fallRel = takenRel.negate();
        VerifierState taken = c.st.copy(), fall = c.st;
        goodPointers(taken, p, takenRel);
        goodPointers(fall, p, fallRel);
        return new Branches(taken, fall);
    }

    private static boolean ranged(RegState p, RegState end) {
        if (p.type() == RegType.PTR_TO_PACKET && end.type() == RegType.PTR_TO_PACKET_END) return true;
        return p.type() == RegType.PTR_TO_PACKET_META && end.type() == RegType.PTR_TO_PACKET
                && end.off() == 0 && end.fixedOffset();
    }

    private static JumpOp swap(JumpOp op) {
        return switch (op) {
            case JGT -> JumpOp.JLT;
            case JGE -> JumpOp.JLE;
            case JLT -> JumpOp.JGT;
            case JLE -> JumpOp.JGE;
            default -> op;
        };
    }

    private static void goodPointers(VerifierState s, RegState p, JumpOp rel) {
        boolean open;
        if (rel == JumpOp.JLE) open = false;
        else if (rel == JumpOp.JLT) open = true;
        else return;
        if (p.off() < 0 || (p.off() == 0 && open)) return;
        long umax = p.bounds().umax();
        if (Long.compareUnsigned(umax, MAX_PACKET_OFF) > 0 || umax + p.off() > MAX_PACKET_OFF) return;
        int newRange = p.off() + (open ? 1 : 0);
        RegType type = p.type();
        int id = p.id();
        s.mapAllRegs(r -> r.type() == type && r.id() == id && r.range() < newRange ? r.withRange(newRange) : r);
    }
}
