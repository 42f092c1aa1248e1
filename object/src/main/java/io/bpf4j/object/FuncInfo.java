package io.bpf4j.object;

/**
 * A function starts at {@code pc} of the linked program (BTF.ext func_info): the program itself at pc 0, then
 * each subprogram the linker appended. The kernel wants these, with the BTF, to load programs with subprograms.
 *
 * @param pc        first slot of the function in the linked program
 * @param name      the function's name
 * @param btfTypeId its BTF FUNC type id in {@link ObjectSpec#btf()}
 */
public record FuncInfo(int pc, String name, int btfTypeId) {}
