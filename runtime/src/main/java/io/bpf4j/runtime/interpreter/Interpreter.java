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
 * checks); arithmetic means what {@link Semantics} says (written out in the cases, see below, and checked against
 * it by the tests); memory goes through the invocation's {@link AddressSpace}; helpers through the image's
 * {@link HelperRegistry}; tail calls through {@link TailCalls}.
 *
 * <p>Internal opcodes: the dispatch needs one key per behaviour, so {@link InterpretedProgram} rewrites the few
 * opcodes whose behaviour also depends on another field to byte values the ISA leaves unused (the decoder
 * never produces them): signed division and modulo (offset 1), sign-extending moves (offset 8/16/32), local
 * calls and tail calls (call with src 1 / imm 12) and lddw of a map reference. It also fuses common pairs of
 * adjacent instructions into superinstructions (more unused byte values), which run two instructions in one
 * dispatch and keep the shared register in a local: see {@link InterpretedProgram#fuse}.
 *
 * <p>Instruction budget: executed instructions are counted exactly but cheaply — only when control leaves a
 * straight-line run (a taken jump, a call, an exit) does the loop add the run's length — and checked there
 * against {@link io.bpf4j.runtime.RuntimeOptions#instructionBudget()}. Every loop passes a taken jump, so an
 * endless loop stops with {@link Reason#BUDGET_EXHAUSTED} naming the jump's pc. The count lives in one value
 * carried by the loop, biased by the budget and by the start of the current straight-line run, so the count at
 * any point is that value plus pc and the check is a sign test (see {@code dispatch}).
 *
 * <p>Few live values: C2 compiles the switch from its profile (the cases the program ran, as a tree of compares
 * shaped by their frequencies, the rest as traps) and allocates registers by the profile's block frequencies too.
 * With more values live through the loop than x86-64 has registers, some of those shapes kept pc, the code array
 * or the decoded fields in stack slots or XMM registers, and a JVM then ran the same program at twice the time per
 * instruction of another (measured: 1 fork in 2 to 5 on the compute loop). So the loop carries only the registers,
 * the code array, pc, the count and one {@code Run}; everything else (the address space, the invocation, the
 * frame's program and caller, the budget) is read through the {@code Run} in the cases that need it; an lddw's
 * constant sits in the code array; pc moves past the instruction as it is fetched, so the cases need no pc + 1.
 *
 * <p>Size: the dispatch method must stay under HotSpot's 8,000-byte limit for compiling a method
 * ({@code HugeMethodLimit}), and C2 stops inlining into a method once the method's bytecode plus what it inlined
 * reaches {@code DesiredMethodLimit} (also 8,000 bytes): a large dispatch leaves little room, and even a 9-byte
 * field accessor is then called instead of inlined. So the loop decodes dst, src and imm once before the switch,
 * the ALU and jump cases are written out with plain Java operators (which are {@link Semantics}' meanings:
 * shifts mask their count like eBPF's) and call nothing, and the room left goes to the memory accessors, which
 * must inline. Rare instructions (atomics, byte swaps, legacy packet loads, callx checks) are in separate methods.
 */
public final class Interpreter implements Engine {
    /** A shared instance; the interpreter holds no state. */
    public static final Interpreter INSTANCE = new Interpreter();

    // internal opcodes (byte values the ISA does not define)
    static final int SDIV32_K = 0xe4, SMOD32_K = 0xf4, SDIV64_K = 0xe7, SMOD64_K = 0xf7;
    static final int SDIV32_X = SDIV32_K | Opcodes.X, SMOD32_X = SMOD32_K | Opcodes.X, SDIV64_X = SDIV64_K | Opcodes.X, SMOD64_X = SMOD64_K | Opcodes.X;
    static final int MOVSX64_8 = 0x60, MOVSX64_16 = 0x68, MOVSX64_32 = 0x70, MOVSX32_8 = 0x78, MOVSX32_16 = 0x80;
    static final int CALL_LOCAL = 0x88, TAIL_CALL = 0x90, LDDW_OBJECT = 0x98;

    // Superinstructions: two adjacent instructions in one dispatch, chosen by InterpretedProgram.fuse, which says
    // how each one's slot is laid out. Named FIRST_SECOND with K for an immediate and X for a register operand.
    // (Generated as a block: one case per pair of operations, because a nested switch on the operation costs more
    // than the dispatch it saves.)
    static final int MOVX_ADDK = 0x01;
    static final int MOVX_SUBK = 0x02;
    static final int MOVX_MULK = 0x03;
    static final int MOVX_ORK = 0x08;
    static final int MOVX_ANDK = 0x09;
    static final int MOVX_LSHK = 0x0a;
    static final int MOVX_RSHK = 0x0b;
    static final int MOVX_XORK = 0x0d;
    static final int MOVX_ARSHK = 0x0e;
    static final int ADDK_JEQK = 0x10;
    static final int ADDK_JNEK = 0x11;
    static final int ADDK_JGTK = 0x12;
    static final int ADDK_JGEK = 0x13;
    static final int ADDK_JLTK = 0x19;
    static final int ADDK_JLEK = 0x1a;
    static final int ADDK_JSGTK = 0x1b;
    static final int ADDK_JSGEK = 0x21;
    static final int ADDK_JSLTK = 0x22;
    static final int ADDK_JSLEK = 0x23;
    static final int ADDK_JEQX = 0x29;
    static final int ADDK_JNEX = 0x2a;
    static final int ADDK_JGTX = 0x2b;
    static final int ADDK_JGEX = 0x31;
    static final int ADDK_JLTX = 0x32;
    static final int ADDK_JLEX = 0x33;
    static final int ADDK_JSGTX = 0x38;
    static final int ADDK_JSGEX = 0x39;
    static final int ADDK_JSLTX = 0x3a;
    static final int ADDK_JSLEX = 0x3b;
    static final int ADDX_LSHK = 0x41;
    static final int ADDX_RSHK = 0x42;
    static final int ADDX_ANDK = 0x43;
    static final int ORX_LSHK = 0x49;
    static final int ORX_RSHK = 0x4a;
    static final int ORX_ANDK = 0x4b;
    static final int XORX_LSHK = 0x51;
    static final int XORX_RSHK = 0x52;
    static final int XORX_ANDK = 0x53;
    static final int LSHK_ADDX = 0x58;
    static final int LSHK_ORX = 0x59;
    static final int LSHK_XORX = 0x5a;
    static final int RSHK_ADDX = 0x5b;
    static final int RSHK_ORX = 0x82;
    static final int RSHK_XORX = 0x83;
    static final int LSHK_RSHK = 0x8c;
    static final int LSHK_ARSHK = 0x8e;


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

    /**
     * What all frames of one run share, and the frame being dispatched: the one object the dispatch loop keeps
     * beside its registers, code and counters (see the class comment).
     */
    private static final class Run {
        final Invocation inv;
        final AddressSpace mem;
        final long budget;
        /**
         * The budget the counters are biased by: the budget, capped where biasing by it could overflow a long. An
         * invocation reaches the cap only after 2^62 instructions (a century), so it never counts.
         */
        final long limit;
        /**
         * Instructions executed by finished straight-line runs of all frames, minus {@link #limit}: biased so that
         * the dispatch loop needs no budget to check against (exhausted is {@code > 0}).
         */
        long over;
        /** A helper asked to end the whole program; r[0] holds the result. */
        boolean stopped;
        /** The frame being dispatched: its program (replaced by a tail call), its caller's registers, its depth. */
        InterpretedProgram prog;
        long[] caller;
        int depth;

        Run(Invocation inv) {
            this.inv = inv;
            this.mem = inv.memory();
            this.budget = inv.options().instructionBudget();
            this.limit = Math.min(budget, 1L << 62);
            this.over = -limit;
        }

        long executed() {
            return over + limit;
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
            return frame(run, entry, 0, r, 0);
        } finally {
            inv.recordExecuted(run.executed());
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
            return frame(run, prog, entrySlot, r, depth);
        } finally {
            mem.closeFrame(depth);
        }
    }

    /**
     * Runs one frame to its exit. A tail call replaces the frame's program: {@link #dispatch} returns the target
     * and this loop continues with it, so inside {@code dispatch} the program is a loop invariant (HotSpot keeps
     * the code array and its bounds in registers; a changing program would halve the speed).
     */
    private static long frame(Run run, InterpretedProgram prog, int pc, long[] r, int depth) {
        run.prog = prog;
        run.caller = r;
        run.depth = depth;
        for (;;) {
            InterpretedProgram next = dispatch(run, pc);
            if (next == null) return r[0];
            run.prog = next;
            pc = 0;
        }
    }

    /**
     * A bpf2bpf call: a new frame on a new stack. The callee's dispatch works on its own copy of the registers and
     * writes back r0 (and, for a tail call, everything, which is why r6-r10 are kept here).
     */
    private static void call(Run run, int target, long[] r) {
        InterpretedProgram prog = run.prog;
        long[] caller = run.caller;
        int depth = run.depth;
        // 8 frames per program counted from the frame it was entered in (frames pile up across tail calls from
        // subprograms); below frame 8 no program can be over, so only deeper calls look at where it was entered
        if (depth + 1 >= AddressSpace.MAX_FRAMES) {
            String tooDeep = run.inv.callDepthProblem(depth);
            if (tooDeep != null) throw new Trap(Reason.CALL_STACK_OVERFLOW, "bpf2bpf call would need " + tooDeep);
        }
        // a tail call in the callee hands its registers on through this array: keep the caller's r6-r10
        long r6 = r[6], r7 = r[7], r8 = r[8], r9 = r[9], r10 = r[10];
        r[10] = run.mem.openFrame(depth + 1);
        try {
            frame(run, prog, target, r, depth + 1);
        } finally { // the caller's dispatch goes on (or reports its failure) with its own frame
            run.prog = prog;
            run.caller = caller;
            run.depth = depth;
        }
        run.mem.closeFrame(depth + 1);
        r[6] = r6;
        r[7] = r7;
        r[8] = r8;
        r[9] = r9;
        r[10] = r10;
    }

    /**
     * The dispatch loop of the run's current frame ({@link Run#prog}, {@link Run#caller}), from {@code pc} to the
     * frame's exit (returns null) or a successful tail call (returns the target).
     */
    private static InterpretedProgram dispatch(final Run run, int pc) {
        // a local register file: HotSpot knows its length, so r[4-bit index] needs no bounds check
        final long[] r = new long[16];
        System.arraycopy(run.caller, 0, r, 0, 16);
        final long[] code = run.prog.code;
        // instructions executed so far, minus the budget, minus the start of the current straight-line run; in the
        // switch pc is already past the instruction: the count with it is run.over = acc + pc, and the budget is
        // exhausted when that is > 0
        long acc = run.over - pc;
        try {
            for (;;) {
                final long insn = code[pc++];
                // the fields every case needs, decoded here once: the cases then call nothing that must be inlined
                final int d = (int) insn >>> 8 & 0xf, s = (int) insn >>> 12 & 0xf;
                final long k = insn >> 32;
                int next;
                switch ((int) insn & 0xff) {
                    // ---- superinstructions (see InterpretedProgram.fuse for the slot layouts) ----
                    case MOVX_ADDK -> { r[d] = (r[s] + k); pc++; continue; }
                    case MOVX_SUBK -> { r[d] = (r[s] - k); pc++; continue; }
                    case MOVX_MULK -> { r[d] = (r[s] * k); pc++; continue; }
                    case MOVX_ORK -> { r[d] = (r[s] | k); pc++; continue; }
                    case MOVX_ANDK -> { r[d] = (r[s] & k); pc++; continue; }
                    case MOVX_LSHK -> { r[d] = ((r[s] << k)); pc++; continue; }
                    case MOVX_RSHK -> { r[d] = ((r[s] >>> k)); pc++; continue; }
                    case MOVX_XORK -> { r[d] = (r[s] ^ k); pc++; continue; }
                    case MOVX_ARSHK -> { r[d] = ((r[s] >> k)); pc++; continue; }
                    case ADDK_JEQK -> { if (!((r[d] += k) == (code[pc] >> 32))) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JNEK -> { if (!((r[d] += k) != (code[pc] >> 32))) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JGTK -> { if (!(Long.compareUnsigned((r[d] += k), (code[pc] >> 32)) > 0)) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JGEK -> { if (!(Long.compareUnsigned((r[d] += k), (code[pc] >> 32)) >= 0)) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JLTK -> { if (!(Long.compareUnsigned((r[d] += k), (code[pc] >> 32)) < 0)) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JLEK -> { if (!(Long.compareUnsigned((r[d] += k), (code[pc] >> 32)) <= 0)) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JSGTK -> { if (!((r[d] += k) > (code[pc] >> 32))) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JSGEK -> { if (!((r[d] += k) >= (code[pc] >> 32))) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JSLTK -> { if (!((r[d] += k) < (code[pc] >> 32))) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JSLEK -> { if (!((r[d] += k) <= (code[pc] >> 32))) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JEQX -> { if (!((r[d] += k) == r[s])) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JNEX -> { if (!((r[d] += k) != r[s])) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JGTX -> { if (!(Long.compareUnsigned((r[d] += k), r[s]) > 0)) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JGEX -> { if (!(Long.compareUnsigned((r[d] += k), r[s]) >= 0)) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JLTX -> { if (!(Long.compareUnsigned((r[d] += k), r[s]) < 0)) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JLEX -> { if (!(Long.compareUnsigned((r[d] += k), r[s]) <= 0)) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JSGTX -> { if (!((r[d] += k) > r[s])) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JSGEX -> { if (!((r[d] += k) >= r[s])) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JSLTX -> { if (!((r[d] += k) < r[s])) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDK_JSLEX -> { if (!((r[d] += k) <= r[s])) { pc++; continue; } next = ++pc + (short) (insn >>> 16); }
                    case ADDX_LSHK -> { r[d] = (((r[d] + r[s]) << k)); pc++; continue; }
                    case ADDX_RSHK -> { r[d] = (((r[d] + r[s]) >>> k)); pc++; continue; }
                    case ADDX_ANDK -> { r[d] = ((r[d] + r[s]) & k); pc++; continue; }
                    case ORX_LSHK -> { r[d] = (((r[d] | r[s]) << k)); pc++; continue; }
                    case ORX_RSHK -> { r[d] = (((r[d] | r[s]) >>> k)); pc++; continue; }
                    case ORX_ANDK -> { r[d] = ((r[d] | r[s]) & k); pc++; continue; }
                    case XORX_LSHK -> { r[d] = (((r[d] ^ r[s]) << k)); pc++; continue; }
                    case XORX_RSHK -> { r[d] = (((r[d] ^ r[s]) >>> k)); pc++; continue; }
                    case XORX_ANDK -> { r[d] = ((r[d] ^ r[s]) & k); pc++; continue; }
                    case LSHK_ADDX -> { int a = s; long v = ((r[a] << k)); r[a] = v; r[d] = (r[d] + v); pc++; continue; }
                    case LSHK_ORX -> { int a = s; long v = ((r[a] << k)); r[a] = v; r[d] = (r[d] | v); pc++; continue; }
                    case LSHK_XORX -> { int a = s; long v = ((r[a] << k)); r[a] = v; r[d] = (r[d] ^ v); pc++; continue; }
                    case RSHK_ADDX -> { int a = s; long v = ((r[a] >>> k)); r[a] = v; r[d] = (r[d] + v); pc++; continue; }
                    case RSHK_ORX -> { int a = s; long v = ((r[a] >>> k)); r[a] = v; r[d] = (r[d] | v); pc++; continue; }
                    case RSHK_XORX -> { int a = s; long v = ((r[a] >>> k)); r[a] = v; r[d] = (r[d] ^ v); pc++; continue; }
                    case LSHK_RSHK -> { r[d] = ((((r[d] << k)) >>> (code[pc] >> 32))); pc++; continue; }
                    case LSHK_ARSHK -> { r[d] = ((((r[d] << k)) >> (code[pc] >> 32))); pc++; continue; }

                    // ---- 64-bit ALU ----
                    case 0x07 -> { r[d] += k; continue; }
                    case 0x0f -> { r[d] += r[s]; continue; }
                    case 0x17 -> { r[d] -= k; continue; }
                    case 0x1f -> { r[d] -= r[s]; continue; }
                    case 0x27 -> { r[d] *= k; continue; }
                    case 0x2f -> { r[d] *= r[s]; continue; }
                    case 0x37 -> { r[d] = Semantics.div64(r[d], k); continue; }
                    case 0x3f -> { r[d] = Semantics.div64(r[d], r[s]); continue; }
                    case SDIV64_K -> { r[d] = Semantics.sdiv64(r[d], k); continue; }
                    case SDIV64_X -> { r[d] = Semantics.sdiv64(r[d], r[s]); continue; }
                    case 0x47 -> { r[d] |= k; continue; }
                    case 0x4f -> { r[d] |= r[s]; continue; }
                    case 0x57 -> { r[d] &= k; continue; }
                    case 0x5f -> { r[d] &= r[s]; continue; }
                    case 0x67 -> { r[d] = (r[d] << k); continue; }
                    case 0x6f -> { r[d] = (r[d] << r[s]); continue; }
                    case 0x77 -> { r[d] = (r[d] >>> k); continue; }
                    case 0x7f -> { r[d] = (r[d] >>> r[s]); continue; }
                    case 0x87 -> { r[d] = -r[d]; continue; }
                    case 0x97 -> { r[d] = Semantics.mod64(r[d], k); continue; }
                    case 0x9f -> { r[d] = Semantics.mod64(r[d], r[s]); continue; }
                    case SMOD64_K -> { r[d] = Semantics.smod64(r[d], k); continue; }
                    case SMOD64_X -> { r[d] = Semantics.smod64(r[d], r[s]); continue; }
                    case 0xa7 -> { r[d] ^= k; continue; }
                    case 0xaf -> { r[d] ^= r[s]; continue; }
                    case 0xb7 -> { r[d] = k; continue; }
                    case 0xbf -> { r[d] = r[s]; continue; }
                    case MOVSX64_8 -> { r[d] = (byte) r[s]; continue; }
                    case MOVSX64_16 -> { r[d] = (short) r[s]; continue; }
                    case MOVSX64_32 -> { r[d] = (int) r[s]; continue; }
                    case 0xc7 -> { r[d] = (r[d] >> k); continue; }
                    case 0xcf -> { r[d] = (r[d] >> r[s]); continue; }
                    case 0xd7 -> { r[d] = Semantics.endian(EndianOp.BSWAP, (int) k, r[d]); continue; }

                    // ---- 32-bit ALU: low halves in, zero-extended result out ----
                    case 0x04 -> { r[d] = (((int) r[d] + (int) k) & 0xffffffffL); continue; }
                    case 0x0c -> { r[d] = (((int) r[d] + (int) r[s]) & 0xffffffffL); continue; }
                    case 0x14 -> { r[d] = (((int) r[d] - (int) k) & 0xffffffffL); continue; }
                    case 0x1c -> { r[d] = (((int) r[d] - (int) r[s]) & 0xffffffffL); continue; }
                    case 0x24 -> { r[d] = (((int) r[d] * (int) k) & 0xffffffffL); continue; }
                    case 0x2c -> { r[d] = (((int) r[d] * (int) r[s]) & 0xffffffffL); continue; }
                    case 0x34 -> { r[d] = Semantics.div32(r[d], k); continue; }
                    case 0x3c -> { r[d] = Semantics.div32(r[d], r[s]); continue; }
                    case SDIV32_K -> { r[d] = Semantics.sdiv32(r[d], k); continue; }
                    case SDIV32_X -> { r[d] = Semantics.sdiv32(r[d], r[s]); continue; }
                    case 0x44 -> { r[d] = (((int) r[d] | (int) k) & 0xffffffffL); continue; }
                    case 0x4c -> { r[d] = (((int) r[d] | (int) r[s]) & 0xffffffffL); continue; }
                    case 0x54 -> { r[d] = (((int) r[d] & (int) k) & 0xffffffffL); continue; }
                    case 0x5c -> { r[d] = (((int) r[d] & (int) r[s]) & 0xffffffffL); continue; }
                    case 0x64 -> { r[d] = ((int) r[d] << k & 0xffffffffL); continue; }
                    case 0x6c -> { r[d] = ((int) r[d] << r[s] & 0xffffffffL); continue; }
                    case 0x74 -> { r[d] = ((int) r[d] >>> k & 0xffffffffL); continue; }
                    case 0x7c -> { r[d] = ((int) r[d] >>> r[s] & 0xffffffffL); continue; }
                    case 0x84 -> { r[d] = ((-(int) r[d]) & 0xffffffffL); continue; }
                    case 0x94 -> { r[d] = Semantics.mod32(r[d], k); continue; }
                    case 0x9c -> { r[d] = Semantics.mod32(r[d], r[s]); continue; }
                    case SMOD32_K -> { r[d] = Semantics.smod32(r[d], k); continue; }
                    case SMOD32_X -> { r[d] = Semantics.smod32(r[d], r[s]); continue; }
                    case 0xa4 -> { r[d] = (((int) r[d] ^ (int) k) & 0xffffffffL); continue; }
                    case 0xac -> { r[d] = (((int) r[d] ^ (int) r[s]) & 0xffffffffL); continue; }
                    case 0xb4 -> { r[d] = (((int) k) & 0xffffffffL); continue; }
                    case 0xbc -> { r[d] = (((int) r[s]) & 0xffffffffL); continue; }
                    case MOVSX32_8 -> { r[d] = (((byte) r[s]) & 0xffffffffL); continue; }
                    case MOVSX32_16 -> { r[d] = (((short) r[s]) & 0xffffffffL); continue; }
                    case 0xc4 -> { r[d] = ((int) r[d] >> k & 0xffffffffL); continue; }
                    case 0xcc -> { r[d] = ((int) r[d] >> r[s] & 0xffffffffL); continue; }
                    case 0xd4 -> { r[d] = Semantics.endian(EndianOp.TO_LE, (int) k, r[d]); continue; }
                    case 0xdc -> { r[d] = Semantics.endian(EndianOp.TO_BE, (int) k, r[d]); continue; }

                    // ---- 64-bit immediates ----
                    case 0x18 -> { r[d] = code[pc++]; acc--; continue; }
                    case LDDW_OBJECT -> { r[d] = objectAddress(run, pc - 1); pc++; acc--; continue; }

                    // ---- loads and stores ----
                    case 0x61 -> { r[d] = run.mem.load32(r[s] + (short) (insn >>> 16)); continue; }
                    case 0x69 -> { r[d] = run.mem.load16(r[s] + (short) (insn >>> 16)); continue; }
                    case 0x71 -> { r[d] = run.mem.load8(r[s] + (short) (insn >>> 16)); continue; }
                    case 0x79 -> { r[d] = run.mem.load64(r[s] + (short) (insn >>> 16)); continue; }
                    case 0x81 -> { r[d] = Semantics.extend(run.mem.load32(r[s] + (short) (insn >>> 16)), Size.W, true); continue; }
                    case 0x89 -> { r[d] = Semantics.extend(run.mem.load16(r[s] + (short) (insn >>> 16)), Size.H, true); continue; }
                    case 0x91 -> { r[d] = Semantics.extend(run.mem.load8(r[s] + (short) (insn >>> 16)), Size.B, true); continue; }
                    case 0x62 -> { run.mem.store32(r[d] + (short) (insn >>> 16), k); continue; }
                    case 0x6a -> { run.mem.store16(r[d] + (short) (insn >>> 16), k); continue; }
                    case 0x72 -> { run.mem.store8(r[d] + (short) (insn >>> 16), k); continue; }
                    case 0x7a -> { run.mem.store64(r[d] + (short) (insn >>> 16), k); continue; }
                    case 0x63 -> { run.mem.store32(r[d] + (short) (insn >>> 16), r[s]); continue; }
                    case 0x6b -> { run.mem.store16(r[d] + (short) (insn >>> 16), r[s]); continue; }
                    case 0x73 -> { run.mem.store8(r[d] + (short) (insn >>> 16), r[s]); continue; }
                    case 0x7b -> { run.mem.store64(r[d] + (short) (insn >>> 16), r[s]); continue; }
                    case 0xc3 -> { atomic(run.mem, r, insn, false); continue; }
                    case 0xdb -> { atomic(run.mem, r, insn, true); continue; }
                    case 0x20, 0x28, 0x30, 0x40, 0x48, 0x50 -> {
                        long v = legacyPacketLoad(run.inv, r, insn);
                        if (v < 0) { // out of the packet: Linux ends the program with 0
                            run.over = acc + pc;
                            run.stopped = true;
                            run.caller[0] = 0;
                            return null;
                        }
                        r[0] = v;
                        continue;
                    }

                    // ---- jumps: a taken jump sets next and breaks out to the common accounting below ----
                    case 0x05 -> next = pc + (short) (insn >>> 16);
                    case 0x06 -> next = pc + (int) k;
                    case 0x15 -> { if (r[d] == k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x1d -> { if (r[d] == r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x55 -> { if (r[d] != k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x5d -> { if (r[d] != r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x25 -> { if (Long.compareUnsigned(r[d], k) > 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x2d -> { if (Long.compareUnsigned(r[d], r[s]) > 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x35 -> { if (Long.compareUnsigned(r[d], k) >= 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x3d -> { if (Long.compareUnsigned(r[d], r[s]) >= 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xa5 -> { if (Long.compareUnsigned(r[d], k) < 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xad -> { if (Long.compareUnsigned(r[d], r[s]) < 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xb5 -> { if (Long.compareUnsigned(r[d], k) <= 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xbd -> { if (Long.compareUnsigned(r[d], r[s]) <= 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x45 -> { if ((r[d] & k) != 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x4d -> { if ((r[d] & r[s]) != 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x65 -> { if (r[d] > k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x6d -> { if (r[d] > r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x75 -> { if (r[d] >= k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x7d -> { if (r[d] >= r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xc5 -> { if (r[d] < k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xcd -> { if (r[d] < r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xd5 -> { if (r[d] <= k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xdd -> { if (r[d] <= r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }
                    // jmp32: the low halves
                    case 0x16 -> { if ((int) r[d] == (int) k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x1e -> { if ((int) r[d] == (int) r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x56 -> { if ((int) r[d] != (int) k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x5e -> { if ((int) r[d] != (int) r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x26 -> { if (Integer.compareUnsigned((int) r[d], (int) k) > 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x2e -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) > 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x36 -> { if (Integer.compareUnsigned((int) r[d], (int) k) >= 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x3e -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) >= 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xa6 -> { if (Integer.compareUnsigned((int) r[d], (int) k) < 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xae -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) < 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xb6 -> { if (Integer.compareUnsigned((int) r[d], (int) k) <= 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xbe -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) <= 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x46 -> { if (((int) r[d] & (int) k) != 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x4e -> { if (((int) r[d] & (int) r[s]) != 0) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x66 -> { if ((int) r[d] > (int) k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x6e -> { if ((int) r[d] > (int) r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x76 -> { if ((int) r[d] >= (int) k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0x7e -> { if ((int) r[d] >= (int) r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xc6 -> { if ((int) r[d] < (int) k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xce -> { if ((int) r[d] < (int) r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xd6 -> { if ((int) r[d] <= (int) k) { next = pc + (short) (insn >>> 16); break; } continue; }
                    case 0xde -> { if ((int) r[d] <= (int) r[s]) { next = pc + (short) (insn >>> 16); break; } continue; }

                    // ---- calls and exit ----
                    // (on an error the catch below counts up to and including the instruction from acc, so the
                    // cases throw without updating it)
                    case 0x85 -> { // helper call
                        r[0] = callHelper(run, r, k);
                        if (run.inv.takeExitRequest()) {
                            run.over = acc + pc;
                            run.stopped = true;
                            run.caller[0] = r[0];
                            return null;
                        }
                        continue;
                    }
                    case TAIL_CALL -> {
                        ProgramImage target = TailCalls.resolve(run.inv, r[2], r[3]);
                        if (target == null) continue;
                        if (acc + pc > 0) throw budgetExhausted(run.budget);
                        run.over = acc + pc;
                        System.arraycopy(r, 0, run.caller, 0, 16);
                        return (InterpretedProgram) target.prepared(run.prog.engine);
                    }
                    case CALL_LOCAL, 0x8d -> {
                        int target = (insn & 0xff) == CALL_LOCAL ? pc + (int) k : callxTarget(run.prog, r, insn);
                        if (target < 0) { // callx of a helper by number
                            r[0] = callHelper(run, r, r[d]);
                            if (run.inv.takeExitRequest()) {
                                run.over = acc + pc;
                                run.stopped = true;
                                run.caller[0] = r[0];
                                return null;
                            }
                            continue;
                        }
                        if (acc + pc > 0) throw budgetExhausted(run.budget);
                        run.over = acc + pc;
                        call(run, target, r);
                        if (run.stopped) {
                            run.caller[0] = r[0];
                            return null;
                        }
                        acc = run.over - pc; // a new straight-line run starts after the call
                        continue;
                    }
                    case 0x95 -> {
                        run.over = acc + pc;
                        // r[d] is r0 (an exit's dst field is 0), but unlike r[0] it is not a loop invariant: HotSpot
                        // would hold r0's address in a register (or a spill slot) through the whole loop for it
                        run.caller[0] = r[d];
                        return null;
                    }
                    default -> throw new Trap(Reason.INTERNAL_ERROR, "the interpreter has no case for opcode 0x" + Integer.toHexString((int) insn & 0xff));
                }
                // a taken jump: the straight-line run ends with it, the next one starts at its target
                final long over = acc + pc;
                if (over > 0) throw budgetExhausted(run.budget);
                acc = over - next;
                pc = next;
            }
        } catch (Throwable t) {
            if (t instanceof ExecutionException e) throw e; // from a deeper frame, counted there
            run.over = acc + pc;
            throw failure(run.prog, pc - 1, t);
        }
    }

    private static Trap budgetExhausted(long budget) {
        return new Trap(Reason.BUDGET_EXHAUSTED, "instruction budget of " + budget + " exhausted (an endless or too long loop?)");
    }

    /**
     * Where a callx goes: the function slot its register holds, or -1 for a helper by number (as uBPF and the
     * conformance suite call helpers).
     */
    private static int callxTarget(InterpretedProgram prog, long[] r, long insn) {
        long value = r[dst(insn)];
        if (!AddressSpace.isFunctionPointer(value)) {
            if (value < 0 || value > Integer.MAX_VALUE) {
                throw new Trap(Reason.BAD_CALL_TARGET, "callx through r" + dst(insn) + " = 0x" + Long.toHexString(value) + ": neither a function pointer nor a helper number");
            }
            if (value == io.bpf4j.abi.Helper.TAIL_CALL.id()) {
                throw new Trap(Reason.BAD_CALL_TARGET, "callx cannot make a tail call (r" + dst(insn) + " = 12)");
            }
            return -1;
        }
        int target = (int) value;
        if (!prog.image.isFunctionEntry(target)) {
            throw new Trap(Reason.BAD_CALL_TARGET, "callx through r" + dst(insn) + " = " + AddressSpace.format(value) + ": slot " + target + " is not a function entry of this program");
        }
        return target;
    }

    private static long objectAddress(Run run, int pc) {
        InterpretedProgram prog = run.prog;
        long insn = prog.code[pc];
        Object object = prog.image.objects().get((int) imm(insn));
        long address = run.inv.addressOf(object);
        if (src(insn) == io.bpf4j.isa.Pseudo.MAP_VALUE.src() || src(insn) == io.bpf4j.isa.Pseudo.MAP_IDX_VALUE.src()) {
            address += (int) (prog.code[pc + 1] >> 32) & 0xffffffffL;
        }
        return address;
    }

    private static long callHelper(Run run, long[] r, long id) {
        InterpretedProgram prog = run.prog;
        HelperRegistry.Entry helper = prog.image.helpers().lookup(id);
        if (helper == null) {
            throw new Trap(Reason.UNKNOWN_HELPER, "call to unknown helper " + prog.image.helpers().nameOf(id) + " (#" + id + ")");
        }
        return helper.function().call(run.inv, r[1], r[2], r[3], r[4], r[5]);
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
