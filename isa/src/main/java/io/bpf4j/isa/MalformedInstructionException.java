package io.bpf4j.isa;

import io.bpf4j.BpfException;

/**
 * Bytecode that is not a valid eBPF instruction stream: truncated, an unknown opcode, reserved fields
 * set, a half-finished lddw, a jump that lands outside the program or inside an lddw.
 */
public final class MalformedInstructionException extends BpfException {
    private final int pc;
    private final long raw;

    public MalformedInstructionException(int pc, long raw, String problem) {
        super("pc " + pc + " (" + RawInstruction.hex(raw) + "): " + problem);
        this.pc = pc;
        this.raw = raw;
    }

    /** A problem at {@code pc} that is not one whole slot (a truncated instruction): the problem shows the bytes. */
    public MalformedInstructionException(int pc, String problem) {
        super("pc " + pc + ": " + problem);
        this.pc = pc;
        this.raw = 0;
    }

    public MalformedInstructionException(String problem) {
        super(problem);
        this.pc = -1;
        this.raw = 0;
    }

    /** The slot index of the offending instruction, or -1 when the problem is not one instruction's. */
    public int pc() {
        return pc;
    }

    /** The offending 64-bit slot as read little-endian (opcode in the low byte); 0 for a truncated instruction. */
    public long raw() {
        return raw;
    }
}
