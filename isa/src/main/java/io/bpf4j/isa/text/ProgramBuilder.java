package io.bpf4j.isa.text;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * What both assemblers share: instructions laid out by slot, labels, and jumps to labels that are resolved
 * once the whole text has been read (a label may be used before it is defined). It remembers the line being
 * assembled so every error can name it.
 */
final class ProgramBuilder {
    /** An instruction whose displacement waits for a label; {@code build} gets the resolved displacement. */
    private record Pending(int index, int slot, String label, int line, String lineText, IntFunction<Instruction> build) {}

    private final String source;
    private final List<Instruction> instructions = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    private final Map<String, Integer> labelLines = new HashMap<>();
    private final Map<String, Integer> implicitLabels = new HashMap<>();
    private int slot;
    private int line;
    private String lineText = "";

    ProgramBuilder(String source) {
        this.source = source;
    }

    /** Sets the line that the following calls come from. */
    void at(int line, String lineText) {
        this.line = line;
        this.lineText = lineText;
    }

    int slot() {
        return slot;
    }

    AssemblyException error(String problem) {
        return new AssemblyException(source, line, lineText, problem);
    }

    AssemblyException error(String problem, Throwable cause) {
        return new AssemblyException(source, line, lineText, problem, cause);
    }

    /** Defines {@code name} as the next instruction's slot. */
    void label(String name) {
        Integer previous = labelLines.putIfAbsent(name, line);
        if (previous != null) throw error("label '" + name + "' is already defined at line " + previous);
        labels.put(name, slot);
    }

    /** A label that applies only if the text does not define one of the same name (the conformance suite's {@code exit}). */
    void implicitLabel(String name) {
        implicitLabels.putIfAbsent(name, slot);
    }

    void add(Instruction instruction) {
        instructions.add(instruction);
        slot += instruction.slots();
    }

    /**
     * Adds a one-slot instruction that jumps or calls to {@code label}; {@code build} receives the
     * displacement (target slot minus the next slot) once labels are known.
     */
    void addTargeting(String label, IntFunction<Instruction> build) {
        pending.add(new Pending(instructions.size(), slot, label, line, lineText, build));
        instructions.add(null);
        slot += 1;
    }

    Instructions finish() {
        for (Pending p : pending) {
            Integer target = labels.get(p.label());
            if (target == null) target = implicitLabels.get(p.label());
            if (target == null) throw new AssemblyException(source, p.line(), p.lineText(), "undefined label '" + p.label() + "'");
            int displacement = target - (p.slot() + 1);
            try {
                instructions.set(p.index(), p.build().apply(displacement));
            } catch (IllegalArgumentException e) {
                throw new AssemblyException(source, p.line(), p.lineText(),
                        "label '" + p.label() + "' is " + displacement + " slots away: " + e.getMessage(), e);
            }
        }
        return Instructions.of(instructions);
    }
}
