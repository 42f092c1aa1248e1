package io.bpf4j.verifier;

import io.bpf4j.BpfException;
import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Source;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The explorer: walks every path of one program depth-first, applying each instruction's checks and transfer
 * function to the current abstract state, forking at conditional jumps whose outcome is not known, and cutting
 * a path short when its state at a prune point is covered by a state already proven safe there (Linux's
 * {@code do_check} and {@code is_state_visited}).
 */
final class Checker {
    /** A refusal: the pc and Linux's message. Unwinds to {@link #run}. */
    static final class Reject extends RuntimeException {
        final int pc;

        Reject(int pc, String message) {
            super(message, null, false, false);
            this.pc = pc;
        }
    }

    /** A state saved at a prune point, with the number of paths from it still being explored. */
    static final class Checkpoint {
        final VerifierState state;
        final Checkpoint parent;
        int branches = 1;
        int hits, misses;

        Checkpoint(VerifierState state, Checkpoint parent) {
            this.state = state;
            this.parent = parent;
        }
    }

    private record Pending(VerifierState state, int pc, Checkpoint parent, int fromPc) {}

    static final int MAX_PENDING_BRANCHES = 8192;
    /** Checkpoints kept at once (each holds a copy of the state: registers and 512 bytes of stack per frame). */
    static final int MAX_LIVE_STATES = 32_768;
    /** Starts the reason of a rejection caused by a bug in the verifier itself. */
    static final String INTERNAL_ERROR = "bpf4j verifier internal error";

    final VerificationRequest req;
    final VerificationOptions opts;
    final boolean privileged;
    final Instructions insns;
    final VerifierLog log;
    ProgramStructure structure;
    private Liveness liveness;
    ContextLayout context;

    VerifierState st;
    int pc;
    private Checkpoint parent;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final Map<Integer, List<Checkpoint>> explored = new HashMap<>();
    int processed;
    private int totalStates, liveStates, peakStates, maxStatesPerInsn;
    private int jmpsProcessed, prevJmpsProcessed, prevInsnProcessed;
    private int nextId = 1;
    int[] stackDepth;
    final Map<Integer, VerificationResult.AccessFact> access = new HashMap<>();
    private final Map<Integer, Boolean> ctxAccess = new HashMap<>();

    final MemoryAccess memory;
    final Arithmetic arithmetic;
    final HelperCalls helpers;

    Checker(VerificationRequest req) {
        this.req = req;
        this.opts = req.options();
        this.privileged = opts.privileged();
        this.insns = req.program();
        this.log = new VerifierLog(opts.logLevel(), opts.logSizeLimit(), req.lineInfo());
        this.memory = new MemoryAccess(this);
        this.arithmetic = new Arithmetic(this);
        this.helpers = new HelperCalls(this);
    }

    int newId() {
        return nextId++;
    }

    VerificationResult run() {
        try {
            context = req.context() != null ? req.context() : layoutFor(req);
            structure = ProgramStructure.analyse(insns);
            stackDepth = new int[structure.subprogCount()];
            liveness = Liveness.analyse(structure);
            explore();
            checkMaxStackDepth();
        } catch (Reject r) {
            if (r.pc >= 0 && log.source(r.pc) != null && !log.on(VerifierLog.LEVEL1 | VerifierLog.LEVEL2)) {
                log.line("; " + log.source(r.pc));
            }
            log.line(r.getMessage());
            printStats();
            throw new ProgramRejectedException(req.name(), r.pc, r.getMessage(), log.toString(), 0);
        } catch (RuntimeException bug) {
            // fail closed: a program the verifier cannot finish judging is not accepted
            String reason = INTERNAL_ERROR + " at pc " + pc + ": " + bug;
            log.line(reason);
            ProgramRejectedException e = new ProgramRejectedException(req.name(), pc, reason, log.toString(), 0);
            e.initCause(bug);
            throw e;
        }
        printStats();
        List<Integer> depths = new ArrayList<>();
        for (int d : stackDepth) depths.add(d);
        return new VerificationResult(log.toString(),
                new VerificationResult.Stats(processed, totalStates, peakStates, maxStatesPerInsn, depths), access);
    }

