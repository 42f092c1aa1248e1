package io.bpf4j.runtime.memory;

/** The kind of memory access, for permission checks and messages. */
public enum Access {
    READ("read"),
    WRITE("write"),
    /** An atomic read-modify-write: needs both permissions and natural alignment. */
    ATOMIC("atomic read-modify-write"),
    /** Use of an address as an object handle (a helper's map argument). */
    HANDLE("use as handle");

    private final String description;

    Access(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
