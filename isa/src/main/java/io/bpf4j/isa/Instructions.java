package io.bpf4j.isa;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * An immutable sequence of instructions addressed by slot index (the pc). An lddw occupies two slots;
 * {@link #at} of its second slot throws, {@link #isSecondHalf} tells.
 */
public final class Instructions implements Iterable<Instructions.At> {
    /** An instruction and the slot it starts at. */
    public record At(int pc, Instruction instruction) {}

    private final Instruction[] bySlot; // null in the second slot of an lddw
    private final int count;

    private Instructions(Instruction[] bySlot, int count) {
        this.bySlot = bySlot;
        this.count = count;
    }

    /** Decodes little-endian bytecode, validating each instruction (not yet the jump targets: see {@link #checkControlFlow}). */
    public static Instructions decode(byte[] code) {
        return decode(code, 0, code.length);
    }

    public static Instructions decode(byte[] code, int from, int length) {
        if (length % 8 != 0) {
            int pc = length / 8;
            StringBuilder tail = new StringBuilder();
            for (int i = pc * 8; i < length; i++) {
                if (!tail.isEmpty()) tail.append(' ');
                tail.append(String.format("%02x", code[from + i] & 0xff));
            }
            throw new MalformedInstructionException(pc, "truncated instruction: only " + (length % 8) + " of its 8 bytes (" + tail
                    + "); bytecode of " + length + " bytes is not a whole number of 8-byte instructions");
        }
        ByteBuffer buf = ByteBuffer.wrap(code, from, length).order(ByteOrder.LITTLE_ENDIAN);
        int n = length / 8;
        long[] raw = new long[n];
        for (int i = 0; i < n; i++) raw[i] = buf.getLong(from + i * 8);
        return decode(raw);
    }

    /** Decodes slots given as little-endian longs (opcode in the low byte). */
    public static Instructions decode(long[] raw) {
        Instruction[] bySlot = new Instruction[raw.length];
        int count = 0;
        for (int pc = 0; pc < raw.length; pc++) {
            boolean hasNext = pc + 1 < raw.length;
            Instruction insn = Decoder.decode(pc, raw[pc], hasNext ? raw[pc + 1] : 0, hasNext);
            bySlot[pc] = insn;
            count++;
            if (insn.slots() == 2) pc++;
        }
        return new Instructions(bySlot, count);
    }

    public static Instructions of(Instruction... instructions) {
        return of(Arrays.asList(instructions));
    }

    public static Instructions of(List<? extends Instruction> instructions) {
        int slots = 0;
        for (Instruction i : instructions) slots += i.slots();
        Instruction[] bySlot = new Instruction[slots];
        int pc = 0;
        for (Instruction i : instructions) {
            bySlot[pc] = i;
            pc += i.slots();
        }
        return new Instructions(bySlot, instructions.size());
    }

    /** Number of 8-byte slots (the unit of pc, jump offsets and program length). */
    public int slotCount() {
        return bySlot.length;
    }

    /** Number of instructions (an lddw counts once). */
    public int size() {
        return count;
    }

    public boolean isSecondHalf(int pc) {
        return bySlot[pc] == null;
    }

    public Instruction at(int pc) {
        Instruction i = bySlot[pc];
        if (i == null) throw new IllegalArgumentException("pc " + pc + " is the second half of an lddw");
        return i;
    }

    /** The instruction at a slot, or null for the second half of an lddw. */
    public Instruction slot(int pc) {
        return bySlot[pc];
    }

    public List<Instruction> list() {
        List<Instruction> out = new ArrayList<>(count);
        for (Instruction i : bySlot) if (i != null) out.add(i);
        return out;
    }

    /** The slots as little-endian longs, opcode in the low byte. */
    public long[] encodeSlots() {
        long[] raw = new long[bySlot.length];
        for (int pc = 0; pc < bySlot.length; pc++) {
            Instruction i = bySlot[pc];
            if (i == null) continue;
            raw[pc] = i.encode();
            if (i instanceof Instruction.LoadImm64 l) raw[pc + 1] = l.encodeSecond();
        }
        return raw;
    }

    public byte[] encode() {
        long[] raw = encodeSlots();
        ByteBuffer buf = ByteBuffer.allocate(raw.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long r : raw) buf.putLong(r);
        return buf.array();
    }

    /** A copy with the instruction at {@code pc} replaced by one of the same slot count. */
    public Instructions with(int pc, Instruction replacement) {
        Instruction old = at(pc);
        if (old.slots() != replacement.slots()) throw new IllegalArgumentException("replacement at pc " + pc + " changes the slot count");
        Instruction[] copy = bySlot.clone();
        copy[pc] = replacement;
        return new Instructions(copy, count);
    }

    /**
     * Checks what only the whole program shows: every jump and local call lands on an instruction inside the
     * program and not on the second half of an lddw. Run it after linking, before verifying or running.
     */
    public Instructions checkControlFlow() {
        for (At at : this) {
            int target;
            String what;
            switch (at.instruction()) {
                case Instruction.Jump j -> {
                    target = j.target(at.pc());
                    what = "jump";
                }
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> {
                    target = c.target(at.pc());
                    what = "call";
                }
                case Instruction.LoadImm64 l when l.pseudo() == Pseudo.FUNC -> {
                    target = at.pc() + 1 + l.imm();
                    what = "function reference";
                }
                default -> {
                    continue;
                }
            }
            if (target < 0 || target >= bySlot.length) {
                throw new MalformedInstructionException(at.pc(), at.instruction().encode(), what + " out of range from insn " + at.pc() + " to " + target);
            }
            if (bySlot[target] == null) {
                throw new MalformedInstructionException(at.pc(), at.instruction().encode(), what + " into the middle of ldimm64 insn " + (target - 1));
            }
        }
        return this;
    }

    @Override
    public Iterator<At> iterator() {
        return new Iterator<>() {
            int pc = 0;

            @Override
            public boolean hasNext() {
                return pc < bySlot.length;
            }

            @Override
            public At next() {
                if (!hasNext()) throw new NoSuchElementException();
                At at = new At(pc, bySlot[pc]);
                pc += bySlot[pc].slots();
                return at;
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Instructions other && Arrays.equals(bySlot, other.bySlot);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bySlot);
    }

    @Override
    public String toString() {
        return "Instructions[" + count + " insns, " + bySlot.length + " slots]";
    }
}
