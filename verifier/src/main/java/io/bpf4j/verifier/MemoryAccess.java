package io.bpf4j.verifier;

import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Source;
import io.bpf4j.verifier.VerificationResult.Region;

/**
 * Loads, stores and atomics, and the memory a helper reads or writes (Linux's check_mem_access,
 * check_stack_read/write, check_ctx_access, check_map_access, check_packet_access, check_helper_mem_access):
 * the checks that an access is allowed, and its effect on the state.
 */
final class MemoryAccess {
    private final Checker c;

    MemoryAccess(Checker c) {
        this.c = c;
    }

    private Checker.Reject reject(String msg) {
        return new Checker.Reject(c.pc, msg);
    }

    // ---- instructions ------------------------------------------------------------------------------------

    void load(Instruction.Load l) {
        RegState base = c.read(l.src());
        c.checkWritable(l.dst());
        int size = l.size().bytes();
        RegState value = access(l.src(), base, l.offset(), size, false, null, l.signExtend());
        c.st.set(l.dst(), value);
    }

    void store(Instruction.Store s) {
        RegState base = c.read(s.dst());
        RegState value = s.source() == Source.REG ? c.read(s.src()) : RegState.constant(s.imm());
        int size = s.size().bytes();
        if (s.source() == Source.REG && c.leaks(value)) {
            String into = switch (base.type()) {
                case PTR_TO_MAP_VALUE -> "map";
                case PTR_TO_CTX -> "ctx";
                case PTR_TO_PACKET, PTR_TO_PACKET_META -> "packet";
                case PTR_TO_RINGBUF_MEM -> "mem";
                default -> null; // the stack may hold pointers; other bases are refused below
            };
            if (into != null) throw reject("R" + s.src() + " leaks addr into " + into);
        }
        access(s.dst(), base, s.offset(), size, true, value, false);
    }

    void atomic(Instruction.Atomic a) {
        RegState operand = c.read(a.src());
        RegState base = c.read(a.dst());
        if (a.op() == AtomicOp.CMPXCHG) {
            RegState r0 = c.read(0);
            if (c.leaks(r0)) throw reject("R0 leaks addr into mem");
        }
        if (c.leaks(operand)) throw reject("R" + a.src() + " leaks addr into mem");
        switch (base.type()) {
            case PTR_TO_CTX, PTR_TO_PACKET, PTR_TO_PACKET_META, PTR_TO_SOCK_COMMON ->
                    throw reject("BPF_ATOMIC stores into R" + a.dst() + " " + base.type().logName() + " is not allowed");
            default -> {
            }
        }
        int size = a.size().bytes();
        // atomics must be aligned even where ordinary accesses need not be (Linux: strict alignment once)
        String desc = switch (base.type()) {
            case PTR_TO_MAP_VALUE -> "value ";
            case PTR_TO_STACK -> "stack ";
            default -> "";
        };
        checkAligned(base, a.offset(), size, desc);
        access(a.dst(), base, a.offset(), size, false, null, false);
        access(a.dst(), base, a.offset(), size, true, RegState.UNKNOWN_SCALAR, false);
        if (a.fetch()) {
            int into = a.op() == AtomicOp.CMPXCHG ? 0 : a.src();
            c.checkWritable(into);
            c.st.set(into, RegState.scalar(ScalarBounds.unknownOfSize(size)));
        }
    }

