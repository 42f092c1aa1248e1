package io.bpf4j.abi;

import io.bpf4j.BpfException;

/**
 * An operation failed the way bpf(2) fails: with an errno. Embedded maps and the kernel backend both throw
 * it, so code written against one behaves the same against the other.
 */
public class BpfErrnoException extends BpfException {
    private final Errno errno;

    public BpfErrnoException(Errno errno, String message) {
        super(message + ": " + errno.name() + " (" + errno.message() + ")");
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
