package io.bpf4j.runtime;

import io.bpf4j.abi.Helper;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.text.Disassembler;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.verifier.VerificationResult;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A program checked and linked for running, independent of the engine: its instructions, the helpers it was
 * loaded with, the objects its {@code lddw} instructions name, and which slots are function entries. Immutable
 * and thread-safe; engines cache their prepared form per image ({@link #prepared}).
 *
 * <p>What {@link #load} checks, so that running cannot meet it: control flow stays inside the program (no jump
 * into an lddw), every {@code call N} names a registered helper (or the built-in tail call), no kfunc calls, and
 * every {@code lddw} kind can be resolved. A {@code callx} target is only known at run time and is checked then.
 *
 * <h2>lddw kinds</h2>
 * <ul>
 *   <li>{@code IMM}: the constant.</li>
 *   <li>{@code FUNC}: a function pointer, {@link io.bpf4j.runtime.memory.AddressSpace#functionPointer}
 *       ({@code 0x0000_0001_<slot>}); {@code callx} on it calls the subprogram at that slot.</li>
 *   <li>{@code MAP_IDX} / {@code MAP_FD} with imm = n: a handle to {@code objects.get(n)} (a map, a prog array).</li>
 *   <li>{@code MAP_IDX_VALUE} / {@code MAP_VALUE} with imm = n, next imm = off: the address of byte {@code off}
 *       of {@code objects.get(n)}, which must be a {@link Region} (global data: .data, .bss, .rodata).</li>
 * </ul>
 */
public final class ProgramImage {
    private final String name;
    private final Instructions instructions;
    private final HelperRegistry helpers;
    private final List<Object> objects;
    private final long[] slots;
    private final boolean[] functionEntry;
    /** What the verifier proved about this very instruction sequence; null when the program was not verified. */
    private final VerificationResult verification;
    private final Map<Engine, Executable> prepared = new ConcurrentHashMap<>();
    /** The first engine's prepared form, read without a map lookup: a tail call asks for it every time. */
    private volatile Prepared first;

    private record Prepared(Engine engine, Executable executable) {}

    private ProgramImage(String name, Instructions instructions, HelperRegistry helpers, List<Object> objects, VerificationResult verification) {
        this.name = name;
        this.verification = verification;
        this.instructions = instructions;
        this.helpers = helpers;
        this.objects = objects;
        this.slots = instructions.encodeSlots();
        this.functionEntry = new boolean[slots.length];
    }

    /** Loads a program that uses no maps. */
    public static ProgramImage load(String name, Instructions instructions, HelperRegistry helpers) {
        return load(name, instructions, helpers, List.of());
    }

    /**
     * Checks and links a program.
     *
     * @param objects what {@code lddw} map references name, by index (see the class comment)
     * @throws io.bpf4j.isa.MalformedInstructionException when control flow leaves the program
     * @throws ProgramLoadException when a call or lddw cannot be resolved, naming pc and instruction
     */
    public static ProgramImage load(String name, Instructions instructions, HelperRegistry helpers, List<?> objects) {
        return load(name, instructions, helpers, objects, null);
    }

    /**
     * Checks and links a program that the verifier accepted exactly as given ({@code instructions} are what it
     * verified, with the same map objects): engines may rely on its facts ({@link #verification()}), e.g. the JIT
     * compiles proven memory accesses to direct ones.
     *
     * @param verification the verifier's result for these instructions, or null for an unverified program
     */
    public static ProgramImage load(String name, Instructions instructions, HelperRegistry helpers, List<?> objects,
                                    VerificationResult verification) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(helpers, "helpers");
        if (instructions.slotCount() == 0) throw new ProgramLoadException(name, 0, 0, "nothing", "the program has no instructions");
        instructions.checkControlFlow();
        checkLastInstruction(name, instructions);
        ProgramImage image = new ProgramImage(name, instructions, helpers, List.copyOf(objects), verification);
        image.link();
        return image;
    }

    /** Like Linux ("last insn is not an exit or jmp"): execution can never run past the end. */
    private static void checkLastInstruction(String name, Instructions instructions) {
        int last = instructions.slotCount() - 1;
        if (instructions.isSecondHalf(last)) last--;
        Instruction i = instructions.at(last);
        boolean ends = i instanceof Instruction.Exit || (i instanceof Instruction.Jump j && j.op() == io.bpf4j.isa.JumpOp.JA);
        if (!ends) {
            long raw = instructions.encodeSlots()[last];
            throw new ProgramLoadException(name, last, raw, Disassembler.instruction(i),
                    "the last instruction is not an exit or an unconditional jump: execution could run past the end of the program");
        }
    }

    private void link() {
        functionEntry[0] = true;
        for (Instructions.At at : instructions) {
            int pc = at.pc();
            switch (at.instruction()) {
                case Instruction.Call c when c.kind() == CallKind.HELPER -> {
                    if (!helpers.knows(c.imm())) {
                        Helper known = Helper.ofId(c.imm());
                        throw rejected(pc, "call to unknown helper " + (known != null ? known.cName() + "#" + c.imm() + " (not registered in this runtime)" : "#" + c.imm()));
                    }
                }
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> functionEntry[c.target(pc)] = true;
                case Instruction.Call c -> throw rejected(pc, "kfunc calls (BTF id " + c.imm() + ") are not supported");
                case Instruction.LoadImm64 l -> {
                    switch (l.pseudo()) {
                        case IMM -> {}
                        case FUNC -> functionEntry[pc + 1 + l.imm()] = true;
                        case MAP_FD, MAP_IDX, MAP_VALUE, MAP_IDX_VALUE -> {
                            if (l.imm() < 0 || l.imm() >= objects.size()) {
                                throw rejected(pc, "lddw names map " + l.imm() + " but the program has " + objects.size() + " maps");
                            }
                            if (l.pseudo().refersToMapValue() && !(objects.get(l.imm()) instanceof Region)) {
                                throw rejected(pc, "lddw takes the address of a value of map " + l.imm() + ", which has no directly addressable value (" + objects.get(l.imm()) + ")");
                            }
                        }
                        case BTF_ID -> throw rejected(pc, "lddw of a kernel variable (BTF id " + l.imm() + ") is not supported");
                    }
                }
                default -> {}
            }
        }
    }

    private ProgramLoadException rejected(int pc, String problem) {
        return new ProgramLoadException(name, pc, slots[pc], describe(pc), problem);
    }

    public String name() {
        return name;
    }

    public Instructions instructions() {
        return instructions;
    }

    public HelperRegistry helpers() {
        return helpers;
    }

    /**
     * The verifier's result for this program (its per-instruction access facts), or null when it was loaded without
     * verification ({@link VerifyMode#NONE}, or loaded directly): engines must then check everything at run time.
     */
    public VerificationResult verification() {
        return verification;
    }

    /** The objects lddw map references name, by index. */
    public List<Object> objects() {
        return objects;
    }

    /** The encoded slots (little-endian, opcode in the low byte); engines must not modify the array. */
    public long[] slots() {
        return slots;
    }

    public int slotCount() {
        return slots.length;
    }

    /** True when {@code slot} is the first instruction of the program or of a subprogram (a valid call target). */
    public boolean isFunctionEntry(long slot) {
        return slot >= 0 && slot < functionEntry.length && functionEntry[(int) slot];
    }

    /** The instruction at {@code pc} for messages; tolerant of any pc. */
    public String describe(int pc) {
        if (pc < 0 || pc >= slots.length) return "outside the program";
        Instruction i = instructions.slot(pc);
        if (i == null) return "second half of lddw";
        String text = Disassembler.instruction(i);
        if (i instanceof Instruction.Call c && c.kind() == CallKind.HELPER) text += " <" + helpers.nameOf(c.imm()) + ">";
        return text;
    }

    /** The engine's prepared form of this image, made once per engine. */
    public Executable prepared(Engine engine) {
        Prepared p = first;
        if (p != null && p.engine == engine) return p.executable;
        Executable e = prepared.computeIfAbsent(engine, en -> en.prepare(this));
        if (p == null) first = new Prepared(engine, e);
        return e;
    }

    @Override
    public String toString() {
        return "ProgramImage[" + name + ", " + slots.length + " slots]";
    }
}
