package io.bpf4j.verifier;

import java.util.Arrays;

/**
 * One frame of the abstract state: registers R0–R10 and the frame's 512-byte stack, tracked per byte as Linux
 * tracks it (never written, data, known zero, or part of a spilled register) with one spilled register per
 * 8-byte slot. A slot holds a spill when its lowest byte is {@link #STACK_SPILL} (Linux's is_spilled_reg):
 * Linux spills only at 8-byte-aligned offsets, into the slot's low bytes. Mutable; {@link #copy} before forking.
 */
final class FuncState {
    static final int MAX_STACK = 512;
    static final int SLOTS = MAX_STACK / 8;

    static final byte STACK_INVALID = 0, STACK_MISC = 1, STACK_ZERO = 2, STACK_SPILL = 3;

    final int frameno;
    /** The call instruction that created this frame, -1 for the program's own frame. */
    final int callsite;
    final int subprog;
    final RegState[] regs;
    /** Byte {@code MAX_STACK + off} describes stack offset {@code off} (-512..-1). */
    final byte[] stackType;
    /**
     * Per slot: the spilled register (Linux's spilled_ptr), meaningful while the slot's lowest byte is
     * {@link #STACK_SPILL}; null stands for NOT_INIT (a spill whose register a variable-offset write erased).
     */
    final RegState[] spilled;
    /**
     * Bytes of stack this frame has accessed so far, reads included (a multiple of 8; Linux's allocated_stack):
     * reads below it are refused in the default mode, and the deepest value is the frame's stack depth.
     */
    int allocated;
    /** For callback frames (bpf_loop): the helper call that invoked it, else -1. */
    final int callbackOf;
    /** For callback frames: the arguments each invocation starts with. */
    RegState[] callbackArgs;
    /** For callback frames: the caller's state when the helper was called, to widen against on each new invocation. */
    VerifierState callbackCaller;

    FuncState(int frameno, int callsite, int subprog, int callbackOf) {
        this.frameno = frameno;
        this.callsite = callsite;
        this.subprog = subprog;
        this.callbackOf = callbackOf;
        this.regs = new RegState[11];
        Arrays.fill(regs, RegState.NOT_INIT);
        this.stackType = new byte[MAX_STACK];
        this.spilled = new RegState[SLOTS];
    }

    private FuncState(FuncState o) {
        this.frameno = o.frameno;
        this.callsite = o.callsite;
        this.subprog = o.subprog;
        this.callbackOf = o.callbackOf;
        this.regs = o.regs.clone();
        this.stackType = o.stackType.clone();
        this.spilled = o.spilled.clone();
        this.allocated = o.allocated;
        this.callbackArgs = o.callbackArgs;
        this.callbackCaller = o.callbackCaller;
    }

    FuncState copy() {
        return new FuncState(this);
    }

    static int byteIndex(int off) {
        return MAX_STACK + off;
    }

    static int slotOf(int off) {
        return (MAX_STACK + off) / 8;
    }

    void grow(int bytes) {
        int rounded = (bytes + 7) & ~7;
        if (rounded > allocated) allocated = rounded;
    }

    byte type(int off) {
        return stackType[byteIndex(off)];
    }

    /** Linux's is_spilled_reg: the slot's lowest byte belongs to a spilled register. */
    boolean isSpilled(int slot) {
        return stackType[slot * 8] == STACK_SPILL;
    }

    /** The register spilled in {@code slot} (NOT_INIT when erased); only meaningful when {@link #isSpilled}. */
    RegState spilledReg(int slot) {
        RegState r = spilled[slot];
        return r == null ? RegState.NOT_INIT : r;
    }

    /** Linux's is_spilled_scalar_reg. */
    boolean isSpilledScalar(int slot) {
        return isSpilled(slot) && spilledReg(slot).isScalar();
    }

    /** The bytes of the spill in {@code slot}: STACK_SPILL bytes counted upward from the slot's lowest byte. */
    int spillSize(int slot) {
        int n = 0;
        while (n < 8 && stackType[slot * 8 + n] == STACK_SPILL) n++;
        return n;
    }

    /**
     * Linux's save_register_state: {@code reg} spilled into the low {@code size} bytes of {@code slot}; the
     * slot's other bytes become data, except bytes never written or known zero, which stay so.
     */
    void saveRegister(int slot, RegState reg, int size) {
        spilled[slot] = reg;
        for (int i = 0; i < 8; i++) {
            int b = slot * 8 + i;
            if (i < size) stackType[b] = STACK_SPILL;
            else if (stackType[b] != STACK_ZERO && stackType[b] != STACK_INVALID) stackType[b] = STACK_MISC;
        }
    }

    /** Linux's scrub_spilled_slot over a whole slot: every byte ever written becomes data. */
    void scrubSlot(int slot) {
        for (int i = slot * 8; i < slot * 8 + 8; i++) if (stackType[i] != STACK_INVALID) stackType[i] = STACK_MISC;
    }

    /**
     * A write of plain data (not a register spill) into [off, off+size) of one slot: an earlier spill there is
     * gone, and Linux turns the rest of that slot into data (check_stack_write_fixed_off's last case).
     */
    void writeData(int off, int size, byte type) {
        int slot = slotOf(off);
        spilled[slot] = null;
        if (isSpilled(slot)) scrubSlot(slot);
        for (int i = 0; i < size; i++) stackType[byteIndex(off + i)] = type;
    }

    /** The stack as Linux prints it after the registers: {@code fp-8=mmmmmmmm fp-16=ctx}. */
    String describeStack() {
        StringBuilder sb = new StringBuilder();
        for (int slot = SLOTS - 1; slot >= 0; slot--) {
            int base = slot * 8;
            int off = base - MAX_STACK;
            if (isSpilled(slot) && spillSize(slot) == 8) {
                sb.append(" fp").append(off).append('=').append(spilledReg(slot).describe());
                continue;
            }
            boolean any = false;
            StringBuilder s = new StringBuilder();
            for (int i = 7; i >= 0; i--) {
                byte t = stackType[base + i];
                if (t != STACK_INVALID) any = true;
                s.append(switch (t) {
                    case STACK_MISC -> 'm';
                    case STACK_ZERO -> '0';
                    case STACK_SPILL -> 'r';
                    default -> '?';
                });
            }
            if (any) sb.append(" fp").append(off).append('=').append(s);
        }
        return sb.toString();
    }
}
