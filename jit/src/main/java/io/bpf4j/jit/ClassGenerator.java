package io.bpf4j.jit;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.runtime.ProgramImage;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

import static io.bpf4j.jit.Descriptors.CD_COMPILED_CODE;
import static io.bpf4j.jit.Descriptors.CD_JIT_CONTEXT;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;

/**
 * Lays out and builds the class for one program: a static method per eBPF function ({@code f0} is the entry, one per
 * bpf2bpf subprogram) taking {@code (JitContext, fp, depth, parameters...)} and returning r0, plus the
 * {@link CompiledCode#enter} bridge.
 *
 * <p><b>Splitting.</b> HotSpot never compiles a method over 8,000 bytecode bytes, so a function whose code would
 * exceed the budget is cut, at instruction boundaries, into <em>chunks</em>: contiguous pc ranges, each a static
 * method {@code (ctx, long[] regs, int pc, int depth) → int}. The function's method becomes a dispatcher that keeps
 * the registers in a {@code long[11]}, calls the chunk holding the current pc and continues at the pc the chunk
 * returns (-1 after {@code exit} or a tail call). Inside a chunk registers are locals again and jumps are JVM
 * branches; only jumps that leave the chunk and the fall-through at its end go back through the dispatcher. With
 * many chunks, a tree of small router methods finds the chunk, so no dispatch method outgrows the budget either.
 * Chunk boundaries are planned from per-instruction size estimates and then checked against the real code length;
 * a function that still has an oversized chunk is re-planned with half the target.
 */
final class ClassGenerator {
    /** A part of a split function: slots {@code [from, to)}, entered at any pc of {@code entries}. */
    record Chunk(int function, int index, int from, int to, SortedSet<Integer> entries) {
        String name() {
            return "f" + function + "$" + index;
        }
    }

    /** How a function is emitted: whole ({@code chunks} empty) or split into chunks. */
    record FunctionPlan(ProgramLayout.Function function, List<Chunk> chunks) {
        boolean split() {
            return !chunks.isEmpty();
        }
    }

    private static final int CHUNK_OVERHEAD = 300; // register loads and stores, switch header, the trap

    final ProgramLayout layout;
    final Liveness liveness;
    final ClassDesc classDesc;
    final AccessPlan access;
    final MethodTypeDesc chunkType = MethodTypeDesc.of(CD_int, CD_JIT_CONTEXT, CD_long.arrayType(), CD_int, CD_int);
    private final ProgramImage image;
    private final JitEngine engine;
    private final int methodLimit;
    private final int fanout;
    private final boolean[] functionHasTailCall;
    private final List<Object> classData = new ArrayList<>();
    private final Map<Object, Integer> classDataIndex = new IdentityHashMap<>();

    // set by build(): the accounting segments of this layout and the program's class data record
    boolean[] leader;
    int[] countThrough;
    ProgramInfo info;

    ClassGenerator(ProgramLayout layout, Liveness liveness, ProgramImage image, JitEngine engine, ClassDesc classDesc, int methodLimit) {
        this.layout = layout;
        this.liveness = liveness;
        this.image = image;
        this.engine = engine;
        this.classDesc = classDesc;
        this.methodLimit = methodLimit;
        this.fanout = Math.max(2, (methodLimit - 100) / 40);
        this.functionHasTailCall = liveness.hasTailCall;
        this.access = AccessPlan.of(image);
    }

    static String functionName(ProgramLayout.Function f) {
        return "f" + f.index();
    }

    MethodTypeDesc functionType(ProgramLayout.Function f) {
        List<ClassDesc> params = new ArrayList<>(List.of(CD_JIT_CONTEXT, CD_long, CD_int));
        for (int i = 0; i < Integer.bitCount(liveness.params[f.index()]); i++) params.add(CD_long);
        return MethodTypeDesc.of(CD_long, params);
    }

    boolean hasTailCall(ProgramLayout.Function f) {
        return functionHasTailCall[f.index()];
    }

    /** The objects the generated class reads with {@code MethodHandles.classDataAt}, in index order. */
    List<Object> classData() {
        return List.copyOf(classData);
    }

    /** Loads a live object given to the class as class data: a constant to C2. */
    void loadClassData(CodeBuilder cob, Object value, ClassDesc type) {
        int index = classDataIndex.computeIfAbsent(value, v -> {
            classData.add(v);
            return classData.size() - 1;
        });
        cob.ldc(DynamicConstantDesc.ofNamed(ConstantDescs.BSM_CLASS_DATA_AT, ConstantDescs.DEFAULT_NAME, type, index));
    }

    // ---- planning --------------------------------------------------------------------------------

    private int estimate(int pc) {
        Instruction insn = layout.code.at(pc);
        return Emitter.estimateSize(insn, layout.functions.size()) + switch (access.kind[pc]) {
            case AccessPlan.FRAME -> 40; // the direct access before the checked one
            case AccessPlan.CHECKED -> 0;
            default -> 140;
        };
    }

