package io.bpf4j.verifier;

import io.bpf4j.abi.Helper;
import io.bpf4j.abi.HelperPrototype;
import io.bpf4j.abi.HelperPrototype.ArgType;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;

/**
 * Helper calls (Linux's check_helper_call): each argument against the helper's prototype, the map the call
 * uses against the helper, references acquired and released, R1–R5 clobbered, R0 typed by the return type,
 * packet pointers invalidated by helpers that move packet data, and bpf_loop's callback explored as a frame.
 */
final class HelperCalls {
    private static final String MEM_TYPES = "fp, pkt, pkt_meta, map_key, map_value, mem";

    private final Checker c;

    HelperCalls(Checker c) {
        this.c = c;
    }

    private Checker.Reject reject(String msg) {
        return new Checker.Reject(c.pc, msg);
    }

    private static final class Meta {
        MapRef map;
        int releaseRef;
        int callback = -1;
        RegState loopCtx;
        long allocSize;
        /** The key, when it is a constant the stack holds (for array lookups that cannot fail). */
        Long constKey;
    }

    void call(int id) {
        Helper h = Helper.ofId(id);
        if (h == null || h == Helper.UNSPEC) throw reject("invalid func unknown#" + id);
        HelperPrototype proto = HelperPrototype.forProgramType(h, c.programType()).orElseThrow(
                () -> reject("program of this type cannot use helper " + h.cName() + "#" + id));
        Meta meta = new Meta();
        for (int i = 0; i < 5; i++) checkArg(proto, i, meta);

        if (h == Helper.TAIL_CALL) {
            if (meta.map == null || meta.map.definition().type() != MapType.PROG_ARRAY) {
                throw reject("expected prog array map for tail call");
            }
            if (c.st.refIds.length > 0) throw reject("tail_call would lead to reference leak");
        }
        if (meta.map != null && !proto.acceptsMap(meta.map.definition().type())) {
            throw reject("cannot pass map_type " + meta.map.definition().type().id() + " into func " + proto.displayName());
        }
        if (meta.releaseRef != 0) {
            int ref = meta.releaseRef;
            if (!c.st.release(ref)) throw reject("reference has not been acquired before");
            RegState invalid = invalidated(c);
            c.st.mapAllRegs(r -> r.refObjId() == ref ? invalid : r);
        }
        if (proto.changesPacketData()) {
            RegState invalid = invalidated(c);
            c.st.mapAllRegs(r -> r.type().isPacket() || r.type() == RegType.PTR_TO_PACKET_END ? invalid : r);
        }
        VerifierState beforeClobber = h == Helper.LOOP ? c.st.copy() : null;
        for (int r = 1; r <= 5; r++) c.st.set(r, RegState.NOT_INIT);
        RegState r0 = switch (proto.returns()) {
            case INTEGER -> RegState.UNKNOWN_SCALAR;
            case VOID -> RegState.NOT_INIT;
            case MAP_VALUE_OR_NULL -> h == Helper.MAP_LOOKUP_ELEM && lookupCannotFail(meta)
                    ? RegState.pointer(RegType.PTR_TO_MAP_VALUE, 0).withMap(meta.map)
                    : RegState.pointer(RegType.PTR_TO_MAP_VALUE_OR_NULL, 0).withMap(meta.map).withId(c.newId());
            case RINGBUF_MEM_OR_NULL -> {
                int ref = c.newId();
                c.st.acquire(ref, c.pc);
                yield RegState.pointer(RegType.PTR_TO_RINGBUF_MEM_OR_NULL, 0).withMem(meta.allocSize, ref).withId(ref);
            }
        };
        c.st.set(0, r0);
        if (h == Helper.LOOP) startCallback(beforeClobber, meta);
        c.pc++;
    }

