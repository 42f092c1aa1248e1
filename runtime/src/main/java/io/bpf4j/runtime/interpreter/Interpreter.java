package io.bpf4j.runtime.interpreter;

import io.bpf4j.BpfException;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Opcodes;
import io.bpf4j.isa.Semantics;
import io.bpf4j.isa.Size;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.ExecutionException.Reason;
import io.bpf4j.runtime.Executable;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.TailCalls;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.AddressSpace;

/**
 * The interpreter engine: a loop over the program's slots that dispatches on the opcode byte with one
 * {@code switch}. Registers live in a {@code long[16]} (indexed by a 4-bit field, so HotSpot drops the bounds
 * checks); arithmetic calls {@link Semantics} (its small methods inline); memory goes through the invocation's
 * {@link AddressSpace}; helpers through the image's {@link HelperRegistry}; tail calls through {@link TailCalls}.
 *
 * <p>Internal opcodes: the dispatch needs one key per behaviour, so {@link InterpretedProgram} rewrites the few
 * opcodes whose behaviour also depends on another field to byte values the ISA leaves unused (the decoder
 * never produces them): signed division and modulo (offset 1), sign-extending moves (offset 8/16/32), local
 * calls and tail calls (call with src 1 / imm 12) and lddw of a map reference.
 *
 * <p>Instruction budget: executed instructions are counted exactly but cheaply — only when control leaves a
 * straight-line run (a taken jump, a call, an exit) does the loop add the run's length — and checked there
 * against {@link io.bpf4j.runtime.RuntimeOptions#instructionBudget()}. Every loop passes a taken jump, so an
 * endless loop stops with {@link Reason#BUDGET_EXHAUSTED} naming the jump's pc.
 *
 * <p>The dispatch method must stay under HotSpot's 8,000-byte limit for compiling a method
 * ({@code HugeMethodLimit}); rare instructions (atomics, byte swaps, legacy packet loads, calls) are in
 * separate methods.
 */
public final class Interpreter implements Engine {
    /** A shared instance; the interpreter holds no state. */
    public static final Interpreter INSTANCE = new Interpreter();

    // internal opcodes (byte values the ISA does not define)
    static final int SDIV32_K = 0xe4, SMOD32_K = 0xf4, SDIV64_K = 0xe7, SMOD64_K = 0xf7;
    static final int SDIV32_X = SDIV32_K | Opcodes.X, SMOD32_X = SMOD32_K | Opcodes.X, SDIV64_X = SDIV64_K | Opcodes.X, SMOD64_X = SMOD64_K | Opcodes.X;
    static final int MOVSX64_8 = 0x60, MOVSX64_16 = 0x68, MOVSX64_32 = 0x70, MOVSX32_8 = 0x78, MOVSX32_16 = 0x80;
    static final int CALL_LOCAL = 0x88, TAIL_CALL = 0x90, LDDW_OBJECT = 0x98;


    public Interpreter() {}

    @Override
    public String name() {
        return "interpreter";
    }

    @Override
    public Executable prepare(ProgramImage image) {
        return new InterpretedProgram(image, this);
    }

    private static int dst(long insn) {
        return (int) (insn >>> 8) & 0xf;
    }

    private static int src(long insn) {
        return (int) (insn >>> 12) & 0xf;
    }

    private static int off(long insn) {
        return (short) (insn >>> 16);
    }

    /** The immediate, sign-extended to 64 bits. */
    private static long imm(long insn) {
        return insn >> 32;
    }

    /** What all frames of one run share. */
    private static final class Run {
        final Invocation inv;
        final AddressSpace mem;
        final long budget;
        /** Instructions executed by finished straight-line runs of all frames. */
        long executed;
        /** A helper asked to end the whole program; r[0] holds the result. */
        boolean stopped;

        Run(Invocation inv) {
            this.inv = inv;
            this.mem = inv.memory();
            this.budget = inv.options().instructionBudget();
        }
    }

