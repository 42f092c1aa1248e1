package io.bpf4j.jit;

import io.bpf4j.abi.Helper;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Semantics;
import io.bpf4j.isa.Size;
import io.bpf4j.isa.Source;
import io.bpf4j.runtime.TailCallTargets;
import io.bpf4j.runtime.helpers.HelperFunction;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.AddressSpace;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.bpf4j.jit.Descriptors.*;
import static java.lang.constant.ConstantDescs.CD_Integer;
import static java.lang.constant.ConstantDescs.CD_Long;
import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_Throwable;
import static java.lang.constant.ConstantDescs.CD_boolean;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

/**
 * Emits the bytecode of one generated method: a whole eBPF function, or one chunk of a function too big for a
 * single method (see {@link ClassGenerator}). eBPF registers live in {@code long} locals; every eBPF jump becomes a
 * JVM branch.
 *
 * <p><b>Semantics.</b> Concrete operations come from {@link Semantics}: those the JVM performs identically by itself
 * (add, sub, mul, bitwise operations, negation, moves, sign-extending moves, comparisons) are inlined; division,
 * modulo, shifts and byte swaps are {@code invokestatic} calls to the one definition, which HotSpot inlines. Memory
 * goes through the invocation's {@link AddressSpace} (the interpreter's checked accesses), helpers through the
 * registry's functions, resolved at compile time and given to the class as constants, tail calls through
 * {@code TailCalls.resolve}.
 *
 * <p><b>Instruction accounting.</b> The interpreter counts executed instructions at each taken jump, call and exit
 * and stops when the count passes the budget. Here each straight-line <em>segment</em> (from a leader: a function or
 * chunk start, a jump target, the instruction after a jump or exit) adds its length to a local counter where it ends,
 * and taken jumps, calls and tail calls compare it with the budget: the same count, checked at the same
 * instructions, so a runaway program stops at the same pc with the same message. Calls add their segment so far and
 * subtract it again after returning, because the segment goes on after the call.
 *
 * <p><b>Errors.</b> Each instruction that can fail (memory, helpers, callx, map references, packet loads) is covered
 * by an exception-table entry whose handler knows its pc; the handler records the instruction count and turns the
 * throwable into the interpreter's {@code ExecutionException} ({@link JitRuntime#fault}).
 */
final class Emitter {
    private static final long LOW32 = 0xffff_ffffL;
    /** Tail calls per invocation made as direct calls before the trampoline takes over (bounds the Java stack). */
    static final int DIRECT_TAIL_CALLS = 40;

    /** Slots shared by function and chunk methods. */
    static final int CTX = 0, DEPTH = 3;
    /** Function methods: the frame pointer; parameters start at {@link #FIRST_PARAM}. */
    static final int FP = 1, FIRST_PARAM = 4;
    /** Chunk methods: the register array and the entry pc. */
    static final int REGS = 1, ENTRY_PC = 2, CHUNK_REGISTER_BASE = 4;

    final ClassGenerator gen;
    final CodeBuilder cob;
    private final ClassGenerator.Chunk chunk; // null when emitting a whole function
    private final int registerBase;
    private final int exec, budget, mem, newFp, next, tmp, callxIndex, target;
    /** Direct accesses ({@link AccessPlan}): the address, the frame's words and base, the found region, the caches. */
    private final int addr, frameWords, frameBase, found, cacheBase;
    /**
     * The method of function 0, whole, whose tail calls can start it over when they find the program itself (it reads
     * only r1 at its entry, which a tail call passes on); then {@link #selfRecorded} is an int local, 1 once this
     * method activation made such a call (the frame's record then names this program), and {@link #selfImage} a
     * local holding the image such a call finds (see the prologue).
     */
    private boolean selfLoops;
    private int selfRecorded, selfImage;
    private final boolean[] cacheUsed = new boolean[AccessPlan.CACHES];
    /** The local holding the address of each object an lddw of this method names (0 until looked up). */
    private final Map<Object, Integer> objectAddresses = new java.util.IdentityHashMap<>();
    /** Per cache: some load in this method reads the region's words (see {@link #usesWords}). */
    private final boolean[] wordsUsed = new boolean[AccessPlan.CACHES];

    /**
     * Whether a cache fill also looks up the words: for every cache once some load of the method reads words. Filling
     * only the caches whose loads read words made C2 compile the checksum benchmark's loop ~25 % slower (650 against
     * 520 ns per run, reproducibly, with the loop's bytecode unchanged); we have not found out why.
     */
    private boolean anyWords() {
        for (boolean w : wordsUsed) if (w) return true;
        return false;
    }

    /**
     * A cached load inside a loop reads the region's words ({@code DirectAccess.load*(long[], ...)}): fewer checks per
     * access than a segment's, worth the cost of looking the words up when the cache is filled. Elsewhere the segment
     * (words everywhere measured slower: PARSE_64 59.6 against 55.6 ns per run).
     */
    private boolean usesWords(int pc) {
        return gen.access.inLoop[pc] && gen.layout.code.slot(pc) instanceof Instruction.Load l
                && !(gen.access.kind[pc] == AccessPlan.CONTEXT && l.size() == Size.W);
    }

    private final Map<Integer, Label> labels = new HashMap<>();
    private final Map<Integer, Label> leaving = new TreeMap<>(); // chunk mode: pcs outside the chunk
    private final List<Runnable> deferred = new ArrayList<>(); // stubs emitted after the body
    private Label exitStub; // chunk mode
    /** With {@link #selfLoops}: where the program starts after the prologue, for self tail calls. */
    private Label programStart;
    private Label faultHandler;
    private final int from, to;

    private Emitter(ClassGenerator gen, CodeBuilder cob, ClassGenerator.Chunk chunk,
                    int registerBase, int from, int to) {
        this.gen = gen;
        this.cob = cob;
        this.chunk = chunk;
        this.registerBase = registerBase;
        this.from = from;
        this.to = to;
        int extra = registerBase + 2 * 11;
        this.exec = extra;
        this.budget = extra + 2;
        this.mem = extra + 4;
        this.newFp = extra + 5;
        this.next = extra + 7;
        this.tmp = extra + 8;
        this.callxIndex = extra + 10;
        this.target = extra + 11;
        this.addr = extra + 12;
        this.frameWords = extra + 14;
        this.frameBase = extra + 15;
        this.found = extra + 16;
        this.cacheBase = extra + 17; // per cache: int tag, Region, MemorySegment, long[] words, long base, long length
    }

    private static final int CACHE_SLOTS = 8;

    private int cacheWords(int c) {
        return cacheBase + CACHE_SLOTS * c + 3;
    }

    private int cacheWordBase(int c) {
        return cacheBase + CACHE_SLOTS * c + 4;
    }

    private int cacheLength(int c) {
        return cacheBase + CACHE_SLOTS * c + 6;
    }

    private int cacheTag(int c) {
        return cacheBase + CACHE_SLOTS * c;
    }

    private int cacheRegion(int c) {
        return cacheBase + CACHE_SLOTS * c + 1;
    }

    private int cacheSegment(int c) {
        return cacheBase + CACHE_SLOTS * c + 2;
    }

    // ---- method shapes ---------------------------------------------------------------------------

