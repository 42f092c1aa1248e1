package io.bpf4j.runtime;

import io.bpf4j.BpfException;
import io.bpf4j.isa.RawInstruction;

/**
 * A program stopped with an error while running: a memory fault, an exhausted instruction budget, too deep a
 * call stack, a bad call target, a failing helper. The message names the program, the pc and the instruction
 * (its bytes and decoded form) and says what happened; {@link #getCause()} holds a {@link
 * io.bpf4j.runtime.memory.MemoryFault} or the helper's exception where there is one.
 */
public final class ExecutionException extends BpfException {
    /** Why the run stopped. */
    public enum Reason {
        /** Out of bounds, dangling, forbidden or misaligned memory access (cause: MemoryFault). */
        MEMORY_FAULT,
        /** The instruction budget ran out (an endless or too long loop in an unverified program). */
        BUDGET_EXHAUSTED,
        /** A bpf2bpf call would need a ninth frame. */
        CALL_STACK_OVERFLOW,
        /** A call names a helper nobody registered. */
        UNKNOWN_HELPER,
        /** A callx target that is neither a subprogram entry nor a helper, or an unusable tail call map. */
        BAD_CALL_TARGET,
        /** A helper threw. */
        HELPER_FAILED,
        /** An instruction the runtime cannot execute in this setting (e.g. a legacy packet load without a packet). */
        UNSUPPORTED,
        /** A bug in bpf4j surfaced as an unexpected JVM exception; reported instead of leaking. */
        INTERNAL_ERROR
    }

    private final Reason reason;
    private final String program;
    private final int pc;
    private final long raw;

    public ExecutionException(Reason reason, String program, int pc, long raw, String instruction, String problem, Throwable cause) {
        super("program '" + program + "' pc " + pc + " (" + RawInstruction.hex(raw) + (instruction == null ? "" : ": " + instruction) + "): " + problem, cause);
        this.reason = reason;
        this.program = program;
        this.pc = pc;
        this.raw = raw;
    }

    public Reason reason() {
        return reason;
    }

    /** The name of the program that was running (the tail call target, if one was running). */
    public String program() {
        return program;
    }

    /** Slot index of the instruction that failed. */
    public int pc() {
        return pc;
    }

    /** The failing instruction's first slot, little-endian (opcode in the low byte). */
    public long raw() {
        return raw;
    }
}
