package io.bpf4j.jit;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Semantics;
import io.bpf4j.isa.Source;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static java.lang.constant.ConstantDescs.CD_Integer;
import static java.lang.constant.ConstantDescs.CD_Long;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;

/**
 * Emits the bytecode of one generated method: a whole eBPF function, or one chunk of a function too big for a
 * single method. eBPF registers live in {@code long} locals; every eBPF jump becomes a JVM branch.
 *
 * <p>Concrete semantics come from {@link Semantics}: operations the JVM performs identically by itself (add,
 * sub, mul, bitwise ops, negation, moves, sign-extending moves, comparisons) are inlined; the rest (division,
 * modulo, shifts, byte swaps) are {@code invokestatic} calls to the one definition, which HotSpot inlines.
 *
 * <p>Chunk methods take the registers in a {@code long[]} and return the pc to continue at (or -1 after
 * {@code exit}); see {@link ClassGenerator} for the split strategy.
 */
final class Emitter {
    static final ClassDesc CD_SEMANTICS = ClassDesc.of(Semantics.class.getName());
    static final ClassDesc CD_ENDIAN_OP = ClassDesc.of(EndianOp.class.getName());
    private static final MethodTypeDesc MTD_JJ_J = MethodTypeDesc.of(CD_long, CD_long, CD_long);
    private static final MethodTypeDesc MTD_JJ_I = MethodTypeDesc.of(CD_int, CD_long, CD_long);
    private static final MethodTypeDesc MTD_II_I = MethodTypeDesc.of(CD_int, CD_int, CD_int);
    private static final MethodTypeDesc MTD_ENDIAN = MethodTypeDesc.of(CD_long, CD_ENDIAN_OP, CD_int, CD_long);
    private static final long LOW32 = 0xffff_ffffL;

    /** Local slot of the environment parameter in every generated method. */
    static final int ENV_SLOT = 0;

    final ClassGenerator gen;
    final CodeBuilder cob;
    private final ClassGenerator.Chunk chunk; // null when emitting a whole function
    private final int registerBase;
    private final Map<Integer, Label> labels = new HashMap<>();
    private final Map<Integer, Label> leaving = new TreeMap<>(); // chunk mode: pcs outside the chunk
    private Label exitStub; // chunk mode
    private final int from, to;

    private Emitter(ClassGenerator gen, CodeBuilder cob, ClassGenerator.Chunk chunk, int registerBase, int from, int to) {
        this.gen = gen;
        this.cob = cob;
        this.chunk = chunk;
        this.registerBase = registerBase;
        this.from = from;
        this.to = to;
    }

    // ---- method shapes ---------------------------------------------------------------------------

    /** Parameters of a function method: env, r1..r5, the frame pointer; locals for r0..r10 follow. */
    static final int FUNCTION_REGISTER_BASE = 1 + 2 * 6;

    /** Parameters of a chunk method: env, {@code long[] regs}, the entry pc; locals for r0..r10 follow, then the next pc. */
    static final int CHUNK_REGS_SLOT = 1, CHUNK_PC_SLOT = 2, CHUNK_REGISTER_BASE = 3;
    private static final int CHUNK_NEXT_SLOT = CHUNK_REGISTER_BASE + 2 * 11;

    /** Emits a whole function as one method. */
    static void emitFunction(ClassGenerator gen, CodeBuilder cob, ProgramLayout.Function f) {
        Emitter e = new Emitter(gen, cob, null, FUNCTION_REGISTER_BASE, f.start(), f.end());
        for (int r = 1; r <= 5; r++) {
            cob.lload(1 + 2 * (r - 1));
            e.storeRegister(r);
        }
        cob.lload(1 + 2 * 5);
        e.storeRegister(10);
        for (int r : new int[] {0, 6, 7, 8, 9}) {
            cob.lconst_0();
            e.storeRegister(r);
        }
        for (int pc = f.start(); pc < f.end(); pc++) {
            if (gen.layout.jumpTargets.get(pc)) e.labels.put(pc, cob.newLabel());
        }
        e.body();
    }

