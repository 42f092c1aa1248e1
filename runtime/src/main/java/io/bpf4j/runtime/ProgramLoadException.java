package io.bpf4j.runtime;

import io.bpf4j.BpfException;
import io.bpf4j.isa.RawInstruction;

/**
 * A program cannot be prepared for running: it calls a helper nobody registered, a kfunc, or uses an lddw kind
 * the runtime cannot resolve. Names the program, the pc and the instruction.
 */
public final class ProgramLoadException extends BpfException {
    private final String program;
    private final int pc;
    private final long raw;

    public ProgramLoadException(String program, int pc, long raw, String instruction, String problem) {
        super("program '" + program + "' pc " + pc + " (" + RawInstruction.hex(raw) + ": " + instruction + "): " + problem);
        this.program = program;
        this.pc = pc;
        this.raw = raw;
    }

    public String program() {
        return program;
    }

    public int pc() {
        return pc;
    }

    public long raw() {
        return raw;
    }
}
