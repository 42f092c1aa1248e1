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
        RegState value = access(l.src(), base, l.offset(), size, false, null, false, l.signExtend());
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
        access(s.dst(), base, s.offset(), size, true, value, s.source() != Source.REG, false);
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
        // Linux reads the memory twice, as an unused value and then into the fetch register, and writes
        // an unknown value (check_atomic_rmw)
        if (base.type() == RegType.PTR_TO_STACK && !base.fixedOffset() && c.privileged) {
            throw reject("variable offset stack pointer cannot be passed into helper function; var_off=" + base.bounds().tnum()
                    + " off=" + a.offset() + " size=" + size);
        }
        accessNotLoaded(a.dst(), base, a.offset(), size);
        RegState old = a.fetch() ? access(a.dst(), base, a.offset(), size, false, null, false, false) : null;
        access(a.dst(), base, a.offset(), size, true, null, false, false);
        if (a.fetch()) {
            int into = a.op() == AtomicOp.CMPXCHG ? 0 : a.src();
            c.checkWritable(into);
            c.st.set(into, old);
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

    /** A read whose value goes nowhere (the first read of an atomic): Linux's check_mem_access with value_regno -1. */
    private void accessNotLoaded(int regno, RegState base, int insnOff, int size) {
        if (base.type() == RegType.PTR_TO_STACK && base.fixedOffset()) {
            FuncState frame = c.st.frames[base.frameno()];
            checkAligned(base, insnOff, size, "stack ");
            int o = (int) stackBounds(regno, base, insnOff, size, false, frame, false);
            readStack(frame, o, size, false, false);
            return;
        }
        access(regno, base, insnOff, size, false, null, false, false);
    }

    /**
     * Checks a load ({@code write} false: returns the loaded value) or a store of {@code value} (null: an
     * unknown number; {@code immediate}: the constant of a BPF_ST) through register {@code regno}.
     */
    private RegState access(int regno, RegState base, int insnOff, int size, boolean write, RegState value, boolean immediate,
                            boolean signed) {
        return switch (base.type()) {
            case PTR_TO_STACK -> stack(regno, base, insnOff, size, write, value, immediate, signed);
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

    private RegState stack(int regno, RegState base, int insnOff, int size, boolean write, RegState value, boolean immediate,
                           boolean signed) {
        if (!base.fixedOffset()) {
            if (!c.privileged) {
                throw reject("R" + regno + " variable stack access prohibited for !root, var_off=" + base.bounds().tnum() + " off=" + insnOff);
            }
            return variableStack(regno, base, insnOff, size, write, value, signed);
        }
        FuncState frame = c.st.frames[base.frameno()];
        checkAligned(base, insnOff, size, "stack ");
        int o = (int) stackBounds(regno, base, insnOff, size, write, frame, false);
        c.recordAccess(Region.STACK, size, o, o);
        if (write) {
            writeStack(frame, o, size, value, immediate);
            return null;
        }
        return readStack(frame, o, size, signed, true);
    }

    /**
     * Linux's check_stack_access_within_bounds: every byte the access may touch lies in the frame (for reads
     * without CAP_PERFMON: in the part already accessed), then grow_stack_state: the frame's accessed part, and
     * with it the subprogram's stack depth, grows to the lowest byte — for reads as for writes. Returns the
     * lowest offset. {@code helper}: a helper's memory argument (its message names the pointer's offset).
     */
    private long stackBounds(int regno, RegState reg, int insnOff, long size, boolean write, FuncState frame, boolean helper) {
        String rw = write ? "write to" : "read from";
        long min, max;
        if (reg.fixedOffset()) {
            min = (long) reg.off() + insnOff;
            max = min + size;
        } else {
            ScalarBounds b = reg.bounds();
            if (b.smax() >= Arithmetic.MAX_VAR_OFF || b.smin() <= -Arithmetic.MAX_VAR_OFF) {
                throw reject("invalid unbounded variable-offset " + rw + " stack R" + regno);
            }
            min = b.smin() + reg.off() + insnOff;
            max = b.smax() + reg.off() + insnOff + size;
        }
        long minValid = write || c.privileged ? -FuncState.MAX_STACK : -frame.allocated;
        if (min < minValid || min > -1 || max > 0 || size < 0) {
            if (reg.fixedOffset()) throw reject("invalid " + rw + " stack R" + regno + " off=" + min + " size=" + size);
            throw reject("invalid variable-offset " + rw + " stack R" + regno + " var_off=" + reg.bounds().tnum()
                    + " off=" + (helper ? reg.off() : insnOff) + " size=" + size);
        }
        frame.grow((int) -min);
        c.noteStackDepth(frame);
        return min;
    }

    /**
     * With CAP_PERFMON Linux allows a stack access whose offset is known only as a range (check_stack_write_var_off,
     * check_stack_read_var_off): a write turns every byte it may touch into data (zero stays zero when zero is
     * written) and erases the spilled registers there; a read must find every byte readable.
     */
    private RegState variableStack(int regno, RegState base, int insnOff, int size, boolean write, RegState value, boolean signed) {
        checkAligned(base, insnOff, size, "stack ");
        FuncState frame = c.st.frames[base.frameno()];
        long min = stackBounds(regno, base, insnOff, size, write, frame, false);
        long max = base.bounds().smax() + base.off() + insnOff;
        c.recordAccess(Region.STACK, size, min, max);
        if (!write) {
            stackRangeInitialized(regno, base, frame, min, max, size, false);
            boolean allZero = true;
            for (long i = min; i < max + size; i++) allZero &= frame.type((int) i) == FuncState.STACK_ZERO;
            return allZero ? RegState.constant(0) : loaded(size, signed);
        }
        boolean writingZero = value != null && value.isConst() && value.bounds().constValue() == 0;
        for (long i = min; i < max + size; i++) {
            int o = (int) i, slot = FuncState.slotOf(o);
            byte t = frame.type(o);
            if (writingZero && t == FuncState.STACK_SPILL && frame.isSpilledScalar(slot) && frame.spilledReg(slot).isConst()
                    && frame.spilledReg(slot).bounds().constValue() == 0) {
                continue;
            }
            frame.spilled[slot] = null;
            frame.stackType[FuncState.byteIndex(o)] = writingZero && t == FuncState.STACK_ZERO ? FuncState.STACK_ZERO : FuncState.STACK_MISC;
        }
        return null;
    }

    /**
     * Linux's check_stack_write_fixed_off. A scalar register stored at an 8-byte-aligned offset is spilled (kept
     * whole, whatever the width of the store), and so is the constant of a BPF_ST there; a pointer must be
     * spilled whole; anything else is data: known zero when the stored value is the constant 0, else unknown.
     */
    private void writeStack(FuncState frame, int off, int size, RegState value, boolean immediate) {
        int slot = FuncState.slotOf(off);
        if (!c.privileged && frame.isSpilled(slot) && !frame.isSpilledScalar(slot) && size != 8) {
            throw reject("attempt to corrupt spilled pointer on stack");
        }
        boolean aligned = off % 8 == 0;
        boolean register = value != null && !immediate;
        if (register && aligned && value.isScalar()) {
            boolean fits = size == 8 || Long.compareUnsigned(value.bounds().umax(), (1L << (size * 8)) - 1) <= 0;
            frame.saveRegister(slot, fits ? value : value.withId(0), size);
        } else if (immediate && aligned) {
            frame.saveRegister(slot, value, size);
        } else if (register && value.isPointer()) {
            if (size != 8) throw reject("invalid size of register spill");
            if (frame != c.st.cur() && value.type() == RegType.PTR_TO_STACK) {
                throw reject("cannot spill pointers to stack into stack frame of the caller");
            }
            frame.saveRegister(slot, value, 8);
        } else {
            boolean zero = value != null && value.isConst() && value.bounds().constValue() == 0;
            frame.writeData(off, size, zero ? FuncState.STACK_ZERO : FuncState.STACK_MISC);
        }
    }

    /**
     * Linux's check_stack_read_fixed_off. {@code toRegister} false: the value goes nowhere (an atomic's first
     * read), which only checks that no spilled pointer is read as a number.
     */
    private RegState readStack(FuncState frame, int off, int size, boolean signed, boolean toRegister) {
        int slot = FuncState.slotOf(off);
        if (frame.isSpilled(slot)) {
            int spillSize = frame.spillSize(slot);
            RegState reg = frame.spilledReg(slot);
            if (size != 8 || spillSize != 8) {
                if (!reg.isScalar()) throw reject("invalid size of register fill");
                if (!toRegister) return null;
                if (size <= spillSize && off % 8 == 0) return narrowed(reg, size, signed);
                int spillCount = 0, zeroCount = 0;
                for (int i = 0; i < size; i++) {
                    byte t = frame.type(off + i);
                    if (t == FuncState.STACK_SPILL) spillCount++;
                    else if (t == FuncState.STACK_ZERO) zeroCount++;
                    else if (t != FuncState.STACK_MISC && !(t == FuncState.STACK_INVALID && c.privileged)) {
                        throw reject("invalid read from stack off " + off + "+" + i + " size " + size);
                    }
                }
                boolean spilledZero = reg.isConst() && reg.bounds().constValue() == 0;
                if (spillCount == size && spilledZero || zeroCount == size) return RegState.constant(0);
                return loaded(size, signed);
            }
            if (toRegister) return reg;
            if (!c.privileged && !reg.isScalar()) throw reject("leaking pointer from stack off " + off);
            return null;
        }
        boolean allZero = true;
        for (int i = 0; i < size; i++) {
            byte t = frame.type(off + i);
            if (t != FuncState.STACK_MISC && t != FuncState.STACK_ZERO && !(t == FuncState.STACK_INVALID && c.privileged)) {
                throw reject("invalid read from stack off " + off + "+" + i + " size " + size);
            }
            if (t != FuncState.STACK_ZERO) allZero = false;
        }
        if (!toRegister) return null;
        return allZero ? RegState.constant(0) : loaded(size, signed);
    }

    /**
     * A spilled scalar read back in {@code size} bytes (Linux: the register, then coerce_reg_to_size[_sx]): the
     * same value when it fits in that many bytes, else its low bytes (sign-extended: only the width is known).
     */
    private static RegState narrowed(RegState reg, int size, boolean signed) {
        if (size == 8) return reg;
        ScalarBounds b = reg.bounds();
        if (signed) {
            long half = 1L << (size * 8 - 1);
            return b.smin() >= -half && b.smax() < half ? reg : loaded(size, true);
        }
        return Long.compareUnsigned(b.umax(), (1L << (size * 8)) - 1) <= 0 ? reg : RegState.scalar(b.truncateTo(size));
    }

    /**
     * Linux's check_stack_range_initialized after its bounds check, for bytes [min, max + size): every byte must
     * be data, zero, never written (with CAP_PERFMON), or in a slot holding a spilled scalar (or any spill, with
     * CAP_PERFMON). {@code clobber}: a helper writes there, so each byte becomes data and spills there are gone.
     */
    private void stackRangeInitialized(int regno, RegState reg, FuncState frame, long min, long max, long size, boolean clobber) {
        for (long i = min; i < max + size; i++) {
            int o = (int) i, slot = FuncState.slotOf(o);
            byte t = frame.type(o);
            if (t == FuncState.STACK_MISC) continue;
            if (t == FuncState.STACK_ZERO || t == FuncState.STACK_INVALID && c.privileged) {
                if (clobber) frame.stackType[FuncState.byteIndex(o)] = FuncState.STACK_MISC;
                continue;
            }
            if (frame.isSpilled(slot) && (frame.spilledReg(slot).isScalar() || c.privileged)) {
                if (clobber) {
                    frame.spilled[slot] = null;
                    frame.scrubSlot(slot);
                }
                continue;
            }
            if (reg.fixedOffset()) throw reject("invalid read from stack R" + regno + " off " + min + "+" + (i - min) + " size " + size);
            throw reject("invalid read from stack R" + regno + " var_off " + reg.bounds().tnum() + "+" + (i - min) + " size " + size);
        }
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
     * initialised) or fills ({@code write} true), Linux's check_helper_mem_access. {@code rawMode}: the helper
     * may fill memory never written (ARG_PTR_TO_UNINIT_MEM with a constant size, at a fixed offset); otherwise a
     * helper that writes must still find the bytes readable, and leaves them data.
     */
    void helperMemory(int regno, RegState reg, long size, boolean write, boolean zeroSizeAllowed, boolean rawMode, String expected) {
        switch (reg.type()) {
            case PTR_TO_STACK -> {
                if (size == 0 && !zeroSizeAllowed) throw reject("invalid zero-sized read");
                FuncState frame = c.st.frames[reg.frameno()];
                long min = stackBounds(regno, reg, 0, size, write, frame, true), max = min;
                if (!reg.fixedOffset()) {
                    if (!c.privileged) {
                        throw reject("R" + regno + " variable offset stack access prohibited for !root, var_off=" + reg.bounds().tnum());
                    }
                    rawMode = false;
                    max = reg.bounds().smax() + reg.off();
                }
                if (rawMode) {
                    // the helper's writes, byte by byte, as Linux simulates them after the call's checks
                    for (int i = 0; i < size; i++) {
                        int o = (int) stackBounds(regno, reg, i, 1, true, frame, true);
                        writeStack(frame, o, 1, null, false);
                    }
                    return;
                }
                stackRangeInitialized(regno, reg, frame, min, max, size, write);
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