    private static ContextLayout layoutFor(VerificationRequest req) {
        try {
            return ContextLayout.forProgramType(req.type(), req.attachType());
        } catch (BpfException e) {
            throw new Reject(-1, e.getMessage());
        }
    }

    private void printStats() {
        if (stackDepth != null && log.on(VerifierLog.STATS)) {
            StringBuilder sb = new StringBuilder("stack depth ");
            for (int i = 0; i < stackDepth.length; i++) sb.append(i == 0 ? "" : "+").append(stackDepth[i]);
            log.line(sb.toString());
        }
        log.line("processed " + processed + " insns (limit " + opts.complexityLimit() + ") max_states_per_insn "
                + maxStatesPerInsn + " total_states " + totalStates + " peak_states " + peakStates + " mark_read 0");
    }

    // ---- exploration ---------------------------------------------------------------------------------

    private VerifierState entryState() {
        VerifierState s = new VerifierState();
        FuncState f = new FuncState(0, -1, 0, -1);
        f.regs[1] = RegState.pointer(RegType.PTR_TO_CTX, 0);
        f.regs[10] = RegState.stack(0, 0);
        s.frames[0] = f;
        s.curframe = 0;
        return s;
    }

    private void explore() {
        st = entryState();
        pc = 0;
        parent = null;
        boolean printState = log.on(VerifierLog.LEVEL2);
        while (true) {
            if (++processed > opts.complexityLimit()) {
                throw new Reject(pc, "BPF program is too large. Processed " + processed + " insn");
            }
            if (structure.prunePoint[pc]) {
                if (isStateVisited()) {
                    if (log.on(VerifierLog.LEVEL1 | VerifierLog.LEVEL2)) log.line(pc + ": safe");
                    if (!finishPath()) return;
                    printState = true;
                    continue;
                }
            }
            if (printState && log.on(VerifierLog.LEVEL2)) log.line(pc + ":" + describeState());
            printState = false;
            Instruction insn = insns.at(pc);
            log.insn(pc, insn);
            boolean pathGoesOn = step(insn);
            if (!pathGoesOn) {
                if (!finishPath()) return;
                printState = true;
            }
        }
    }

    /** Ends the current path; resumes the most recent pending branch. False when none is left. */
    private boolean finishPath() {
        for (Checkpoint c = parent; c != null; c = c.parent) {
            if (--c.branches > 0) break;
        }
        Pending p = pending.pollFirst();
        if (p == null) return false;
        st = p.state;
        pc = p.pc;
        parent = p.parent;
        if (log.on(VerifierLog.LEVEL1 | VerifierLog.LEVEL2)) {
            log.line("from " + p.fromPc + " to " + p.pc + ":" + describeState());
        }
        return true;
    }

    /** Queues {@code state} to be explored from {@code target} later (Linux's push_stack). */
    void fork(VerifierState state, int target) {
        if (pending.size() >= MAX_PENDING_BRANCHES) {
            throw new Reject(pc, "The sequence of " + MAX_PENDING_BRANCHES + " jumps is too complex.");
        }
        if (parent != null) parent.branches++;
        pending.addFirst(new Pending(state, target, parent, pc));
    }

