package io.bpf4j.runtime;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.text.ConformanceAssembler;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.interpreter.Interpreter;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;

import java.util.ArrayList;
import java.util.List;

/** Hand-built programs for tests: assembly fragments (conformance syntax) mixed with instruction records. */
public final class Programs {
    private Programs() {}

    /** Joins parts: a String is assembled on its own (labels are local to it), an Instruction is taken as is. */
    public static Instructions code(Object... parts) {
        List<Instruction> out = new ArrayList<>();
        for (Object p : parts) {
            switch (p) {
                case String s -> out.addAll(ConformanceAssembler.assemble(s).list());
                case Instruction i -> out.add(i);
                default -> throw new IllegalArgumentException("not a program part: " + p);
            }
        }
        return Instructions.of(out);
    }

    /** {@code lddw rN, <object n of the program's map table>}. */
    public static Instruction loadObject(int register, int index) {
        return new Instruction.LoadImm64(register, Pseudo.MAP_IDX, index, 0);
    }

    public static ProgramImage image(String name, Instructions code) {
        return ProgramImage.load(name, code, HelperRegistry.empty());
    }

    public static ProgramImage image(String name, Instructions code, HelperRegistry helpers, List<?> objects) {
        return ProgramImage.load(name, code, helpers, objects);
    }

    /** Runs on the interpreter in a fresh invocation with {@code memory} (copied, 8-byte aligned) in r1, its length in r2. */
    public static long run(ProgramImage image, Invocation invocation, byte[] memory) {
        invocation.begin();
        long r1 = memory == null ? 0 : invocation.memory().register(Region.copyOf(RegionKind.CALLER_MEMORY, "input", memory, true));
        return image.prepared(Interpreter.INSTANCE).run(invocation, r1, memory == null ? 0 : memory.length);
    }

    public static long run(ProgramImage image) {
        return run(image, new Invocation(), null);
    }

    /** A prog array stand-in: fixed slots, settable from tests. */
    public static final class Slots implements TailCallTargets {
        private final ProgramImage[] slots;

        public Slots(int maxEntries) {
            slots = new ProgramImage[maxEntries];
        }

        public Slots set(int index, ProgramImage program) {
            slots[index] = program;
            return this;
        }

        @Override
        public int maxEntries() {
            return slots.length;
        }

        @Override
        public ProgramImage target(int index) {
            return slots[index];
        }
    }
}
