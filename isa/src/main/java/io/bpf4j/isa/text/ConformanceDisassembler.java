package io.bpf4j.isa.text;

import io.bpf4j.BpfException;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;
import io.bpf4j.isa.Source;

import java.util.Locale;

/**
 * Instructions in the bpf_conformance suite's assembly syntax, the inverse of {@link ConformanceAssembler}: for
 * writing a program as a {@code -- asm} section of a new {@code .data} test. Jump targets are printed as
 * {@code +N}/{@code -N}; immediates in signed decimal when small, else as {@code 0x} raw bits.
 *
 * <p>The syntax has no form for an lddw that names a map or function ({@code ld_pseudo}) nor for a kfunc call
 * with a BTF object offset; asking for one is a {@link BpfException} naming the instruction.
 */
public final class ConformanceDisassembler {
    private ConformanceDisassembler() {}

    /** One instruction's text. */
    public static String instruction(Instruction instruction) {
        return switch (instruction) {
            case Instruction.Alu a -> alu(a);
            case Instruction.Endian e -> switch (e.op()) {
                case TO_LE -> "le";
                case TO_BE -> "be";
                case BSWAP -> "bswap";
            } + e.bits() + " " + reg(e.dst());
            case Instruction.Jump j -> {
                if (j.isLong()) yield "ja32 " + displacement(j.imm());
                if (!j.op().isConditional()) yield "ja " + displacement(j.offset());
                String operand = j.source() == Source.REG ? reg(j.src()) : imm(j.imm());
                yield j.op().name().toLowerCase(Locale.ROOT) + (j.jmp32() ? "32" : "") + " " + reg(j.dst()) + ", " + operand
                        + ", " + displacement(j.offset());
            }
            case Instruction.Call c -> switch (c.kind()) {
                case HELPER -> "call " + c.imm();
                case LOCAL -> "call local " + displacement(c.imm());
                case KFUNC -> {
                    if (c.offset() != 0) throw inexpressible(c, "a kfunc call with a BTF object offset");
                    yield "call runtime " + c.imm();
                }
            };
            case Instruction.CallIndirect c -> "call " + reg(c.reg());
            case Instruction.Exit x -> "exit";
            case Instruction.Load l -> "ldx" + (l.signExtend() ? "s" : "") + suffix(l.size()) + " " + reg(l.dst()) + ", " + memory(l.src(), l.offset());
            case Instruction.Store s -> s.source() == Source.REG
                    ? "stx" + suffix(s.size()) + " " + memory(s.dst(), s.offset()) + ", " + reg(s.src())
                    : "st" + suffix(s.size()) + " " + memory(s.dst(), s.offset()) + ", " + imm(s.imm());
            case Instruction.Atomic a -> "lock " + (a.fetch() && !a.op().alwaysFetches() ? "fetch " : "")
                    + a.op().name().toLowerCase(Locale.ROOT) + (a.size() == Size.W ? "32" : "") + " " + memory(a.dst(), a.offset()) + ", " + reg(a.src());
            case Instruction.LoadImm64 l -> {
                if (l.pseudo() != Pseudo.IMM) throw inexpressible(l, "an lddw of kind " + l.pseudo());
                yield "lddw " + reg(l.dst()) + ", 0x" + Long.toHexString(l.value());
            }
            case Instruction.PacketLoad p -> p.indirect()
                    ? "ldind" + suffix(p.size()) + " " + reg(p.src()) + ", " + imm(p.imm())
                    : "ldabs" + suffix(p.size()) + " " + imm(p.imm());
        };
    }

    /** The whole program, one instruction per line. */
    public static String text(Instructions program) {
        StringBuilder out = new StringBuilder(program.slotCount() * 20);
        for (Instructions.At at : program) {
            try {
                out.append(instruction(at.instruction())).append('\n');
            } catch (BpfException e) {
                throw new BpfException("pc " + at.pc() + ": " + e.getMessage(), e);
            }
        }
        return out.toString();
    }

    private static String alu(Instruction.Alu a) {
        String width = a.alu64() ? "" : "32";
        AluOp op = a.op();
        return switch (op) {
            case NEG -> "neg" + width + " " + reg(a.dst());
            case MOVSX8, MOVSX16, MOVSX32 -> "movsx" + op.offset() + (a.alu64() ? "64" : "32") + " " + reg(a.dst()) + ", " + reg(a.src());
            default -> op.name().toLowerCase(Locale.ROOT) + width + " " + reg(a.dst()) + ", "
                    + (a.source() == Source.REG ? reg(a.src()) : imm(a.imm()));
        };
    }

    private static BpfException inexpressible(Instruction instruction, String what) {
        return new BpfException("the conformance syntax cannot express " + what + ": `" + Disassembler.instruction(instruction) + "`");
    }

    private static String reg(int r) {
        return "%r" + r;
    }

    /** Small values in decimal; large ones as their raw 32 bits in hex, which the suite reads the same way. */
    private static String imm(int value) {
        return Math.abs((long) value) < 4096 ? Integer.toString(value) : "0x" + Integer.toHexString(value);
    }

    private static String displacement(int value) {
        return value < 0 ? Integer.toString(value) : "+" + value;
    }

    private static String memory(int register, int offset) {
        if (offset == 0) return "[" + reg(register) + "]";
        return "[" + reg(register) + (offset < 0 ? "" : "+") + offset + "]";
    }

    private static String suffix(Size size) {
        return switch (size) {
            case B -> "b";
            case H -> "h";
            case W -> "w";
            case DW -> "dw";
        };
    }
}
