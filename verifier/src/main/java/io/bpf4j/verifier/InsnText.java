package io.bpf4j.verifier;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.text.Disassembler;

/** Instruction text for the log: llvm-objdump syntax from the isa disassembler, the syntax the kernel's log uses. */
final class InsnText {
    private InsnText() {}

    static String of(Instruction insn, int pc) {
        return Disassembler.instruction(insn, pc);
    }
}
