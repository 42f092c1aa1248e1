package io.bpf4j.tests.runtime;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.text.Assembler;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.testdata.Fixtures;

import java.util.ArrayList;
import java.util.List;

/** Hand-built programs: LLVM-syntax fragments (labels local to each) joined with map references. */
final class Asm {
    private Asm() {}

    static Instructions code(Object... parts) {
        List<Instruction> out = new ArrayList<>();
        for (Object p : parts) {
            switch (p) {
                case String s -> out.addAll(Assembler.assemble(s).list());
                case Instruction i -> out.add(i);
                case Object[] nested -> out.addAll(code(nested).list());
                default -> throw new IllegalArgumentException("not a program part: " + p);
            }
        }
        return Instructions.of(out);
    }

    /** {@code rN = map n} (the n-th map given to the runtime's load). */
    static Instruction map(int register, int n) {
        return new Instruction.LoadImm64(register, Pseudo.MAP_FD, n, 0);
    }

    /** {@code bpf_tail_call(r6 = ctx, map n, index)}: the ctx must be saved in r6 beforehand. */
    static Object[] tailCall(int mapIndex, long index) {
        return new Object[] {"r1 = r6", map(2, mapIndex), "r3 = " + index + " ll\ncall 12"};
    }

    static ObjectSpec fixture(String name) {
        return ObjectSpec.read(name, Fixtures.bytes(name));
    }

    static byte[] u32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    static long u64(byte[] b) {
        long v = 0;
        for (int i = Math.min(8, b.length) - 1; i >= 0; i--) v = v << 8 | (b[i] & 0xff);
        return v;
    }

    static int u32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    /** A 64-byte IPv4/UDP-ish Ethernet frame. */
    static byte[] packet(int size) {
        byte[] p = new byte[size];
        p[12] = 0x08; // EtherType IPv4
        for (int i = 14; i < size; i++) p[i] = (byte) i;
        return p;
    }
}