    /** LD_ABS / LD_IND: the classic packet loads of socket filters and tc programs. */
    void legacyPacketLoad(Instruction.PacketLoad p) {
        ProgramType t = c.programType();
        if (t != ProgramType.SOCKET_FILTER && t != ProgramType.SCHED_CLS && t != ProgramType.SCHED_ACT) {
            throw reject("BPF_LD_[ABS|IND] instructions not allowed for this program type");
        }
        if (c.structure.subprogCount() > 1) throw reject("BPF_LD_[ABS|IND] cannot be mixed with bpf-to-bpf calls");
        if (c.st.refIds.length > 0) throw reject("BPF_LD_[ABS|IND] cannot be mixed with socket references");
        RegState r6 = c.read(6);
        if (p.indirect()) c.read(p.src());
        if (r6.type() != RegType.PTR_TO_CTX) throw reject("at the time of BPF_LD_ABS|IND R6 != pointer to skb");
        for (int r = 1; r <= 5; r++) c.st.set(r, RegState.NOT_INIT);
        c.st.set(0, RegState.scalar(ScalarBounds.unknownOfSize(p.size().bytes())));
    }

    // ---- one access -----------------------------------------------------------------------------------

    /**
     * Checks a load ({@code write} false: returns the loaded value) or a store of {@code value} (null: an
     * unknown number) through register {@code regno}.
     */
    private RegState access(int regno, RegState base, int insnOff, int size, boolean write, RegState value, boolean signed) {
        return switch (base.type()) {
            case PTR_TO_STACK -> stack(regno, base, insnOff, size, write, value, signed);
            case PTR_TO_CTX -> context(regno, base, insnOff, size, write, signed);
            case PTR_TO_MAP_VALUE -> {
                MapDefinition d = base.map().definition();
                if (write && (d.flags() & MapDefinition.F_RDONLY_PROG) != 0) {
                    throw reject("write into map forbidden, value_size=" + d.valueSize() + " off=" + (base.off() + insnOff) + " size=" + size);
                }
                region(regno, base, insnOff, size, d.valueSize(), "map value", Region.MAP_VALUE);
                yield loaded(size, signed);
            }
            case PTR_TO_PACKET, PTR_TO_PACKET_META -> {
                if (write && !mayWritePacket()) throw reject("cannot write into packet");
                packet(regno, base, insnOff, size);
                yield loaded(size, signed);
            }
            case PTR_TO_RINGBUF_MEM -> {
                region(regno, base, insnOff, size, base.memSize(), "memory", Region.RINGBUF_MEM);
                yield loaded(size, signed);
            }
            default -> throw reject("R" + regno + " invalid mem access '" + base.type().logName() + "'");
        };
    }

    private boolean mayWritePacket() {
        ProgramType t = c.programType();
        return t == ProgramType.SCHED_CLS || t == ProgramType.SCHED_ACT || t == ProgramType.XDP;
    }

    private static RegState loaded(int size, boolean signed) {
        if (!signed || size == 8) return RegState.scalar(ScalarBounds.unknownOfSize(size));
        long half = 1L << (size * 8 - 1);
        return RegState.scalar(ScalarBounds.UNKNOWN.withSigned(-half, half - 1).normalize());
    }

    /** Linux's check_generic_ptr_alignment: the address, fixed and variable parts together, a multiple of the size. */
    private void checkAligned(RegState base, int insnOff, int size, String desc) {
        Tnum at = base.bounds().tnum().add(Tnum.constant((long) base.off() + insnOff));
        if (((at.value() | at.mask()) & (size - 1)) != 0) {
            throw reject("misaligned " + desc + "access off " + tnumString(base.bounds().tnum()) + "+" + base.off() + "+" + insnOff + " size " + size);
        }
    }

    /** A tnum as Linux 6.18's log prints it: a constant as its value, otherwise {@code (value; mask)}. */
    static String tnumString(Tnum t) {
        return t.isConst() ? Long.toString(t.value()) : t.toString();
    }

    // ---- stack --------------------------------------------------------------------------------------------

