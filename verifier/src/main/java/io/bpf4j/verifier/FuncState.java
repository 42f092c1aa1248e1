package io.bpf4j.verifier;

import java.util.Arrays;

/**
 * One frame of the abstract state: registers R0–R10 and the frame's 512-byte stack, tracked per byte
 * (never written, data, known zero, or part of a spilled register) with the spilled registers per 8-byte slot.
 * Mutable; {@link #copy} before forking.
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
    final RegState[] spilled;
    /** Per slot with a spill: the first byte (0..7) and the length (1, 2, 4 or 8) the spilled register occupies. */
    final byte[] spillStart, spillLen;
    /** Bytes of stack this frame has written so far (a multiple of 8): reads below it are refused in the default mode. */
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
        this.spillStart = new byte[SLOTS];
        this.spillLen = new byte[SLOTS];
    }

    private FuncState(FuncState o) {
        this.frameno = o.frameno;
        this.callsite = o.callsite;
        this.subprog = o.subprog;
        this.callbackOf = o.callbackOf;
        this.regs = o.regs.clone();
        this.stackType = o.stackType.clone();
        this.spilled = o.spilled.clone();
        this.spillStart = o.spillStart.clone();
        this.spillLen = o.spillLen.clone();
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

    /** Forgets any spill overlapping [off, off+size) and marks those bytes with {@code type}. */
    void markBytes(int off, int size, byte type) {
        for (int i = 0; i < size; i++) {
            int b = byteIndex(off + i);
            int slot = b / 8;
            if (spilled[slot] != null) {
                // a partial overwrite of a spilled scalar leaves the rest as data
                for (int k = slot * 8; k < slot * 8 + 8; k++) if (stackType[k] == STACK_SPILL) stackType[k] = STACK_MISC;
                spilled[slot] = null;
                spillStart[slot] = 0;
                spillLen[slot] = 0;
            }
            stackType[b] = type;
        }
    }

    /** A register spilled whole (8 bytes at an 8-aligned offset) or a scalar spilled into its low {@code size} bytes. */
    void spill(int off, int size, RegState reg) {
        markBytes(off, size, STACK_MISC);
        int b = byteIndex(off);
        for (int i = 0; i < size; i++) stackType[b + i] = STACK_SPILL;
        int slot = b / 8;
        spilled[slot] = reg;
        spillStart[slot] = (byte) (b % 8);
        spillLen[slot] = (byte) size;
    }

    /** The stack as Linux prints it after the registers: {@code fp-8=mmmmmmmm fp-16=ctx}. */
    String describeStack() {
        StringBuilder sb = new StringBuilder();
        for (int slot = SLOTS - 1; slot >= 0; slot--) {
            int base = slot * 8;
            int off = base - MAX_STACK;
            if (spilled[slot] != null) {
                sb.append(" fp").append(off).append('=').append(spilled[slot].describe());
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
