package io.bpf4j.cli.graph;

import io.bpf4j.isa.Instructions;

import java.util.Map;

/**
 * What the tail-call analysis needs to know about one program: its linked instructions (subprograms
 * included) and which map each map-loading {@code lddw} names.
 *
 * @param name      the program's name (its ELF symbol)
 * @param section   its ELF section, e.g. {@code xdp}
 * @param code      the program with its subprograms linked in after it
 * @param mapAtPc   for each {@code lddw} that loads a map or map value: the slot (pc) and the map's name
 * @param functions names of the functions by entry slot where known (the program itself at 0, its
 *                  subprograms after it); functions without a name are called {@code sub@PC}
 */
public record ProgramCode(String name, String section, Instructions code, Map<Integer, String> mapAtPc,
                          Map<Integer, String> functions) {
    public ProgramCode {
        mapAtPc = Map.copyOf(mapAtPc);
        functions = Map.copyOf(functions);
    }

    public ProgramCode(String name, String section, Instructions code, Map<Integer, String> mapAtPc) {
        this(name, section, code, mapAtPc, Map.of());
    }
}