    private RegState stack(int regno, RegState base, int insnOff, int size, boolean write, RegState value, boolean signed) {
        if (!base.fixedOffset()) {
            if (!c.privileged) {
                throw reject("R" + regno + " variable stack access prohibited for !root, var_off=" + base.bounds().tnum() + " off=" + insnOff);
            }
            return variableStack(regno, base, insnOff, size, write, signed);
        }
        long off = (long) base.off() + insnOff;
        FuncState frame = c.st.frames[base.frameno()];
        checkAligned(base, insnOff, size, "stack ");
        if (off < -FuncState.MAX_STACK || off + size > 0
                || !write && !c.privileged && off < -frame.allocated) {
            throw reject("invalid " + (write ? "write to" : "read from") + " stack R" + regno + " off=" + off + " size=" + size);
        }
        int o = (int) off;
        c.recordAccess(Region.STACK, size, o, o);
        if (write) {
            writeStack(frame, o, size, value);
            return null;
        }
        return readStack(frame, o, size, signed);
    }

    /**
     * With CAP_PERFMON Linux allows a stack access whose offset is known only as a range: every byte it may
     * touch must lie in the frame; a write turns them all into data, a read gives an unknown number.
     */
    private RegState variableStack(int regno, RegState base, int insnOff, int size, boolean write, boolean signed) {
        checkAligned(base, insnOff, size, "stack ");
        long min = base.bounds().smin() + base.off() + insnOff, max = base.bounds().smax() + base.off() + insnOff;
        if (min < -FuncState.MAX_STACK || max + size > 0) {
            throw reject("invalid variable-offset " + (write ? "write to" : "read from") + " stack R" + regno + " var_off="
                    + base.bounds().tnum() + " off=" + insnOff + " size=" + size);
        }
        FuncState frame = c.st.frames[base.frameno()];
        c.recordAccess(Region.STACK, size, min, max);
        if (write) {
            frame.grow((int) -min);
            c.noteStackDepth(frame);
            frame.markBytes((int) min, (int) (max - min) + size, FuncState.STACK_MISC);
            return null;
        }
        return loaded(size, signed);
    }

    private void writeStack(FuncState frame, int off, int size, RegState value) {
        frame.grow(-off);
        c.noteStackDepth(frame);
        int slot = FuncState.slotOf(off);
        RegState spilledThere = frame.spilled[slot];
        if (value != null && size == 8) {
            frame.spill(off, 8, value);
            return;
        }
        if (value != null && value.isPointer()) throw reject("invalid size of register spill");
        if (!c.privileged && spilledThere != null && !spilledThere.isScalar()) {
            throw reject("attempt to corrupt spilled pointer on stack");
        }
        boolean zero = value != null && value.isConst() && value.bounds().constValue() == 0;
        if (value != null && !zero && Long.compareUnsigned(value.bounds().umax(), (1L << (size * 8)) - 1) <= 0) {
            // a narrow spill of a scalar that fits keeps its bounds (Linux does the same)
            frame.spill(off, size, value);
            return;
        }
        frame.markBytes(off, size, zero ? FuncState.STACK_ZERO : FuncState.STACK_MISC);
    }

    private RegState readStack(FuncState frame, int off, int size, boolean signed) {
        int slot = FuncState.slotOf(off);
        RegState sp = frame.spilled[slot];
        if (sp != null && frame.spillLen[slot] == 8) {
            if (size == 8) return sp;
            if (!sp.isScalar()) throw reject("invalid size of register fill");
            return loaded(size, signed);
        }
        if (sp != null && frame.spillLen[slot] == size && FuncState.byteIndex(off) % 8 == frame.spillStart[slot] && !signed) {
            return sp; // the narrow spilled scalar, read back whole
        }
        boolean allZero = true;
        for (int i = 0; i < size; i++) {
            byte t = frame.stackType[FuncState.byteIndex(off + i)];
            if (t == FuncState.STACK_INVALID && !c.privileged) {
                throw reject("invalid read from stack off " + off + "+" + i + " size " + size);
            }
            if (t != FuncState.STACK_ZERO) allZero = false;
        }
        return allZero ? RegState.constant(0) : loaded(size, signed);
    }

    // ---- context ----------------------------------------------------------------------------------------

