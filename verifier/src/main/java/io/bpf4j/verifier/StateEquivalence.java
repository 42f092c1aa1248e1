package io.bpf4j.verifier;

import java.util.HashMap;
import java.util.Map;

/**
 * Whether a state already proven safe at an instruction covers the current one there, so the current path
 * needs no further exploration (Linux's states_equal / regsafe / stacksafe, without liveness or precision
 * tracking, hence more conservative). Everything the old state allowed must include what the current one holds;
 * ids must correspond one to one. In exact mode (loop detection) the states must be the same.
 */
final class StateEquivalence {
    private final boolean exact;
    private final boolean exactScalars;
    private final Map<Integer, Integer> oldToCur = new HashMap<>();
    private final Map<Integer, Integer> curToOld = new HashMap<>();

    private StateEquivalence(boolean exact, boolean exactScalars) {
        this.exact = exact;
        this.exactScalars = exactScalars;
    }

    static boolean covers(VerifierState old, VerifierState cur, boolean exact, int liveRegs) {
        return covers(old, cur, exact, false, liveRegs);
    }

    /**
     * @param exactScalars scalars (in registers and spilled) must be the same, not merely contained: Linux's
     *                     explore_alu_limits, on once an instruction moved a pointer by an unknown scalar without
     *                     CAP_PERFMON, so that every path shows that instruction the offset it really adds
     * @param liveRegs     registers of the innermost frame that may still be read (bit r for Rr); the others are
     *                     ignored. In outer frames R0–R5 are ignored: a return overwrites them.
     */
    static boolean covers(VerifierState old, VerifierState cur, boolean exact, boolean exactScalars, int liveRegs) {
        if (old.curframe != cur.curframe) return false;
        StateEquivalence eq = new StateEquivalence(exact, exactScalars);
        for (int i = 0; i <= old.curframe; i++) {
            if (old.frames[i].callsite != cur.frames[i].callsite) return false;
            int live = i == old.curframe ? liveRegs | (1 << 10) : 0b11111000000;
            if (!eq.frameSafe(old.frames[i], cur.frames[i], live)) return false;
        }
        if (old.refIds.length != cur.refIds.length) return false;
        for (int i = 0; i < old.refIds.length; i++) {
            if (!eq.ids(old.refIds[i], cur.refIds[i])) return false;
        }
        return true;
    }

    private boolean ids(int oldId, int curId) {
        if (oldId == 0 && curId == 0) return true;
        if (oldId == 0 || curId == 0) return false;
        Integer a = oldToCur.putIfAbsent(oldId, curId);
        Integer b = curToOld.putIfAbsent(curId, oldId);
        return (a == null || a == curId) && (b == null || b == oldId);
    }

    private boolean frameSafe(FuncState old, FuncState cur, int live) {
        for (int r = 0; r < old.regs.length; r++) {
            if ((live & (1 << r)) == 0) continue;
            if (!regSafe(old.regs[r], cur.regs[r])) return false;
        }
        for (int slot = 0; slot < FuncState.SLOTS; slot++) {
            if (!slotSafe(old, cur, slot)) return false;
        }
        // without CAP_PERFMON a read (even of zero bytes, by a helper) below the part accessed is refused
        return exact ? old.allocated == cur.allocated : old.allocated <= cur.allocated;
    }

    /**
     * One 8-byte slot: every byte the old state allowed to read must be readable in the current one with at
     * least as much known about it. A current slot holding a spill where the old one holds none is only covered
     * when the old slot has no zero byte: Linux (and bpf4j) turn a spilled slot's zero bytes into data when
     * part of it is overwritten, so the current state would lose a zero the old one keeps.
     */
    private boolean slotSafe(FuncState old, FuncState cur, int slot) {
        boolean oldSpilled = old.isSpilled(slot), curSpilled = cur.isSpilled(slot);
        if (exact && oldSpilled != curSpilled) return false;
        if (oldSpilled) {
            if (!curSpilled || old.spillSize(slot) != cur.spillSize(slot)) return false;
            if (!regSafe(old.spilledReg(slot), cur.spilledReg(slot))) return false;
        }
        for (int b = slot * 8; b < slot * 8 + 8; b++) {
            byte o = old.stackType[b], c = cur.stackType[b];
            if (exact && o != c) return false;
            switch (o) {
                case FuncState.STACK_INVALID -> {
                }
                case FuncState.STACK_MISC -> {
                    if (c == FuncState.STACK_INVALID) return false;
                    if (c == FuncState.STACK_SPILL && !cur.isSpilledScalar(slot)) return false;
                }
                case FuncState.STACK_ZERO -> {
                    if (c != FuncState.STACK_ZERO || curSpilled && !oldSpilled) return false;
                }
                case FuncState.STACK_SPILL -> {
                    if (c != FuncState.STACK_SPILL) return false;
                }
                default -> throw new IllegalStateException("stack byte type " + o);
            }
        }
        return true;
    }

    private boolean regSafe(RegState old, RegState cur) {
        if (old == cur) return old.id() == 0 || ids(old.id(), cur.id());
        if (!old.isInit()) return !exact || !cur.isInit();
        if (old.type() != cur.type()) return false;
        if (exact || exactScalars && old.type() == RegType.SCALAR) {
            if (!old.bounds().equals(cur.bounds())) return false;
        } else if (!old.bounds().contains(cur.bounds())) {
            return false;
        }
        if (old.type() == RegType.SCALAR) {
            return old.id() == 0 || ids(old.id(), cur.id());
        }
        if (old.off() != cur.off()) return false;
        if (old.map() != null ? cur.map() == null || old.map().handle() != cur.map().handle() : cur.map() != null) return false;
        if (old.memSize() != cur.memSize() || old.frameno() != cur.frameno() || old.subprog() != cur.subprog()) return false;
        if (old.type().isPacket()) {
            if (exact ? old.range() != cur.range() : old.range() > cur.range()) return false;
        }
        if (!ids(old.id(), cur.id())) return false;
        return ids(old.refObjId(), cur.refObjId());
    }
}
