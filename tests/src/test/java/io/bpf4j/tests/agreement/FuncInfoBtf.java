package io.bpf4j.tests.agreement;

import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;

/**
 * BTF and func_info for a hand-built program with bpf2bpf subprograms, as clang would emit them: Linux
 * refuses a tail call inside a subprogram without it ("tail_call is not allowed in subprogs without BTF").
 * Every function gets the static prototype {@code int f(void *ctx)}.
 *
 * <pre>
 *  header: u16 magic 0xeB9F, u8 version 1, u8 flags, u32 hdr_len 24, u32 type_off, u32 type_len, u32 str_off, u32 str_len
 *  type:   u32 name_off, u32 info (vlen bits 0-15, kind bits 24-28), u32 size|type, then the kind's data
 *  func_info record: u32 insn_off, u32 type_id
 * </pre>
 */
final class FuncInfoBtf {
    private FuncInfoBtf() {}

    private static final int KIND_INT = 1, KIND_PTR = 2, KIND_FUNC = 12, KIND_FUNC_PROTO = 13;
    private static final int INT = 1, VOID_PTR = 2, PROTO = 3, FIRST_FUNC = 4;

    /** The first slot of every function: 0, each local call's target, each lddw FUNC's target. */
    static TreeSet<Integer> functionStarts(Instructions program) {
        TreeSet<Integer> starts = new TreeSet<>();
        starts.add(0);
        for (Instructions.At at : program) {
            switch (at.instruction()) {
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> starts.add(c.target(at.pc()));
                case Instruction.LoadImm64 l when l.pseudo() == Pseudo.FUNC -> starts.add(at.pc() + 1 + l.imm());
                default -> { }
            }
        }
        return starts;
    }

    /** BTF with {@code int}, {@code void *}, {@code int (void *ctx)} and {@code functions} FUNCs f0, f1, … */
    static byte[] btf(int functions) {
        StringBuilder strings = new StringBuilder("\0int\0ctx\0");
        int intName = 1, ctxName = 5;
        ByteBuffer t = ByteBuffer.allocate(64 + 12 * functions).order(ByteOrder.LITTLE_ENDIAN);
        type(t, intName, KIND_INT, 0, 4).putInt(1 << 24 | 32);
        type(t, 0, KIND_PTR, 0, 0);
        type(t, 0, KIND_FUNC_PROTO, 1, INT).putInt(ctxName).putInt(VOID_PTR);
        for (int f = 0; f < functions; f++) {
            int name = strings.length();
            strings.append('f').append(f).append('\0');
            type(t, name, KIND_FUNC, 0, PROTO); // vlen 0: static linkage
        }
        int typeLen = t.position();
        byte[] str = strings.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(typeLen).putInt(typeLen).putInt(str.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(h.array());
        out.write(t.array(), 0, typeLen);
        out.writeBytes(str);
        return out.toByteArray();
    }

    /** func_info records, 8 bytes each, for functions starting at {@code starts} (ascending). */
    static byte[] funcInfo(TreeSet<Integer> starts) {
        ByteBuffer b = ByteBuffer.allocate(8 * starts.size()).order(ByteOrder.LITTLE_ENDIAN);
        int id = FIRST_FUNC;
        for (int s : starts) b.putInt(s).putInt(id++);
        return b.array();
    }

    private static ByteBuffer type(ByteBuffer t, int name, int kind, int vlen, int sizeOrType) {
        return t.putInt(name).putInt(kind << 24 | vlen).putInt(sizeOrType);
    }
}
