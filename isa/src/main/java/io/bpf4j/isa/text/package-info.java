/**
 * eBPF programs as text.
 *
 * <ul>
 *   <li>{@link io.bpf4j.isa.text.Disassembler} prints instructions in llvm-objdump-19's syntax (one instruction,
 *       a plain text, an objdump-style listing, or a text with labels); {@link io.bpf4j.isa.text.Assembler}
 *       reads that syntax back, including llvm-objdump's own output.</li>
 *   <li>{@link io.bpf4j.isa.text.ConformanceAssembler} and {@link io.bpf4j.isa.text.ConformanceDisassembler}
 *       do the same for the bpf_conformance suite's syntax; {@link io.bpf4j.isa.text.ConformanceCase} reads a
 *       suite {@code .data} file.</li>
 * </ul>
 * Every text error is an {@link io.bpf4j.isa.text.AssemblyException} naming the line number and the line.
 * For every instruction of the model, bytes → text → bytes is the identity in both syntaxes (the suite's syntax
 * cannot express map references and kfunc offsets), and so text → bytes → text for the text they print.
 */
package io.bpf4j.isa.text;