    /**
     * At a prune point: true when a fully explored state here covers the current one (the path is safe), or
     * refuses an infinite loop. May save the current state as a new checkpoint.
     */
    private boolean isStateVisited() {
        List<Checkpoint> list = explored.computeIfAbsent(pc, k -> new ArrayList<>());
        boolean callbackEntry = st.cur().callbackOf >= 0 && structure.subprogAt(pc) >= 0;
        int live = liveness.liveAt(pc);
        boolean inLoop = false;
        for (int i = 0; i < list.size(); i++) {
            Checkpoint c = list.get(i);
            if (c.branches > 0) {
                // still being explored: the same state again means the loop made no progress
                if (StateEquivalence.covers(c.state, st, true, live)) {
                    if (callbackEntry) return true;
                    throw new Reject(pc, "infinite loop detected at insn " + pc);
                }
                inLoop = true;
            } else if (StateEquivalence.covers(c.state, st, false, arithmetic.exploreAluLimits, live)) {
                c.hits++;
                return true;
            }
            // a state that keeps failing to cover others is not worth comparing with (Linux's eviction rule)
            c.misses++;
            if (c.misses > c.hits * 3 + 3) {
                list.remove(i--);
                liveStates--;
            }
        }
        int jumps = jmpsProcessed - prevJmpsProcessed, steps = processed - prevInsnProcessed;
        // inside a loop every iteration differs: save states rarely there (at most one per 20 jumps or 100 steps)
        boolean add = inLoop ? jumps >= 20 || steps >= 100 : jumps >= 2 && steps >= 8;
        // loop heads and callback entries keep one state, so a loop that makes no progress is noticed
        add |= (structure.loopHead[pc] || callbackEntry) && list.isEmpty();
        // bound the memory a hostile program can make the verifier hold: beyond this, prune less, never unsoundly
        if (liveStates >= MAX_LIVE_STATES) add = false;
        if (!add) return false;
        prevJmpsProcessed = jmpsProcessed;
        prevInsnProcessed = processed;
        Checkpoint c = new Checkpoint(st.copy(), parent);
        parent = c;
        list.add(c);
        totalStates++;
        liveStates++;
        peakStates = Math.max(peakStates, liveStates);
        maxStatesPerInsn = Math.max(maxStatesPerInsn, list.size());
        return false;
    }

    private static String describeFrame(FuncState fs) {
        StringBuilder sb = new StringBuilder("frame").append(fs.frameno).append(':');
        for (int r = 0; r <= 10; r++) {
            if (fs.regs[r].isInit()) sb.append(" R").append(r).append('=').append(fs.regs[r].describe());
        }
        return sb.append(fs.describeStack()).toString();
    }

    String describeState() {
        StringBuilder sb = new StringBuilder();
        for (int f = 0; f <= st.curframe; f++) {
            FuncState fs = st.frames[f];
            if (st.curframe > 0) sb.append(f == 0 ? "" : " ").append(" frame").append(f).append(":");
            for (int r = 0; r <= 10; r++) {
                if (fs.regs[r].isInit()) sb.append(" R").append(r).append('=').append(fs.regs[r].describe());
            }
            sb.append(fs.describeStack());
        }
        return sb.toString();
    }

    // ---- one instruction ---------------------------------------------------------------------------

    /** Applies one instruction to {@link #st}; sets {@link #pc} to the next one. False when the path ended. */
    private boolean step(Instruction insn) {
        switch (insn) {
            case Instruction.Alu a -> {
                arithmetic.alu(a);
                pc++;
            }
            case Instruction.Endian e -> {
                arithmetic.endian(e);
                pc++;
            }
            case Instruction.Load l -> {
                memory.load(l);
                pc++;
            }
            case Instruction.Store s -> {
                memory.store(s);
                pc++;
            }
            case Instruction.Atomic a -> {
                memory.atomic(a);
                pc++;
            }
            case Instruction.LoadImm64 l -> {
                loadImm64(l);
                pc += 2;
            }
            case Instruction.PacketLoad p -> {
                memory.legacyPacketLoad(p);
                pc++;
            }
            case Instruction.Jump j -> {
                jmpsProcessed++;
                return jump(j);
            }
            case Instruction.Call c -> {
                jmpsProcessed++;
                return call(c);
            }
            case Instruction.CallIndirect c -> throw new Reject(pc, "indirect calls (callx) are not supported by bpf4j");
            case Instruction.Exit e -> {
                jmpsProcessed++;
                return exit();
            }
        }
        return true;
    }

    // ---- registers -------------------------------------------------------------------------------------

    /** A register the instruction reads must have been written (Linux: "R%d !read_ok"). */
    RegState read(int r) {
        RegState v = st.reg(r);
        if (!v.isInit()) throw new Reject(pc, "R" + r + " !read_ok");
        return v;
    }

