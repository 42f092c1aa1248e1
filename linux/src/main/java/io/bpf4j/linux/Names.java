package io.bpf4j.linux;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** Object names as the kernel accepts them ({@code bpf_obj_name_cpy}: letters, digits, '_' and '.', ≤ 15 bytes). */
final class Names {
    private Names() {}

    static final int OBJ_NAME_LEN = 16;

    /** {@code name} with every other character turned into '_' and cut to 15 characters. */
    static String kernelName(String name) {
        StringBuilder sb = new StringBuilder(Math.min(name.length(), OBJ_NAME_LEN - 1));
        for (int i = 0; i < name.length() && sb.length() < OBJ_NAME_LEN - 1; i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }

    /** Writes the kernel form of {@code name}, NUL-padded, into the 16-byte field at {@code offset}. */
    static void write(MemorySegment attr, long offset, String name) {
        byte[] b = kernelName(name).getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(b, 0, attr, java.lang.foreign.ValueLayout.JAVA_BYTE, offset, b.length);
    }

    /** Reads a NUL-terminated name from a 16-byte field. */
    static String read(MemorySegment info, long offset) {
        byte[] b = new byte[OBJ_NAME_LEN];
        MemorySegment.copy(info, java.lang.foreign.ValueLayout.JAVA_BYTE, offset, b, 0, b.length);
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }
}