    /** Emits a whole function as one method {@code (ctx, fp, depth, params...) → r0}. */
    static void emitFunction(ClassGenerator gen, CodeBuilder cob, ProgramLayout.Function f) {
        int params = Integer.bitCount(gen.liveness.params[f.index()]);
        Emitter e = new Emitter(gen, cob, null, FIRST_PARAM + 2 * params, f.start(), f.end());
        e.selfLoops = f.index() == 0 && gen.hasTailCall(f) && (gen.liveness.params[0] & ~Liveness.R1) == 0;
        if (e.selfLoops) {
            // r1 (the only parameter) and r10 first: a self tail call starts over where the other registers are
            // zeroed, after the prologue (one copy of the zeroing keeps the method small enough for HotSpot to inline)
            if (params == 1) cob.lload(FIRST_PARAM);
            else cob.lconst_0();
            e.storeRegister(1);
            cob.lload(FP);
            e.storeRegister(10);
            e.prologue();
            e.programStart = cob.newLabel();
            cob.labelBinding(e.programStart);
            for (int r = 0; r <= 9; r++) {
                if (r == 1) continue;
                cob.lconst_0();
                e.storeRegister(r);
            }
        } else {
            int slot = FIRST_PARAM;
            for (int r = 0; r <= 9; r++) {
                if ((gen.liveness.params[f.index()] & 1 << r) != 0) {
                    cob.lload(slot);
                    slot += 2;
                } else {
                    cob.lconst_0();
                }
                e.storeRegister(r);
            }
            cob.lload(FP);
            e.storeRegister(10);
            e.prologue();
        }
        for (int pc = f.start(); pc < f.end(); pc++) {
            if (gen.layout.jumpTargets.get(pc)) e.labels.put(pc, cob.newLabel());
        }
        e.body();
        e.epilogue();
    }

    /** Emits one chunk {@code (ctx, regs, pc, depth) → next pc}: load registers, dispatch on the pc, run, store, return. */
    static void emitChunk(ClassGenerator gen, CodeBuilder cob, ClassGenerator.Chunk chunk) {
        Emitter e = new Emitter(gen, cob, chunk, CHUNK_REGISTER_BASE, chunk.from(), chunk.to());
        for (int r = 0; r <= 10; r++) {
            cob.aload(REGS);
            cob.loadConstant(r);
            cob.laload();
            e.storeRegister(r);
        }
        e.prologue();
        for (int pc = chunk.from(); pc < chunk.to(); pc++) {
            if (gen.layout.jumpTargets.get(pc) || chunk.entries().contains(pc)) e.labels.put(pc, cob.newLabel());
        }
        Label bad = cob.newLabel();
        List<SwitchCase> cases = new ArrayList<>();
        for (int entry : chunk.entries()) cases.add(SwitchCase.of(entry, e.labels.get(entry)));
        cob.iload(ENTRY_PC);
        cob.lookupswitch(bad, cases);
        e.body();
        // Leaving the chunk: remember where to continue, store the registers and the count back, return the pc.
        Label storeAll = cob.newLabel();
        for (Map.Entry<Integer, Label> out : e.leaving.entrySet()) {
            cob.labelBinding(out.getValue());
            cob.loadConstant(out.getKey());
            cob.istore(e.next);
            cob.goto_(storeAll);
        }
        if (e.exitStub != null) {
            cob.labelBinding(e.exitStub);
            cob.iconst_m1();
            cob.istore(e.next);
            cob.goto_(storeAll);
        }
        cob.labelBinding(bad);
        ClassGenerator.throwInternal(cob, "chunk " + chunk.name() + " entered at a pc that is not one of its entries");
        cob.labelBinding(storeAll);
        for (int r = 0; r <= 10; r++) {
            cob.aload(REGS);
            cob.loadConstant(r);
            e.loadRegister(r);
            cob.lastore();
        }
        e.flushExecuted();
        cob.iload(e.next);
        cob.ireturn();
        e.epilogue();
    }

    private void prologue() {
        cob.aload(CTX);
        cob.getfield(CD_JIT_CONTEXT, "executed", CD_long);
        cob.lstore(exec);
        cob.aload(CTX);
        cob.getfield(CD_JIT_CONTEXT, "budget", CD_long);
        cob.lstore(budget);
        cob.aload(CTX);
        cob.getfield(CD_JIT_CONTEXT, "memory", CD_ADDRESS_SPACE);
        cob.astore(mem);
        // newFp and target are written before they are read, by the instruction that uses them
        int nextSlot = cacheBase + CACHE_SLOTS * AccessPlan.CACHES;
        for (int pc = from; pc < to; pc++) {
            if (gen.layout.code.slot(pc) instanceof Instruction.LoadImm64 l && l.pseudo() != Pseudo.IMM && l.pseudo() != Pseudo.FUNC
                    && l.pseudo() != Pseudo.BTF_ID && l.imm() >= 0 && l.imm() < gen.info.image.objects().size()) {
                Object object = gen.info.image.objects().get(l.imm());
                if (!objectAddresses.containsKey(object)) {
                    objectAddresses.put(object, nextSlot);
                    cob.lconst_0();
                    cob.lstore(nextSlot);
                    nextSlot += 2;
                }
            }
        }
        if (selfLoops) {
            selfRecorded = nextSlot;
            cob.iconst_0();
            cob.istore(selfRecorded);
            // The image tail calls compare their target with: this program's, unless the frame's caller reloads r1-r5
            // after its tail call (then the registers are left for it on the general path). The caller set that
            // before calling this frame, so it holds for the whole activation.
            selfImage = nextSlot + 1;
            Label general = cob.newLabel(), decided = cob.newLabel();
            cob.aload(CTX);
            cob.getfield(CD_JIT_CONTEXT, "capture", CD_int.arrayType());
            cob.iload(DEPTH);
            cob.iaload();
            cob.ifne(general);
            gen.loadClassData(cob, gen.info.image, CD_PROGRAM_IMAGE);
            cob.goto_(decided);
            cob.labelBinding(general);
            cob.aconst_null();
            cob.labelBinding(decided);
            cob.astore(selfImage);
        }
        boolean frame = false;
        for (int pc = from; pc < to; pc++) {
            byte k = gen.access.kind[pc];
            if (k == AccessPlan.FRAME) frame = true;
            else if (k != AccessPlan.CHECKED) {
                cacheUsed[k - AccessPlan.PACKET] = true;
                if (usesWords(pc)) wordsUsed[k - AccessPlan.PACKET] = true;
            }
        }
        if (frame) {
            // r10 is never written (AccessPlan): the frame it names is this method's for as long as it runs
            cob.aload(mem);
            loadRegister(10);
            cob.invokevirtual(CD_ADDRESS_SPACE, "frameWords", MethodTypeDesc.of(CD_long.arrayType(), CD_long));
            cob.astore(frameWords);
            loadRegister(10);
            cob.invokestatic(CD_ADDRESS_SPACE, "frameWordBase", MethodTypeDesc.of(CD_int, CD_long));
            cob.istore(frameBase);
        }
        for (int c = 0; c < AccessPlan.CACHES; c++) {
            if (!cacheUsed[c]) continue;
            cob.iconst_0(); // no live region has tag 0
            cob.istore(cacheTag(c));
            cob.aconst_null();
            cob.astore(cacheRegion(c));
            cob.aconst_null();
            cob.astore(cacheSegment(c));
            cob.aconst_null();
            cob.astore(cacheWords(c));
            cob.lconst_0();
            cob.lstore(cacheWordBase(c));
            cob.loadConstant(8L); // never below 8 (see fillWords); tag 0 is no region, and words null take the segment
            cob.lstore(cacheLength(c));
        }
    }