    /** A register the instruction writes: never R10. */
    void checkWritable(int r) {
        if (r == 10) throw new Reject(pc, "frame pointer is read only");
    }

    /** Without CAP_PERFMON a pointer may not become visible as a number. */
    boolean leaks(RegState v) {
        return !privileged && v.isPointer();
    }

    // ---- lddw -------------------------------------------------------------------------------------------

    MapRef map(int handle) {
        MapDefinition d = req.maps().get(handle);
        if (d == null) throw new Reject(pc, "fd " + handle + " is not pointing to valid bpf_map");
        return new MapRef(handle, d);
    }

    private void loadImm64(Instruction.LoadImm64 l) {
        checkWritable(l.dst());
        RegState v = switch (l.pseudo()) {
            case IMM -> RegState.constant(l.value());
            case MAP_FD, MAP_IDX -> RegState.pointer(RegType.CONST_PTR_TO_MAP, 0).withMap(map(l.imm()));
            case MAP_VALUE, MAP_IDX_VALUE -> {
                MapRef m = map(l.imm());
                if (m.definition().type() != MapType.ARRAY || m.definition().maxEntries() != 1) {
                    throw new Reject(pc, "no direct value access support for this map type");
                }
                long off = l.nextImm() & 0xffffffffL;
                if (off >= m.definition().valueSize()) {
                    throw new Reject(pc, "invalid access to map value pointer, value_size=" + m.definition().valueSize() + " off=" + off);
                }
                yield RegState.pointer(RegType.PTR_TO_MAP_VALUE, (int) off).withMap(m);
            }
            case FUNC -> RegState.pointer(RegType.PTR_TO_FUNC, 0).withSubprog(structure.subprogAt(pc + 1 + l.imm()));
            case BTF_ID -> throw new Reject(pc, "lddw of a BTF id (kernel variable) is not supported by bpf4j");
        };
        st.set(l.dst(), v);
    }

    // ---- jumps ------------------------------------------------------------------------------------------

    private boolean jump(Instruction.Jump j) {
        if (j.op() == JumpOp.JA) {
            pc = j.target(pc);
            return true;
        }
        RegState dst = read(j.dst());
        // an immediate is sign-extended to 64 bits (jmp32 looks at its low half only)
        RegState src = j.source() == Source.REG ? read(j.src()) : RegState.constant(j.imm());
        int target = j.target(pc);
        int fall = pc + 1;

        Branches b = Branches.decide(this, j, dst, src);
        if (b.taken == null && b.notTaken == null) {
            throw new IllegalStateException("no branch feasible at pc " + pc);
        }
        if (b.taken != null && b.notTaken != null) {
            fork(b.taken, target);
            st = b.notTaken;
            pc = fall;
        } else if (b.taken != null) {
            st = b.taken;
            pc = target;
        } else {
            st = b.notTaken;
            pc = fall;
        }
        return true;
    }

    // ---- calls and exit --------------------------------------------------------------------------------

    private boolean call(Instruction.Call c) {
        if (c.kind() == CallKind.KFUNC) throw new Reject(pc, "calling kernel functions (kfuncs) is not supported by bpf4j");
        if (c.kind() == CallKind.LOCAL) {
            enterFrame(c.target(pc), pc, -1, null);
            return true;
        }
        helpers.call(c.imm());
        return true;
    }

    /**
     * Enters the subprogram at {@code target}, called from {@code callsite}. For a callback (bpf_loop) the
     * arguments are given; for a bpf2bpf call the caller's R1–R5 are passed.
     */
    void enterFrame(int target, int callsite, int callbackOf, RegState[] args) {
        if (st.curframe + 1 >= VerifierState.MAX_CALL_FRAMES) {
            throw new Reject(pc, "the call stack of " + (st.curframe + 2) + " frames is too deep");
        }
        int sub = structure.subprogAt(target);
        FuncState caller = st.cur();
        FuncState callee = new FuncState(st.curframe + 1, callsite, sub, callbackOf);
        callee.callbackArgs = args;
        for (int r = 1; r <= 5; r++) callee.regs[r] = args != null ? args[r - 1] : caller.regs[r];
        callee.regs[10] = RegState.stack(callee.frameno, 0);
        st.frames[++st.curframe] = callee;
        if (log.on(VerifierLog.LEVEL2)) {
            log.line("caller:\n " + describeFrame(caller));
            log.line("callee:\n " + describeFrame(callee));
        }
        pc = target;
    }

