package io.bpf4j.isa.text;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.RawInstruction;
import io.bpf4j.isa.Size;
import io.bpf4j.isa.Source;

import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * Instructions as text, in the syntax llvm-objdump-19 prints for BPF: {@code r0 = *(u32 *)(r1 + 0x4)},
 * {@code if r1 > 0x5 goto +0x3}, {@code call 0xc}, {@code w2 = xchg32_32(r1 + 0x8, w2)}.
 *
 * <p>The text is what {@code llvm-objdump-19 -d} prints for the same bytes (without its address, bytes and
 * {@code <symbol+offset>} columns), checked by {@code DisassemblerLlvmTest} against the real tool. Numbers are
 * hex, signed where LLVM treats them as signed: jump displacements always carry a sign ({@code goto +0x3}, not
 * the {@code +3} some docs show), memory offsets read {@code (r10 - 0x8)}.
 *
 * <p>Where llvm-objdump-19's text is ambiguous or drops bits, this prints a documented, lossless variant, so that
 * {@link Assembler} turns every text back into the identical bytes:
 * <ul>
 *   <li>32-bit atomics: LLVM's default CPU (v1) decodes only {@code lock *(u32 *)... += r2} and loses the fetch
 *       bit; we print what {@code llvm-objdump-19 --mcpu=v3} prints, {@code lock *(u32 *)(r1 + 0x8) += w2},
 *       {@code w2 = atomic_fetch_add((u32 *)(r1 + 0x8), w2)}, {@code w2 = xchg32_32(r1 + 0x8, w2)},
 *       {@code w0 = cmpxchg32_32(r1 + 0x8, w0, w2)}. Every other instruction is printed as the default CPU prints
 *       it (narrow loads into {@code r1}, not {@code w1}).</li>
 *   <li>bpf2bpf calls: LLVM prints {@code call 0x4} for a helper and a local call alike; we print a local call
 *       the way the kernel's verifier log does, {@code call pc+4} (displacement from the next slot, decimal).</li>
 *   <li>kfunc calls (src 2): LLVM prints {@code call 0x4d}; we print {@code call kfunc 0x4d}, and
 *       {@code call kfunc 0x4d, 0x3} when the offset (BTF object index) is not 0.</li>
 *   <li>{@code ld_pseudo} (lddw with a non-zero src): LLVM prints only the first immediate; when the second one
 *       is not 0 we append it: {@code ld_pseudo r1, 0x2, 0x10, 0x20}.</li>
 *   <li>Indirect packet loads: LLVM prints {@code skb[r3]} and ignores the immediate; when it is not 0 we print
 *       {@code skb[r3 + 0x10]}.</li>
 * </ul>
 */
public final class Disassembler {
    private Disassembler() {}

    /** The text of one instruction, as a line of {@code llvm-objdump-19 -d} shows it after the bytes column. */
    public static String instruction(Instruction instruction) {
        return switch (instruction) {
            case Instruction.Alu a -> alu(a);
            case Instruction.Endian e -> {
                String r = "r" + e.dst();
                String name = switch (e.op()) {
                    case TO_LE -> "le";
                    case TO_BE -> "be";
                    case BSWAP -> "bswap";
                };
                yield r + " = " + name + e.bits() + " " + r;
            }
            case Instruction.Jump j -> jump(j);
            case Instruction.Call c -> switch (c.kind()) {
                case HELPER -> "call " + hex(c.imm());
                case LOCAL -> "call pc" + (c.imm() >= 0 ? "+" : "") + c.imm();
                case KFUNC -> "call kfunc " + hex(c.imm()) + (c.offset() != 0 ? ", " + hex(c.offset()) : "");
            };
            case Instruction.CallIndirect c -> "callx r" + c.reg();
            case Instruction.Exit x -> "exit";
            case Instruction.Load l -> "r" + l.dst() + " = *(" + (l.signExtend() ? l.size().signedCType() : l.size().cType())
                    + " *)" + address(l.src(), l.offset());
            case Instruction.Store s -> "*(" + s.size().cType() + " *)" + address(s.dst(), s.offset()) + " = "
                    + (s.source() == Source.REG ? "r" + s.src() : hex(s.imm()));
            case Instruction.Atomic a -> atomic(a);
            case Instruction.LoadImm64 l -> l.pseudo() == Pseudo.IMM
                    ? "r" + l.dst() + " = " + hex(l.value()) + " ll"
                    : "ld_pseudo\tr" + l.dst() + ", " + hex(l.pseudo().src()) + ", " + unsignedHex(l.imm())
                            + (l.nextImm() != 0 ? ", " + unsignedHex(l.nextImm()) : "");
            case Instruction.PacketLoad p -> "r0 = *(" + p.size().cType() + " *)skb[" + packetOffset(p) + "]";
        };
    }