    static long execute(InterpretedProgram entry, Invocation inv, long r1, long r2, long r3, long r4, long r5) {
        Run run = new Run(inv);
        long[] r = new long[16];
        r[1] = r1;
        r[2] = r2;
        r[3] = r3;
        r[4] = r4;
        r[5] = r5;
        try {
            r[10] = run.mem.frameTop(0);
        } catch (BpfException e) {
            throw new ExecutionException(Reason.UNSUPPORTED, entry.name, 0, entry.image.slots()[0], entry.image.describe(0), e.getMessage(), e);
        }
        try {
            return frame(entry, 0, r, run, 0);
        } finally {
            inv.recordExecuted(run.executed);
        }
    }

    /**
     * Calls the function at {@code entrySlot} of {@code image} as a bpf2bpf callee of the invocation's deepest open
     * frame, with r1-r5 as given and a fresh zeroed stack frame; returns its r0. What helpers that take a callback
     * ({@code bpf_loop}) use, whichever engine runs the caller: both engines share the address space, so the
     * callback sees the caller's stack, context and maps exactly as a direct call would.
     *
     * @throws BpfException when the slot is not a function entry or no frame is left
     */
    public static long callFunction(ProgramImage image, Invocation inv, int entrySlot, long r1, long r2, long r3, long r4, long r5) {
        if (!image.isFunctionEntry(entrySlot)) {
            throw new BpfException("program '" + image.name() + "': slot " + entrySlot + " is not a function entry (callback target)");
        }
        InterpretedProgram prog = (InterpretedProgram) image.prepared(INSTANCE);
        AddressSpace mem = inv.memory();
        int depth = mem.deepestOpenFrame() + 1;
        String tooDeep = depth >= AddressSpace.MAX_FRAMES ? inv.callDepthProblem(depth - 1) : null;
        if (tooDeep != null) throw new BpfException("program '" + image.name() + "': a callback would need " + tooDeep);
        Run run = new Run(inv);
        long[] r = new long[16];
        r[1] = r1;
        r[2] = r2;
        r[3] = r3;
        r[4] = r4;
        r[5] = r5;
        r[10] = mem.openFrame(depth);
        try {
            return frame(prog, entrySlot, r, run, depth);
        } finally {
            mem.closeFrame(depth);
        }
    }

    /**
     * Runs one frame to its exit. A tail call replaces the frame's program: {@link #dispatch} returns the target
     * and this loop continues with it, so inside {@code dispatch} the program is a loop invariant (HotSpot keeps
     * the code array and its bounds in registers; a changing program would halve the speed).
     */
    private static long frame(InterpretedProgram prog, int pc, long[] r, Run run, int depth) {
        for (;;) {
            InterpretedProgram next = dispatch(prog, pc, r, run, depth);
            if (next == null) return r[0];
            prog = next;
            pc = 0;
        }
    }

    /**
     * A bpf2bpf call: a new frame on a new stack. The callee's dispatch works on its own copy of the registers and
     * writes back r0 (and, for a tail call, everything, which is why r6-r10 are kept here).
     */
    private static void call(InterpretedProgram prog, int target, long[] r, Run run, int depth) {
        // 8 frames per program counted from the frame it was entered in (frames pile up across tail calls from
        // subprograms); below frame 8 no program can be over, so only deeper calls look at where it was entered
        if (depth + 1 >= AddressSpace.MAX_FRAMES) {
            String tooDeep = run.inv.callDepthProblem(depth);
            if (tooDeep != null) throw new Trap(Reason.CALL_STACK_OVERFLOW, "bpf2bpf call would need " + tooDeep);
        }
        // a tail call in the callee hands its registers on through this array: keep the caller's r6-r10
        long r6 = r[6], r7 = r[7], r8 = r[8], r9 = r[9], r10 = r[10];
        r[10] = run.mem.openFrame(depth + 1);
        frame(prog, target, r, run, depth + 1);
        run.mem.closeFrame(depth + 1);
        r[6] = r6;
        r[7] = r7;
        r[8] = r8;
        r[9] = r9;
        r[10] = r10;
    }

