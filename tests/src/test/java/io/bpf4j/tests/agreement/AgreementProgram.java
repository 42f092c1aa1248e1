package io.bpf4j.tests.agreement;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One program both verifiers judge.
 *
 * <p>Map references are lddw {@code MAP_FD}/{@code MAP_VALUE} instructions whose immediate is a handle into
 * {@link #maps()}: bpf4j's verifier takes them as they are; the kernel side creates one kernel map per handle
 * and puts its descriptor in the immediate. A program of a clang fixture ({@link #fixture()} not null) is
 * loaded into the kernel the way an application would load it — {@code KernelCollection} with its BTF, its
 * maps with their initial values and frozen {@code .rodata} — and {@link #program()} is the same program
 * relocated to handles for bpf4j.
 *
 * @param corpus     which corpus it belongs to (a row of the report)
 * @param name       unique within the corpus; for a fixture program, its name in the object
 * @param type       program type
 * @param attachType expected attach type, or null
 * @param program    the instructions, maps named by handle
 * @param maps       the maps by handle
 * @param fixture    the fixture object's name, or null for a program built here
 * @param lineInfo   source lines by pc for bpf4j's log (may be empty)
 */
record AgreementProgram(String corpus, String name, ProgramType type, AttachType attachType, Instructions program,
                        Map<Integer, MapDefinition> maps, String fixture, Map<Integer, String> lineInfo) {
    AgreementProgram {
        Objects.requireNonNull(corpus, "corpus");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(program, "program");
        maps = java.util.Collections.unmodifiableMap(new TreeMap<>(maps == null ? Map.of() : maps));
        lineInfo = lineInfo == null ? Map.of() : Map.copyOf(lineInfo);
    }

    static AgreementProgram of(String corpus, String name, ProgramType type, Instructions program, Map<Integer, MapDefinition> maps) {
        return new AgreementProgram(corpus, name, type, null, program, maps, null, Map.of());
    }

    /** {@code corpus/name} ({@code corpus/fixture:name}): how reports and failures name the program. */
    String id() {
        return corpus + "/" + (fixture != null ? fixture + ":" : "") + name;
    }

    @Override
    public String toString() {
        return id();
    }
}