    /** Stubs for taken jumps and the shared fault handler. */
    private void epilogue() {
        for (Runnable r : deferred) r.run();
        if (faultHandler != null) {
            cob.labelBinding(faultHandler);
            // stack: Throwable, int pc
            cob.aload(CTX);
            cob.lload(exec);
            loadInfo();
            cob.invokestatic(CD_JIT_RUNTIME, "fault", MethodTypeDesc.of(CD_EXECUTION_EXCEPTION, CD_Throwable, CD_int, CD_JIT_CONTEXT, CD_long, CD_PROGRAM_INFO));
            cob.athrow();
        }
    }

    // ---- small pieces ----------------------------------------------------------------------------

    void loadRegister(int r) {
        cob.lload(registerBase + 2 * r);
    }

    void storeRegister(int r) {
        cob.lstore(registerBase + 2 * r);
    }

    private void loadInfo() {
        gen.loadClassData(cob, gen.info, CD_PROGRAM_INFO);
    }

    private JitCompilationException unsupported(int pc, String problem) {
        return new JitCompilationException(gen.layout.program, pc, problem + " (" + gen.layout.code.at(pc) + ")");
    }

    private void addExecuted(int n) {
        if (n == 0) return;
        cob.lload(exec);
        cob.loadConstant((long) n);
        cob.ladd();
        cob.lstore(exec);
    }

    private void flushExecuted() {
        cob.aload(CTX);
        cob.lload(exec);
        cob.putfield(CD_JIT_CONTEXT, "executed", CD_long);
    }

    /** {@code if (executed > budget) throw budget exhausted at pc}. */
    private void checkBudget(int pc) {
        Label ok = cob.newLabel();
        cob.lload(exec);
        cob.lload(budget);
        cob.lcmp();
        cob.ifle(ok);
        throwBudget(pc);
        cob.labelBinding(ok);
    }

    private void throwBudget(int pc) {
        cob.aload(CTX);
        cob.lload(exec);
        cob.loadConstant(pc);
        loadInfo();
        cob.invokestatic(CD_JIT_RUNTIME, "budgetExhausted", MethodTypeDesc.of(CD_EXECUTION_EXCEPTION, CD_JIT_CONTEXT, CD_long, CD_int, CD_PROGRAM_INFO));
        cob.athrow();
    }

    /** Emits {@code body} covered by a handler that reports failures at {@code pc}. */
    private void guarded(int pc, Runnable body) {
        Label start = cob.newLabel(), end = cob.newLabel(), handler = cob.newLabel();
        cob.labelBinding(start);
        body.run();
        cob.labelBinding(end);
        cob.exceptionCatch(start, end, handler, CD_Throwable);
        if (faultHandler == null) faultHandler = cob.newLabel();
        Label common = faultHandler;
        deferred.add(() -> {
            cob.labelBinding(handler);
            cob.loadConstant(pc);
            cob.goto_(common);
        });
    }

    /** After a helper: a helper may ask to end the whole program with its result. */
    private void exitIfRequested(int pc) {
        Label go = cob.newLabel();
        cob.aload(CTX);
        cob.getfield(CD_JIT_CONTEXT, "invocation", CD_INVOCATION);
        cob.invokevirtual(CD_INVOCATION, "takeExitRequest", MethodTypeDesc.of(CD_boolean));
        cob.ifeq(go);
        throwExit(pc, () -> loadRegister(0));
        cob.labelBinding(go);
    }

    private void throwExit(int pc, Runnable pushR0) {
        cob.aload(CTX);
        cob.lload(exec);
        cob.loadConstant(pc);
        loadInfo();
        pushR0.run();
        cob.invokestatic(CD_JIT_RUNTIME, "exit", MethodTypeDesc.of(CD_PROGRAM_EXIT, CD_JIT_CONTEXT, CD_long, CD_int, CD_PROGRAM_INFO, CD_long));
        cob.athrow();
    }

    // ---- the body --------------------------------------------------------------------------------

    private void body() {
        for (int pc = from; pc < to; ) {
            Label l = labels.get(pc);
            if (l != null) cob.labelBinding(l);
            Instruction insn = gen.layout.code.at(pc);
            instruction(pc, insn);
            int following = pc + insn.slots();
            boolean ends = insn instanceof Instruction.Jump || insn instanceof Instruction.Exit;
            if (!ends && (following == to || gen.leader[following])) addExecuted(gen.countThrough[pc]);
            if (following == to && chunk != null && fallsThrough(insn)) cob.goto_(target(following));
            pc = following;
        }
    }

    private static boolean fallsThrough(Instruction insn) {
        return !(insn instanceof Instruction.Exit) && !(insn instanceof Instruction.Jump j && j.op() == JumpOp.JA);
    }

    private void instruction(int pc, Instruction insn) {
        switch (insn) {
            case Instruction.Alu a -> alu(a);
            case Instruction.Endian en -> endian(en);
            case Instruction.Jump j -> jump(pc, j);
            case Instruction.Exit x -> exit(pc);
            case Instruction.LoadImm64 l -> loadImm64(pc, l);
            case Instruction.Call c when c.kind() == CallKind.LOCAL -> localCall(pc, gen.layout.functionStartingAt(c.target(pc)));
            case Instruction.Call c when gen.liveness.isTailCall(c) -> tailCall(pc);
            case Instruction.Call c when c.kind() == CallKind.HELPER -> helperCall(pc, c.imm());
            case Instruction.Call c -> throw unsupported(pc, "kfunc calls are not supported");
            case Instruction.CallIndirect c -> callIndirect(pc, c.reg());
            case Instruction.Load l -> load(pc, l);
            case Instruction.Store s -> store(pc, s);
            case Instruction.Atomic a -> atomic(pc, a);
            case Instruction.PacketLoad p -> packetLoad(pc, p);
        }
    }

    /** Rough upper bound of the bytes {@link #instruction} emits, for split planning. */
    static int estimateSize(Instruction insn, int functions) {
        return switch (insn) {
            case Instruction.Alu a -> 16;
            case Instruction.Endian en -> 14;
            case Instruction.Jump j -> 44; // accounting, compare, budget stub, a possible stub leaving the chunk
            case Instruction.Exit x -> 40;
            case Instruction.LoadImm64 l -> l.pseudo() == Pseudo.IMM || l.pseudo() == Pseudo.FUNC ? 8 : 50;
            case Instruction.Load l -> 36;
            case Instruction.Store s -> 30;
            case Instruction.Atomic a -> 36;
            case Instruction.PacketLoad p -> 70;
            case Instruction.Call c when c.kind() == CallKind.LOCAL -> 150;
            // bpf_tail_call (its usual number): the general path and, in function 0, the self-call fast path
            case Instruction.Call c when c.kind() == CallKind.HELPER && c.imm() == Helper.TAIL_CALL.id() -> 300;
            case Instruction.Call c -> 120;
            case Instruction.CallIndirect c -> 80 + 160 * functions;
        };
    }

    // ---- ALU -------------------------------------------------------------------------------------

    private void operand64(Instruction.Alu a) {
        if (a.source() == Source.REG) loadRegister(a.src());
        else cob.loadConstant((long) a.imm());
    }

    private void operand32(Instruction.Alu a) {
        if (a.source() == Source.REG) {
            loadRegister(a.src());
            cob.l2i();
        } else {
            cob.loadConstant(a.imm());
        }
    }