    private void checkArg(HelperPrototype proto, int i, Meta meta) {
        ArgType t = proto.arg(i);
        int regno = i + 1;
        if (t == ArgType.DONT_CARE) return;
        RegState reg = c.read(regno);
        String type = reg.type().logName();
        switch (t) {
            case DONT_CARE -> {
            }
            case ANYTHING -> {
                if (c.leaks(reg)) throw reject("R" + regno + " leaks addr into helper function");
            }
            case CTX -> {
                if (reg.type() != RegType.PTR_TO_CTX) throw reject("R" + regno + " type=" + type + " expected=ctx");
                if (reg.off() != 0 || !reg.fixedOffset()) {
                    throw reject("dereference of modified ctx ptr R" + regno + " off=" + reg.off() + " disallowed");
                }
            }
            case CONST_MAP_PTR -> {
                if (reg.type() != RegType.CONST_PTR_TO_MAP) throw reject("R" + regno + " type=" + type + " expected=map_ptr");
                meta.map = reg.map();
            }
            case MAP_KEY -> {
                if (meta.map == null) throw reject("invalid map_ptr to access map->key");
                c.memory.helperMemory(regno, reg, meta.map.definition().keySize(), false, false, false, MEM_TYPES);
                if (canElideValueNullness(meta.map.definition())) meta.constKey = constantKey(reg, meta.map.definition().keySize());
            }
            case MAP_VALUE, UNINIT_MAP_VALUE -> {
                if (meta.map == null) throw reject("invalid map_ptr to access map->value");
                boolean uninit = t == ArgType.UNINIT_MAP_VALUE;
                c.memory.helperMemory(regno, reg, meta.map.definition().valueSize(), uninit, false, uninit, MEM_TYPES);
            }
            case MEM, MEM_OR_NULL, UNINIT_MEM -> {
                // checked with its size, which the next argument gives
                if (t == ArgType.MEM_OR_NULL && reg.isConst() && reg.bounds().constValue() == 0) return;
                switch (reg.type()) {
                    case PTR_TO_STACK, PTR_TO_MAP_VALUE, PTR_TO_PACKET, PTR_TO_PACKET_META, PTR_TO_RINGBUF_MEM -> {
                    }
                    default -> throw reject("R" + regno + " type=" + type + " expected=" + MEM_TYPES);
                }
            }
            case CONST_SIZE, CONST_SIZE_OR_ZERO -> {
                // Linux's check_mem_size_reg: the memory is checked for the size's maximum, zero included; a size
                // that is not a constant takes away the helper's right to fill memory never written (raw mode):
                // the program must have initialised everything the helper might leave unfilled
                boolean zeroAllowed = t == ArgType.CONST_SIZE_OR_ZERO;
                long size = c.memory.sizeArgument(regno, zeroAllowed);
                int memRegno = regno - 1;
                RegState mem = c.st.reg(memRegno);
                ArgType memType = proto.arg(i - 1);
                if (mem.isScalar()) {
                    // a null pointer is only allowed with a size of zero
                    if (size != 0 || !zeroAllowed) throw reject("R" + memRegno + " type=scalar expected=fp");
                    return;
                }
                boolean write = memType == ArgType.UNINIT_MEM;
                boolean rawMode = write && reg.isConst();
                c.memory.helperMemory(memRegno, mem, size, write, zeroAllowed, rawMode, MEM_TYPES);
            }
            case CONST_ALLOC_SIZE_OR_ZERO -> {
                if (!reg.isConst()) throw reject("R" + regno + " is not a known constant'");
                meta.allocSize = reg.bounds().constValue();
            }
            case FUNC -> {
                if (reg.type() != RegType.PTR_TO_FUNC) throw reject("R" + regno + " type=" + type + " expected=func");
                meta.callback = reg.subprog();
            }
            case STACK_OR_NULL -> {
                boolean isNull = reg.isConst() && reg.bounds().constValue() == 0;
                if (!isNull && reg.type() != RegType.PTR_TO_STACK) throw reject("R" + regno + " type=" + type + " expected=fp");
                meta.loopCtx = reg;
            }
            case RINGBUF_MEM_RELEASE -> {
                if (reg.type() != RegType.PTR_TO_RINGBUF_MEM) throw reject("R" + regno + " type=" + type + " expected=ringbuf_mem");
                if (reg.off() != 0 || !reg.fixedOffset()) {
                    throw reject("R" + regno + " must have zero offset when passed to release func");
                }
                meta.releaseRef = reg.refObjId();
            }
        }
    }

    /**
     * Linux's can_elide_value_nullness: the map types whose lookup with a known in-range key cannot fail. An
     * array that is the template of a map-in-map's inner maps does not count (its max_entries is not the one
     * the lookup will see; Linux's fix of June 2026, applied here whatever the kernel).
     */
    private static boolean canElideValueNullness(MapDefinition d) {
        return (d.type() == MapType.ARRAY || d.type() == MapType.PERCPU_ARRAY) && (d.flags() & MapDefinition.F_INNER_MAP) == 0;
    }

    /**
     * bpf_map_lookup_elem with a known key below max_entries always finds its element (Linux 6.14+ then returns
     * a non-NULL map value). The key is compared as a signed 64-bit number, as Linux does.
     */
    private static boolean lookupCannotFail(Meta meta) {
        if (meta.map == null || meta.constKey == null || !canElideValueNullness(meta.map.definition())) return false;
        long key = meta.constKey;
        return key >= 0 && key < meta.map.definition().maxEntries();
    }