    /**
     * The text of the instruction at slot {@code pc}. The text does not depend on the position (LLVM prints
     * relative displacements); this overload exists so that a caller walking {@link Instructions} can say
     * where it is, and it checks that {@code pc} is a slot index.
     */
    public static String instruction(Instruction instruction, int pc) {
        if (pc < 0) throw new IllegalArgumentException("pc " + pc + " is negative");
        return instruction(instruction);
    }

    /**
     * An objdump-style listing: one line per instruction, {@code pc:<TAB>bytes<TAB>text}, with the pc right-aligned
     * in 8 columns and an lddw's 16 bytes on its one line, exactly like the body lines of {@code llvm-objdump-19 -d}
     * (without the {@code <symbol+offset>} annotations). Each line ends with a newline.
     */
    public static String listing(Instructions program) {
        StringBuilder out = new StringBuilder(program.slotCount() * 48);
        long[] slots = program.encodeSlots();
        for (Instructions.At at : program) {
            String pc = Integer.toString(at.pc());
            out.append(" ".repeat(Math.max(0, 8 - pc.length()))).append(pc).append(":\t");
            out.append(RawInstruction.hex(slots[at.pc()]));
            if (at.instruction().slots() == 2) out.append(' ').append(RawInstruction.hex(slots[at.pc() + 1]));
            out.append('\t').append(instruction(at.instruction(), at.pc())).append('\n');
        }
        return out.toString();
    }

    /**
     * The program with labels instead of displacements, for reading: every slot that a jump or a bpf2bpf call
     * lands on gets a line {@code L<pc>:}, and the jump says {@code goto L12}, {@code if r1 > 0x5 goto L12},
     * {@code call L30} (LLVM's own syntax for a local call). A target outside the program or inside an lddw
     * keeps its displacement, so the text still says exactly what the bytes do. {@link Assembler} reads it back
     * to the same bytes.
     */
    public static String labelledText(Instructions program) {
        BitSet targets = new BitSet(program.slotCount());
        for (Instructions.At at : program) {
            int target = labelTarget(program, at);
            if (target >= 0) targets.set(target);
        }
        StringBuilder out = new StringBuilder(program.slotCount() * 24);
        for (Instructions.At at : program) {
            if (targets.get(at.pc())) out.append('L').append(at.pc()).append(":\n");
            int target = labelTarget(program, at);
            String text;
            if (target < 0) text = instruction(at.instruction(), at.pc());
            else if (at.instruction() instanceof Instruction.Jump j) text = jump(j, "L" + target);
            else text = "call L" + target;
            out.append(text).append('\n');
        }
        return out.toString();
    }

    /** The slot a jump or local call at {@code at} lands on, if a label can name it; else -1. */
    private static int labelTarget(Instructions program, Instructions.At at) {
        int target = switch (at.instruction()) {
            case Instruction.Jump j -> j.target(at.pc());
            case Instruction.Call c when c.kind() == CallKind.LOCAL -> c.target(at.pc());
            default -> -1;
        };
        return target >= 0 && target < program.slotCount() && !program.isSecondHalf(target) ? target : -1;
    }

    /**
     * The texts llvm-objdump-19 prints for {@code instruction} where they do not determine it (so differ from
     * ours), with whitespace runs as single spaces; empty where objdump's text is as exact as ours. The
     * {@link Assembler} uses them to let an objdump bytes column settle what such a text cannot.
     */
    static List<String> objdumpAmbiguousForms(Instruction instruction) {
        return switch (instruction) {
            case Instruction.Call c when c.kind() != CallKind.HELPER -> List.of("call " + hex(c.imm()));
            case Instruction.LoadImm64 l when l.pseudo() != Pseudo.IMM && l.nextImm() != 0 ->
                    List.of("ld_pseudo r" + l.dst() + ", " + hex(l.pseudo().src()) + ", " + unsignedHex(l.imm()));
            case Instruction.PacketLoad p when p.indirect() && p.imm() != 0 ->
                    List.of("r0 = *(" + p.size().cType() + " *)skb[r" + p.src() + "]");
            // objdump's default CPU (v1) knows only the non-fetching 32-bit add, and prints the fetching one alike
            case Instruction.Atomic a when a.size() == Size.W && a.op() == AtomicOp.ADD ->
                    List.of("lock *(u32 *)" + address(a.dst(), a.offset()) + " += r" + a.src());
            case Instruction.Atomic a when a.size() == Size.W -> List.of("<unknown>");
            default -> List.of();
        };
    }

