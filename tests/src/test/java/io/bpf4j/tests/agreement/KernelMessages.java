package io.bpf4j.tests.agreement;

import java.util.List;
import java.util.Locale;

/**
 * Sorting the kernel's refusals: which ones say the program could touch memory it must not (the class of
 * disagreement that must never happen with bpf4j accepting), and which are about something else (termination,
 * complexity, structure, program type, privileges, instruction encodings).
 */
final class KernelMessages {
    private KernelMessages() {}

    /** Phrases of kernel/bpf/verifier.c's refusals about memory, pointers and references. */
    private static final List<String> MEMORY_SAFETY = List.of(
            "invalid access", "invalid read", "invalid write", "invalid indirect", "invalid mem access", "invalid stack",
            "invalid bpf_context access", "invalid size of register", "!read_ok", "out of bound", "outside of the allowed memory",
            "unbounded", "pointer arithmetic", "pointer comparison", "pointer -= pointer", "subtract pointer", "partial copy of pointer",
            "leaks addr", "leak", "unreleased reference", "corrupt spilled pointer", "dereference of modified", "misaligned",
            "min value is negative", "max value is outside", "expected=", "frame pointer is read only",
            "bitwise operator", "math between", "cannot write into", "write into map forbidden", "invalid zero-sized",
            "variable stack access", "variable ctx access", "stack pointer", "uninit", "not allowed to read",
            "invalid mem access", "null-check", "cannot return stack pointer", "invalid map_ptr", "cannot pass map_type",
            "expected prog array");

    static boolean isMemorySafety(String kernelMessage) {
        String m = kernelMessage.toLowerCase(Locale.ROOT);
        for (String p : MEMORY_SAFETY) if (m.contains(p.toLowerCase(Locale.ROOT))) return true;
        return false;
    }
}