    private RegState context(int regno, RegState base, int insnOff, int size, boolean write, boolean signed) {
        if (base.off() != 0) throw reject("dereference of modified ctx ptr R" + regno + " off=" + base.off() + " disallowed");
        if (!base.fixedOffset()) throw reject("variable ctx access var_off=" + base.bounds().tnum() + " disallowed");
        ContextLayout layout = c.context;
        ContextLayout.Access a = layout.check(insnOff, size, write);
        if (!a.allowed()) throw reject("invalid bpf_context access off=" + insnOff + " size=" + size);
        c.recordAccess(Region.CONTEXT, size, insnOff, insnOff);
        if (write) return null;
        return switch (a.kind()) {
            case SCALAR -> loaded(size, signed);
            case PACKET_START -> RegState.pointer(RegType.PTR_TO_PACKET, 0);
            case PACKET_META -> RegState.pointer(RegType.PTR_TO_PACKET_META, 0);
            case PACKET_END -> RegState.pointer(RegType.PTR_TO_PACKET_END, 0);
            case SOCKET_OR_NULL -> RegState.pointer(RegType.PTR_TO_SOCK_COMMON_OR_NULL, 0).withId(c.newId());
            case FLOW_KEYS -> throw reject("invalid bpf_context access off=" + insnOff + " size=" + size);
        };
    }

    // ---- sized regions: map values, ring-buffer memory -------------------------------------------------------

    /** An access of {@code size} bytes at the register's offset plus {@code insnOff} inside [0, memSize). */
    private void region(int regno, RegState reg, int insnOff, long size, long memSize, String what, Region kind) {
        long off = (long) reg.off() + insnOff;
        ScalarBounds b = reg.bounds();
        if (b.smin() < 0 && (b.smin() == Long.MIN_VALUE || b.smin() + off < 0)) {
            throw reject("R" + regno + " min value is negative, either use unsigned index or do a if (index >=0) check.");
        }
        checkWithin(regno, reg, b.smin() + off, size, memSize, what);
        if (Long.compareUnsigned(b.umax(), Arithmetic.MAX_VAR_OFF) >= 0) {
            throw reject("R" + regno + " unbounded memory access, make sure to bounds check any such access");
        }
        checkWithin(regno, reg, b.umax() + off, size, memSize, what);
        c.recordAccess(kind, (int) size, b.smin() + off, b.umax() + off);
    }

    private void checkWithin(int regno, RegState reg, long off, long size, long memSize, String what) {
        if (off < 0 || off + size > memSize) {
            if (what.equals("map value")) {
                throw reject("invalid access to map value, value_size=" + memSize + " off=" + off + " size=" + size);
            }
            throw reject("invalid access to memory, mem_size=" + memSize + " off=" + off + " size=" + size);
        }
    }

    private void packet(int regno, RegState reg, int insnOff, long size) {
        if (reg.bounds().smin() < 0) {
            throw reject("R" + regno + " min value is negative, either use unsigned index or do a if (index >=0) check.");
        }
        long off = (long) reg.off() + insnOff;
        if (off < 0 || off + size > reg.range()) {
            throw reject("invalid access to packet, off=" + off + " size=" + size + ", R" + regno + "(id=" + reg.id()
                    + ",off=" + reg.off() + ",r=" + reg.range() + ")");
        }
        c.recordAccess(reg.type() == RegType.PTR_TO_PACKET ? Region.PACKET : Region.PACKET_META, (int) size,
                off + reg.bounds().umin(), off + reg.bounds().umax());
    }

    // ---- memory a helper reads or writes ----------------------------------------------------------------------