    private boolean exit() {
        FuncState f = st.cur();
        if (st.curframe > 0) {
            // Linux copies R0 back unchecked: a caller that ignores the result may return nothing
            RegState r0 = f.callbackOf >= 0 ? read(0) : st.reg(0);
            if (r0.type() == RegType.PTR_TO_STACK && r0.frameno() == f.frameno) {
                throw new Reject(pc, "cannot return stack pointer to the caller frame");
            }
            st.frames[st.curframe] = null;
            st.curframe--;
            FuncState caller = st.cur();
            for (int r = 1; r <= 5; r++) caller.regs[r] = RegState.NOT_INIT;
            if (f.callbackOf >= 0) {
                return helpers.callbackReturned(f, r0);
            }
            caller.regs[0] = r0;
            pc = f.callsite + 1;
            return true;
        }
        RegState r0 = read(0);
        if (leaks(r0)) throw new Reject(pc, "R0 leaks addr as return value");
        if (st.refIds.length > 0) {
            throw new Reject(pc, "Unreleased reference id=" + st.refIds[0] + " alloc_insn=" + st.refPcs[0]);
        }
        return false;
    }

    /** Records how deep the current frame's stack reaches (Linux's update_stack_depth). */
    void noteStackDepth(FuncState f) {
        if (f.allocated > stackDepth[f.subprog]) stackDepth[f.subprog] = f.allocated;
    }

    /**
     * Linux's check_max_stack_depth over the static call graph: a chain of frames holds at most 512 bytes and
     * 8 frames; a subprogram with a tail call may only be called with less than 256 bytes of callers' stack.
     */
    private void checkMaxStackDepth() {
        walkCalls(0, 0, 1, new int[VerifierState.MAX_CALL_FRAMES + 1]);
    }

    private int rounded(int depth) {
        int r = opts.stackRounding();
        if (r == 32) depth = Math.max(depth, 1);
        return (depth + r - 1) / r * r;
    }

    private void walkCalls(int sub, int callersDepth, int frames, int[] path) {
        if (sub != 0 && structure.hasTailCall[sub] && callersDepth >= 256) {
            throw new Reject(structure.subprogStart[sub], "tail_calls are not allowed when call stack of previous frames is "
                    + callersDepth + " bytes. Too large");
        }
        int depth = callersDepth + rounded(stackDepth[sub]);
        if (depth > FuncState.MAX_STACK) {
            throw new Reject(structure.subprogStart[sub], "combined stack size of " + frames + " calls is " + depth + ". Too large");
        }
        for (int p = structure.subprogStart[sub]; p < structure.subprogEnd(sub); p++) {
            if (insns.slot(p) instanceof Instruction.Call c && c.kind() == CallKind.LOCAL) {
                int callee = structure.subprogAt(c.target(p));
                if (frames >= VerifierState.MAX_CALL_FRAMES) {
                    throw new Reject(p, "the call stack of " + frames + " frames is too deep !");
                }
                walkCalls(callee, depth, frames + 1, path);
            }
        }
    }

    // ---- facts ---------------------------------------------------------------------------------------

    void recordAccess(VerificationResult.Region region, int size, long min, long max) {
        boolean isCtx = region == VerificationResult.Region.CONTEXT;
        Boolean prev = ctxAccess.putIfAbsent(pc, isCtx);
        if (prev != null && prev != isCtx) throw new Reject(pc, "same insn cannot be used with different pointers");
        VerificationResult.AccessFact f = new VerificationResult.AccessFact(region, size, min, max);
        access.merge(pc, f, VerificationResult.AccessFact::merge);
    }

    ProgramType programType() {
        return req.type();
    }
}
