package io.bpf4j.cli;

import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.RawInstruction;
import io.bpf4j.isa.text.Disassembler;
import io.bpf4j.object.LineInfo;
import io.bpf4j.object.MapReference;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.object.Subprogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** {@code bpf4j disasm OBJ}: the programs' instructions in llvm-objdump's syntax. */
@Command(name = "disasm",
        mixinStandardHelpOptions = true,
        header = "Disassemble programs, llvm-objdump style (-S: C source)",
        sortOptions = false,
        description = {
                "Disassemble the programs of a BPF object in llvm-objdump's syntax, as they will be loaded: each "
                        + "program with the subprograms it calls linked after it, map references shown as relocations "
                        + "(R_BPF_64_64 MAP), jump targets as <function+offset>.",
                "With -S, the C source line each group of instructions came from (the object's BTF line info; "
                        + "build with clang -g)."},
        footer = {"", "Examples:", "  bpf4j disasm examples/xdp-firewall/firewall.o --prog policy -S",
                "  bpf4j disasm examples/tc-cb/tc_prio.o --json"})
final class DisasmCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "OBJ", description = "A BPF object file.")
    Path object;

    @Option(names = "--prog", paramLabel = "NAME", description = "Only this program (default: all).")
    String prog;

    @Option(names = {"-S", "--source"}, description = "Interleave the C source lines (needs BTF line info: clang -g).")
    boolean source;

    @Option(names = "--no-show-raw-insn", description = "Leave out the instruction bytes, like llvm-objdump's option of that name.")
    boolean noRaw;

    @Option(names = "--json", description = "Print JSON for machines instead of text.")
    boolean json;

    @Override
    public Integer call() {
        ObjectSpec spec = ObjectFiles.read(object);
        List<ProgramSpec> programs = prog == null ? spec.programs() : List.of(ObjectFiles.program(spec, prog));
        if (source && programs.stream().allMatch(p -> p.lineInfos().isEmpty())) {
            err().println("bpf4j disasm: " + object + " has no BTF line info, so -S has no source to show (build with clang -g)");
        }
        if (json) {
            List<Object> out = new ArrayList<>();
            for (ProgramSpec p : programs) out.add(programJson(p));
            printJson(Json.object().put("object", object.toString()).put("programs", out));
            return 0;
        }
        PrintWriter w = out();
        w.println();
        w.println(object.getFileName() + ":\tfile format elf64-bpf");
        for (ProgramSpec p : programs) print(w, p);
        w.flush();
        return 0;
    }

    /**
     * The program as the object file holds it: a map reference's lddw is the constant 0 clang wrote, with a
     * relocation naming the map (and, for a global variable, its offset in the data section), as llvm-objdump -dr
     * shows it.
     */
    static Instructions asInObject(ProgramSpec p) {
        Instructions code = p.instructions();
        for (MapReference r : p.mapReferences()) {
            Instruction.LoadImm64 l = (Instruction.LoadImm64) code.at(r.pc());
            code = code.with(r.pc(), Instruction.LoadImm64.constant(l.dst(), 0));
        }
        return code;
    }

    private void print(PrintWriter w, ProgramSpec p) {
        Instructions code = asInObject(p);
        long[] raw = code.encodeSlots();
        Map<Integer, MapReference> refs = new HashMap<>();
        for (MapReference r : p.mapReferences()) refs.put(r.pc(), r);
        w.println();
        w.println("Disassembly of program " + p.name() + " (section " + p.sectionName() + ", " + code.size() + " instructions):");
        LineInfo lastLine = null;
        for (Instructions.At at : code) {
            int pc = at.pc();
            for (Subprogram s : p.subprograms()) {
                if (s.startPc() == pc) {
                    w.println();
                    w.printf("%016x <%s>:%n", (long) pc * 8, s.name());
                }
            }
            if (source) {
                LineInfo li = p.lineAt(pc);
                if (li != null && li.sourceText() != null && !li.sourceText().isEmpty()
                        && (lastLine == null || li.line() != lastLine.line() || !Objects.equals(li.file(), lastLine.file()))) {
                    w.println("; " + li.sourceText());
                }
                if (li != null) lastLine = li;
            }
            String pcText = Integer.toString(pc);
            StringBuilder line = new StringBuilder();
            line.append(" ".repeat(Math.max(0, 8 - pcText.length()))).append(pcText).append(":\t");
            if (!noRaw) {
                line.append(RawInstruction.hex(raw[pc]));
                if (at.instruction().slots() == 2) line.append(' ').append(RawInstruction.hex(raw[pc + 1]));
                line.append('\t');
            }
            line.append(Disassembler.instruction(at.instruction(), pc));
            String target = targetLabel(p, at);
            if (target != null) line.append(' ').append(target);
            w.println(line);
            MapReference r = refs.get(pc);
            if (r != null) {
                w.printf("\t\t%016x:  R_BPF_64_64\t%s%n", (long) pc * 8, r.mapName() + (r.valueAccess() && r.offset() != 0 ? "+0x" + Integer.toHexString(r.offset()) : ""));
            }
        }
    }

    /** llvm-objdump's {@code <function+0xoffset>} after a jump, {@code <function>} after a local call. */
    static String targetLabel(ProgramSpec p, Instructions.At at) {
        int target;
        switch (at.instruction()) {
            case Instruction.Jump j -> target = j.target(at.pc());
            case Instruction.Call c when c.kind() == CallKind.LOCAL -> {
                Subprogram s = p.subprogramAt(c.target(at.pc()));
                return s == null ? null : "<" + s.name() + ">";
            }
            default -> {
                return null;
            }
        }
        Subprogram s = p.subprogramAt(target);
        if (s == null) return null;
        int off = (target - s.startPc()) * 8;
        return "<" + s.name() + (off == 0 ? "" : "+0x" + Integer.toHexString(off)) + ">";
    }

    private Object programJson(ProgramSpec p) {
        Instructions code = asInObject(p);
        long[] raw = code.encodeSlots();
        Map<Integer, MapReference> refs = new HashMap<>();
        for (MapReference r : p.mapReferences()) refs.put(r.pc(), r);
        List<Object> insns = new ArrayList<>();
        for (Instructions.At at : code) {
            int pc = at.pc();
            Json.Obj o = Json.object().put("pc", pc);
            StringBuilder bytes = new StringBuilder(RawInstruction.hex(raw[pc]));
            if (at.instruction().slots() == 2) bytes.append(' ').append(RawInstruction.hex(raw[pc + 1]));
            o.put("bytes", bytes.toString()).put("text", Disassembler.instruction(at.instruction(), pc));
            Subprogram fn = p.subprogramAt(pc);
            if (fn != null) o.put("function", fn.name());
            switch (at.instruction()) {
                case Instruction.Jump j -> o.put("target_pc", j.target(pc));
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> o.put("target_pc", c.target(pc));
                case Instruction.Call c when c.kind() == CallKind.HELPER -> {
                    io.bpf4j.abi.Helper h = helper(c.imm());
                    if (h != null) o.put("helper", h.cName());
                }
                default -> {
                }
            }
            MapReference r = refs.get(pc);
            if (r != null) {
                o.put("map", r.mapName());
                if (r.valueAccess()) o.put("map_value_offset", r.offset());
            }
            LineInfo li = p.lineAt(pc);
            if (source && li != null) {
                o.put("source", Json.object().put("file", li.file()).put("line", li.line()).put("column", li.column()).put("text", li.sourceText()));
            }
            insns.add(o);
        }
        List<Object> functions = new ArrayList<>();
        for (Subprogram s : p.subprograms()) functions.add(Json.object().put("name", s.name()).put("start_pc", s.startPc()).put("end_pc", s.endPc()));
        return Json.object().put("name", p.name()).put("section", p.sectionName()).put("functions", functions).put("instructions", insns);
    }

    static io.bpf4j.abi.Helper helper(int id) {
        return io.bpf4j.abi.Helper.ofId(id);
    }
}
