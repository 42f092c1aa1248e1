package io.bpf4j.verifier;

import java.util.Arrays;

/**
 * The abstract state of the whole machine at one instruction: the call frames (innermost last) and the
 * references the program holds and must release (ring-buffer reservations). Mutable; {@link #copy} before forking.
 */
final class VerifierState {
    static final int MAX_CALL_FRAMES = 8;

    final FuncState[] frames = new FuncState[MAX_CALL_FRAMES];
    int curframe;
    /** Unreleased reference ids and the instruction that acquired each. */
    int[] refIds = new int[0];
    int[] refPcs = new int[0];

    VerifierState copy() {
        VerifierState s = new VerifierState();
        for (int i = 0; i <= curframe; i++) s.frames[i] = frames[i].copy();
        s.curframe = curframe;
        s.refIds = refIds;
        s.refPcs = refPcs;
        return s;
    }

    FuncState cur() {
        return frames[curframe];
    }

    RegState reg(int r) {
        return frames[curframe].regs[r];
    }

    void set(int r, RegState v) {
        frames[curframe].regs[r] = v;
    }

    void acquire(int id, int pc) {
        refIds = Arrays.copyOf(refIds, refIds.length + 1);
        refPcs = Arrays.copyOf(refPcs, refPcs.length + 1);
        refIds[refIds.length - 1] = id;
        refPcs[refPcs.length - 1] = pc;
    }

    boolean release(int id) {
        for (int i = 0; i < refIds.length; i++) {
            if (refIds[i] == id) {
                int[] ids = new int[refIds.length - 1], pcs = new int[refIds.length - 1];
                System.arraycopy(refIds, 0, ids, 0, i);
                System.arraycopy(refIds, i + 1, ids, i, ids.length - i);
                System.arraycopy(refPcs, 0, pcs, 0, i);
                System.arraycopy(refPcs, i + 1, pcs, i, pcs.length - i);
                refIds = ids;
                refPcs = pcs;
                return true;
            }
        }
        return false;
    }

    /** Applies {@code f} to every register and spilled register in every frame. */
    void mapAllRegs(java.util.function.UnaryOperator<RegState> f) {
        for (int i = 0; i <= curframe; i++) {
            FuncState fs = frames[i];
            for (int r = 0; r < fs.regs.length; r++) fs.regs[r] = f.apply(fs.regs[r]);
            for (int s = 0; s < fs.spilled.length; s++) if (fs.spilled[s] != null) fs.spilled[s] = f.apply(fs.spilled[s]);
        }
    }
}
