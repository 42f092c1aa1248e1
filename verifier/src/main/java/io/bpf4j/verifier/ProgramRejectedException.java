package io.bpf4j.verifier;

import io.bpf4j.BpfException;

/**
 * A verifier said no: bpf4j's own verifier or the Linux kernel's (then {@link #errno()} is the errno of
 * BPF_PROG_LOAD). The message is a one-line summary naming the program and, where known, the pc; the full
 * log is kept in {@link #log()}.
 */
public class ProgramRejectedException extends BpfException {
    private final String program;
    private final int pc;
    private final String log;
    private final int errno;

    /**
     * @param program the program's name
     * @param pc      the instruction the verifier stopped at, or -1
     * @param reason  the verifier's one-line reason, e.g. {@code R1 type=scalar expected=ctx}
     * @param log     the whole verifier log (may be empty)
     * @param errno   the kernel's errno, or 0 for bpf4j's verifier
     */
    public ProgramRejectedException(String program, int pc, String reason, String log, int errno) {
        super("program " + program + " rejected" + (pc >= 0 ? " at pc " + pc : "") + ": " + reason);
        this.program = program;
        this.pc = pc;
        this.log = log == null ? "" : log;
        this.errno = errno;
    }

    public String program() {
        return program;
    }

    public int pc() {
        return pc;
    }

    public String log() {
        return log;
    }

    /** The kernel's errno for BPF_PROG_LOAD, or 0 when bpf4j's own verifier rejected the program. */
    public int errno() {
        return errno;
    }
}