    /** Emits one chunk: load all registers, dispatch on the entry pc, run, store all registers, return the next pc. */
    static void emitChunk(ClassGenerator gen, CodeBuilder cob, ClassGenerator.Chunk chunk) {
        Emitter e = new Emitter(gen, cob, chunk, CHUNK_REGISTER_BASE, chunk.from(), chunk.to());
        for (int r = 0; r <= 10; r++) {
            cob.aload(CHUNK_REGS_SLOT);
            cob.loadConstant(r);
            cob.laload();
            e.storeRegister(r);
        }
        for (int pc = chunk.from(); pc < chunk.to(); pc++) {
            if (gen.layout.jumpTargets.get(pc) || chunk.entries().contains(pc)) e.labels.put(pc, cob.newLabel());
        }
        Label bad = cob.newLabel();
        List<SwitchCase> cases = new ArrayList<>();
        for (int entry : chunk.entries()) cases.add(SwitchCase.of(entry, e.labels.get(entry)));
        cob.iload(CHUNK_PC_SLOT);
        cob.lookupswitch(bad, cases);
        e.body();
        // Leaving the chunk: remember where to continue, store the registers back, return the pc.
        Label storeAll = cob.newLabel();
        for (Map.Entry<Integer, Label> out : e.leaving.entrySet()) {
            cob.labelBinding(out.getValue());
            cob.loadConstant(out.getKey());
            cob.istore(CHUNK_NEXT_SLOT);
            cob.goto_(storeAll);
        }
        if (e.exitStub != null) {
            cob.labelBinding(e.exitStub);
            cob.iconst_m1();
            cob.istore(CHUNK_NEXT_SLOT);
            cob.goto_(storeAll);
        }
        cob.labelBinding(bad);
        ClassGenerator.throwInternal(cob, "chunk " + chunk.name() + " entered at a pc that is not one of its entries");
        cob.labelBinding(storeAll);
        for (int r = 0; r <= 10; r++) {
            cob.aload(CHUNK_REGS_SLOT);
            cob.loadConstant(r);
            e.loadRegister(r);
            cob.lastore();
        }
        cob.iload(CHUNK_NEXT_SLOT);
        cob.ireturn();
    }

    // ---- helpers for linkages ---------------------------------------------------------------------

    /** The program being compiled. */
    String program() {
        return gen.layout.program;
    }

    void loadRegister(int r) {
        cob.lload(registerBase + 2 * r);
    }

    void storeRegister(int r) {
        cob.lstore(registerBase + 2 * r);
    }

    void loadEnvironment() {
        cob.aload(ENV_SLOT);
    }

    /** Loads a live object given to the class as class data, typed, so C2 sees a constant. */
    void loadConstantObject(Object value, ClassDesc type) {
        gen.loadClassData(cob, value, type);
    }

    /** The exception that makes the compiler give up on this program at {@code pc}. */
    JitCompilationException unsupported(int pc, String problem) {
        return new JitCompilationException(program(), pc, problem + " (" + gen.layout.code.at(pc) + ")");
    }

    // ---- the body --------------------------------------------------------------------------------

    private void body() {
        for (int pc = from; pc < to; ) {
            Label l = labels.get(pc);
            if (l != null) cob.labelBinding(l);
            Instruction insn = gen.layout.code.at(pc);
            instruction(pc, insn);
            pc += insn.slots();
            if (pc == to && chunk != null && fallsThrough(insn)) cob.goto_(target(pc));
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
            case Instruction.Exit x -> exit();
            case Instruction.LoadImm64 l -> loadImm64(pc, l);
            case Instruction.Call c when c.kind() == CallKind.LOCAL -> localCall(pc, c.target(pc));
            case Instruction.Call c -> gen.linkage.call(this, pc, c);
            case Instruction.CallIndirect c -> gen.linkage.call(this, pc, c);
            case Instruction.Load l -> gen.linkage.load(this, pc, l);
            case Instruction.Store s -> gen.linkage.store(this, pc, s);
            case Instruction.Atomic a -> gen.linkage.atomic(this, pc, a);
            case Instruction.PacketLoad p -> gen.linkage.packetLoad(this, pc, p);
        }
    }

