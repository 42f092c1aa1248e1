package io.bpf4j.tests.agreement;

import io.bpf4j.abi.Helper;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;
import io.bpf4j.isa.text.ConformanceCase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The bpf_conformance suite's programs wrapped the way the kernel backend runs them ({@code KernelIsaRunner}):
 * an XDP program whose prologue puts the case's memory in a map value (r1) and its length in r2, and whose
 * entry-frame exits jump to an epilogue that stores r0 in a result map. Wrapped here with map handles instead of
 * descriptors, so bpf4j and the kernel judge the very same instructions.
 */
final class ConformancePrograms {
    private ConformancePrograms() {}

    static final String CORPUS = "conformance";
    /** How many files the suite has; fewer found fails the test, so a broken path cannot pass quietly. */
    static final int EXPECTED_FILES = 313;
    private static final int MEMORY = 1, RESULT = 2;

    static Path directory() {
        return Path.of(System.getProperty("bpf4j.shared", "../../shared"), "conformance", "tests").toAbsolutePath().normalize();
    }

    static List<AgreementProgram> programs() {
        List<AgreementProgram> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".data")).sorted().toList()) {
                ConformanceCase c = ConformanceCase.read(f);
                Map<Integer, MapDefinition> maps = new TreeMap<>();
                int length = c.memory().length;
                if (length > 0) maps.put(MEMORY, new MapDefinition("isa_memory", MapType.ARRAY, 4, length, 1));
                maps.put(RESULT, new MapDefinition("isa_result", MapType.ARRAY, 4, 8, 1));
                out.add(AgreementProgram.of(CORPUS, c.name(), ProgramType.XDP, wrap(c.program(), length), maps));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the conformance suite in " + directory(), e);
        }
        return out;
    }

    /** KernelIsaRunner's wrapper: prologue, body with entry exits re-aimed at the epilogue, epilogue, subprograms. */
    static Instructions wrap(Instructions body, int length) {
        List<Instruction> prologue = new ArrayList<>();
        if (length == 0) {
            prologue.add(Instruction.Alu.imm(true, AluOp.MOV, 1, 0));
        } else {
            prologue.addAll(lookupFirstElement(MEMORY));
            prologue.add(Instruction.Jump.ifImm(false, JumpOp.JNE, 0, 0, 1));
            prologue.add(new Instruction.Exit());
            prologue.add(Instruction.Alu.reg(true, AluOp.MOV, 1, 0));
        }
        prologue.add(Instruction.Alu.imm(true, AluOp.MOV, 2, length));
        prologue.add(Instruction.Alu.imm(true, AluOp.MOV, 0, 0));

        List<Instruction> epilogue = new ArrayList<>();
        epilogue.add(Instruction.Alu.reg(true, AluOp.MOV, 6, 0));
        epilogue.addAll(lookupFirstElement(RESULT));
        epilogue.add(Instruction.Jump.ifImm(false, JumpOp.JEQ, 0, 0, 1));
        epilogue.add(Instruction.Store.reg(Size.DW, 0, 0, 6));
        epilogue.add(Instruction.Alu.reg(true, AluOp.MOV, 0, 6));
        epilogue.add(new Instruction.Exit());

        int p = slots(prologue), e = slots(epilogue), n = body.slotCount();
        int firstSub = n;
        for (Instructions.At at : body) {
            int target = localTarget(at.pc(), at.instruction());
            if (target >= 0) firstSub = Math.min(firstSub, target);
        }
        final int subStart = firstSub;
        int epilogueAt = p + subStart;
        List<Instruction> out = new ArrayList<>(prologue);
        for (Instructions.At at : body) {
            int pc = at.pc();
            if (pc == subStart) out.addAll(epilogue);
            int newPc = moved(pc, p, e, subStart);
            out.add(switch (at.instruction()) {
                case Instruction.Exit x when pc < subStart -> Instruction.Jump.always(epilogueAt - (newPc + 1));
                case Instruction.Jump j -> {
                    int target = moved(j.target(pc), p, e, subStart) - (newPc + 1);
                    yield j.isLong() ? Instruction.Jump.alwaysLong(target)
                            : new Instruction.Jump(j.jmp32(), j.op(), j.dst(), j.source(), j.src(), target, j.imm());
                }
                case Instruction.Call c when c.kind() == CallKind.LOCAL ->
                        Instruction.Call.local(moved(c.target(pc), p, e, subStart) - (newPc + 1));
                case Instruction.LoadImm64 l when l.pseudo() == Pseudo.FUNC ->
                        new Instruction.LoadImm64(l.dst(), l.pseudo(), moved(pc + 1 + l.imm(), p, e, subStart) - (newPc + 1), l.nextImm());
                case Instruction other -> other;
            });
        }
        if (subStart == n) out.addAll(epilogue);
        return Instructions.of(out);
    }

    private static List<Instruction> lookupFirstElement(int handle) {
        return List.of(Instruction.Store.imm(Size.W, 10, -4, 0),
                Instruction.Alu.reg(true, AluOp.MOV, 2, 10),
                Instruction.Alu.imm(true, AluOp.ADD, 2, -4),
                new Instruction.LoadImm64(1, Pseudo.MAP_FD, handle, 0),
                Instruction.Call.helper(Helper.MAP_LOOKUP_ELEM.id()));
    }

    private static int localTarget(int pc, Instruction i) {
        return switch (i) {
            case Instruction.Call c when c.kind() == CallKind.LOCAL -> c.target(pc);
            case Instruction.LoadImm64 l when l.pseudo() == Pseudo.FUNC -> pc + 1 + l.imm();
            default -> -1;
        };
    }

    private static int moved(int oldPc, int prologue, int epilogue, int firstSub) {
        return prologue + oldPc + (oldPc >= firstSub ? epilogue : 0);
    }

    private static int slots(List<Instruction> list) {
        int n = 0;
        for (Instruction i : list) n += i.slots();
        return n;
    }
}