    /** Just the instruction texts, one per line: what {@link Assembler#assemble} reads back most simply. */
    public static String text(Instructions program) {
        StringBuilder out = new StringBuilder(program.slotCount() * 24);
        for (Instructions.At at : program) out.append(instruction(at.instruction(), at.pc())).append('\n');
        return out.toString();
    }

    /** {@code 0xc} (absolute), {@code r3} (indirect, as LLVM prints it), {@code r3 + 0x10} (indirect with an offset: ours). */
    private static String packetOffset(Instruction.PacketLoad p) {
        if (!p.indirect()) return hex(p.imm());
        if (p.imm() == 0) return "r" + p.src();
        return registerPlusOffset(p.src(), p.imm());
    }

    private static String alu(Instruction.Alu a) {
        String prefix = a.alu64() ? "r" : "w";
        String dst = prefix + a.dst();
        String operand = a.source() == Source.REG ? prefix + a.src() : hex(a.imm());
        AluOp op = a.op();
        return switch (op) {
            case NEG -> dst + " = -" + dst;
            case MOV -> dst + " = " + operand;
            case MOVSX8, MOVSX16, MOVSX32 -> dst + " " + op.symbol() + operand;
            default -> dst + " " + op.symbol() + " " + operand;
        };
    }

    private static String jump(Instruction.Jump j) {
        return jump(j, signedHex(j.displacement()));
    }

    private static String jump(Instruction.Jump j, String target) {
        if (j.isLong()) return "gotol " + target;
        if (!j.op().isConditional()) return "goto " + target;
        String prefix = j.jmp32() ? "w" : "r";
        String operand = j.source() == Source.REG ? prefix + j.src() : hex(j.imm());
        return "if " + prefix + j.dst() + " " + j.op().symbol() + " " + operand + " goto " + target;
    }

    private static String atomic(Instruction.Atomic a) {
        boolean wide = a.size() == Size.DW;
        String prefix = wide ? "r" : "w";
        String src = prefix + a.src();
        String memory = "(" + a.size().cType() + " *)" + address(a.dst(), a.offset());
        AtomicOp op = a.op();
        if (op == AtomicOp.XCHG) return src + " = " + (wide ? "xchg_64(" : "xchg32_32(") + registerPlusOffset(a.dst(), a.offset()) + ", " + src + ")";
        if (op == AtomicOp.CMPXCHG) {
            String r0 = prefix + "0";
            return r0 + " = " + (wide ? "cmpxchg_64(" : "cmpxchg32_32(") + registerPlusOffset(a.dst(), a.offset()) + ", " + r0 + ", " + src + ")";
        }
        if (!a.fetch()) return "lock *" + memory + " " + op.symbol() + " " + src;
        return src + " = atomic_fetch_" + op.name().toLowerCase(Locale.ROOT) + "(" + memory + ", " + src + ")";
    }

    /** {@code (r10 - 0x8)}: LLVM always prints the sign and the offset, even {@code + 0x0}. */
    private static String address(int register, int offset) {
        return "(" + registerPlusOffset(register, offset) + ")";
    }

    /** {@code r1 + 0x8}, {@code r10 - 0x8}: the sign, then the magnitude. */
    private static String registerPlusOffset(int register, int offset) {
        return "r" + register + (offset < 0 ? " - " : " + ") + magnitudeHex(offset);
    }

    /** Signed hex as LLVM prints immediates: {@code 0x5}, {@code -0x5}, {@code -0x8000000000000000}. */
    static String hex(long value) {
        return value < 0 ? "-0x" + Long.toHexString(-value) : "0x" + Long.toHexString(value);
    }

    /** A displacement with its sign always shown: {@code +0x3}, {@code -0x3}, {@code +0x0}. */
    static String signedHex(long value) {
        return value < 0 ? hex(value) : "+" + hex(value);
    }

    private static String magnitudeHex(int value) {
        return "0x" + Long.toHexString(Math.abs((long) value));
    }

    private static String unsignedHex(int value) {
        return "0x" + Integer.toHexString(value);
    }
}