    /** int on the stack → zero-extended long ({@link Semantics#zext}, inlined). */
    private void zeroExtend() {
        cob.i2l();
        cob.loadConstant(LOW32);
        cob.land();
    }

    private void alu(Instruction.Alu a) {
        int d = a.dst();
        if (a.alu64()) {
            switch (a.op()) {
                case MOV -> operand64(a);
                case MOVSX8, MOVSX16, MOVSX32 -> {
                    loadRegister(a.src());
                    cob.l2i();
                    if (a.op() == AluOp.MOVSX8) cob.i2b();
                    if (a.op() == AluOp.MOVSX16) cob.i2s();
                    cob.i2l();
                }
                case NEG -> {
                    loadRegister(d);
                    cob.lneg();
                }
                case ADD, SUB, MUL, OR, AND, XOR -> {
                    loadRegister(d);
                    operand64(a);
                    switch (a.op()) {
                        case ADD -> cob.ladd();
                        case SUB -> cob.lsub();
                        case MUL -> cob.lmul();
                        case OR -> cob.lor();
                        case AND -> cob.land();
                        default -> cob.lxor();
                    }
                }
                case DIV, SDIV, MOD, SMOD, LSH, RSH, ARSH -> {
                    loadRegister(d);
                    operand64(a);
                    cob.invokestatic(CD_SEMANTICS, semanticsName(a.op()) + "64", MTD_JJ_J);
                }
            }
        } else {
            switch (a.op()) {
                case MOV -> {
                    if (a.source() == Source.IMM) {
                        cob.loadConstant(a.imm() & LOW32);
                    } else {
                        operand32(a);
                        zeroExtend();
                    }
                }
                case MOVSX8, MOVSX16 -> {
                    loadRegister(a.src());
                    cob.l2i();
                    if (a.op() == AluOp.MOVSX8) cob.i2b();
                    else cob.i2s();
                    zeroExtend();
                }
                case MOVSX32 -> throw new IllegalStateException("32-bit movsx32 is not an instruction"); // the record refuses it
                case NEG -> {
                    loadRegister(d);
                    cob.l2i();
                    cob.ineg();
                    zeroExtend();
                }
                case ADD, SUB, MUL, OR, AND, XOR -> {
                    loadRegister(d);
                    cob.l2i();
                    operand32(a);
                    switch (a.op()) {
                        case ADD -> cob.iadd();
                        case SUB -> cob.isub();
                        case MUL -> cob.imul();
                        case OR -> cob.ior();
                        case AND -> cob.iand();
                        default -> cob.ixor();
                    }
                    zeroExtend();
                }
                case DIV, SDIV, MOD, SMOD, LSH, RSH, ARSH -> {
                    loadRegister(d);
                    operand64(a);
                    cob.invokestatic(CD_SEMANTICS, semanticsName(a.op()) + "32", MTD_JJ_J);
                }
            }
        }
        storeRegister(d);
    }

    private static String semanticsName(AluOp op) {
        return switch (op) {
            case DIV -> "div";
            case SDIV -> "sdiv";
            case MOD -> "mod";
            case SMOD -> "smod";
            case LSH -> "lsh";
            case RSH -> "rsh";
            case ARSH -> "arsh";
            default -> throw new IllegalArgumentException(op + " is inlined");
        };
    }

    private void endian(Instruction.Endian en) {
        cob.getstatic(CD_ENDIAN_OP, en.op().name(), CD_ENDIAN_OP);
        cob.loadConstant(en.bits());
        loadRegister(en.dst());
        cob.invokestatic(CD_SEMANTICS, "endian", MethodTypeDesc.of(CD_long, CD_ENDIAN_OP, CD_int, CD_long));
        storeRegister(en.dst());
    }

    // ---- control flow ----------------------------------------------------------------------------

    /** The label a jump to {@code pc} branches to: inside this method, or a stub that leaves the chunk. */
    private Label target(int pc) {
        Label inside = pc >= from && pc < to ? labels.get(pc) : null;
        if (inside != null) return inside;
        if (chunk == null) throw new IllegalStateException("pc " + pc + " is not a jump target of this function");
        return leaving.computeIfAbsent(pc, k -> cob.newLabel());
    }

    private void jump(int pc, Instruction.Jump j) {
        addExecuted(gen.countThrough[pc]);
        Label destination = target(j.target(pc));
        if (j.op() == JumpOp.JA) {
            checkBudget(pc);
            cob.goto_(destination);
            return;
        }
        // the taken edge goes through a stub that checks the budget, as the interpreter does at every taken jump; it
        // leaves by a goto: were the conditional branch itself the loop's back edge, C2 would keep the compare's
        // result for the safepoint there (materialized on every iteration)
        Label taken = cob.newLabel();
        deferred.add(() -> {
            cob.labelBinding(taken);
            checkBudget(pc);
            cob.goto_(destination);
        });
        if (j.jmp32()) {
            loadRegister(j.dst());
            cob.l2i();
            if (j.source() == Source.REG) {
                loadRegister(j.src());
                cob.l2i();
            } else {
                cob.loadConstant(j.imm());
            }
            switch (j.op()) {
                case JEQ -> cob.if_icmpeq(taken);
                case JNE -> cob.if_icmpne(taken);
                case JSGT -> cob.if_icmpgt(taken);
                case JSGE -> cob.if_icmpge(taken);
                case JSLT -> cob.if_icmplt(taken);
                case JSLE -> cob.if_icmple(taken);
                case JSET -> {
                    cob.iand();
                    cob.ifne(taken);
                }
                case JGT, JGE, JLT, JLE -> {
                    cob.invokestatic(CD_Integer, "compareUnsigned", MethodTypeDesc.of(CD_int, CD_int, CD_int));
                    branchOnSign(j.op(), taken);
                }
                case JA -> throw new IllegalStateException();
            }
        } else {
            loadRegister(j.dst());
            if (j.source() == Source.REG) loadRegister(j.src());
            else cob.loadConstant((long) j.imm());
            switch (j.op()) {
                case JEQ, JNE, JSGT, JSGE, JSLT, JSLE -> {
                    cob.lcmp();
                    switch (j.op()) {
                        case JEQ -> cob.ifeq(taken);
                        case JNE -> cob.ifne(taken);
                        case JSGT -> cob.ifgt(taken);
                        case JSGE -> cob.ifge(taken);
                        case JSLT -> cob.iflt(taken);
                        default -> cob.ifle(taken);
                    }
                }
                case JSET -> {
                    cob.land();
                    cob.lconst_0();
                    cob.lcmp();
                    cob.ifne(taken);
                }
                case JGT, JGE, JLT, JLE -> {
                    cob.invokestatic(CD_Long, "compareUnsigned", MethodTypeDesc.of(CD_int, CD_long, CD_long));
                    branchOnSign(j.op(), taken);
                }
                case JA -> throw new IllegalStateException();
            }
        }
    }

    private void branchOnSign(JumpOp op, Label taken) {
        switch (op) {
            case JGT -> cob.ifgt(taken);
            case JGE -> cob.ifge(taken);
            case JLT -> cob.iflt(taken);
            case JLE -> cob.ifle(taken);
            default -> throw new IllegalArgumentException(op.toString());
        }
    }

    private void exit(int pc) {
        addExecuted(gen.countThrough[pc]);
        if (chunk != null) {
            if (exitStub == null) exitStub = cob.newLabel();
            cob.goto_(exitStub);
            return;
        }
        flushExecuted();
        loadRegister(0);
        cob.lreturn();
    }

