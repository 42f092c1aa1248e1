package io.bpf4j.object;

import io.bpf4j.abi.Helper;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** subprogs.c and multi.c: .text subprograms linked into each program, callbacks, several programs per section. */
class LinkingTest {
    private final ObjectSpec spec = ObjectSpec.read(Fixtures.path("subprogs.o"));

    @Test
    void programsInTwoSectionsBothGetTheSharedSubprograms() {
        for (String name : List.of("xdp_squares", "sock_squares")) {
            ProgramSpec p = spec.program(name);
            // sum_of_squares calls square: both are appended, the program first.
            assertThat(p.subprograms()).extracting(Subprogram::name).containsExactly(name, "sum_of_squares", "square");
            assertThat(p.subprograms().getFirst().startPc()).isZero();
            assertThat(p.subprograms().getLast().endPc()).isEqualTo(p.instructions().slotCount());
        }
        assertThat(spec.program("xdp_squares").type()).isEqualTo(ProgramType.XDP);
        assertThat(spec.program("sock_squares").type()).isEqualTo(ProgramType.SOCKET_FILTER);
        assertThat(spec.programs()).extracting(ProgramSpec::name).doesNotContain("square", "sum_of_squares", "add_index");
    }

    @Test
    void everyCallLandsOnTheFirstInstructionOfItsCallee() {
        for (String name : List.of("xdp_squares", "sock_squares")) {
            ProgramSpec p = spec.program(name);
            Subprogram sumOfSquares = byName(p, "sum_of_squares"), square = byName(p, "square");
            List<Integer> fromProgram = callTargetsIn(p, p.subprograms().getFirst());
            List<Integer> fromSumOfSquares = callTargetsIn(p, sumOfSquares);
            assertThat(fromProgram).as(name + " calls sum_of_squares once").containsExactly(sumOfSquares.startPc());
            assertThat(fromSumOfSquares).as("sum_of_squares calls square twice").containsExactly(square.startPc(), square.startPc());
            p.instructions().checkControlFlow();
        }
    }

    @Test
    void theSharedSubprogramHasTheSameCodeInBothPrograms() {
        ProgramSpec xdp = spec.program("xdp_squares"), sock = spec.program("sock_squares");
        Subprogram a = byName(xdp, "square"), b = byName(sock, "square");
        assertThat(a.length()).isEqualTo(b.length());
        for (int i = 0; i < a.length(); i++) {
            assertThat(xdp.instructions().slot(a.startPc() + i)).isEqualTo(sock.instructions().slot(b.startPc() + i));
        }
    }

    @Test
    void theBpfLoopCallbackIsAFunctionPointerToTheAppendedCallback() {
        ProgramSpec p = spec.program("xdp_loop");
        Subprogram callback = byName(p, "add_index");
        int loopCall = -1;
        Instruction.LoadImm64 pointer = null;
        int pointerPc = -1;
        for (Instructions.At at : p.instructions()) {
            if (at.instruction() instanceof Instruction.LoadImm64 l && l.pseudo() == Pseudo.FUNC) {
                pointer = l;
                pointerPc = at.pc();
            }
            if (at.instruction() instanceof Instruction.Call c && c.kind() == CallKind.HELPER && c.imm() == Helper.LOOP.id()) loopCall = at.pc();
        }
        assertThat(pointer).as("lddw pseudo func").isNotNull();
        assertThat(pointer.dst()).as("bpf_loop's callback is its second argument").isEqualTo(2);
        assertThat(pointerPc + 1 + pointer.imm()).isEqualTo(callback.startPc());
        assertThat(loopCall).isGreaterThan(pointerPc);
        assertThat(p.funcInfos()).extracting(FuncInfo::name).containsExactly("xdp_loop", "add_index");
        assertThat(p.funcInfos().get(1).pc()).isEqualTo(callback.startPc());
    }

