package io.bpf4j.linux;

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
import io.bpf4j.verifier.ProgramRejectedException;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs a bare program in the kernel under the bpf_conformance contract — r1 = a writable copy of
 * {@code memory} (0 when empty), r2 = its length, the result is the full 64-bit r0 of the entry frame's
 * {@code exit} — so the kernel can serve as the oracle for instruction semantics.
 *
 * <p>BPF_PROG_TEST_RUN only reports the low 32 bits of r0 and gives programs a context, not free memory, so
 * the program is wrapped before it is loaded as XDP:
 * <pre>
 *   prologue   r1 = &amp;memory_map[0] (a map value of exactly memory.length bytes), r2 = length, r0 = 0
 *   body       the program, each entry-frame exit turned into "goto epilogue", jumps re-aimed
 *   epilogue   result_map[0] = r0; exit          (placed between the entry function and its subprograms)
 *   subprograms unchanged, shifted
 * </pre>
 * The kernel's verifier sees the memory as a map value of that size, so out-of-bounds accesses are
 * rejected at load (where the RFC's contract would fault at run time), and it refuses what Linux refuses
 * (e.g. constant shifts ≥ the operand width, {@code callx}). Memory after the run comes back too.
 */
public final class KernelIsaRunner {
    private KernelIsaRunner() {}

    /** What the kernel did with a program. */
    public sealed interface Outcome {}

    /** It ran: the full r0 and the memory afterwards. */
    public record Ran(long r0, byte[] memory) implements Outcome {
        public Ran {
            memory = memory.clone();
        }

        @Override
        public byte[] memory() {
            return memory.clone();
        }
    }

    /** The verifier refused it (the kernel's log and errno are in the exception). */
    public record Rejected(ProgramRejectedException error) implements Outcome {}

    /**
     * Runs {@code program} on {@code memory} in the kernel.
     *
     * @param name for the kernel and for messages
     */
    public static Outcome run(String name, Instructions program, byte[] memory) {
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(memory, "memory");
        try (KernelMap result = KernelMap.create(new MapDefinition("isa_result", MapType.ARRAY, 4, 8, 1));
             KernelMap mem = memory.length == 0 ? null
                     : KernelMap.create(new MapDefinition("isa_memory", MapType.ARRAY, 4, memory.length, 1))) {
            if (mem != null) mem.update(new byte[4], memory);
            Instructions wrapped = wrap(program, mem == null ? -1 : mem.fd(), memory.length, result.fd());
            KernelProgram loaded;
            try {
                loaded = KernelProgram.load(ProgramLoadSpec.of(name, ProgramType.XDP, wrapped));
            } catch (ProgramRejectedException e) {
                return new Rejected(e);
            }
            try (loaded) {
                loaded.testRun(TestRunInput.of(new byte[64]));
            }
            long r0 = java.nio.ByteBuffer.wrap(result.lookup(new byte[4])).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            return new Ran(r0, mem == null ? new byte[0] : mem.lookup(new byte[4]));
        }
    }

    /**
     * The wrapped program (see the class comment). The maps are named by the handle their {@code lddw}s carry: a
     * file descriptor when loading into the kernel, any handle a caller resolves itself (bpf4j's verifier).
     *
     * @param memoryMap the handle of the one-element array holding the memory; ignored when {@code length} is 0
     * @param resultMap the handle of the one-element array the entry frame's r0 is stored in
     */
    public static Instructions wrap(Instructions body, int memoryMap, int length, int resultMap) {
        List<Instruction> prologue = new ArrayList<>();
        if (length == 0) {
            prologue.add(Instruction.Alu.imm(true, AluOp.MOV, 1, 0));
        } else {
            prologue.addAll(lookupFirstElement(memoryMap));                             // r0 = &memory[0] or NULL
            prologue.add(Instruction.Jump.ifImm(false, JumpOp.JNE, 0, 0, 1));
            prologue.add(new Instruction.Exit());                                     // never: index 0 exists
            prologue.add(Instruction.Alu.reg(true, AluOp.MOV, 1, 0));
        }
        prologue.add(Instruction.Alu.imm(true, AluOp.MOV, 2, length));
        prologue.add(Instruction.Alu.imm(true, AluOp.MOV, 0, 0));

        List<Instruction> epilogue = new ArrayList<>();
        epilogue.add(Instruction.Alu.reg(true, AluOp.MOV, 6, 0));                    // r6 is dead at exit
        epilogue.addAll(lookupFirstElement(resultMap));
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
            if (pc == firstSub) out.addAll(epilogue);
            int newPc = moved(pc, p, e, firstSub);
            out.add(switch (at.instruction()) {
                case Instruction.Exit x when pc < subStart -> Instruction.Jump.always(epilogueAt - (newPc + 1));
                case Instruction.Jump j -> {
                    int target = moved(j.target(pc), p, e, firstSub) - (newPc + 1);
                    yield j.isLong() ? Instruction.Jump.alwaysLong(target)
                            : new Instruction.Jump(j.jmp32(), j.op(), j.dst(), j.source(), j.src(), target, j.imm());
                }
                case Instruction.Call c when c.kind() == CallKind.LOCAL ->
                        Instruction.Call.local(moved(c.target(pc), p, e, firstSub) - (newPc + 1));
                case Instruction.LoadImm64 l when l.pseudo() == Pseudo.FUNC ->
                        new Instruction.LoadImm64(l.dst(), l.pseudo(), moved(pc + 1 + l.imm(), p, e, firstSub) - (newPc + 1), l.nextImm());
                case Instruction other -> other;
            });
        }
        if (firstSub == n) out.addAll(epilogue);
        return Instructions.of(out);
    }

    /** {@code *(u32 *)(r10 - 4) = 0; r0 = bpf_map_lookup_elem(map, r10 - 4)}. */
    private static List<Instruction> lookupFirstElement(int map) {
        return List.of(Instruction.Store.imm(Size.W, 10, -4, 0),
                Instruction.Alu.reg(true, AluOp.MOV, 2, 10),
                Instruction.Alu.imm(true, AluOp.ADD, 2, -4),
                new Instruction.LoadImm64(1, Pseudo.MAP_FD, map, 0),
                Instruction.Call.helper(Helper.MAP_LOOKUP_ELEM.id()));
    }

    /** The slot a local call or function pointer leads to, or -1. */
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