    /**
     * Linux 6.18's get_constant_map_key (CAP_BPF is taken for granted in both of bpf4j's modes): the key a
     * fixed-offset stack pointer points to is known when, counting from the key's first byte upward within its
     * 8-byte slot, at least key_size bytes are STACK_ZERO (key 0), or the slot holds a spilled constant scalar
     * whose spilled bytes from there number exactly key_size (the key is then the spilled register's whole
     * value). Anything else, an immediate stored at an unaligned offset included, leaves the key unknown.
     */
    private Long constantKey(RegState reg, int keySize) {
        if (reg.type() != RegType.PTR_TO_STACK || !reg.fixedOffset()) return null;
        FuncState frame = c.st.frames[reg.frameno()];
        int off = reg.off();
        int slot = FuncState.slotOf(off);
        int zeros = 0;
        for (int o = off; o < (slot + 1) * 8 - FuncState.MAX_STACK && frame.type(o) == FuncState.STACK_ZERO; o++) zeros++;
        if (zeros >= keySize) return 0L;
        if (!frame.isSpilledScalar(slot)) return null;
        int spilledBytes = 0;
        for (int o = off; o < (slot + 1) * 8 - FuncState.MAX_STACK && frame.type(o) == FuncState.STACK_SPILL; o++) spilledBytes++;
        if (spilledBytes != keySize) return null;
        RegState sp = frame.spilledReg(slot);
        return sp.bounds().isConst() ? sp.bounds().constValue() : null;
    }

    /**
     * bpf_loop: the current path continues after the call as if the callback never ran; a forked path enters
     * the callback with R1 = the iteration number and R2 = the context argument. Each return from the
     * callback continues after the call and may call it again, until the states repeat.
     */
    private void startCallback(VerifierState atCall, Meta meta) {
        VerifierState continuing = c.st;
        int callsite = c.pc;
        VerifierState callerAtCall = atCall.copy();
        c.st = atCall;
        RegState[] args = {RegState.scalar(ScalarBounds.unknownOfSize(4)), meta.loopCtx, RegState.NOT_INIT, RegState.NOT_INIT, RegState.NOT_INIT};
        c.enterFrame(c.structure.subprogStart[meta.callback], callsite, callsite, args);
        c.st.cur().callbackCaller = callerAtCall;
        VerifierState callback = c.st;
        int target = c.pc;
        c.st = continuing;
        c.pc = callsite;
        c.fork(callback, target);
    }

    /**
     * Before invoking the callback again: every scalar the callback changed in its callers' frames becomes
     * unknown, so the invocations converge (a sound widening; Linux gets there through imprecise scalars).
     */
    private static void widen(VerifierState now, VerifierState atCall) {
        for (int f = 0; f <= now.curframe && f <= atCall.curframe; f++) {
            FuncState a = now.frames[f], b = atCall.frames[f];
            for (int r = 0; r < a.regs.length; r++) {
                if (a.regs[r].isScalar() && !a.regs[r].equals(b.regs[r])) a.regs[r] = RegState.UNKNOWN_SCALAR;
            }
            for (int s = 0; s < a.spilled.length; s++) {
                RegState x = a.spilled[s];
                if (x != null && x.isScalar() && !x.equals(b.spilled[s])) a.spilled[s] = RegState.UNKNOWN_SCALAR;
            }
        }
    }

    /** After a callback's exit (its frame already popped): returns to the caller, and forks another invocation. */
    boolean callbackReturned(FuncState callee, RegState r0) {
        if (!r0.isScalar()) {
            throw reject("At callback return the register R0 is not a known value (" + r0.type().logName() + ")");
        }
        if (r0.bounds().smin() < 0 || r0.bounds().smax() > 1) {
            // Linux prints the signed bounds that say something, or "unknown scalar value"
            StringBuilder has = new StringBuilder();
            if (r0.bounds().smin() > Long.MIN_VALUE) has.append(" smin=").append(r0.bounds().smin());
            if (r0.bounds().smax() < Long.MAX_VALUE) has.append(" smax=").append(r0.bounds().smax());
            if (has.isEmpty()) has.append(" unknown scalar value");
            throw reject("At callback return the register R0 has" + has + " should have been in [0, 1]");
        }
        int callsite = callee.callsite;
        VerifierState again = c.st.copy();
        widen(again, callee.callbackCaller);
        VerifierState continuing = c.st;
        c.st = again;
        int exitPc = c.pc;
        c.enterFrame(c.structure.subprogStart[callee.subprog], callsite, callsite, callee.callbackArgs);
        c.st.cur().callbackCaller = callee.callbackCaller;
        int target = c.pc;
        c.st = continuing;
        c.pc = exitPc;
        c.fork(again, target);
        c.st.set(0, RegState.UNKNOWN_SCALAR);
        c.pc = callsite + 1;
        return true;
    }

    /**
     * What a register holding a pointer that a helper call made stale becomes (Linux's mark_reg_invalid): unreadable
     * without CAP_PERFMON, an unknown scalar with it (a pointer value may leak there, but it can no longer be
     * dereferenced).
     */
    private static RegState invalidated(Checker c) {
        return c.privileged ? RegState.UNKNOWN_SCALAR : RegState.NOT_INIT;
    }
}
