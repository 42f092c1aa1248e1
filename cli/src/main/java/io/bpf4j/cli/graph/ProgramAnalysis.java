package io.bpf4j.cli.graph;

import io.bpf4j.abi.Helper;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Semantics;
import io.bpf4j.isa.Size;
import io.bpf4j.isa.Source;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one program does with tail calls and its stack, found by a small forward data-flow analysis over its
 * instructions: each register (and each 8-byte stack slot it spills to) holds an unknown value, a small set of
 * constants, a map, or a frame-pointer offset. At each {@code call bpf_tail_call} that tells which prog array R2
 * names and which indices R3 can hold; at each memory access based on the frame pointer, how deep the frame
 * goes. Sound for what it reports: an index it cannot pin to at most {@value #MAX_SET} constants is "variable".
 *
 * <p>Stack accounting follows the kernel: each function's frame is its deepest frame-pointer access rounded
 * up to 32 bytes; a chain of bpf2bpf calls adds up its frames.
 */
public final class ProgramAnalysis {
    static final int MAX_SET = 16;
    private static final int TAIL_CALL = Helper.TAIL_CALL.id();

    /** A function in the program: the program's own body or one of its subprograms. */
    public record Function(String name, int entry, int frameBytes, int roundedFrame, List<Integer> callees) {}

    /**
     * @param functions      the program's functions, the program itself first
     * @param sites          its tail-call sites in pc order
     * @param ownStack       deepest combined stack of its bpf2bpf call chains (rounded frames), without tail calls
     * @param deepestChain   the call chain (function names) that needs {@code ownStack}
     */
    public record Result(String program, List<Function> functions, List<TailCallSite> sites, int ownStack,
                         List<String> deepestChain) {}

    private final ProgramCode program;
    private final Instructions code;
    private final State[] in;
    private final int[] functionOf;
    private final List<Integer> entries = new ArrayList<>();
    private final Map<Integer, Long> deepest = new HashMap<>(); // function entry -> most negative fp offset

    private ProgramAnalysis(ProgramCode program) {
        this.program = program;
        this.code = program.code();
        this.in = new State[code.slotCount()];
        this.functionOf = new int[code.slotCount()];
    }

    public static Result analyze(ProgramCode program) {
        return new ProgramAnalysis(program).run();
    }

    private Result run() {
        findFunctions();
        flow();
        // functions, frames and the calls between them
        Map<Integer, List<Integer>> callees = new LinkedHashMap<>();
        for (int e : entries) callees.put(e, new ArrayList<>());
        for (Instructions.At at : code) {
            if (in[at.pc()] == null) continue;
            if (at.instruction() instanceof Instruction.Call c && c.kind() == CallKind.LOCAL) {
                List<Integer> list = callees.get(functionOf[at.pc()]);
                int t = c.target(at.pc());
                if (list != null && !list.contains(t)) list.add(t);
            }
        }
        Map<Integer, Function> functions = new LinkedHashMap<>();
        for (int e : entries) {
            long d = deepest.getOrDefault(e, 0L);
            int bytes = (int) Math.min(Integer.MAX_VALUE, -Math.min(0, d));
            functions.put(e, new Function(functionName(e), e, bytes, roundFrame(bytes), List.copyOf(callees.get(e))));
        }
        // combined stack of the deepest call chain, and what stays below each tail-call site
        Map<Integer, Integer> belowFunction = new HashMap<>(); // entry -> max bytes of callers' frames
        int[] best = {0};
        List<String> bestChain = new ArrayList<>();
        walk(functions, 0, 0, new ArrayDeque<>(), belowFunction, best, bestChain);

        List<TailCallSite> sites = new ArrayList<>();
        for (Instructions.At at : code) {
            State s = in[at.pc()];
            if (s == null) continue;
            if (at.instruction() instanceof Instruction.Call c && c.kind() == CallKind.HELPER && c.imm() == TAIL_CALL) {
                V r2 = s.regs[2], r3 = s.regs[3];
                String map = r2.kind == Kind.MAP ? r2.map : null;
                SortedSet<Long> slots = null;
                if (r3.kind == Kind.CONST) {
                    slots = new TreeSet<>();
                    for (long v : r3.values) slots.add(v & 0xffffffffL);
                    slots = Collections.unmodifiableSortedSet(slots);
                }
                int f = functionOf[at.pc()];
                sites.add(new TailCallSite(at.pc(), functionName(f), map, slots, belowFunction.getOrDefault(f, 0)));
            }
        }
        return new Result(program.name(), List.copyOf(functions.values()), List.copyOf(sites), best[0], List.copyOf(bestChain));
    }

    private void walk(Map<Integer, Function> functions, int entry, int below, Deque<String> chain,
                      Map<Integer, Integer> belowFunction, int[] best, List<String> bestChain) {
        Function f = functions.get(entry);
        if (f == null || chain.contains(f.name())) return; // recursion cannot pass the verifier; do not loop
        belowFunction.merge(entry, below, Math::max);
        chain.addLast(f.name());
        int total = below + f.roundedFrame();
        if (total > best[0] || bestChain.isEmpty()) {
            best[0] = total;
            bestChain.clear();
            bestChain.addAll(chain);
        }
        for (int c : f.callees()) walk(functions, c, total, chain, belowFunction, best, bestChain);
        chain.removeLast();
    }

    /** The kernel's accounting of a frame: at least 1 byte, rounded up to 32. */
    public static int roundFrame(int bytes) {
        return (Math.max(bytes, 1) + 31) & ~31;
    }

    private String functionName(int entry) {
        if (entry == 0) return program.name();
        String n = program.functions().get(entry);
        return n != null ? n : "sub@" + entry;
    }

    // --- functions -------------------------------------------------------------------------------------

    private void findFunctions() {
        TreeSet<Integer> starts = new TreeSet<>();
        starts.add(0);
        starts.addAll(program.functions().keySet());
        for (Instructions.At at : code) {
            switch (at.instruction()) {
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> starts.add(c.target(at.pc()));
                case Instruction.LoadImm64 l when l.pseudo() == Pseudo.FUNC -> starts.add(at.pc() + 1 + l.imm());
                default -> {
                }
            }
        }
        Arrays.fill(functionOf, -1);
        for (int start : starts) {
            if (start < 0 || start >= code.slotCount() || code.isSecondHalf(start)) continue;
            entries.add(start);
            Deque<Integer> work = new ArrayDeque<>();
            work.push(start);
            while (!work.isEmpty()) {
                int pc = work.pop();
                if (pc < 0 || pc >= code.slotCount() || functionOf[pc] != -1 || code.isSecondHalf(pc)) continue;
                functionOf[pc] = start;
                for (int next : intraSuccessors(pc)) work.push(next);
            }
        }
    }

    private List<Integer> intraSuccessors(int pc) {
        Instruction i = code.at(pc);
        return switch (i) {
            case Instruction.Exit e -> List.of();
            case Instruction.Jump j when j.op() == JumpOp.JA -> List.of(j.target(pc));
            case Instruction.Jump j -> List.of(pc + 1, j.target(pc));
            default -> List.of(pc + i.slots());
        };
    }

    // --- data flow -------------------------------------------------------------------------------------

    private void flow() {
        queued = new boolean[in.length];
        in[0] = State.entry();
        drain(0);
        // callbacks (bpf_loop and friends) and subprograms no reachable code calls: nothing known on entry
        for (int e : entries) {
            if (in[e] == null) {
                State s = State.entry();
                in[e] = s;
                drain(e);
            }
        }
    }

    private boolean[] queued;

    private void drain(int start) {
        Deque<Integer> work = new ArrayDeque<>();
        work.add(start);
        queued[start] = true;
        while (!work.isEmpty()) {
            int pc = work.poll();
            queued[pc] = false;
            State s = in[pc].copy();
            Instruction insn = code.at(pc);
            int f = functionOf[pc];
            switch (insn) {
                case Instruction.Exit e -> {
                    continue;
                }
                case Instruction.Jump j -> {
                    if (j.op() != JumpOp.JA) propagate(work, pc + 1, s);
                    propagate(work, j.target(pc), s);
                    continue;
                }
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> {
                    State callee = State.entry();
                    for (int r = 1; r <= 5; r++) callee.regs[r] = s.regs[r].kind == Kind.FP ? V.TOP : s.regs[r];
                    propagate(work, c.target(pc), callee);
                    clobberCall(s);
                }
                case Instruction.Call c -> {
                    // a helper reads through pointer arguments: a frame pointer there is stack in use
                    for (int r = 1; r <= 5; r++) touchFp(f, s.regs[r], 0);
                    clobberCall(s);
                }
                case Instruction.CallIndirect c -> clobberCall(s);
                case Instruction.Alu a -> s.regs[a.dst()] = alu(a, s);
                case Instruction.Endian e -> s.regs[e.dst()] = s.regs[e.dst()].kind == Kind.CONST
                        ? s.regs[e.dst()].map(v -> Semantics.endian(e.op(), e.bits(), v)) : V.TOP;
                case Instruction.LoadImm64 l -> {
                    String map = program.mapAtPc().get(pc);
                    if (map != null && l.pseudo() != Pseudo.MAP_VALUE && l.pseudo() != Pseudo.MAP_IDX_VALUE) s.regs[l.dst()] = V.map(map);
                    else if (map == null && l.pseudo() == Pseudo.IMM) s.regs[l.dst()] = V.constants(l.value());
                    else s.regs[l.dst()] = V.TOP;
                }
                case Instruction.Load l -> {
                    V base = s.regs[l.src()];
                    touchFp(f, base, l.offset());
                    V loaded = V.TOP;
                    if (base.kind == Kind.FP && base.values.length == 1 && l.size() == Size.DW && !l.signExtend()) {
                        V spilled = s.stack.get(base.values[0] + l.offset());
                        if (spilled != null) loaded = spilled;
                    }
                    s.regs[l.dst()] = loaded;
                }
                case Instruction.Store st -> {
                    V base = s.regs[st.dst()];
                    touchFp(f, base, st.offset());
                    if (base.kind == Kind.FP && base.values.length == 1) {
                        long at = base.values[0] + st.offset();
                        // forget every spill this store overlaps, then remember a full 8-byte spill
                        s.stack.keySet().removeIf(k -> k < at + st.size().bytes() && k + 8 > at);
                        if (st.size() == Size.DW) {
                            s.stack.put(at, st.source() == Source.REG ? s.regs[st.src()] : V.constants(st.imm()));
                        }
                    } else if (base.kind == Kind.FP) {
                        s.stack.clear();
                    }
                }
                case Instruction.Atomic a -> {
                    V base = s.regs[a.dst()];
                    touchFp(f, base, a.offset());
                    if (base.kind == Kind.FP) s.stack.clear();
                    if (a.fetch()) {
                        if (a.op() == io.bpf4j.isa.AtomicOp.CMPXCHG) s.regs[0] = V.TOP;
                        else s.regs[a.src()] = V.TOP;
                    }
                }
                case Instruction.PacketLoad p -> clobberCall(s);
            }
            propagate(work, pc + insn.slots(), s);
        }
    }

    private static void clobberCall(State s) {
        for (int r = 0; r <= 5; r++) s.regs[r] = V.TOP;
    }

    private void touchFp(int function, V base, int offset) {
        if (base.kind != Kind.FP) return;
        for (long off : base.values) deepest.merge(function, off + offset, Math::min);
    }

    private void propagate(Deque<Integer> work, int pc, State s) {
        if (pc < 0 || pc >= in.length || code.isSecondHalf(pc)) return;
        State old = in[pc];
        State joined = old == null ? s.copy() : old.join(s);
        if (old == null || !old.equals(joined)) {
            in[pc] = joined;
            if (!queued[pc]) {
                queued[pc] = true;
                work.add(pc);
            }
        }
    }

    private static V alu(Instruction.Alu a, State s) {
        V dst = s.regs[a.dst()];
        V src = a.source() == Source.REG ? s.regs[a.src()] : V.constants(a.imm());
        AluOp op = a.op();
        if (op == AluOp.MOV) {
            if (a.alu64()) return src;
            return src.kind == Kind.CONST ? src.map(v -> v & 0xffffffffL) : V.TOP;
        }
        if (dst.kind == Kind.FP && a.alu64() && src.kind == Kind.CONST && (op == AluOp.ADD || op == AluOp.SUB)) {
            return V.fp(combine(dst.values, src.values, (x, y) -> op == AluOp.ADD ? x + y : x - y));
        }
        if (op.isSignExtendingMove() || op == AluOp.NEG) {
            V from = op == AluOp.NEG ? dst : src;
            return from.kind == Kind.CONST ? from.map(v -> Semantics.alu(a.alu64(), op, v, v)) : V.TOP;
        }
        if (dst.kind == Kind.CONST && src.kind == Kind.CONST) {
            return V.constants(combine(dst.values, src.values, (x, y) -> Semantics.alu(a.alu64(), op, x, y)));
        }
        return V.TOP;
    }

    private interface Op {
        long apply(long x, long y);
    }

    private static long[] combine(long[] xs, long[] ys, Op op) {
        TreeSet<Long> out = new TreeSet<>();
        for (long x : xs) {
            for (long y : ys) {
                out.add(op.apply(x, y));
                if (out.size() > MAX_SET) return null;
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    // --- the abstract domain ---------------------------------------------------------------------------

    enum Kind { TOP, CONST, MAP, FP }

    /** An abstract value: unknown, a set of constants, a map, or a set of frame-pointer offsets. */
    static final class V {
        static final V TOP = new V(Kind.TOP, null, null);
        final Kind kind;
        final long[] values; // sorted, distinct
        final String map;

        private V(Kind kind, long[] values, String map) {
            this.kind = kind;
            this.values = values;
            this.map = map;
        }

        static V constants(long... vs) {
            if (vs == null) return TOP;
            long[] sorted = Arrays.stream(vs).distinct().sorted().toArray();
            return sorted.length > MAX_SET ? TOP : new V(Kind.CONST, sorted, null);
        }

        static V fp(long[] offsets) {
            if (offsets == null) return TOP;
            long[] sorted = Arrays.stream(offsets).distinct().sorted().toArray();
            return sorted.length > MAX_SET ? TOP : new V(Kind.FP, sorted, null);
        }

        static V map(String name) {
            return new V(Kind.MAP, null, name);
        }

        V map(java.util.function.LongUnaryOperator f) {
            return constants(Arrays.stream(values).map(f).toArray());
        }

        V join(V o) {
            if (this.equals(o)) return this;
            if (kind != o.kind || kind == Kind.TOP || kind == Kind.MAP) return TOP;
            long[] all = java.util.stream.LongStream.concat(Arrays.stream(values), Arrays.stream(o.values)).toArray();
            return kind == Kind.CONST ? constants(all) : fp(all);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof V v && v.kind == kind && Arrays.equals(v.values, values) && Objects.equals(v.map, map);
        }

        @Override
        public int hashCode() {
            return Objects.hash(kind, Arrays.hashCode(values), map);
        }
    }

    static final class State {
        final V[] regs = new V[11];
        final TreeMap<Long, V> stack = new TreeMap<>();

        static State entry() {
            State s = new State();
            Arrays.fill(s.regs, V.TOP);
            s.regs[10] = V.fp(new long[]{0});
            return s;
        }

        State copy() {
            State s = new State();
            System.arraycopy(regs, 0, s.regs, 0, regs.length);
            s.stack.putAll(stack);
            return s;
        }

        State join(State o) {
            State s = new State();
            for (int r = 0; r < regs.length; r++) s.regs[r] = regs[r].join(o.regs[r]);
            for (Map.Entry<Long, V> e : stack.entrySet()) {
                V other = o.stack.get(e.getKey());
                if (other != null) {
                    V j = e.getValue().join(other);
                    if (j.kind != Kind.TOP) s.stack.put(e.getKey(), j);
                }
            }
            return s;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && Arrays.equals(s.regs, regs) && s.stack.equals(stack);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(regs) * 31 + stack.hashCode();
        }
    }
}
