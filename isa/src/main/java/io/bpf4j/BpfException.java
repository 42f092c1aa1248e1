package io.bpf4j;

/**
 * Root of every error bpf4j raises on purpose. Unchecked: callers catch a subtype only where they
 * handle it differently (a malformed object, a rejected program, a fault while running, a kernel errno).
 */
public class BpfException extends RuntimeException {
    public BpfException(String message) {
        super(message);
    }

    public BpfException(String message, Throwable cause) {
        super(message, cause);
    }
}