    private void loadImm64(int pc, Instruction.LoadImm64 l) {
        switch (l.pseudo()) {
            case IMM -> cob.loadConstant(l.value());
            case FUNC -> cob.loadConstant(AddressSpace.functionPointer(pc + 1 + l.imm()));
            case MAP_FD, MAP_IDX, MAP_VALUE, MAP_IDX_VALUE -> {
                Object object = gen.info.image.objects().get(l.imm());
                // the address is the same for the whole invocation: looked up once per method call (a local, 0 until
                // then), so a program that tail-calls itself in a loop does not look its prog array up on every hop
                int slot = objectAddresses.get(object);
                Label have = cob.newLabel();
                cob.lload(slot);
                cob.dup2();
                cob.lconst_0();
                cob.lcmp();
                cob.ifne(have);
                cob.pop2();
                guarded(pc, () -> {
                    cob.aload(CTX);
                    gen.loadClassData(cob, object, CD_Object);
                    cob.invokestatic(CD_JIT_RUNTIME, "objectAddress", MethodTypeDesc.of(CD_long, CD_JIT_CONTEXT, CD_Object));
                });
                cob.dup2();
                cob.lstore(slot);
                cob.labelBinding(have);
                if (l.pseudo().refersToMapValue()) {
                    cob.loadConstant(l.nextImm() & LOW32);
                    cob.ladd();
                }
            }
            case BTF_ID -> throw unsupported(pc, "lddw of a kernel variable is not supported");
        }
        storeRegister(l.dst());
    }

    // ---- memory ----------------------------------------------------------------------------------

    private void address(int base, int offset) {
        cob.aload(mem);
        loadRegister(base);
        if (offset != 0) {
            cob.loadConstant((long) offset);
            cob.ladd();
        }
    }

    private static String bits(Size size) {
        return switch (size) {
            case B -> "8";
            case H -> "16";
            case W -> "32";
            case DW -> "64";
        };
    }

    private void load(int pc, Instruction.Load l) {
        byte kind = gen.access.kind[pc];
        int bytes = l.size().bytes();
        if (kind == AccessPlan.FRAME) {
            frameAccess(pc, l.offset(), bytes, null, () -> checkedLoad(pc, l));
        } else if (kind != AccessPlan.CHECKED) {
            cachedAccess(pc, kind, l.src(), l.offset(), bytes, null, () -> checkedLoad(pc, l));
        } else {
            checkedLoad(pc, l);
        }
        if (l.signExtend()) {
            cob.getstatic(CD_SIZE, l.size().name(), CD_SIZE);
            cob.iconst_1();
            cob.invokestatic(CD_SEMANTICS, "extend", MethodTypeDesc.of(CD_long, CD_long, CD_SIZE, CD_boolean));
        }
        storeRegister(l.dst());
    }

    private void checkedLoad(int pc, Instruction.Load l) {
        guarded(pc, () -> {
            address(l.src(), l.offset());
            cob.invokevirtual(CD_ADDRESS_SPACE, "load" + bits(l.size()), MethodTypeDesc.of(CD_long, CD_long));
        });
    }

    private void store(int pc, Instruction.Store s) {
        byte kind = gen.access.kind[pc];
        Runnable value = () -> {
            if (s.source() == Source.REG) loadRegister(s.src());
            else cob.loadConstant((long) s.imm());
        };
        if (kind == AccessPlan.FRAME) {
            frameAccess(pc, s.offset(), s.size().bytes(), value, () -> checkedStore(pc, s, value));
        } else if (kind != AccessPlan.CHECKED) {
            cachedAccess(pc, kind, s.dst(), s.offset(), s.size().bytes(), value, () -> checkedStore(pc, s, value));
        } else {
            checkedStore(pc, s, value);
        }
    }

    private void checkedStore(int pc, Instruction.Store s, Runnable value) {
        guarded(pc, () -> {
            address(s.dst(), s.offset());
            value.run();
            cob.invokevirtual(CD_ADDRESS_SPACE, "store" + bits(s.size()), MethodTypeDesc.of(CD_void, CD_long, CD_long));
        });
    }

    /**
     * A load (pushes the zero-extended value; {@code value} null) or a store of {@code value} at r10 + {@code offset}:
     * an element of the frame's words ({@link AccessPlan#FRAME}: offset constant, inside the frame, aligned to its
     * size, so it lies in one word). Falls back to {@code checked} when r10 was not the top of a live frame at entry.
     */
    private void frameAccess(int pc, int offset, int bytes, Runnable value, Runnable checked) {
        Label slow = cob.newLabel(), done = cob.newLabel();
        int word = AddressSpace.FRAME_SIZE / 8 + (offset >> 3);
        int shift = (offset & 7) * 8;
        long mask = bytes == 8 ? -1L : (1L << (bytes * 8)) - 1;
        cob.aload(frameWords);
        cob.ifnull(slow);
        cob.aload(frameWords);
        cob.iload(frameBase);
        cob.loadConstant(word);
        cob.iadd();
        if (value == null) {
            cob.laload();
            if (shift != 0) {
                cob.loadConstant(shift);
                cob.lushr();
            }
            if (bytes != 8) {
                cob.loadConstant(mask);
                cob.land();
            }
        } else if (bytes == 8) {
            value.run();
            cob.lastore();
        } else {
            cob.aload(frameWords);
            cob.iload(frameBase);
            cob.loadConstant(word);
            cob.iadd();
            cob.laload();
            cob.loadConstant(~(mask << shift));
            cob.land();
            value.run();
            cob.loadConstant(mask);
            cob.land();
            if (shift != 0) {
                cob.loadConstant(shift);
                cob.lshl();
            }
            cob.lor();
            cob.lastore();
        }
        cob.goto_(done);
        cob.labelBinding(slow);
        checked.run();
        cob.labelBinding(done);
    }

    /**
     * After a cache's region is set: its backing words, their byte offset and the length loads through the words are
     * checked against (words null if none, or if the region is shorter than 8 bytes: then the length is 8 and the
     * segment checks the bounds; see {@link #cachedAccess}).
     */
    private void fillWords(int c) {
        cob.aload(cacheRegion(c));
        cob.invokestatic(CD_DIRECT_ACCESS, "wordsForLoads", MethodTypeDesc.of(CD_long.arrayType(), CD_REGION));
        cob.astore(cacheWords(c));
        cob.aload(cacheRegion(c));
        cob.invokestatic(CD_DIRECT_ACCESS, "wordBase", MethodTypeDesc.of(CD_long, CD_REGION));
        cob.lstore(cacheWordBase(c));
        cob.aload(cacheRegion(c));
        cob.invokestatic(CD_DIRECT_ACCESS, "checkedLength", MethodTypeDesc.of(CD_long, CD_REGION));
        cob.lstore(cacheLength(c));
    }

    /** Pushes the upper half of {@code addr}: its region's tag (generation and index). */
    private void addressTag() {
        cob.lload(addr);
        cob.bipush(32);
        cob.lushr();
        cob.l2i();
    }

    /** Pushes {@code addr} minus the cached region's tagged base: its offset in the region when the tag matches. */
    private void offsetInCachedRegion(int c) {
        cob.lload(addr);
        cob.iload(cacheTag(c));
        cob.i2l();
        cob.bipush(32);
        cob.lshl();
        cob.lsub();
    }

