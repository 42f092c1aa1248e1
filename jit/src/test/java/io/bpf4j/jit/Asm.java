package io.bpf4j.jit;

import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.text.ConformanceAssembler;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.verifier.VerificationOptions;
import io.bpf4j.verifier.VerificationRequest;
import io.bpf4j.verifier.Verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test programs from assembly fragments (conformance syntax) and instruction records. */
final class Asm {
    private Asm() {}

    /** Joins parts: a String is assembled on its own (labels are local to it), an Instruction is taken as is. */
    static Instructions code(Object... parts) {
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
    static Instruction loadObject(int register, int index) {
        return new Instruction.LoadImm64(register, Pseudo.MAP_IDX, index, 0);
    }

    static ProgramImage image(String name, Instructions code) {
        return ProgramImage.load(name, code, HelperRegistry.empty());
    }

    static ProgramImage image(String name, Instructions code, HelperRegistry helpers, List<?> objects) {
        return ProgramImage.load(name, code, helpers, objects);
    }

    /**
     * An image carrying its verification (privileged, a 64-byte raw-memory context, these maps), so that the JIT
     * compiles the accesses the verifier proved to direct ones.
     */
    static ProgramImage verified(String name, Instructions code, List<?> objects, Map<Integer, MapDefinition> maps) {
        var result = Verifier.verify(VerificationRequest.of(name, code, ProgramType.UNSPEC)
                .withContext(ContextLayout.rawMemory(64)).withMaps(maps)
                .withOptions(VerificationOptions.DEFAULT.withPrivileged(true).withLogLevel(0)));
        return ProgramImage.load(name, code, HelperRegistry.empty(), objects, result);
    }
}