    /**
     * A helper argument pointing to {@code size} bytes the helper reads ({@code write} false: they must be
     * initialised) or fills ({@code write} true: afterwards they are).
     */
    void helperMemory(int regno, RegState reg, long size, boolean write, String expected) {
        switch (reg.type()) {
            case PTR_TO_STACK -> {
                FuncState frame = c.st.frames[reg.frameno()];
                if (!reg.fixedOffset()) {
                    if (!c.privileged) {
                        throw reject("R" + regno + " variable offset stack access prohibited for !root, var_off=" + reg.bounds().tnum());
                    }
                    long min = reg.bounds().smin() + reg.off(), max = reg.bounds().smax() + reg.off();
                    if (min < -FuncState.MAX_STACK || max + size > 0 || size < 0) {
                        throw reject("invalid variable-offset " + (write ? "write to" : "read from") + " stack R" + regno + " var_off=" + reg.bounds().tnum()
                                + " off=" + reg.off() + " size=" + size);
                    }
                    if (write) {
                        frame.grow((int) -min);
                        c.noteStackDepth(frame);
                        frame.markBytes((int) min, (int) (max - min + size), FuncState.STACK_MISC);
                    }
                    return;
                }
                long off = reg.off();
                if (off < -FuncState.MAX_STACK || off + size > 0 || size < 0
                        || !write && !c.privileged && off < -frame.allocated && size > 0) {
                    throw reject("invalid " + (write ? "write to" : "read from") + " stack R" + regno + " off=" + off + " size=" + size);
                }
                int o = (int) off;
                if (write) {
                    frame.grow(-o);
                    c.noteStackDepth(frame);
                    for (int i = 0; i < size; i++) {
                        int slot = FuncState.slotOf(o + i);
                        if (!c.privileged && frame.spilled[slot] != null && !frame.spilled[slot].isScalar()) {
                            throw reject("attempt to corrupt spilled pointer on stack");
                        }
                    }
                    frame.markBytes(o, (int) size, FuncState.STACK_MISC);
                    return;
                }
                for (int i = 0; i < size; i++) {
                    byte t = frame.stackType[FuncState.byteIndex(o + i)];
                    if (t == FuncState.STACK_INVALID && !c.privileged) {
                        throw reject("invalid read from stack R" + regno + " off " + off + "+" + i + " size " + size);
                    }
                    if (t == FuncState.STACK_SPILL && !c.privileged && !frame.spilled[FuncState.slotOf(o + i)].isScalar()) {
                        throw reject("R" + regno + " leaks addr into helper function");
                    }
                }
            }
            case PTR_TO_MAP_VALUE -> {
                MapDefinition d = reg.map().definition();
                if (write && (d.flags() & MapDefinition.F_RDONLY_PROG) != 0) {
                    throw reject("write into map forbidden, value_size=" + d.valueSize() + " off=" + reg.off() + " size=" + size);
                }
                region(regno, reg, 0, size, d.valueSize(), "map value", Region.MAP_VALUE);
            }
            case PTR_TO_PACKET, PTR_TO_PACKET_META -> {
                if (write && !mayWritePacket()) throw reject("cannot write into packet");
                packet(regno, reg, 0, size);
            }
            case PTR_TO_RINGBUF_MEM -> region(regno, reg, 0, size, reg.memSize(), "memory", Region.RINGBUF_MEM);
            default -> throw reject("R" + regno + " type=" + reg.type().logName() + " expected=" + expected);
        }
    }

    /** The size a memory argument's size register allows (Linux's check_mem_size_reg). */
    long sizeArgument(int regno, boolean zeroAllowed) {
        RegState r = c.read(regno);
        if (!r.isScalar()) throw reject("R" + regno + " type=" + r.type().logName() + " expected=scalar");
        ScalarBounds b = r.bounds();
        if (b.smin() < 0) throw reject("R" + regno + " min value is negative, either use unsigned or 'var &= const'");
        if (b.umin() == 0 && !zeroAllowed) {
            throw reject("R" + regno + " invalid zero-sized read: u64=[" + b.umin() + "," + Long.toUnsignedString(b.umax()) + "]");
        }
        if (Long.compareUnsigned(b.umax(), Arithmetic.MAX_VAR_OFF) >= 0) {
            throw reject("R" + regno + " unbounded memory access, use 'var &= const' or 'if (var < const)'");
        }
        return b.umax();
    }
}