    /**
     * A load (pushes the zero-extended value; {@code value} null) or a store of {@code value} through the region
     * cached for {@code kind} ({@link AccessPlan}): taken when the address's upper 32 bits are the cached region's tag;
     * a miss looks the region up again, and anything the segment refuses is redone by {@code checked}.
     */
    private void cachedAccess(int pc, byte kind, int base, int offset, int bytes, Runnable value, Runnable checked) {
        int c = kind - AccessPlan.PACKET;
        boolean context = kind == AccessPlan.CONTEXT;
        Label check = cob.newLabel(), fastStart = cob.newLabel(), fastEnd = cob.newLabel(), refused = cob.newLabel();
        Label miss = cob.newLabel(), slow = cob.newLabel(), done = cob.newLabel();
        loadRegister(base);
        if (offset != 0) {
            cob.loadConstant((long) offset);
            cob.ladd();
        }
        cob.lstore(addr);
        cob.labelBinding(check);
        boolean wordsLoad = value == null && usesWords(pc);
        Label outside = wordsLoad ? cob.newLabel() : miss;
        if (wordsLoad) {
            // one unsigned compare checks the region and the bounds: addr - (tag << 32) is the offset in the cached
            // region exactly when addr's upper half is the tag (else it is >= 2^32 as an unsigned number), and the
            // checked length is >= 8, so the limit is never negative
            offsetInCachedRegion(c);
            cob.lload(cacheLength(c));
            cob.loadConstant((long) bytes);
            cob.lsub();
            cob.invokestatic(CD_Long, "compareUnsigned", MethodTypeDesc.of(CD_int, CD_long, CD_long));
            cob.ifgt(outside);
        } else {
            addressTag();
            cob.iload(cacheTag(c));
            cob.if_icmpne(miss);
        }
        cob.labelBinding(fastStart);
        if (value == null && context && bytes == 4) {
            cob.aload(cacheRegion(c));
            cob.lload(addr);
            cob.loadConstant(LOW32);
            cob.land();
            cob.invokestatic(CD_DIRECT_ACCESS, "load32", MethodTypeDesc.of(CD_long, CD_REGION, CD_long));
        } else if (wordsLoad) {
            // a long[]-backed region: plain array loads (see DirectAccess); else the segment's
            Label segment = cob.newLabel(), loaded = cob.newLabel();
            cob.aload(cacheWords(c));
            cob.ifnull(segment);
            cob.aload(cacheWords(c));
            cob.lload(cacheWordBase(c));
            offsetInCachedRegion(c);
            cob.invokestatic(CD_DIRECT_ACCESS, "load" + bytes * 8, MethodTypeDesc.of(CD_long, CD_long.arrayType(), CD_long, CD_long));
            cob.goto_(loaded);
            cob.labelBinding(segment);
            cob.aload(cacheSegment(c));
            cob.lload(addr);
            cob.loadConstant(LOW32);
            cob.land();
            cob.invokestatic(CD_DIRECT_ACCESS, "load" + bytes * 8, MethodTypeDesc.of(CD_long, CD_MEMORY_SEGMENT, CD_long));
            cob.labelBinding(loaded);
        } else {
            cob.aload(cacheSegment(c));
            cob.lload(addr);
            cob.loadConstant(LOW32);
            cob.land();
            if (value == null) {
                cob.invokestatic(CD_DIRECT_ACCESS, "load" + bytes * 8, MethodTypeDesc.of(CD_long, CD_MEMORY_SEGMENT, CD_long));
            } else {
                value.run();
                cob.invokestatic(CD_DIRECT_ACCESS, "store" + bytes * 8, MethodTypeDesc.of(CD_void, CD_MEMORY_SEGMENT, CD_long, CD_long));
            }
        }
        cob.labelBinding(fastEnd);
        cob.goto_(done);
        cob.exceptionCatch(fastStart, fastEnd, refused, CD_RUNTIME_EXCEPTION);
        cob.labelBinding(refused);
        cob.pop();
        cob.goto_(slow);
        if (wordsLoad) {
            // outside the cached region: out of its bounds (the checked path reports it), or another region
            cob.labelBinding(outside);
            addressTag();
            cob.iload(cacheTag(c));
            cob.if_icmpeq(slow);
        }
        cob.labelBinding(miss);
        cob.aload(mem);
        cob.lload(addr);
        cob.loadConstant(context ? 0 : 1);
        cob.invokevirtual(CD_ADDRESS_SPACE, "cacheableRegion", MethodTypeDesc.of(CD_REGION, CD_long, CD_boolean));
        cob.astore(found);
        cob.aload(found);
        cob.ifnull(slow);
        cob.aload(found);
        cob.astore(cacheRegion(c));
        cob.aload(found);
        cob.invokevirtual(CD_REGION, "segment", MethodTypeDesc.of(CD_MEMORY_SEGMENT));
        cob.astore(cacheSegment(c));
        if (anyWords()) fillWords(c);
        cob.lload(addr);
        cob.bipush(32);
        cob.lushr();
        cob.l2i();
        cob.istore(cacheTag(c));
        cob.goto_(check);
        cob.labelBinding(slow);
        checked.run();
        cob.labelBinding(done);
        if (value == null && context && bytes == 4 && cacheUsed[AccessPlan.PACKET - AccessPlan.PACKET]) {
            // ctx->data and friends: fill the packet cache here, before the loops that read the packet, so that a
            // miss inside a loop never happens and the JVM sees the cached segment as invariant there
            Label skip = cob.newLabel(), skipPopped = cob.newLabel();
            int p = AccessPlan.PACKET - AccessPlan.PACKET;
            cob.dup2();
            cob.lstore(addr);
            cob.lload(addr);
            cob.bipush(32);
            cob.lushr();
            cob.l2i();
            cob.dup();
            cob.ifeq(skipPopped); // a plain number: no region
            cob.iload(cacheTag(p));
            cob.if_icmpeq(skip); // already cached (data_end after data)
            cob.aload(mem);
            cob.lload(addr);
            cob.iconst_1();
            cob.invokevirtual(CD_ADDRESS_SPACE, "cacheableRegion", MethodTypeDesc.of(CD_REGION, CD_long, CD_boolean));
            cob.astore(found);
            cob.aload(found);
            cob.ifnull(skip);
            cob.aload(found);
            cob.astore(cacheRegion(p));
            cob.aload(found);
            cob.invokevirtual(CD_REGION, "segment", MethodTypeDesc.of(CD_MEMORY_SEGMENT));
            cob.astore(cacheSegment(p));
            if (anyWords()) fillWords(p);
            cob.lload(addr);
            cob.bipush(32);
            cob.lushr();
            cob.l2i();
            cob.istore(cacheTag(p));
            cob.goto_(skip);
            cob.labelBinding(skipPopped);
            cob.pop();
            cob.labelBinding(skip);
        }
    }

    private void atomic(int pc, Instruction.Atomic a) {
        String width = a.size() == Size.DW ? "64" : "32";
        guarded(pc, () -> {
            address(a.dst(), a.offset());
            if (a.op() == AtomicOp.CMPXCHG) {
                loadRegister(0);
                loadRegister(a.src());
                cob.invokevirtual(CD_ADDRESS_SPACE, "compareExchange" + width, MethodTypeDesc.of(CD_long, CD_long, CD_long, CD_long));
            } else {
                loadRegister(a.src());
                String name = switch (a.op()) {
                    case ADD -> "fetchAdd";
                    case OR -> "fetchOr";
                    case AND -> "fetchAnd";
                    case XOR -> "fetchXor";
                    case XCHG -> "exchange";
                    case CMPXCHG -> throw new IllegalStateException();
                };
                cob.invokevirtual(CD_ADDRESS_SPACE, name + width, MethodTypeDesc.of(CD_long, CD_long, CD_long));
            }
        });
        if (a.op() == AtomicOp.CMPXCHG) storeRegister(0);
        else if (a.fetch()) storeRegister(a.src());
        else cob.pop2();
    }

