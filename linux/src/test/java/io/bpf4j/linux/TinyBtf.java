package io.bpf4j.linux;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The smallest BTF that lets hand-built programs with bpf2bpf subprograms load with func_info (Linux wants
 * it for tail calls inside subprograms): {@code int}, {@code void *}, {@code int (void *ctx)}, and two FUNCs
 * of that prototype, {@code main} (id {@link #MAIN}) and {@code sub} (id {@link #SUB}), both static.
 *
 * <pre>
 *  header: u16 magic 0xeB9F, u8 version 1, u8 flags, u32 hdr_len 24, u32 type_off, u32 type_len, u32 str_off, u32 str_len
 *  type:   u32 name_off, u32 info (vlen 0-15, kind 24-28), u32 size|type, then kind data
 * </pre>
 */
final class TinyBtf {
    private TinyBtf() {}

    static final int INT = 1, VOID_PTR = 2, PROTO = 3, MAIN = 4, SUB = 5;
    private static final int KIND_INT = 1, KIND_PTR = 2, KIND_FUNC = 12, KIND_FUNC_PROTO = 13;

    static byte[] bytes() {
        String strings = "\0int\0ctx\0main\0sub\0";
        int intName = 1, ctxName = 5, mainName = 9, subName = 14;
        ByteBuffer t = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        type(t, intName, KIND_INT, 0, 4).putInt(1 << 24 | 32);           // signed, offset 0, 32 bits
        type(t, 0, KIND_PTR, 0, 0);                                        // void *
        type(t, 0, KIND_FUNC_PROTO, 1, INT).putInt(ctxName).putInt(VOID_PTR); // int (void *ctx)
        type(t, mainName, KIND_FUNC, 0, PROTO);                            // static int main(void *ctx)
        type(t, subName, KIND_FUNC, 0, PROTO);                             // static int sub(void *ctx)
        int typeLen = t.position();
        byte[] str = strings.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(typeLen).putInt(typeLen).putInt(str.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(h.array());
        out.write(t.array(), 0, typeLen);
        out.writeBytes(str);
        return out.toByteArray();
    }

    private static ByteBuffer type(ByteBuffer t, int name, int kind, int vlen, int sizeOrType) {
        return t.putInt(name).putInt(kind << 24 | vlen).putInt(sizeOrType);
    }

    /** func_info records: main at slot 0, and sub at {@code subStart} when it is ≥ 0. */
    static byte[] funcInfo(int subStart) {
        ByteBuffer b = ByteBuffer.allocate(subStart >= 0 ? 16 : 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0).putInt(MAIN);
        if (subStart >= 0) b.putInt(subStart).putInt(SUB);
        return b.array();
    }
}
