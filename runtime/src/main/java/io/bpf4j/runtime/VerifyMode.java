package io.bpf4j.runtime;

/** Whether and how {@link BpfRuntime} verifies programs before they may run. */
public enum VerifyMode {
    /**
     * The default: bpf4j's verifier as Linux without CAP_PERFMON (the seed's rule: a program reads only stack and
     * registers it wrote). A rejected program is never loaded.
     */
    DEFAULT,
    /** Linux with CAP_PERFMON: uninitialised stack may be read, pointers compared and stored. */
    PRIVILEGED,
    /**
     * No verification: the program runs under the runtime's checks only (every memory access bounds-checked, an
     * instruction budget). For programs the verifier cannot handle yet; a bad program fails at run time with an
     * {@link ExecutionException} naming pc and instruction, never corrupting anything.
     */
    NONE
}
