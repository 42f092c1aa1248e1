package io.bpf4j.verifier;

/**
 * How to verify.
 *
 * @param privileged      mirror Linux with CAP_PERFMON: reading stack the program never wrote is allowed (the
 *                        frame's old bytes are seen), pointers may be compared, subtracted, returned and stored
 *                        into maps, and Linux's Spectre v1 limits on pointer arithmetic (bypass_spec_v1) do not
 *                        apply. The default (false) is Linux without CAP_PERFMON, and the seed's rule: a
 *                        program may only read stack and registers it wrote itself
 * @param logLevel        Linux's log-level bits: 0 no log, 1 the instructions of the paths explored, 2 also the
 *                        register state at each branch and checkpoint, 4 also statistics (stack depth)
 * @param complexityLimit instructions the verifier may process for one program before giving up (Linux: 1,000,000)
 * @param stackRounding   each frame's stack depth is rounded up to this many bytes when call chains are
 *                        summed: 32 (Linux's interpreter rule, and bpf4j's default) or 16 (Linux with its JIT,
 *                        as measured on x86-64)
 * @param logSizeLimit    characters of log kept; beyond it the log ends with a truncation note
 */
public record VerificationOptions(boolean privileged, int logLevel, int complexityLimit, int stackRounding,
                                  int logSizeLimit) {
    public static final int LINUX_COMPLEXITY_LIMIT = 1_000_000;
    public static final VerificationOptions DEFAULT = new VerificationOptions(false, 1, LINUX_COMPLEXITY_LIMIT, 32, 16 << 20);

    public VerificationOptions {
        if (complexityLimit <= 0) throw new IllegalArgumentException("complexity limit " + complexityLimit);
        if (stackRounding != 16 && stackRounding != 32) throw new IllegalArgumentException("stack rounding " + stackRounding + " (16 or 32)");
        if (logLevel < 0 || logLevel > 7) throw new IllegalArgumentException("log level " + logLevel + " (0..7)");
        if (logSizeLimit < 0) throw new IllegalArgumentException("log size limit " + logSizeLimit);
    }

    public VerificationOptions withPrivileged(boolean p) {
        return new VerificationOptions(p, logLevel, complexityLimit, stackRounding, logSizeLimit);
    }

    public VerificationOptions withLogLevel(int level) {
        return new VerificationOptions(privileged, level, complexityLimit, stackRounding, logSizeLimit);
    }

    public VerificationOptions withComplexityLimit(int limit) {
        return new VerificationOptions(privileged, logLevel, limit, stackRounding, logSizeLimit);
    }

    public VerificationOptions withStackRounding(int bytes) {
        return new VerificationOptions(privileged, logLevel, complexityLimit, bytes, logSizeLimit);
    }
}
