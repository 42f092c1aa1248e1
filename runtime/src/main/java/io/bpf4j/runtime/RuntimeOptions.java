package io.bpf4j.runtime;

/**
 * Limits of one invocation.
 *
 * @param instructionBudget how many instructions an invocation may execute before it is stopped with
 *                          {@link ExecutionException.Reason#BUDGET_EXHAUSTED}; {@link Long#MAX_VALUE} for none.
 *                          Meant for programs that were not verified: the default, 33,000,000, is the kernel's
 *                          1,000,000-instruction complexity limit for each of the 33 programs a chain of tail
 *                          calls can run (Linux), so every program the kernel would accept fits.
 * @param tailCallLimit     successful tail calls allowed per invocation: 32 (the seed, default) or 33 (Linux
 *                          since 5.17, {@link #LINUX_TAIL_CALL_LIMIT})
 */
public record RuntimeOptions(long instructionBudget, int tailCallLimit) {
    public static final long DEFAULT_INSTRUCTION_BUDGET = 1_000_000L * 33;
    public static final int SEED_TAIL_CALL_LIMIT = 32;
    public static final int LINUX_TAIL_CALL_LIMIT = 33;

    public static final RuntimeOptions DEFAULTS = new RuntimeOptions(DEFAULT_INSTRUCTION_BUDGET, SEED_TAIL_CALL_LIMIT);

    public RuntimeOptions {
        if (instructionBudget <= 0) throw new IllegalArgumentException("instruction budget must be positive, got " + instructionBudget);
        if (tailCallLimit < 0) throw new IllegalArgumentException("tail call limit must not be negative, got " + tailCallLimit);
    }

    public RuntimeOptions withInstructionBudget(long budget) {
        return new RuntimeOptions(budget, tailCallLimit);
    }

    /** No instruction budget: for verified programs, whose termination the verifier proved. */
    public RuntimeOptions unlimited() {
        return new RuntimeOptions(Long.MAX_VALUE, tailCallLimit);
    }

    public RuntimeOptions withTailCallLimit(int limit) {
        return new RuntimeOptions(instructionBudget, limit);
    }
}