    private void packetLoad(int pc, Instruction.PacketLoad p) {
        guarded(pc, () -> {
            cob.aload(CTX);
            loadInfo();
            cob.loadConstant(pc);
            cob.loadConstant(p.size().bytes());
            cob.loadConstant((long) p.imm());
            if (p.indirect()) {
                loadRegister(p.src());
                cob.l2i();
                cob.i2l();
                cob.ladd();
            }
            cob.invokestatic(CD_JIT_RUNTIME, "legacyPacketLoad", MethodTypeDesc.of(CD_long, CD_JIT_CONTEXT, CD_PROGRAM_INFO, CD_int, CD_int, CD_long));
        });
        cob.lstore(tmp);
        Label inside = cob.newLabel();
        cob.lload(tmp);
        cob.lconst_0();
        cob.lcmp();
        cob.ifge(inside);
        throwExit(pc, cob::lconst_0); // outside the packet: the program ends with 0
        cob.labelBinding(inside);
        cob.lload(tmp);
        storeRegister(0);
    }

    // ---- calls -----------------------------------------------------------------------------------

    private void helperCall(int pc, int id) {
        HelperRegistry.Entry helper = gen.info.image.helpers().lookup(id);
        if (helper == null) throw unsupported(pc, "call to unknown helper #" + id);
        guarded(pc, () -> {
            gen.loadClassData(cob, helper.function(), CD_HELPER_FUNCTION);
            cob.aload(CTX);
            cob.getfield(CD_JIT_CONTEXT, "invocation", CD_INVOCATION);
            for (int r = 1; r <= 5; r++) loadRegister(r);
            cob.invokeinterface(CD_HELPER_FUNCTION, "call", MethodTypeDesc.of(CD_long, CD_INVOCATION, CD_long, CD_long, CD_long, CD_long, CD_long));
        });
        storeRegister(0);
        exitIfRequested(pc);
    }

    /**
     * A bpf2bpf call: check the frame limit, open the callee's frame, account and check the budget, call the callee's
     * static method with its parameters, run any tail calls that replaced the callee's frame, close the frame, and
     * reload the r1–r5 the caller reads afterwards.
     */
    private void localCall(int pc, ProgramLayout.Function callee) {
        int k = gen.countThrough[pc];
        // as the interpreter: count the call and check the budget, then the frame limit, then open the frame
        addExecuted(k);
        checkBudget(pc);
        Label depthOk = cob.newLabel();
        cob.iload(DEPTH);
        cob.iconst_1();
        cob.iadd();
        cob.loadConstant(AddressSpace.MAX_FRAMES);
        cob.if_icmplt(depthOk);
        cob.aload(CTX);
        cob.lload(exec);
        cob.loadConstant(pc);
        loadInfo();
        cob.iload(DEPTH);
        // frame 8 and deeper: the limit counts from the frame the running program was entered in (piled-up frames)
        cob.invokestatic(CD_JIT_RUNTIME, "deepCall", MethodTypeDesc.of(CD_void, CD_JIT_CONTEXT, CD_long, CD_int, CD_PROGRAM_INFO, CD_int));
        cob.labelBinding(depthOk);
        cob.aload(mem);
        calleeDepth();
        cob.invokevirtual(CD_ADDRESS_SPACE, "openFrame", MethodTypeDesc.of(CD_long, CD_int));
        cob.lstore(newFp);
        flushExecuted();
        int reload = gen.liveness.reloadAfterCall[pc];
        if (gen.hasTailCall(callee)) {
            // the callee's tail calls leave their registers for us if we read r1-r5 afterwards
            cob.aload(CTX);
            if (reload == 0) cob.getfield(CD_JIT_CONTEXT, "capture", CD_int.arrayType()); // zero into zeros: no copy needed
            else cob.invokevirtual(CD_JIT_CONTEXT, "writableCapture", MethodTypeDesc.of(CD_int.arrayType()));
            calleeDepth();
            cob.loadConstant(reload);
            cob.iastore();
        }
        cob.aload(CTX);
        cob.lload(newFp);
        calleeDepth();
        int params = gen.liveness.params[callee.index()];
        for (int r = 0; r <= 9; r++) if ((params & 1 << r) != 0) loadRegister(r);
        cob.invokestatic(gen.classDesc, ClassGenerator.functionName(callee), gen.functionType(callee));
        storeRegister(0);
        if (gen.hasTailCall(callee)) {
            Label none = cob.newLabel();
            cob.aload(CTX);
            cob.getfield(CD_JIT_CONTEXT, "tailTarget", CD_COMPILED_CODE);
            cob.ifnull(none);
            cob.aload(CTX);
            calleeDepth();
            cob.invokevirtual(CD_JIT_CONTEXT, "continueTailCalls", MethodTypeDesc.of(CD_long, CD_int));
            storeRegister(0);
            for (int r = 1; r <= 5; r++) {
                if ((reload & 1 << r) == 0) continue;
                loadSnapshot(r, true);
                storeRegister(r);
            }
            cob.labelBinding(none);
        }
        cob.aload(mem);
        calleeDepth();
        cob.invokevirtual(CD_ADDRESS_SPACE, "closeFrame", MethodTypeDesc.of(CD_void, CD_int));
        cob.aload(CTX);
        cob.getfield(CD_JIT_CONTEXT, "executed", CD_long);
        cob.lstore(exec);
        addExecuted(-k);
    }

    /** Pushes {@code ctx.registers[frame * 10 + r]} for this frame or the callee's. */
    private void loadSnapshot(int r, boolean callee) {
        cob.aload(CTX);
        cob.invokevirtual(CD_JIT_CONTEXT, "registers", MethodTypeDesc.of(CD_long.arrayType()));
        snapshotIndex(r, callee);
        cob.laload();
    }

    private void snapshotIndex(int r, boolean callee) {
        if (callee) calleeDepth();
        else cob.iload(DEPTH);
        cob.bipush(10);
        cob.imul();
        cob.loadConstant(r);
        cob.iadd();
    }

    private void calleeDepth() {
        cob.iload(DEPTH);
        cob.iconst_1();
        cob.iadd();
    }

