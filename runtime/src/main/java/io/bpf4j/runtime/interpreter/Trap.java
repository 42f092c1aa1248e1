package io.bpf4j.runtime.interpreter;

import io.bpf4j.runtime.ExecutionException;

/** An error found inside the dispatch loop; the loop turns it into an {@link ExecutionException} with the pc. */
final class Trap extends RuntimeException {
    final ExecutionException.Reason reason;

    Trap(ExecutionException.Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }
}
