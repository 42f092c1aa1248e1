package io.bpf4j.linux;

import io.bpf4j.BpfException;

/**
 * bpf(2) cannot be used from this JVM at all: not Linux, an architecture bpf4j has no system call number for,
 * or native access denied. The message says which. (A kernel that answers with an errno, including EPERM
 * for missing privileges, raises {@link KernelException} instead.)
 */
public class KernelUnavailableException extends BpfException {
    public KernelUnavailableException(String reason) {
        super(reason);
    }
}
