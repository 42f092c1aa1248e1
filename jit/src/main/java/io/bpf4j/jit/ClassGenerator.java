package io.bpf4j.jit;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;

/**
 * Lays out and builds the class for one program: a static method per eBPF function ({@code f0} is the entry,
 * one per bpf2bpf subprogram), plus the {@code run} bridge that {@link CompiledCode} declares.
 *
 * <p><b>Splitting.</b> HotSpot never compiles a method over 8,000 bytecode bytes, so a function whose code
 * would exceed the budget is cut, at instruction boundaries, into <em>chunks</em>: contiguous pc ranges, each a
 * static method {@code (env, long[] regs, int pc) → int}. The function's method becomes a dispatcher that keeps
 * the registers in a {@code long[11]}, calls the chunk containing the current pc and continues at the pc the
 * chunk returns (-1 after {@code exit}). Inside a chunk registers are locals again and jumps are JVM branches;
 * only jumps that leave the chunk and the fall-through at its end go back through the dispatcher. Chunk
 * boundaries are planned from per-instruction size estimates and then checked against the real code length;
 * a chunk that still overflows is re-planned with half the target.
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

    static final ClassDesc CD_COMPILED_CODE = ClassDesc.of(CompiledCode.class.getName());
    static final MethodTypeDesc RUN_TYPE = MethodTypeDesc.of(CD_long, CD_Object, CD_long, CD_long, CD_long);
    private static final int CHUNK_OVERHEAD = 200; // register loads and stores, switch header, the trap

    final ProgramLayout layout;
    private final int methodLimit;
    private final int fanout;
    final Linkage linkage;
    final ClassDesc classDesc;
    final MethodTypeDesc functionType;
    final MethodTypeDesc chunkType;
    private final List<Object> classData = new ArrayList<>();
    private final Map<Object, Integer> classDataIndex = new IdentityHashMap<>();

    ClassGenerator(ProgramLayout layout, Linkage linkage, ClassDesc classDesc, int methodLimit) {
        this.methodLimit = methodLimit;
        this.fanout = fanout();
        this.layout = layout;
        this.linkage = linkage;
        this.classDesc = classDesc;
        ClassDesc env = linkage.environmentType();
        this.functionType = MethodTypeDesc.of(CD_long, env, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long);
        this.chunkType = MethodTypeDesc.of(CD_int, env, CD_long.arrayType(), CD_int);
    }

    static String functionName(ProgramLayout.Function f) {
        return "f" + f.index();
    }

    /** The objects the generated class reads with {@code MethodHandles.classDataAt}, in index order. */
    List<Object> classData() {
        return List.copyOf(classData);
    }

    void loadClassData(CodeBuilder cob, Object value, ClassDesc type) {
        int index = classDataIndex.computeIfAbsent(value, v -> {
            classData.add(v);
            return classData.size() - 1;
        });
        cob.ldc(DynamicConstantDesc.ofNamed(ConstantDescs.BSM_CLASS_DATA_AT, ConstantDescs.DEFAULT_NAME, type, index));
    }

    // ---- planning --------------------------------------------------------------------------------

    int estimate(int from, int to) {
        int size = 0;
        for (int pc = from; pc < to; pc += layout.code.at(pc).slots()) size += Emitter.estimateSize(linkage, layout.code.at(pc));
        return size;
    }

    /** Whole if the estimate fits the target, else split. */
    FunctionPlan plan(ProgramLayout.Function f, int target) {
        if (estimate(f.start(), f.end()) + 64 <= target) return new FunctionPlan(f, List.of());
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
            int cost = Emitter.estimateSize(linkage, insn) + (layout.jumpTargets.get(pc) ? 8 : 0);
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

    // ---- building --------------------------------------------------------------------------------

    byte[] build(List<FunctionPlan> plans) {
        return ClassFile.of().build(classDesc, clb -> {
            clb.withVersion(ClassFile.JAVA_25_VERSION, 0);
            clb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            clb.withSuperclass(CD_COMPILED_CODE);
            clb.withMethodBody(ConstantDescs.INIT_NAME, ConstantDescs.MTD_void, ClassFile.ACC_PUBLIC, cob -> {
                cob.aload(0);
                cob.invokespecial(CD_COMPILED_CODE, ConstantDescs.INIT_NAME, ConstantDescs.MTD_void);
                cob.return_();
            });
            clb.withMethodBody("run", RUN_TYPE, ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL, cob -> {
                cob.aload(1);
                cob.checkcast(linkage.environmentType());
                cob.lload(2); // r1
                cob.lload(4); // r2
                cob.lconst_0();
                cob.lconst_0();
                cob.lconst_0();
                cob.lload(6); // r10
                cob.invokestatic(classDesc, functionName(layout.functions.getFirst()), functionType);
                cob.lreturn();
            });
            for (FunctionPlan plan : plans) {
                int flags = ClassFile.ACC_STATIC | ClassFile.ACC_PRIVATE;
                if (!plan.split()) {
                    clb.withMethodBody(functionName(plan.function()), functionType, flags,
                            cob -> Emitter.emitFunction(this, cob, plan.function()));
                } else {
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
                            String name = functionName(plan.function()) + "$r" + routers++;
                            clb.withMethodBody(name, chunkType, flags, cob -> route(cob, group, 0, group.size() - 1, null));
                            next.add(new Route(group.getFirst().from(), name));
                        }
                        level = next;
                    }
                    List<Route> top = level;
                    clb.withMethodBody(functionName(plan.function()), functionType, flags, cob -> emitDispatcher(cob, plan, top));
                }
            }
        });
    }

    /** A method that runs the code from {@code from} on: a chunk, or a router over chunks. */
    private record Route(int from, String method) {}

    /** Children per router: each costs about 30 bytes of bytecode. */
    private int fanout() {
        return Math.max(2, (methodLimit - 100) / 40);
    }

    /**
     * The method of a split function: registers into a {@code long[11]}, then call the chunk (or router) holding
     * the pc until it returns -1, then return r0.
     */
    private void emitDispatcher(CodeBuilder cob, FunctionPlan plan, List<Route> routes) {
        final int regs = Emitter.FUNCTION_REGISTER_BASE, pcSlot = regs + 1;
        cob.bipush(11);
        cob.newarray(java.lang.classfile.TypeKind.LONG);
        cob.astore(regs);
        for (int r = 1; r <= 5; r++) {
            cob.aload(regs);
            cob.loadConstant(r);
            cob.lload(1 + 2 * (r - 1));
            cob.lastore();
        }
        cob.aload(regs);
        cob.bipush(10);
        cob.lload(11);
        cob.lastore();
        cob.loadConstant(plan.function().start());
        cob.istore(pcSlot);
        Label loop = cob.newLabel();
        cob.labelBinding(loop);
        route(cob, routes, 0, routes.size() - 1, new int[] {regs, pcSlot}, loop);
    }

    private void route(CodeBuilder cob, List<Route> routes, int lo, int hi, int[] dispatcher) {
        route(cob, routes, lo, hi, dispatcher, null);
    }

    /**
     * Binary search over the children's start pcs, then a call. In a router ({@code dispatcher == null}) the call's
     * result is returned; in the dispatcher it becomes the next pc, and -1 ends the function with r0.
     */
    private void route(CodeBuilder cob, List<Route> routes, int lo, int hi, int[] dispatcher, Label loop) {
        int regsSlot = dispatcher == null ? Emitter.CHUNK_REGS_SLOT : dispatcher[0];
        int pcSlot = dispatcher == null ? Emitter.CHUNK_PC_SLOT : dispatcher[1];
        if (lo == hi) {
            cob.aload(Emitter.ENV_SLOT);
            cob.aload(regsSlot);
            cob.iload(pcSlot);
            cob.invokestatic(classDesc, routes.get(lo).method(), chunkType);
            if (dispatcher == null) {
                cob.ireturn();
                return;
            }
            cob.dup();
            cob.istore(pcSlot);
            cob.ifge(loop);
            cob.aload(regsSlot);
            cob.iconst_0();
            cob.laload();
            cob.lreturn();
            return;
        }
        int mid = (lo + hi + 1) >>> 1;
        Label upper = cob.newLabel();
        cob.iload(pcSlot);
        cob.loadConstant(routes.get(mid).from());
        cob.if_icmpge(upper);
        route(cob, routes, lo, mid - 1, dispatcher, loop);
        cob.labelBinding(upper);
        route(cob, routes, mid, hi, dispatcher, loop);
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