    /** callx: a function pointer calls that function; a small number calls that helper (uBPF's reading). */
    private void callIndirect(int pc, int register) {
        guarded(pc, () -> {
            loadRegister(register);
            cob.loadConstant(register);
            cob.loadConstant(pc);
            loadInfo();
            cob.invokestatic(CD_JIT_RUNTIME, "callxTarget", MethodTypeDesc.of(CD_int, CD_long, CD_int, CD_int, CD_PROGRAM_INFO));
            cob.istore(callxIndex);
        });
        Label helper = cob.newLabel(), done = cob.newLabel(), bad = cob.newLabel();
        cob.iload(callxIndex);
        cob.iflt(helper);
        List<SwitchCase> cases = new ArrayList<>();
        List<Label> bodies = new ArrayList<>();
        for (ProgramLayout.Function f : gen.layout.functions) {
            Label l = cob.newLabel();
            bodies.add(l);
            cases.add(SwitchCase.of(f.index(), l));
        }
        cob.iload(callxIndex);
        cob.tableswitch(0, gen.layout.functions.size() - 1, bad, cases);
        for (ProgramLayout.Function f : gen.layout.functions) {
            cob.labelBinding(bodies.get(f.index()));
            localCall(pc, f);
            cob.goto_(done);
        }
        cob.labelBinding(bad);
        ClassGenerator.throwInternal(cob, "callx resolved to a function that does not exist");
        cob.labelBinding(helper);
        guarded(pc, () -> {
            cob.aload(CTX);
            loadInfo();
            cob.loadConstant(pc);
            loadRegister(register);
            for (int r = 1; r <= 5; r++) loadRegister(r);
            cob.invokestatic(CD_JIT_RUNTIME, "callHelper", MethodTypeDesc.of(CD_long, CD_JIT_CONTEXT, CD_PROGRAM_INFO, CD_int,
                    CD_long, CD_long, CD_long, CD_long, CD_long, CD_long));
        });
        storeRegister(0);
        exitIfRequested(pc);
        cob.labelBinding(done);
    }

    /**
     * After a tail call of this program by itself: start over in this method (a loop), with r1 and r10 as they are and
     * the other registers zero as at entry (zeroed at {@link #programStart}); the frame, the counters and the region
     * caches stay valid.
     */
    private void restart() {
        cob.iconst_1();
        cob.istore(selfRecorded);
        cob.goto_(programStart);
    }

    /**
     * The prog array whose slots a tail call of this method may read directly: the only object with a slot array
     * among those this method's lddw instructions name, or null.
     */
    private TailCallTargets knownProgArray() {
        TailCallTargets known = null;
        for (Object object : objectAddresses.keySet()) {
            if (object instanceof TailCallTargets t && t.slotArray() != null) {
                if (known != null) return null;
                known = t;
            }
        }
        return known;
    }

    /**
     * bpf_tail_call: on success hand the target to whoever called this function (see {@link JitContext}) and return;
     * on failure fall through with r0 untouched.
     */
    private void tailCall(int pc) {
        TailSite site = new TailSite();
        TailCallTargets known = knownProgArray();
        guarded(pc, () -> {
            cob.aload(CTX);
            loadRegister(2);
            loadRegister(3);
            if (known != null) {
                cob.lload(objectAddresses.get(known));
                gen.loadClassData(cob, known, CD_TAIL_CALL_TARGETS);
                gen.loadClassData(cob, known.slotArray(), CD_Object.arrayType());
            } else {
                cob.lconst_0();
                cob.aconst_null();
                cob.aconst_null();
            }
            gen.loadClassData(cob, site, CD_TAIL_SITE);
            if (selfLoops) {
                cob.aload(selfImage);
                cob.iload(selfRecorded);
            } else {
                cob.aconst_null();
                cob.iconst_0();
            }
            cob.invokestatic(CD_JIT_RUNTIME, "tailCall", MethodTypeDesc.of(CD_COMPILED_CODE, CD_JIT_CONTEXT, CD_long, CD_long,
                    CD_long, CD_TAIL_CALL_TARGETS, CD_Object.arrayType(), CD_TAIL_SITE, CD_PROGRAM_IMAGE, CD_boolean));
            cob.astore(target);
        });
        Label failed = cob.newLabel(), plain = cob.newLabel();
        cob.aload(target);
        cob.ifnull(failed);
        addExecuted(gen.countThrough[pc]);
        checkBudget(pc);
        if (selfLoops) {
            Label other = cob.newLabel();
            cob.aload(target);
            cob.getstatic(CD_JIT_RUNTIME, "SELF", CD_COMPILED_CODE);
            cob.if_acmpne(other);
            restart();
            cob.labelBinding(other);
        }
        // A target that reads more than r1 at its entry, or a caller of this frame that reads r1-r5 after it, gets
        // r0-r9 in the context (never for verified programs); values this site cannot know exactly stop the run.
        int exact = gen.liveness.exactAtTailCall[pc];
        cob.aload(target);
        cob.getfield(CD_COMPILED_CODE, "entryReads", CD_int);
        cob.aload(CTX);
        cob.getfield(CD_JIT_CONTEXT, "capture", CD_int.arrayType());
        cob.iload(DEPTH);
        cob.iaload();
        cob.ior();
        cob.dup();
        cob.istore(callxIndex); // reused as a scratch int
        cob.ifeq(plain);
        cob.aload(CTX);
        cob.lload(exec);
        cob.loadConstant(pc);
        loadInfo();
        cob.iload(callxIndex);
        cob.loadConstant(exact);
        cob.iload(DEPTH);
        for (int r = 0; r <= 9; r++) loadRegister(r);
        cob.invokestatic(CD_JIT_RUNTIME, "leaveRegisters", MethodTypeDesc.of(CD_void, CD_JIT_CONTEXT, CD_long, CD_int, CD_PROGRAM_INFO,
                CD_int, CD_int, CD_int, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long));
        cob.labelBinding(plain);
        if (chunk == null) {
            // The first hops of a chain call the target directly (the Java stack grows by at most DIRECT_TAIL_CALLS
            // frames per invocation); later ones go back to the trampoline, so any limit runs in bounded stack.
            Label trampoline = cob.newLabel();
            cob.iload(callxIndex);
            cob.ifne(trampoline); // registers were left for a caller that reloads them after a tail call: trampoline
            if (selfLoops) {
                Label other = cob.newLabel();
                cob.aload(target);
                cob.invokevirtual(CD_Object, "getClass", MethodTypeDesc.of(ConstantDescs.CD_Class));
                cob.ldc(gen.classDesc);
                cob.if_acmpne(other);
                restart();
                cob.labelBinding(other);
            }
            cob.aload(CTX);
            cob.invokestatic(CD_JIT_RUNTIME, "callsDirectly", MethodTypeDesc.of(CD_boolean, CD_JIT_CONTEXT));
            cob.ifeq(trampoline);
            flushExecuted();
            cob.aload(target);
            cob.aload(CTX);
            loadRegister(1);
            loadRegister(10);
            cob.iload(DEPTH);
            cob.invokevirtual(CD_COMPILED_CODE, "enter", MethodTypeDesc.of(CD_long, CD_JIT_CONTEXT, CD_long, CD_long, CD_int));
            cob.lreturn();
            cob.labelBinding(trampoline);
        }
        if (chunk != null) {
            cob.aload(CTX);
            cob.aload(target);
            cob.putfield(CD_JIT_CONTEXT, "tailTarget", CD_COMPILED_CODE);
            cob.aload(CTX);
            loadRegister(1);
            cob.putfield(CD_JIT_CONTEXT, "tailR1", CD_long);
            cob.aload(CTX);
            loadRegister(10);
            cob.putfield(CD_JIT_CONTEXT, "tailR10", CD_long);
            if (exitStub == null) exitStub = cob.newLabel();
            cob.goto_(exitStub); // stores the count with the registers; the dispatcher returns and the caller runs the target
        } else {
            cob.aload(CTX);
            cob.aload(target);
            loadRegister(1);
            loadRegister(10);
            cob.lload(exec);
            cob.invokestatic(CD_JIT_RUNTIME, "handOver", MethodTypeDesc.of(CD_long, CD_JIT_CONTEXT, CD_COMPILED_CODE, CD_long, CD_long, CD_long));
            cob.lreturn();
        }
        cob.labelBinding(failed);
    }
}