    @Test
    void lineInfoFollowsTheLinkedCodeAndQuotesTheSource() {
        ProgramSpec p = spec.program("sock_squares");
        assertThat(p.lineInfos()).isNotEmpty();
        assertThat(p.lineInfos()).isSortedAccordingTo(java.util.Comparator.comparingInt(LineInfo::pc));
        assertThat(p.lineInfos().getFirst().pc()).isZero();
        assertThat(p.lineInfos()).allSatisfy(l -> assertThat(l.file()).endsWith("subprogs.c"));
        Subprogram square = byName(p, "square");
        // Clang gives a subprogram's first instruction the line of its signature, the body its own lines.
        String source = Fixtures.source("subprogs.o");
        assertThat(p.lineAt(square.startPc()).line()).isEqualTo(lineOf(source, "__u64 square(__u64 x)"));
        List<LineInfo> inSquare = p.lineInfos().stream().filter(l -> square.contains(l.pc())).toList();
        assertThat(inSquare).anySatisfy(l -> {
            assertThat(l.sourceText()).contains("return x * x;");
            assertThat(l.line()).isEqualTo(lineOf(source, "return x * x;"));
        });
        assertThat(p.lineAt(0).sourceText()).contains("sum_of_squares(skb->len & 0xff, 1)");
        // The string offsets the kernel's bpf_line_info wants name the same strings in the object's BTF.
        for (LineInfo l : p.lineInfos()) {
            assertThat(spec.btf().string(l.fileNameOffset())).isEqualTo(l.file());
            assertThat(spec.kernelBtf().string(l.sourceTextOffset())).isEqualTo(l.sourceText());
            assertThat(l.lineColumn() >>> 10).isEqualTo(l.line());
        }
    }

    @Test
    void severalProgramsPerSectionAreSplitBySymbol() {
        ObjectSpec multi = ObjectSpec.read(Fixtures.path("multi.o"));
        assertThat(multi.programs()).extracting(ProgramSpec::name, ProgramSpec::sectionName).containsExactly(
                org.assertj.core.groups.Tuple.tuple("xdp_pass", "xdp"), org.assertj.core.groups.Tuple.tuple("xdp_drop", "xdp"),
                org.assertj.core.groups.Tuple.tuple("xdp_count", "xdp"), org.assertj.core.groups.Tuple.tuple("sock_all", "socket"),
                org.assertj.core.groups.Tuple.tuple("sock_none", "socket"));
        // xdp_pass: r0 = XDP_PASS (2); exit. xdp_drop: r0 = XDP_DROP (1); exit.
        assertThat(returnedConstant(multi.program("xdp_pass"))).isEqualTo(2);
        assertThat(returnedConstant(multi.program("xdp_drop"))).isEqualTo(1);
        assertThat(returnedConstant(multi.program("sock_none"))).isZero();
        assertThat(multi.program("xdp_count").mapNames()).containsExactly("packets");
        assertThat(multi.program("xdp_pass").mapReferences()).isEmpty();
        for (ProgramSpec p : multi.programs()) assertThat(p.subprograms()).hasSize(1);
    }

    private static int returnedConstant(ProgramSpec p) {
        List<Instruction> code = p.instructions().list();
        assertThat(code).hasSize(2);
        assertThat(code.get(1)).isInstanceOf(Instruction.Exit.class);
        Instruction.Alu mov = (Instruction.Alu) code.get(0);
        assertThat(mov.dst()).isZero();
        return mov.imm();
    }

    static Subprogram byName(ProgramSpec p, String name) {
        return p.subprograms().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<Integer> callTargetsIn(ProgramSpec p, Subprogram s) {
        List<Integer> out = new java.util.ArrayList<>();
        for (Instructions.At at : p.instructions()) {
            if (s.contains(at.pc()) && at.instruction() instanceof Instruction.Call c && c.kind() == CallKind.LOCAL) out.add(c.target(at.pc()));
        }
        return out;
    }

    static int lineOf(String source, String text) {
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) if (lines[i].contains(text)) return i + 1;
        throw new AssertionError(text + " not in source");
    }
}
