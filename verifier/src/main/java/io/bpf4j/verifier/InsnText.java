package io.bpf4j.verifier;

import io.bpf4j.isa.Instruction;

/**
 * Instruction text for the log. Placeholder until the isa disassembler (llvm-objdump syntax, the same the
 * kernel's log uses) is available: the record's own description.
 */
final class InsnText {
    private InsnText() {}

    static String of(Instruction insn, int pc) {
        return insn.toString();
    }
}
