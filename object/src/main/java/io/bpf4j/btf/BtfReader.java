package io.bpf4j.btf;

import io.bpf4j.object.MalformedObjectException;

import java.nio.charset.StandardCharsets;

/** Bounds-checked little-endian reads inside one section's bytes; every failure names the file, section and offset. */
final class BtfReader {
    private final String file;
    private final String section;
    private final byte[] data;

    BtfReader(String file, String section, byte[] data) {
        this.file = file;
        this.section = section;
        this.data = data;
    }

    int length() {
        return data.length;
    }

    byte[] data() {
        return data;
    }

    int u8(long at) {
        check(at, 1);
        return data[(int) at] & 0xff;
    }

    int u16(long at) {
        check(at, 2);
        int i = (int) at;
        return (data[i] & 0xff) | (data[i + 1] & 0xff) << 8;
    }

    /** An unsigned 32-bit field, as a long. */
    long u32(long at) {
        check(at, 4);
        int i = (int) at;
        return (data[i] & 0xff) | (data[i + 1] & 0xff) << 8 | (data[i + 2] & 0xff) << 16 | (long) (data[i + 3] & 0xff) << 24;
    }

    int s32(long at) {
        return (int) u32(at);
    }

    /** An unsigned 32-bit field that must fit an int (an offset, a count, a type id). */
    int index(long at, String what) {
        long v = u32(at);
        if (v > Integer.MAX_VALUE) throw error(at, what + " " + v + " is out of range");
        return (int) v;
    }

    /** A NUL-terminated string at {@code offset} inside [{@code start}, {@code start + length}). */
    String string(int start, int length, long offset) {
        if (offset < 0 || offset >= length) {
            throw error(start + offset, "string offset " + offset + " is outside the string section of " + length + " bytes");
        }
        int from = (int) (start + offset), end = from, limit = start + length;
        while (end < limit && data[end] != 0) end++;
        if (end == limit) throw error(from, "string at offset " + offset + " is not NUL-terminated");
        return new String(data, from, end - from, StandardCharsets.UTF_8);
    }

    void check(long at, long size) {
        if (at < 0 || size < 0 || at > data.length || size > data.length - at) {
            throw error(at, "reading " + size + " bytes at offset " + at + " runs past the end of the section (" + data.length + " bytes)");
        }
    }

    MalformedObjectException error(long at, String problem) {
        return new MalformedObjectException(file, section, "offset 0x" + Long.toHexString(at), problem);
    }
}
