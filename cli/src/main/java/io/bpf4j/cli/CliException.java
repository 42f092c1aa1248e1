package io.bpf4j.cli;

import io.bpf4j.BpfException;

/**
 * A problem the user can fix, reported as one line on stderr with the exit code it deserves:
 * {@link #USAGE} (2) for a bad argument — a file that is not there, a name the object does not have, bad hex —
 * and {@link #FAILED} (1) for input that was read but did not work — a damaged capture, a rejected program, a
 * run that faulted. The message says what, where and what to do next.
 */
public final class CliException extends BpfException {
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static CliException usage(String message) {
        return new CliException(USAGE, message);
    }

    public static CliException failed(String message) {
        return new CliException(FAILED, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
