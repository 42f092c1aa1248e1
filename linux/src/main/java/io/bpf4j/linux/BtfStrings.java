package io.bpf4j.linux;

import io.bpf4j.BpfException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The string section of raw BTF, searched by content: line_info records name their file and source line by
 * offset into it, and bpf4j's object model keeps the strings rather than the offsets.
 *
 * <pre>
 *  struct btf_header { u16 magic (0xeB9F); u8 version; u8 flags; u32 hdr_len;
 *                      u32 type_off; u32 type_len; u32 str_off; u32 str_len; }   // offsets after hdr_len
 * </pre>
 */
final class BtfStrings {
    private final Map<String, Integer> offsets = new HashMap<>();

    BtfStrings(byte[] raw) {
        if (raw.length < 24) throw new BpfException("BTF of " + raw.length + " bytes has no complete header");
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getShort(0) & 0xffff) != 0xeb9f) {
            b.order(ByteOrder.BIG_ENDIAN);
            if ((b.getShort(0) & 0xffff) != 0xeb9f) throw new BpfException("BTF magic missing");
        }
        int hdrLen = b.getInt(4), strOff = b.getInt(16), strLen = b.getInt(20);
        int start = hdrLen + strOff;
        if (start < 0 || strLen < 0 || start + (long) strLen > raw.length) {
            throw new BpfException("BTF string section [" + start + ", +" + strLen + ") lies outside its " + raw.length + " bytes");
        }
        int i = 0;
        while (i < strLen) {
            int end = i;
            while (end < strLen && raw[start + end] != 0) end++;
            offsets.putIfAbsent(new String(raw, start + i, end - i, StandardCharsets.UTF_8), i);
            i = end + 1;
        }
    }

    /** The offset of a string equal to {@code s}, or -1. */
    int offsetOf(String s) {
        Integer o = offsets.get(s == null ? "" : s);
        return o == null ? -1 : o;
    }
}
