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

    /**
     * What an instruction threw, as every engine reports it: the one classification the interpreter and the JIT
     * share, so the same fault gives the same reason and message on both. {@link ExecutionException}s and
     * engine-internal traps are the engines' own business and are not passed here.
     *
     * @param reason  why the run stopped
     * @param message what happened, for the error's message
     * @param cause   the original throwable
     */
    public record Failure(Reason reason, String message, Throwable cause) {
        /**
         * @param call     the instruction is a call (helper, callx or tail call): failures inside it are the helper's
         * @param tailCall the instruction is {@code call bpf_tail_call}: a bad handle in r2 is a bad call target
         * @throws Error   JVM errors other than stack overflow and out-of-memory are not the program's doing: rethrown
         */
        public static Failure of(Throwable t, boolean call, boolean tailCall) {
            return switch (t) {
                case io.bpf4j.runtime.memory.MemoryFault f when f.access() == io.bpf4j.runtime.memory.Access.HANDLE && tailCall ->
                        new Failure(Reason.BAD_CALL_TARGET, "bpf_tail_call: r2 " + f.getMessage(), f);
                case io.bpf4j.runtime.memory.MemoryFault f -> new Failure(Reason.MEMORY_FAULT, (call ? "in helper: " : "") + f.getMessage(), f);
                case BpfException e when call -> new Failure(Reason.HELPER_FAILED, "helper failed: " + e.getMessage(), e);
                case Error e when !(e instanceof StackOverflowError || e instanceof OutOfMemoryError) -> throw e;
                default -> new Failure(call ? Reason.HELPER_FAILED : Reason.INTERNAL_ERROR,
                        (call ? "helper threw " : "internal error: ") + t, t);
            };
        }
    }
}