    /** Rough upper bound of the bytes {@link #instruction} emits, for split planning. */
    static int estimateSize(Linkage linkage, Instruction insn) {
        return switch (insn) {
            case Instruction.Alu a -> 16;
            case Instruction.Endian en -> 14;
            case Instruction.Jump j -> 24; // with a possible stub leaving the chunk
            case Instruction.Exit x -> 6;
            case Instruction.LoadImm64 l -> l.pseudo() == Pseudo.IMM || l.pseudo() == Pseudo.FUNC ? 6 : 8 + linkage.estimateSize(insn);
            case Instruction.Call c when c.kind() == CallKind.LOCAL -> 40;
            default -> 8 + linkage.estimateSize(insn);
        };
    }

    // ---- ALU -------------------------------------------------------------------------------------

    /** Pushes the 64-bit operand: the source register or the sign-extended immediate. */
    private void operand64(Instruction.Alu a) {
        if (a.source() == Source.REG) loadRegister(a.src());
        else cob.loadConstant((long) a.imm());
    }

    /** Pushes the low 32 bits of the operand as an int. */
    private void operand32(Instruction.Alu a) {
        if (a.source() == Source.REG) {
            loadRegister(a.src());
            cob.l2i();
        } else {
            cob.loadConstant(a.imm());
        }
    }

    /** int on the stack → zero-extended long (Semantics.zext, inlined). */
    private void zeroExtend() {
        cob.i2l();
        cob.loadConstant(LOW32);
        cob.land();
    }

    private void semantics(String name) {
        cob.invokestatic(CD_SEMANTICS, name, MTD_JJ_J);
    }

    private void alu(Instruction.Alu a) {
        int d = a.dst();
        if (a.alu64()) {
            switch (a.op()) {
                case MOV -> operand64(a);
                case MOVSX8 -> {
                    loadRegister(a.src());
                    cob.l2i();
                    cob.i2b();
                    cob.i2l();
                }
                case MOVSX16 -> {
                    loadRegister(a.src());
                    cob.l2i();
                    cob.i2s();
                    cob.i2l();
                }
                case MOVSX32 -> {
                    loadRegister(a.src());
                    cob.l2i();
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
                    semantics(semanticsName(a.op()) + "64");
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
                    semantics(semanticsName(a.op()) + "32");
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
        cob.invokestatic(CD_SEMANTICS, "endian", MTD_ENDIAN);
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
        Label taken = target(j.target(pc));
        if (j.op() == JumpOp.JA) {
            cob.goto_(taken);
            return;
        }
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
                    cob.invokestatic(CD_Integer, "compareUnsigned", MTD_II_I);
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
                    cob.invokestatic(CD_Long, "compareUnsigned", MTD_JJ_I);
                    branchOnSign(j.op(), taken);
                }
                case JA -> throw new IllegalStateException();
            }
        }
    }

    /** After an unsigned compare: branch on the sign of the result. */
    private void branchOnSign(JumpOp op, Label taken) {
        switch (op) {
            case JGT -> cob.ifgt(taken);
            case JGE -> cob.ifge(taken);
            case JLT -> cob.iflt(taken);
            case JLE -> cob.ifle(taken);
            default -> throw new IllegalArgumentException(op.toString());
        }
    }

    private void exit() {
        if (chunk == null) {
            loadRegister(0);
            cob.lreturn();
        } else {
            if (exitStub == null) exitStub = cob.newLabel();
            cob.goto_(exitStub);
        }
    }

    private void loadImm64(int pc, Instruction.LoadImm64 l) {
        switch (l.pseudo()) {
            case IMM -> {
                cob.loadConstant(l.value());
                storeRegister(l.dst());
            }
            default -> gen.linkage.loadPseudo(this, pc, l);
        }
    }

    /** bpf2bpf call: the callee is a static method; r1–r5 are its arguments, r0 its result; r6–r9 stay in our locals. */
    private void localCall(int pc, int target) {
        ProgramLayout.Function callee = gen.layout.functionStartingAt(target);
        loadEnvironment();
        for (int r = 1; r <= 5; r++) loadRegister(r);
        gen.linkage.calleeFramePointer(this, pc);
        cob.invokestatic(gen.classDesc, ClassGenerator.functionName(callee), gen.functionType);
        storeRegister(0);
    }
}