    /**
     * The dispatch loop of one frame, from {@code pc} to the frame's exit (returns null) or a successful tail call
     * (returns the target).
     */
    private static InterpretedProgram dispatch(final InterpretedProgram prog, int pc, final long[] caller, final Run run, final int depth) {
        // a local register file: HotSpot knows its length, so r[4-bit index] needs no bounds check
        final long[] r = new long[16];
        System.arraycopy(caller, 0, r, 0, 16);
        final long[] code = prog.code;
        final long[] wide = prog.wide;
        final AddressSpace mem = run.mem;
        final Invocation inv = run.inv;
        final long budget = run.budget;
        int blockStart = pc;
        long executed = run.executed;
        try {
            for (;;) {
                final long insn = code[pc];
                int next;
                switch ((int) insn & 0xff) {
                    // ---- 64-bit ALU ----
                    case 0x07 -> { r[dst(insn)] += imm(insn); pc++; continue; }
                    case 0x0f -> { r[dst(insn)] += r[src(insn)]; pc++; continue; }
                    case 0x17 -> { r[dst(insn)] -= imm(insn); pc++; continue; }
                    case 0x1f -> { r[dst(insn)] -= r[src(insn)]; pc++; continue; }
                    case 0x27 -> { r[dst(insn)] *= imm(insn); pc++; continue; }
                    case 0x2f -> { r[dst(insn)] *= r[src(insn)]; pc++; continue; }
                    case 0x37 -> { int d = dst(insn); r[d] = Semantics.div64(r[d], imm(insn)); pc++; continue; }
                    case 0x3f -> { int d = dst(insn); r[d] = Semantics.div64(r[d], r[src(insn)]); pc++; continue; }
                    case SDIV64_K -> { int d = dst(insn); r[d] = Semantics.sdiv64(r[d], imm(insn)); pc++; continue; }
                    case SDIV64_X -> { int d = dst(insn); r[d] = Semantics.sdiv64(r[d], r[src(insn)]); pc++; continue; }
                    case 0x47 -> { r[dst(insn)] |= imm(insn); pc++; continue; }
                    case 0x4f -> { r[dst(insn)] |= r[src(insn)]; pc++; continue; }
                    case 0x57 -> { r[dst(insn)] &= imm(insn); pc++; continue; }
                    case 0x5f -> { r[dst(insn)] &= r[src(insn)]; pc++; continue; }
                    case 0x67 -> { int d = dst(insn); r[d] = Semantics.lsh64(r[d], imm(insn)); pc++; continue; }
                    case 0x6f -> { int d = dst(insn); r[d] = Semantics.lsh64(r[d], r[src(insn)]); pc++; continue; }
                    case 0x77 -> { int d = dst(insn); r[d] = Semantics.rsh64(r[d], imm(insn)); pc++; continue; }
                    case 0x7f -> { int d = dst(insn); r[d] = Semantics.rsh64(r[d], r[src(insn)]); pc++; continue; }
                    case 0x87 -> { int d = dst(insn); r[d] = -r[d]; pc++; continue; }
                    case 0x97 -> { int d = dst(insn); r[d] = Semantics.mod64(r[d], imm(insn)); pc++; continue; }
                    case 0x9f -> { int d = dst(insn); r[d] = Semantics.mod64(r[d], r[src(insn)]); pc++; continue; }
                    case SMOD64_K -> { int d = dst(insn); r[d] = Semantics.smod64(r[d], imm(insn)); pc++; continue; }
                    case SMOD64_X -> { int d = dst(insn); r[d] = Semantics.smod64(r[d], r[src(insn)]); pc++; continue; }
                    case 0xa7 -> { r[dst(insn)] ^= imm(insn); pc++; continue; }
                    case 0xaf -> { r[dst(insn)] ^= r[src(insn)]; pc++; continue; }
                    case 0xb7 -> { r[dst(insn)] = imm(insn); pc++; continue; }
                    case 0xbf -> { r[dst(insn)] = r[src(insn)]; pc++; continue; }
                    case MOVSX64_8 -> { r[dst(insn)] = (byte) r[src(insn)]; pc++; continue; }
                    case MOVSX64_16 -> { r[dst(insn)] = (short) r[src(insn)]; pc++; continue; }
                    case MOVSX64_32 -> { r[dst(insn)] = (int) r[src(insn)]; pc++; continue; }
                    case 0xc7 -> { int d = dst(insn); r[d] = Semantics.arsh64(r[d], imm(insn)); pc++; continue; }
                    case 0xcf -> { int d = dst(insn); r[d] = Semantics.arsh64(r[d], r[src(insn)]); pc++; continue; }
                    case 0xd7 -> { int d = dst(insn); r[d] = Semantics.endian(EndianOp.BSWAP, (int) imm(insn), r[d]); pc++; continue; }

                    // ---- 32-bit ALU: low halves in, zero-extended result out ----
                    case 0x04 -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] + (int) imm(insn)); pc++; continue; }
                    case 0x0c -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] + (int) r[src(insn)]); pc++; continue; }
                    case 0x14 -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] - (int) imm(insn)); pc++; continue; }
                    case 0x1c -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] - (int) r[src(insn)]); pc++; continue; }
                    case 0x24 -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] * (int) imm(insn)); pc++; continue; }
                    case 0x2c -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] * (int) r[src(insn)]); pc++; continue; }
                    case 0x34 -> { int d = dst(insn); r[d] = Semantics.div32(r[d], imm(insn)); pc++; continue; }
                    case 0x3c -> { int d = dst(insn); r[d] = Semantics.div32(r[d], r[src(insn)]); pc++; continue; }
                    case SDIV32_K -> { int d = dst(insn); r[d] = Semantics.sdiv32(r[d], imm(insn)); pc++; continue; }
                    case SDIV32_X -> { int d = dst(insn); r[d] = Semantics.sdiv32(r[d], r[src(insn)]); pc++; continue; }
                    case 0x44 -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] | (int) imm(insn)); pc++; continue; }
                    case 0x4c -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] | (int) r[src(insn)]); pc++; continue; }
                    case 0x54 -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] & (int) imm(insn)); pc++; continue; }
                    case 0x5c -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] & (int) r[src(insn)]); pc++; continue; }
                    case 0x64 -> { int d = dst(insn); r[d] = Semantics.lsh32(r[d], imm(insn)); pc++; continue; }
                    case 0x6c -> { int d = dst(insn); r[d] = Semantics.lsh32(r[d], r[src(insn)]); pc++; continue; }
                    case 0x74 -> { int d = dst(insn); r[d] = Semantics.rsh32(r[d], imm(insn)); pc++; continue; }
                    case 0x7c -> { int d = dst(insn); r[d] = Semantics.rsh32(r[d], r[src(insn)]); pc++; continue; }
                    case 0x84 -> { int d = dst(insn); r[d] = Semantics.zext(-(int) r[d]); pc++; continue; }
                    case 0x94 -> { int d = dst(insn); r[d] = Semantics.mod32(r[d], imm(insn)); pc++; continue; }
                    case 0x9c -> { int d = dst(insn); r[d] = Semantics.mod32(r[d], r[src(insn)]); pc++; continue; }
                    case SMOD32_K -> { int d = dst(insn); r[d] = Semantics.smod32(r[d], imm(insn)); pc++; continue; }
                    case SMOD32_X -> { int d = dst(insn); r[d] = Semantics.smod32(r[d], r[src(insn)]); pc++; continue; }
                    case 0xa4 -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] ^ (int) imm(insn)); pc++; continue; }
                    case 0xac -> { int d = dst(insn); r[d] = Semantics.zext((int) r[d] ^ (int) r[src(insn)]); pc++; continue; }
                    case 0xb4 -> { r[dst(insn)] = Semantics.zext((int) imm(insn)); pc++; continue; }
                    case 0xbc -> { r[dst(insn)] = Semantics.zext((int) r[src(insn)]); pc++; continue; }
                    case MOVSX32_8 -> { r[dst(insn)] = Semantics.zext((byte) r[src(insn)]); pc++; continue; }
                    case MOVSX32_16 -> { r[dst(insn)] = Semantics.zext((short) r[src(insn)]); pc++; continue; }
                    case 0xc4 -> { int d = dst(insn); r[d] = Semantics.arsh32(r[d], imm(insn)); pc++; continue; }
                    case 0xcc -> { int d = dst(insn); r[d] = Semantics.arsh32(r[d], r[src(insn)]); pc++; continue; }
                    case 0xd4 -> { int d = dst(insn); r[d] = Semantics.endian(EndianOp.TO_LE, (int) imm(insn), r[d]); pc++; continue; }
                    case 0xdc -> { int d = dst(insn); r[d] = Semantics.endian(EndianOp.TO_BE, (int) imm(insn), r[d]); pc++; continue; }

                    // ---- 64-bit immediates ----
                    case 0x18 -> { r[dst(insn)] = wide[pc]; pc += 2; executed--; continue; }
                    case LDDW_OBJECT -> { r[dst(insn)] = objectAddress(prog, inv, pc); pc += 2; executed--; continue; }

                    // ---- loads and stores ----
                    case 0x61 -> { r[dst(insn)] = mem.load32(r[src(insn)] + off(insn)); pc++; continue; }
                    case 0x69 -> { r[dst(insn)] = mem.load16(r[src(insn)] + off(insn)); pc++; continue; }
                    case 0x71 -> { r[dst(insn)] = mem.load8(r[src(insn)] + off(insn)); pc++; continue; }
                    case 0x79 -> { r[dst(insn)] = mem.load64(r[src(insn)] + off(insn)); pc++; continue; }
                    case 0x81 -> { r[dst(insn)] = Semantics.extend(mem.load32(r[src(insn)] + off(insn)), Size.W, true); pc++; continue; }
                    case 0x89 -> { r[dst(insn)] = Semantics.extend(mem.load16(r[src(insn)] + off(insn)), Size.H, true); pc++; continue; }
                    case 0x91 -> { r[dst(insn)] = Semantics.extend(mem.load8(r[src(insn)] + off(insn)), Size.B, true); pc++; continue; }
                    case 0x62 -> { mem.store32(r[dst(insn)] + off(insn), imm(insn)); pc++; continue; }
                    case 0x6a -> { mem.store16(r[dst(insn)] + off(insn), imm(insn)); pc++; continue; }
                    case 0x72 -> { mem.store8(r[dst(insn)] + off(insn), imm(insn)); pc++; continue; }
                    case 0x7a -> { mem.store64(r[dst(insn)] + off(insn), imm(insn)); pc++; continue; }
                    case 0x63 -> { mem.store32(r[dst(insn)] + off(insn), r[src(insn)]); pc++; continue; }
                    case 0x6b -> { mem.store16(r[dst(insn)] + off(insn), r[src(insn)]); pc++; continue; }
                    case 0x73 -> { mem.store8(r[dst(insn)] + off(insn), r[src(insn)]); pc++; continue; }
                    case 0x7b -> { mem.store64(r[dst(insn)] + off(insn), r[src(insn)]); pc++; continue; }
                    case 0xc3 -> { atomic(mem, r, insn, false); pc++; continue; }
                    case 0xdb -> { atomic(mem, r, insn, true); pc++; continue; }
                    case 0x20, 0x28, 0x30, 0x40, 0x48, 0x50 -> {
                        long v = legacyPacketLoad(inv, r, insn);
                        if (v < 0) { // out of the packet: Linux ends the program with 0
                            run.executed = executed + pc + 1 - blockStart;
                            r[0] = 0;
                            run.stopped = true;
                            caller[0] = r[0];
                            return null;
                        }
                        r[0] = v;
                        pc++;
                        continue;
                    }

                    // ---- jumps: a taken jump sets next and breaks out to the common accounting below ----
                    case 0x05 -> next = pc + 1 + off(insn);
                    case 0x06 -> next = pc + 1 + (int) imm(insn);
                    case 0x15 -> { if (r[dst(insn)] == imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x1d -> { if (r[dst(insn)] == r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x55 -> { if (r[dst(insn)] != imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x5d -> { if (r[dst(insn)] != r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x25 -> { if (Long.compareUnsigned(r[dst(insn)], imm(insn)) > 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x2d -> { if (Long.compareUnsigned(r[dst(insn)], r[src(insn)]) > 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x35 -> { if (Long.compareUnsigned(r[dst(insn)], imm(insn)) >= 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x3d -> { if (Long.compareUnsigned(r[dst(insn)], r[src(insn)]) >= 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xa5 -> { if (Long.compareUnsigned(r[dst(insn)], imm(insn)) < 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xad -> { if (Long.compareUnsigned(r[dst(insn)], r[src(insn)]) < 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xb5 -> { if (Long.compareUnsigned(r[dst(insn)], imm(insn)) <= 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xbd -> { if (Long.compareUnsigned(r[dst(insn)], r[src(insn)]) <= 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x45 -> { if ((r[dst(insn)] & imm(insn)) != 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x4d -> { if ((r[dst(insn)] & r[src(insn)]) != 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x65 -> { if (r[dst(insn)] > imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x6d -> { if (r[dst(insn)] > r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x75 -> { if (r[dst(insn)] >= imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x7d -> { if (r[dst(insn)] >= r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xc5 -> { if (r[dst(insn)] < imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xcd -> { if (r[dst(insn)] < r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xd5 -> { if (r[dst(insn)] <= imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xdd -> { if (r[dst(insn)] <= r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    // jmp32: the low halves
                    case 0x16 -> { if ((int) r[dst(insn)] == (int) imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x1e -> { if ((int) r[dst(insn)] == (int) r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x56 -> { if ((int) r[dst(insn)] != (int) imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x5e -> { if ((int) r[dst(insn)] != (int) r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x26 -> { if (Integer.compareUnsigned((int) r[dst(insn)], (int) imm(insn)) > 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x2e -> { if (Integer.compareUnsigned((int) r[dst(insn)], (int) r[src(insn)]) > 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x36 -> { if (Integer.compareUnsigned((int) r[dst(insn)], (int) imm(insn)) >= 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x3e -> { if (Integer.compareUnsigned((int) r[dst(insn)], (int) r[src(insn)]) >= 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xa6 -> { if (Integer.compareUnsigned((int) r[dst(insn)], (int) imm(insn)) < 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xae -> { if (Integer.compareUnsigned((int) r[dst(insn)], (int) r[src(insn)]) < 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xb6 -> { if (Integer.compareUnsigned((int) r[dst(insn)], (int) imm(insn)) <= 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xbe -> { if (Integer.compareUnsigned((int) r[dst(insn)], (int) r[src(insn)]) <= 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x46 -> { if (((int) r[dst(insn)] & (int) imm(insn)) != 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x4e -> { if (((int) r[dst(insn)] & (int) r[src(insn)]) != 0) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x66 -> { if ((int) r[dst(insn)] > (int) imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x6e -> { if ((int) r[dst(insn)] > (int) r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x76 -> { if ((int) r[dst(insn)] >= (int) imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0x7e -> { if ((int) r[dst(insn)] >= (int) r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xc6 -> { if ((int) r[dst(insn)] < (int) imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xce -> { if ((int) r[dst(insn)] < (int) r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xd6 -> { if ((int) r[dst(insn)] <= (int) imm(insn)) { next = pc + 1 + off(insn); break; } pc++; continue; }
                    case 0xde -> { if ((int) r[dst(insn)] <= (int) r[src(insn)]) { next = pc + 1 + off(insn); break; } pc++; continue; }

                    // ---- calls and exit ----
                    case 0x85 -> { // helper call
                        r[0] = callHelper(prog, inv, r, imm(insn));
                        if (inv.takeExitRequest()) {
                            run.executed = executed + pc + 1 - blockStart;
                            run.stopped = true;
                            caller[0] = r[0];
                            return null;
                        }
                        pc++;
                        continue;
                    }
                    case TAIL_CALL -> {
                        ProgramImage target = TailCalls.resolve(inv, r[2], r[3]);
                        if (target == null) { pc++; continue; }
                        run.executed = executed + pc + 1 - blockStart;
                        if (run.executed > budget) {
                            blockStart = pc + 1;
                            executed = run.executed;
                            throw budgetExhausted(budget);
                        }
                        System.arraycopy(r, 0, caller, 0, 16);
                        return (InterpretedProgram) target.prepared(prog.engine);
                    }
                    case CALL_LOCAL, 0x8d -> {
                        int target;
                        if ((insn & 0xff) == CALL_LOCAL) {
                            target = pc + 1 + (int) imm(insn);
                        } else {
                            long value = r[dst(insn)];
                            if (!AddressSpace.isFunctionPointer(value)) { // a helper by number, as uBPF and the conformance suite do
                                if (value < 0 || value > Integer.MAX_VALUE) {
                                    throw new Trap(Reason.BAD_CALL_TARGET, "callx through r" + dst(insn) + " = 0x" + Long.toHexString(value) + ": neither a function pointer nor a helper number");
                                }
                                if (value == io.bpf4j.abi.Helper.TAIL_CALL.id()) {
                                    throw new Trap(Reason.BAD_CALL_TARGET, "callx cannot make a tail call (r" + dst(insn) + " = 12)");
                                }
                                r[0] = callHelper(prog, inv, r, value);
                                if (inv.takeExitRequest()) {
                                    run.executed = executed + pc + 1 - blockStart;
                                    run.stopped = true;
                                    caller[0] = r[0];
                                    return null;
                                }
                                pc++;
                                continue;
                            }
                            target = (int) value;
                            if (!prog.image.isFunctionEntry(target)) {
                                throw new Trap(Reason.BAD_CALL_TARGET, "callx through r" + dst(insn) + " = " + AddressSpace.format(value) + ": slot " + target + " is not a function entry of this program");
                            }
                        }
                        executed += pc + 1 - blockStart;
                        blockStart = pc + 1;
                        if (executed > budget) throw budgetExhausted(budget);
                        run.executed = executed;
                        call(prog, target, r, run, depth);
                        if (run.stopped) {
                            caller[0] = r[0];
                            return null;
                        }
                        executed = run.executed;
                        pc++;
                        continue;
                    }
                    case 0x95 -> {
                        run.executed = executed + pc + 1 - blockStart;
                        caller[0] = r[0];
                        return null;
                    }
                    default -> throw new Trap(Reason.INTERNAL_ERROR, "the interpreter has no case for opcode 0x" + Integer.toHexString((int) insn & 0xff));
                }
                // a taken jump
                executed += pc + 1 - blockStart;
                blockStart = next;
                if (executed > budget) {
                    blockStart = pc + 1;
                    throw budgetExhausted(budget);
                }
                pc = next;
            }
        } catch (Throwable t) {
            if (t instanceof ExecutionException e) throw e; // from a deeper frame, counted there
            run.executed = executed + Math.max(0, pc + 1 - blockStart);
            throw failure(prog, pc, t);
        }
    }

    private static Trap budgetExhausted(long budget) {
        return new Trap(Reason.BUDGET_EXHAUSTED, "instruction budget of " + budget + " exhausted (an endless or too long loop?)");
    }

    private static long objectAddress(InterpretedProgram prog, Invocation inv, int pc) {
        long insn = prog.code[pc];
        Object object = prog.image.objects().get((int) imm(insn));
        long address = inv.addressOf(object);
        if (src(insn) == io.bpf4j.isa.Pseudo.MAP_VALUE.src() || src(insn) == io.bpf4j.isa.Pseudo.MAP_IDX_VALUE.src()) {
            address += (int) (prog.code[pc + 1] >> 32) & 0xffffffffL;
        }
        return address;
    }

    private static long callHelper(InterpretedProgram prog, Invocation inv, long[] r, long id) {
        HelperRegistry.Entry helper = prog.image.helpers().lookup(id);
        if (helper == null) {
            throw new Trap(Reason.UNKNOWN_HELPER, "call to unknown helper " + prog.image.helpers().nameOf(id) + " (#" + id + ")");
        }
        return helper.function().call(inv, r[1], r[2], r[3], r[4], r[5]);
    }

    /** STX | ATOMIC: the operation is in imm; real atomics on the region's memory. */
    private static void atomic(AddressSpace mem, long[] r, long insn, boolean dw) {
        long address = r[dst(insn)] + off(insn);
        int s = src(insn);
        long operand = r[s];
        int op = (int) imm(insn);
        long old = switch (op & ~Opcodes.FETCH) {
            case Opcodes.ADD -> dw ? mem.fetchAdd64(address, operand) : mem.fetchAdd32(address, operand);
            case Opcodes.OR -> dw ? mem.fetchOr64(address, operand) : mem.fetchOr32(address, operand);
            case Opcodes.AND -> dw ? mem.fetchAnd64(address, operand) : mem.fetchAnd32(address, operand);
            case Opcodes.XOR -> dw ? mem.fetchXor64(address, operand) : mem.fetchXor32(address, operand);
            case Opcodes.XCHG & ~Opcodes.FETCH -> dw ? mem.exchange64(address, operand) : mem.exchange32(address, operand);
            case Opcodes.CMPXCHG & ~Opcodes.FETCH -> {
                long old0 = dw ? mem.compareExchange64(address, r[0], operand) : mem.compareExchange32(address, r[0], operand);
                r[0] = old0;
                yield old0;
            }
            default -> throw new Trap(Reason.INTERNAL_ERROR, "atomic operation 0x" + Integer.toHexString(op) + " survived decoding");
        };
        if ((op & Opcodes.FETCH) != 0 && (op & ~Opcodes.FETCH) != (Opcodes.CMPXCHG & ~Opcodes.FETCH)) r[s] = old;
    }

    /**
     * LD_ABS / LD_IND: {@code r0 = ntoh(*(size *)(packet + [src +] imm))} from the invocation's legacy packet.
     * Returns -1 when the bytes are outside the packet (Linux then ends the program with 0).
     */
    private static long legacyPacketLoad(Invocation inv, long[] r, long insn) {
        if (inv.legacyPacket() == 0) throw new Trap(Reason.UNSUPPORTED, Invocation.NO_LEGACY_PACKET);
        int size = switch ((int) insn & Opcodes.SIZE_MASK) {
            case Opcodes.SIZE_B -> 1;
            case Opcodes.SIZE_H -> 2;
            default -> 4;
        };
        long offset = imm(insn);
        if (((int) insn & Opcodes.MODE_MASK) == Opcodes.MODE_IND) offset += (int) r[src(insn)];
        return inv.legacyPacketLoad(offset, size);
    }

    private static ExecutionException failure(InterpretedProgram prog, int pc, Throwable t) {
        long raw = pc >= 0 && pc < prog.image.slotCount() ? prog.image.slots()[pc] : 0;
        String insn = prog.image.describe(pc);
        return switch (t) {
            case ExecutionException e -> e;
            case Trap trap -> new ExecutionException(trap.reason, prog.name, pc, raw, insn, trap.getMessage(), null);
            default -> {
                boolean tailCall = pc >= 0 && pc < prog.code.length && ((int) prog.code[pc] & 0xff) == TAIL_CALL;
                ExecutionException.Failure f = ExecutionException.Failure.of(t, isCall(prog, pc), tailCall);
                yield new ExecutionException(f.reason(), prog.name, pc, raw, insn, f.message(), f.cause());
            }
        };
    }

    private static boolean isCall(InterpretedProgram prog, int pc) {
        if (pc < 0 || pc >= prog.code.length) return false;
        int op = (int) prog.code[pc] & 0xff;
        return op == Opcodes.CALL_OP || op == Opcodes.CALLX_OP || op == TAIL_CALL;
    }
}