    int estimate(int from, int to) {
        int size = 0;
        for (int pc = from; pc < to; pc += layout.code.at(pc).slots()) size += estimate(pc);
        return size;
    }

    /** Whole if the estimate fits the target, else split. */
    FunctionPlan plan(ProgramLayout.Function f, int target) {
        if (estimate(f.start(), f.end()) + 200 <= target) return new FunctionPlan(f, List.of());
        return split(f, target);
    }

    /** Cuts {@code f} into chunks of at most about {@code target} bytes each. */
    FunctionPlan split(ProgramLayout.Function f, int target) {
        Instructions code = layout.code;
        int budget = Math.max(64, target - CHUNK_OVERHEAD);
        List<int[]> ranges = new ArrayList<>();
        int start = f.start(), size = 0;
        for (int pc = f.start(); pc < f.end(); ) {
            Instruction insn = code.at(pc);
            int cost = estimate(pc) + (layout.jumpTargets.get(pc) ? 8 : 0);
            if (size + cost > budget && pc > start) {
                ranges.add(new int[] {start, pc});
                start = pc;
                size = 0;
            }
            size += cost;
            pc += insn.slots();
        }
        ranges.add(new int[] {start, f.end()});
        // Entries: each chunk's first pc, and every pc a jump from another chunk lands on.
        List<SortedSet<Integer>> entries = new ArrayList<>();
        for (int[] r : ranges) {
            SortedSet<Integer> e = new TreeSet<>();
            e.add(r[0]);
            entries.add(e);
        }
        for (int pc = f.start(); pc < f.end(); pc += code.at(pc).slots()) {
            if (code.at(pc) instanceof Instruction.Jump j) {
                int t = j.target(pc);
                int from = chunkIndex(ranges, pc), into = chunkIndex(ranges, t);
                if (from != into) entries.get(into).add(t);
            }
        }
        List<Chunk> chunks = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) chunks.add(new Chunk(f.index(), i, ranges.get(i)[0], ranges.get(i)[1], entries.get(i)));
        return new FunctionPlan(f, List.copyOf(chunks));
    }

    private static int chunkIndex(List<int[]> ranges, int pc) {
        int lo = 0, hi = ranges.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (ranges.get(mid)[0] <= pc) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /** Segment leaders and per-pc counts for the instruction accounting (see {@link Emitter}). */
    private void segments(List<FunctionPlan> plans) {
        Instructions code = layout.code;
        int n = code.slotCount();
        leader = new boolean[n + 1];
        countThrough = new int[n];
        for (ProgramLayout.Function f : layout.functions) leader[f.start()] = true;
        for (FunctionPlan p : plans) for (Chunk c : p.chunks()) leader[c.from()] = true;
        for (Instructions.At at : code) {
            int pc = at.pc();
            if (layout.jumpTargets.get(pc)) leader[pc] = true;
            if (at.instruction() instanceof Instruction.Jump || at.instruction() instanceof Instruction.Exit) leader[pc + 1] = true;
        }
        int segment = 0;
        for (Instructions.At at : code) {
            if (leader[at.pc()]) segment = 0;
            countThrough[at.pc()] = ++segment;
        }
    }

    // ---- building --------------------------------------------------------------------------------

    byte[] build(List<FunctionPlan> plans) {
        segments(plans);
        int[] functionAt = new int[layout.code.slotCount()];
        Arrays.fill(functionAt, -1);
        for (ProgramLayout.Function f : layout.functions) functionAt[f.start()] = f.index();
        info = new ProgramInfo(image, engine, countThrough, functionAt);
        ProgramLayout.Function entry = layout.functions.getFirst();
        int entryReads = liveness.params[0] & ~Liveness.R1;
        return ClassFile.of().build(classDesc, clb -> {
            clb.withVersion(ClassFile.JAVA_25_VERSION, 0);
            clb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            clb.withSuperclass(CD_COMPILED_CODE);
            clb.withMethodBody(ConstantDescs.INIT_NAME, ConstantDescs.MTD_void, ClassFile.ACC_PUBLIC, cob -> {
                cob.aload(0);
                cob.loadConstant(entryReads);
                cob.invokespecial(CD_COMPILED_CODE, ConstantDescs.INIT_NAME, MethodTypeDesc.of(ConstantDescs.CD_void, CD_int));
                cob.return_();
            });
            // enter(ctx, r1, fp, depth): the entry function's parameters from r1 and the context's argument area
            clb.withMethodBody("enter", MethodTypeDesc.of(CD_long, CD_JIT_CONTEXT, CD_long, CD_long, CD_int), ClassFile.ACC_FINAL, cob -> {
                cob.aload(1);
                cob.lload(4);
                cob.iload(6);
                for (int r = 0; r <= 9; r++) {
                    if ((liveness.params[0] & 1 << r) == 0) continue;
                    if (r == 1) {
                        cob.lload(2);
                    } else {
                        cob.aload(1);
                        cob.invokevirtual(CD_JIT_CONTEXT, "registers", MethodTypeDesc.of(CD_long.arrayType()));
                        cob.iload(6);
                        cob.bipush(10);
                        cob.imul();
                        cob.loadConstant(r);
                        cob.iadd();
                        cob.laload();
                    }
                }
                cob.invokestatic(classDesc, functionName(entry), functionType(entry));
                cob.lreturn();
            });
            for (FunctionPlan plan : plans) {
                int flags = ClassFile.ACC_STATIC | ClassFile.ACC_PRIVATE;
                ProgramLayout.Function f = plan.function();
                if (!plan.split()) {
                    clb.withMethodBody(functionName(f), functionType(f), flags, cob -> Emitter.emitFunction(this, cob, f));
                    continue;
                }
                for (Chunk c : plan.chunks()) {
                    clb.withMethodBody(c.name(), chunkType, flags, cob -> Emitter.emitChunk(this, cob, c));
                }
                // Route tree: with many chunks, routers of at most `fanout` children keep every method small.
                List<Route> level = new ArrayList<>();
                for (Chunk c : plan.chunks()) level.add(new Route(c.from(), c.name()));
                int routers = 0;
                while (level.size() > fanout) {
                    List<Route> next = new ArrayList<>();
                    for (int i = 0; i < level.size(); i += fanout) {
                        List<Route> group = List.copyOf(level.subList(i, Math.min(i + fanout, level.size())));
                        String name = functionName(f) + "$r" + routers++;
                        clb.withMethodBody(name, chunkType, flags, cob -> route(cob, group, 0, group.size() - 1, -1, -1, null));
                        next.add(new Route(group.getFirst().from(), name));
                    }
                    level = next;
                }
                List<Route> top = level;
                clb.withMethodBody(functionName(f), functionType(f), flags, cob -> emitDispatcher(cob, plan, top));
            }
        });
    }

    /** A method that runs the code from {@code from} on: a chunk, or a router over chunks. */
    private record Route(int from, String method) {}

    /**
     * The method of a split function: parameters into a {@code long[11]}, then call the chunk (or router) holding the
     * pc until it returns -1, then return r0.
     */
    private void emitDispatcher(CodeBuilder cob, FunctionPlan plan, List<Route> routes) {
        ProgramLayout.Function f = plan.function();
        int params = liveness.params[f.index()];
        final int regs = Emitter.FIRST_PARAM + 2 * Integer.bitCount(params), pcSlot = regs + 1;
        cob.bipush(11);
        cob.newarray(java.lang.classfile.TypeKind.LONG);
        cob.astore(regs);
        int slot = Emitter.FIRST_PARAM;
        for (int r = 0; r <= 9; r++) {
            if ((params & 1 << r) == 0) continue;
            cob.aload(regs);
            cob.loadConstant(r);
            cob.lload(slot);
            cob.lastore();
            slot += 2;
        }
        cob.aload(regs);
        cob.bipush(10);
        cob.lload(Emitter.FP);
        cob.lastore();
        cob.loadConstant(f.start());
        cob.istore(pcSlot);
        Label loop = cob.newLabel();
        cob.labelBinding(loop);
        route(cob, routes, 0, routes.size() - 1, regs, pcSlot, loop);
    }

    /**
     * Binary search over the children's start pcs, then a call. In a router ({@code loop == null}) the call's result is
     * returned; in the dispatcher it becomes the next pc, and -1 ends the function.
     */
    private void route(CodeBuilder cob, List<Route> routes, int lo, int hi, int regsSlot, int pcSlot, Label loop) {
        boolean router = loop == null;
        int regs = router ? Emitter.REGS : regsSlot;
        int pc = router ? Emitter.ENTRY_PC : pcSlot;
        if (lo == hi) {
            cob.aload(Emitter.CTX);
            cob.aload(regs);
            cob.iload(pc);
            cob.iload(Emitter.DEPTH);
            cob.invokestatic(classDesc, routes.get(lo).method(), chunkType);
            if (router) {
                cob.ireturn();
                return;
            }
            cob.dup();
            cob.istore(pc);
            cob.ifge(loop);
            cob.aload(regs);
            cob.iconst_0();
            cob.laload();
            cob.lreturn();
            return;
        }
        int mid = (lo + hi + 1) >>> 1;
        Label upper = cob.newLabel();
        cob.iload(pc);
        cob.loadConstant(routes.get(mid).from());
        cob.if_icmpge(upper);
        route(cob, routes, lo, mid - 1, regsSlot, pcSlot, loop);
        cob.labelBinding(upper);
        route(cob, routes, mid, hi, regsSlot, pcSlot, loop);
    }

    /** Emits {@code throw new IllegalStateException(message)}: reached only if the compiler itself is wrong. */
    static void throwInternal(CodeBuilder cob, String message) {
        ClassDesc ise = ClassDesc.of(IllegalStateException.class.getName());
        cob.new_(ise);
        cob.dup();
        cob.ldc(message);
        cob.invokespecial(ise, ConstantDescs.INIT_NAME, MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_String));
        cob.athrow();
    }
}
