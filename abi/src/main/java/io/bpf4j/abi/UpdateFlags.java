package io.bpf4j.abi;

/** Flags of map update operations ({@code BPF_ANY}, {@code BPF_NOEXIST}, {@code BPF_EXIST}, {@code BPF_F_LOCK}). */
public final class UpdateFlags {
    private UpdateFlags() {}

    /** Create a new element or update an existing one. */
    public static final long ANY = 0;
    /** Create a new element only if it did not exist. */
    public static final long NOEXIST = 1;
    /** Update an existing element only. */
    public static final long EXIST = 2;
    /** Update a spin-locked element under its lock. */
    public static final long F_LOCK = 4;
}
