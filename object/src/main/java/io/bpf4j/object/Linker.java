package io.bpf4j.object;

import io.bpf4j.btf.Btf;
import io.bpf4j.btf.BtfExt;
import io.bpf4j.btf.BtfType;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.MalformedInstructionException;
import io.bpf4j.isa.Pseudo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Builds one program's final code: its own function, then each {@code .text} function it reaches through
 * calls or function pointers, appended in order of first use (libbpf's layout). Offsets in the appended code
 * are rewritten so every call and function pointer lands where its target now is; map references become
 * pseudo MAP_FD / MAP_VALUE lddw instructions recorded symbolically; BTF.ext records follow their
 * instructions to the new pcs.
 *
 * <pre>
 *   program section            .text                         linked program
 *   ┌──────────────┐          ┌───────────┐ sum_of_squares   ┌──────────────┐ 0
 *   │ xdp_squares  │ call ──▶ │ ...call ──┼─▶ square         │ xdp_squares  │
 *   └──────────────┘          └───────────┘                  ├──────────────┤ base(sum_of_squares)
 *                                                            │ sum_of_squ.. │
 *                                                            ├──────────────┤ base(square)
 *                                                            │ square       │
 *                                                            └──────────────┘
 * </pre>
 */
final class Linker {
    interface Functions {
        CodeFunction at(int sectionIndex, int slot);
    }

    interface Relocations {
        RelocationTarget at(int sectionIndex, int slot);
    }

    record Linked(Instructions instructions, List<MapReference> mapReferences, List<Subprogram> subprograms,
                  List<FuncInfo> funcInfos, List<LineInfo> lineInfos) {}

    private final String file;
    private final Functions functions;
    private final Relocations relocations;
    private final IntFunction<String> sectionName;
    private final Btf btf;
    private final BtfExt btfExt;

    Linker(String file, Functions functions, Relocations relocations, IntFunction<String> sectionName, Btf btf, BtfExt btfExt) {
        this.file = file;
        this.functions = functions;
        this.relocations = relocations;
        this.sectionName = sectionName;
        this.btf = btf;
        this.btfExt = btfExt;
    }

    Linked link(CodeFunction program) {
        Layout layout = new Layout();
        layout.add(program);
        List<Instruction> out = new ArrayList<>();
        List<MapReference> refs = new ArrayList<>();

        // The list grows while we walk it: each appended function is linked in turn, so the output stays in
        // placement order and each function's instructions start at its base.
        for (int i = 0; i < layout.placed.size(); i++) {
            CodeFunction f = layout.placed.get(i);
            int fBase = layout.base.get(f);
            for (Instructions.At at : f.code()) {
                int sectionSlot = f.start() + at.pc();
                int pc = fBase + at.pc();
                Instruction insn = at.instruction();
                RelocationTarget target = relocations.at(f.section().index(), sectionSlot);
                String where = "function " + f.name() + " pc " + at.pc();
                switch (insn) {
                    case Instruction.Call call when call.kind() == CallKind.LOCAL -> {
                        // Without a relocation the assembler already resolved the call inside this section.
                        int destSection = f.section().index(), destSlot = sectionSlot + call.imm() + 1;
                        if (target instanceof RelocationTarget.Code code) {
                            destSection = code.sectionIndex();
                            destSlot = code.slot();
                        }
                        CodeFunction callee = place(f, where, destSection, destSlot, false, layout);
                        insn = Instruction.Call.local(layout.base.get(callee) + (destSlot - callee.start()) - (pc + 1));
                    }
                    case Instruction.LoadImm64 lddw when target instanceof RelocationTarget.Map map -> {
                        insn = new Instruction.LoadImm64(lddw.dst(), map.value() ? Pseudo.MAP_VALUE : Pseudo.MAP_FD, 0, map.value() ? map.offset() : 0);
                        refs.add(new MapReference(pc, map.mapName(), map.value(), map.offset()));
                    }
                    case Instruction.LoadImm64 lddw when target instanceof RelocationTarget.Code || lddw.pseudo() == Pseudo.FUNC -> {
                        int destSection = f.section().index(), destSlot = sectionSlot + lddw.imm() + 1;
                        if (target instanceof RelocationTarget.Code code) {
                            destSection = code.sectionIndex();
                            destSlot = code.slot();
                        }
                        CodeFunction callee = place(f, where, destSection, destSlot, true, layout);
                        insn = new Instruction.LoadImm64(lddw.dst(), Pseudo.FUNC, layout.base.get(callee) - (pc + 1), 0);
                    }
                    case Instruction.LoadImm64 lddw when lddw.pseudo() != Pseudo.IMM -> throw new MalformedObjectException(file, f.section().name(), where,
                            "lddw with pseudo source " + lddw.pseudo() + " but no relocation saying what it refers to");
                    default -> {
                    }
                }
                out.add(insn);
            }
        }
        List<CodeFunction> placed = layout.placed;
        Map<CodeFunction, Integer> base = layout.base;

        Instructions instructions = Instructions.of(out);
        try {
            instructions.checkControlFlow();
        } catch (MalformedInstructionException e) {
            Subprogram in = null;
            List<Subprogram> subs = subprograms(placed, base);
            for (Subprogram s : subs) if (s.contains(e.pc())) in = s;
            throw new MalformedObjectException(file, program.section().name(), "program " + program.name() + " pc " + e.pc()
                    + (in != null ? " (in " + in.name() + ")" : ""), e.getMessage(), e);
        }
        List<Subprogram> subprograms = subprograms(placed, base);
        checkCoreRelocations(program, placed, base);
        return new Linked(instructions, refs, subprograms, funcInfos(placed, base), lineInfos(placed, base));
    }

    /**
     * The function {@code (section, slot)} lies in, placed in the program if it is not yet. A call may land inside
     * the calling function (a loop the compiler turned into a call? no: clang emits those as jumps, but the ISA
     * allows it) or at a function's first instruction; a function pointer must name a function's first slot.
     */
    private CodeFunction place(CodeFunction caller, String where, int section, int slot, boolean address, Layout layout) {
        CodeFunction callee = functions.at(section, slot);
        String what = address ? "function address" : "call";
        if (callee == null) {
            throw new LinkException(file, caller.section().name(), where, what + " to slot " + slot + " of " + sectionName.apply(section) + ", which is in no function");
        }
        // A call may land inside the calling function itself (the ISA allows it); it then stays where it is.
        if (callee == caller && !address) return callee;
        if (callee.start() != slot) {
            throw new LinkException(file, caller.section().name(), where, what + " into the middle of " + callee.name() + " (slot " + slot + ", it starts at " + callee.start() + ")");
        }
        if (callee.isProgram()) {
            throw new LinkException(file, caller.section().name(), where, what + " to program " + callee.name()
                    + "; bpf2bpf calls and callbacks must target .text functions (subprograms)");
        }
        layout.add(callee);
        return callee;
    }

    /** Functions in placement order and where each starts in the linked program. */
    private static final class Layout {
        final List<CodeFunction> placed = new ArrayList<>();
        final Map<CodeFunction, Integer> base = new IdentityHashMap<>();
        int length;

        void add(CodeFunction f) {
            if (base.containsKey(f)) return;
            placed.add(f);
            base.put(f, length);
            length += f.length();
        }
    }

    private static List<Subprogram> subprograms(List<CodeFunction> placed, Map<CodeFunction, Integer> base) {
        List<Subprogram> out = new ArrayList<>();
        for (CodeFunction f : placed) out.add(new Subprogram(f.name(), base.get(f), base.get(f) + f.length()));
        return out;
    }

    private List<FuncInfo> funcInfos(List<CodeFunction> placed, Map<CodeFunction, Integer> base) {
        if (btfExt == null) return List.of();
        List<FuncInfo> out = new ArrayList<>();
        for (CodeFunction f : placed) {
            for (BtfExt.FuncInfo info : btfExt.funcInfos(f.section().name())) {
                int slot = slotOf(f, info.byteOffset());
                if (slot < 0) continue;
                BtfType t = btf.type(info.typeId());
                if (!(t instanceof BtfType.Func func)) {
                    throw new MalformedObjectException(file, ".BTF.ext", "func_info for " + f.name(), "type " + info.typeId() + " is not a FUNC");
                }
                out.add(new FuncInfo(base.get(f) + slot, func.name(), info.typeId()));
            }
        }
        out.sort(Comparator.comparingInt(FuncInfo::pc));
        return out;
    }

    private List<LineInfo> lineInfos(List<CodeFunction> placed, Map<CodeFunction, Integer> base) {
        if (btfExt == null) return List.of();
        List<LineInfo> out = new ArrayList<>();
        for (CodeFunction f : placed) {
            for (BtfExt.LineInfo info : btfExt.lineInfos(f.section().name())) {
                int slot = slotOf(f, info.byteOffset());
                if (slot >= 0) out.add(new LineInfo(base.get(f) + slot, info.file(), info.line(), info.column(), info.sourceText(),
                        info.fileNameOffset(), info.sourceTextOffset()));
            }
        }
        out.sort(Comparator.comparingInt(LineInfo::pc));
        return out;
    }

    /** CO-RE relocations must be applied against the running kernel's BTF; bpf4j cannot, and says where. */
    private void checkCoreRelocations(CodeFunction program, List<CodeFunction> placed, Map<CodeFunction, Integer> base) {
        if (btfExt == null) return;
        for (CodeFunction f : placed) {
            for (BtfExt.CoreRelocation relo : btfExt.coreRelocations(f.section().name())) {
                int slot = slotOf(f, relo.byteOffset());
                if (slot < 0) continue;
                BtfType t = relo.typeId() < btf.typeCount() ? btf.type(relo.typeId()) : null;
                String type = t == null ? "type " + relo.typeId() : t.name().isEmpty() ? "anonymous type " + relo.typeId() : "'" + t.name() + "'";
                throw new UnsupportedFeatureException(file, program.name(), base.get(f) + slot,
                        "CO-RE relocation (" + relo.kindName() + ", access " + relo.accessString() + " of " + type + ")"
                                + (f != program ? " in subprogram " + f.name() : "") + " in section " + f.section().name()
                                + " is not supported: bpf4j does not relocate CO-RE accesses yet");
            }
        }
    }

    /** The slot inside {@code f} of a BTF.ext byte offset in its section, or -1 when outside f. */
    private static int slotOf(CodeFunction f, int byteOffset) {
        if (byteOffset % 8 != 0) return -1;
        int slot = byteOffset / 8 - f.start();
        return slot >= 0 && slot < f.length() ? slot : -1;
    }
}
