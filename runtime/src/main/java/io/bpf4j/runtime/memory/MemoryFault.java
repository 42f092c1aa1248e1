package io.bpf4j.runtime.memory;

import io.bpf4j.BpfException;

/**
 * A program touched memory it may not: no region at the address, a region from an earlier invocation (dangling),
 * out of bounds, a forbidden write, or a misaligned atomic. Raised by {@link AddressSpace} without knowing the
 * instruction; the engine adds pc and instruction when it turns this into an {@code ExecutionException}.
 */
public final class MemoryFault extends BpfException {
    private final long address;
    private final int size;
    private final Access access;
    private final Region region;
    private final String problem;

    public MemoryFault(Access access, long address, int size, Region region, String problem) {
        super(access.description() + (access == Access.HANDLE ? "" : " of " + size + " byte" + (size == 1 ? "" : "s")) + " at " + AddressSpace.format(address) + ": " + problem);
        this.address = address;
        this.size = size;
        this.access = access;
        this.region = region;
        this.problem = problem;
    }

    /** The 64-bit address the program used. */
    public long address() {
        return address;
    }

    public int size() {
        return size;
    }

    public Access access() {
        return access;
    }

    /** The region the address names, or null when it names none. */
    public Region region() {
        return region;
    }

    /** What was wrong, without the access (e.g. "out of bounds of stack (512 bytes, read-write): offset 512"). */
    public String problem() {
        return problem;
    }
}
