package io.bpf4j.isa.text;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.MalformedInstructionException;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.Size;

import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Assembler for the llvm-objdump syntax that {@link Disassembler} prints: {@code r0 = *(u32 *)(r1 + 0x4)},
 * {@code if w1 s> -0x1 goto +0x3}, {@code lock *(u64 *)(r10 - 0x8) += r1}, {@code r1 = 0x1122334455667788 ll}.
 *
 * <p>One instruction per line. So that a listing can be pasted as it is, it also accepts:
 * <ul>
 *   <li>objdump's columns: a leading {@code pc:} and the instruction's bytes, and a trailing
 *       {@code <symbol+offset>} annotation. The text decides what a line assembles to, except where llvm-objdump's
 *       text is ambiguous and the bytes column is there to settle it: {@code call 0x4} for a bpf2bpf or kfunc
 *       call, {@code ld_pseudo} without its second immediate, {@code skb[r3]} without its offset, and the 32-bit
 *       atomics that objdump's default CPU prints as {@code lock *(u32 *)... += r2} or {@code <unknown>};</li>
 *   <li>objdump's headers ({@code file format}, {@code Disassembly of section}, relocation lines); a symbol line
 *       {@code 0000000000000000 <name>:} or {@code <name>:} defines the label {@code name};</li>
 *   <li>{@code label:} lines (or a label before an instruction), and labels as targets: {@code goto label},
 *       {@code if r1 == 0x0 goto label}, {@code gotol label}, and {@code call label} (a bpf2bpf call, as LLVM
 *       assembles it);</li>
 *   <li>comments from {@code #}, {@code ;} or {@code //} to the end of the line; blank lines;</li>
 *   <li>decimal as well as hex numbers ({@code goto +3}); the {@code w} registers llvm-objdump {@code --mcpu=v3}
 *       prints for narrow loads and stores ({@code w1 = *(u8 *)(r2 + 0x0)}), and LLVM v1's
 *       {@code lock *(u32 *)(r1 + 0x0) += r2} for the 32-bit atomic add;</li>
 *   <li>the lossless forms documented on {@link Disassembler}: {@code call pc+4}, {@code call kfunc 0x4d[, off]},
 *       {@code ld_pseudo r1, 0x2, 0x10[, 0x20]}, {@code skb[r3 + 0x10]}.</li>
 * </ul>
 * So llvm-objdump's output with its bytes column reads back as exactly the bytes it shows. Without the bytes,
 * {@code call N} is a helper call (write {@code call pc+N} or {@code call label} for a bpf2bpf call).
 * Errors are {@link AssemblyException}s naming the line number and its text. The result is a sequence of valid
 * instructions; whether its jumps stay inside it is for {@link Instructions#checkControlFlow()} to say, once
 * the program is complete (a subprogram assembled alone may call outside itself).
 */
public final class Assembler {
    private Assembler() {}

    private static final String NUM = "[+-]?(?:0[xX][0-9a-fA-F]+|\\d+)";
    private static final String UNSIGNED = "(?:0[xX][0-9a-fA-F]+|\\d+)";
    private static final String IDENT = "[A-Za-z_.$][A-Za-z0-9_.$]*";
    private static final String REG = "([rw]\\d+)";
    private static final String OPERAND = "([rw]\\d+|" + NUM + ")";
    private static final String TARGET = "(" + NUM + "|" + IDENT + ")";
    /** {@code rN + 0x4}, {@code rN - 0x8}, or just {@code rN}: groups register, sign, magnitude. */
    private static final String REG_OFFSET = "([rw]\\d+)\\s*(?:([+-])\\s*(" + UNSIGNED + "))?";
    private static final String ADDRESS = "\\(\\s*" + REG_OFFSET + "\\s*\\)";
    private static final String TYPE = "\\*\\(\\s*([us])(8|16|32|64)\\s*\\*\\s*\\)";

    // objdump decorations
    /** {@code pc:} then, unless objdump ran with {@code --no-show-raw-insn}, 8 or 16 bytes (group 1). */
    private static final Pattern PC_AND_BYTES = Pattern.compile("^\\s*\\d+:\\s*(?:((?:[0-9a-fA-F]{2}\\s){7}[0-9a-fA-F]{2}(?:\\s(?:[0-9a-fA-F]{2}\\s){7}[0-9a-fA-F]{2})?)(?:\\s|$))?");
    private static final Pattern ANNOTATION = Pattern.compile("\\s+<[^<>\\s]+>$");
    private static final Pattern SYMBOL_LINE = Pattern.compile("^(?:[0-9a-fA-F]+\\s+)?<(" + IDENT + ")>:$");
    /** objdump's file and section headers, and its relocation lines ({@code -r}: {@code R_BPF_64_64 map}, {@code CO-RE <byte_off> ...}). */
    private static final Pattern HEADER = Pattern.compile("^(?:.+:\\s+file format .*|Disassembly of section .*|[0-9a-fA-F]{16}:\\s+(?:R_\\w+|CO-RE\\b).*)$");
    private static final Pattern LABEL = Pattern.compile("^(" + IDENT + "):\\s*(.*)$");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Pattern REGISTER_NAME = Pattern.compile("[rw]\\d+");

    private interface Form {
        void emit(Matcher m, ProgramBuilder out);
    }

    private record Syntax(Pattern pattern, Form form) {}

    private static Syntax syntax(String regex, Form form) {
        return new Syntax(Pattern.compile("^" + regex + "$"), form);
    }

    private static final Map<String, JumpOp> COMPARISONS = Map.ofEntries(
            Map.entry("==", JumpOp.JEQ), Map.entry("!=", JumpOp.JNE), Map.entry(">", JumpOp.JGT), Map.entry(">=", JumpOp.JGE),
            Map.entry("<", JumpOp.JLT), Map.entry("<=", JumpOp.JLE), Map.entry("s>", JumpOp.JSGT), Map.entry("s>=", JumpOp.JSGE),
            Map.entry("s<", JumpOp.JSLT), Map.entry("s<=", JumpOp.JSLE), Map.entry("&", JumpOp.JSET));

    private static final Map<String, AluOp> COMPOUND = Map.ofEntries(
            Map.entry("+", AluOp.ADD), Map.entry("-", AluOp.SUB), Map.entry("*", AluOp.MUL), Map.entry("/", AluOp.DIV),
            Map.entry("s/", AluOp.SDIV), Map.entry("|", AluOp.OR), Map.entry("&", AluOp.AND), Map.entry("<<", AluOp.LSH),
            Map.entry(">>", AluOp.RSH), Map.entry("s>>", AluOp.ARSH), Map.entry("%", AluOp.MOD), Map.entry("s%", AluOp.SMOD),
            Map.entry("^", AluOp.XOR));

    private static final Map<String, AtomicOp> LOCK_OPS = Map.of("+", AtomicOp.ADD, "|", AtomicOp.OR, "&", AtomicOp.AND, "^", AtomicOp.XOR);

    private static final List<Syntax> SYNTAX = List.of(
            syntax("exit", (m, out) -> out.add(new Instruction.Exit())),
            syntax("callx\\s+" + REG, (m, out) -> out.add(new Instruction.CallIndirect(register(m.group(1), Width.WIDE)))),
            syntax("call\\s+kfunc\\s+(" + NUM + ")(?:\\s*,\\s*(" + NUM + "))?", (m, out) -> out.add(new Instruction.Call(CallKind.KFUNC,
                    Numbers.imm32(m.group(1), "kfunc id"), m.group(2) == null ? 0 : Numbers.offset16(m.group(2), "kfunc offset")))),
            syntax("call\\s+pc\\s*(" + NUM + ")", (m, out) -> out.add(Instruction.Call.local(Numbers.signed(m.group(1), "call displacement", Integer.MIN_VALUE, Integer.MAX_VALUE)))),
            syntax("call\\s+(" + NUM + ")", (m, out) -> out.add(Instruction.Call.helper(Numbers.imm32(m.group(1), "helper number")))),
            syntax("call\\s+(" + IDENT + ")", (m, out) -> out.addTargeting(m.group(1), Instruction.Call::local)),
            syntax("goto\\s+" + TARGET, (m, out) -> target(m.group(1), Short.MIN_VALUE, Short.MAX_VALUE, out, Instruction.Jump::always)),
            syntax("gotol\\s+" + TARGET, (m, out) -> target(m.group(1), Integer.MIN_VALUE, Integer.MAX_VALUE, out, Instruction.Jump::alwaysLong)),
            syntax("if\\s+" + REG + "\\s*(==|!=|s>=|s<=|s>|s<|>=|<=|>|<|&)\\s*" + OPERAND + "\\s+goto\\s+" + TARGET, Assembler::conditional),
            syntax("ld_pseudo\\s+" + REG + "\\s*,\\s*(" + UNSIGNED + ")\\s*,\\s*(" + NUM + ")(?:\\s*,\\s*(" + NUM + "))?", Assembler::pseudo),
            syntax(REG + "\\s*=\\s*(" + NUM + ")\\s+ll", (m, out) -> out.add(Instruction.LoadImm64.constant(register(m.group(1), Width.WIDE),
                    Numbers.imm64(m.group(2), "64-bit immediate")))),
            syntax(REG + "\\s*=\\s*" + IDENT + "\\s+ll", (m, out) -> {
                throw new IllegalArgumentException("a symbol in lddw needs a relocation; write the 64-bit value or use ld_pseudo");
            }),
            syntax(REG + "\\s*=\\s*\\*\\(\\s*u(8|16|32)\\s*\\*\\s*\\)\\s*skb\\[\\s*(?:(" + NUM + ")|" + REG_OFFSET + ")\\s*]", Assembler::packet),
            syntax(REG + "\\s*=\\s*" + TYPE + "\\s*" + ADDRESS, Assembler::load),
            syntax(TYPE + "\\s*" + ADDRESS + "\\s*=\\s*" + OPERAND, Assembler::store),
            syntax("lock\\s+" + TYPE + "\\s*" + ADDRESS + "\\s*([+|&^])=\\s*" + REG, Assembler::lock),
            syntax(REG + "\\s*=\\s*atomic_fetch_(add|or|and|xor)\\(\\s*\\(\\s*([us])(8|16|32|64)\\s*\\*\\s*\\)\\s*" + ADDRESS + "\\s*,\\s*" + REG + "\\s*\\)", Assembler::fetch),
            syntax(REG + "\\s*=\\s*xchg(_64|32_32)\\(\\s*" + REG_OFFSET + "\\s*,\\s*" + REG + "\\s*\\)", Assembler::xchg),
            syntax(REG + "\\s*=\\s*cmpxchg(_64|32_32)\\(\\s*" + REG_OFFSET + "\\s*,\\s*" + REG + "\\s*,\\s*" + REG + "\\s*\\)", Assembler::cmpxchg),
            syntax(REG + "\\s*=\\s*(le|be|bswap)(16|32|64)\\s+" + REG, Assembler::endian),
            syntax(REG + "\\s*=\\s*-\\s*" + REG, Assembler::neg),
            syntax(REG + "\\s*=\\s*\\(\\s*s(8|16|32)\\s*\\)\\s*" + REG, Assembler::movsx),
            syntax(REG + "\\s*=\\s*" + OPERAND, (m, out) -> alu(AluOp.MOV, m.group(1), m.group(2), out)),
            syntax(REG + "\\s*(s>>|s/|s%|<<|>>|[-+*/|&%^])=\\s*" + OPERAND, (m, out) -> alu(COMPOUND.get(m.group(2)), m.group(1), m.group(3), out)));

    /** Assembles {@code text}; errors name the line within it. */
    public static Instructions assemble(String text) {
        return assemble(null, text);
    }

    /** Assembles {@code text}; errors name {@code source} (a file name, or null) and the line. */
    public static Instructions assemble(String source, String text) {
        ProgramBuilder out = new ProgramBuilder(source);
        // one matcher per form, reset for each line: creating ~25 matchers per line would cost more than matching
        Matcher[] matchers = new Matcher[SYNTAX.size()];
        for (int i = 0; i < matchers.length; i++) matchers[i] = SYNTAX.get(i).pattern().matcher("");
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            out.at(i + 1, lines[i]);
            try {
                assembleLine(lines[i], matchers, out);
            } catch (IllegalArgumentException e) {
                throw out.error(e.getMessage(), e);
            }
        }
        return out.finish();
    }

    private static void assembleLine(String line, Matcher[] matchers, ProgramBuilder out) {
        String code = stripComment(line).strip();
        if (code.isEmpty()) return;
        if (code.equals("...")) {
            throw new IllegalArgumentException("llvm-objdump left out a run of zero bytes here; disassemble with -z (--disassemble-zeroes)");
        }
        if (HEADER.matcher(code).matches()) return;
        Matcher symbol = SYMBOL_LINE.matcher(code);
        if (symbol.matches()) {
            out.label(symbol.group(1));
            return;
        }
        Matcher columns = PC_AND_BYTES.matcher(code);
        Instruction fromBytes = null;
        if (columns.lookingAt()) {
            fromBytes = decodeColumn(columns.group(1));
            code = code.substring(columns.end()).strip();
        }
        code = ANNOTATION.matcher(code).replaceFirst("");
        if (fromBytes != null && isAmbiguousFormOf(code, fromBytes)) {
            // the text is what llvm-objdump prints for these bytes but does not say everything: the bytes do
            out.add(fromBytes);
            return;
        }
        Matcher label;
        while ((label = LABEL.matcher(code)).matches()) {
            out.label(label.group(1));
            code = label.group(2);
        }
        if (code.isEmpty()) return;
        if (code.equals("<unknown>")) throw new IllegalArgumentException("llvm-objdump could not decode this instruction");
        for (int i = 0; i < matchers.length; i++) {
            Matcher m = matchers[i].reset(code);
            if (m.matches()) {
                SYNTAX.get(i).form().emit(m, out);
                return;
            }
        }
        throw new IllegalArgumentException("not a BPF instruction in llvm-objdump syntax");
    }

    private static boolean isAmbiguousFormOf(String code, Instruction fromBytes) {
        List<String> forms = Disassembler.objdumpAmbiguousForms(fromBytes);
        return !forms.isEmpty() && forms.contains(WHITESPACE.matcher(code).replaceAll(" "));
    }

    /** The instruction in objdump's bytes column, or null when there is none or it does not decode. */
    private static Instruction decodeColumn(String bytes) {
        if (bytes == null) return null;
        String[] hex = WHITESPACE.split(bytes.strip());
        long[] slots = new long[hex.length / 8];
        for (int i = 0; i < hex.length; i++) slots[i / 8] |= Long.parseLong(hex[i], 16) << (8 * (i % 8));
        try {
            Instructions decoded = Instructions.decode(slots);
            return decoded.size() == 1 ? decoded.at(0) : null;
        } catch (MalformedInstructionException e) {
            return null;
        }
    }

    private static String stripComment(String line) {
        int end = line.length();
        int hash = line.indexOf('#');
        if (hash >= 0) end = hash;
        int semicolon = line.indexOf(';');
        if (semicolon >= 0 && semicolon < end) end = semicolon;
        int slashes = line.indexOf("//");
        if (slashes >= 0 && slashes < end) end = slashes;
        return line.substring(0, end);
    }

    // ---- registers ---------------------------------------------------------------------------------

    /** What register names an operand position accepts. */
    private enum Width {
        /** {@code rN} only. */
        WIDE,
        /** {@code wN} only. */
        NARROW,
        /** either (narrow loads and stores, the legacy 32-bit atomic add). */
        EITHER
    }

    private static int register(String name, Width width) {
        char kind = name.charAt(0);
        if (width == Width.WIDE && kind != 'r') throw new IllegalArgumentException("expected a 64-bit register r0..r10, found " + name);
        if (width == Width.NARROW && kind != 'w') throw new IllegalArgumentException("expected a 32-bit register w0..w10, found " + name);
        String number = name.substring(1);
        if (number.length() > 2 || Integer.parseInt(number) > 10) {
            throw new IllegalArgumentException("register " + name + " does not exist (" + kind + "0.." + kind + "10)");
        }
        return Integer.parseInt(number);
    }

    private static boolean isRegister(String operand) {
        return REGISTER_NAME.matcher(operand).matches();
    }

    private static boolean narrow(String register) {
        return register.charAt(0) == 'w';
    }

    private static Width same(String register) {
        return narrow(register) ? Width.NARROW : Width.WIDE;
    }

    private static int offset(String sign, String magnitude) {
        if (sign == null) return 0;
        return Numbers.offset16(sign + magnitude, "offset");
    }

    private static Size size(String bits) {
        return Size.ofBytes(Integer.parseInt(bits) / 8);
    }

    // ---- forms -------------------------------------------------------------------------------------

    private static void target(String target, int min, int max, ProgramBuilder out, IntFunction<Instruction> build) {
        if (Numbers.isInteger(target)) out.add(build.apply(Numbers.signed(target, "jump displacement", min, max)));
        else out.addTargeting(target, build);
    }

    private static void conditional(Matcher m, ProgramBuilder out) {
        String dstName = m.group(1);
        boolean jmp32 = narrow(dstName);
        int dst = register(dstName, same(dstName));
        JumpOp op = COMPARISONS.get(m.group(2));
        String operand = m.group(3);
        if (isRegister(operand)) {
            int src = register(operand, same(dstName));
            target(m.group(4), Short.MIN_VALUE, Short.MAX_VALUE, out, d -> Instruction.Jump.ifReg(jmp32, op, dst, src, d));
        } else {
            int imm = Numbers.imm32(operand, "immediate");
            target(m.group(4), Short.MIN_VALUE, Short.MAX_VALUE, out, d -> Instruction.Jump.ifImm(jmp32, op, dst, imm, d));
        }
    }

    private static void alu(AluOp op, String dstName, String operand, ProgramBuilder out) {
        boolean alu64 = !narrow(dstName);
        int dst = register(dstName, same(dstName));
        out.add(isRegister(operand)
                ? Instruction.Alu.reg(alu64, op, dst, register(operand, same(dstName)))
                : Instruction.Alu.imm(alu64, op, dst, Numbers.imm32(operand, "immediate")));
    }

    private static void neg(Matcher m, ProgramBuilder out) {
        int dst = register(m.group(1), same(m.group(1)));
        if (!m.group(1).equals(m.group(2))) throw new IllegalArgumentException("neg works in place: write " + m.group(1) + " = -" + m.group(1));
        out.add(Instruction.Alu.imm(!narrow(m.group(1)), AluOp.NEG, dst, 0));
    }

    private static void movsx(Matcher m, ProgramBuilder out) {
        boolean alu64 = !narrow(m.group(1));
        AluOp op = switch (m.group(2)) {
            case "8" -> AluOp.MOVSX8;
            case "16" -> AluOp.MOVSX16;
            default -> AluOp.MOVSX32;
        };
        if (op == AluOp.MOVSX32 && !alu64) throw new IllegalArgumentException("a 32-bit move cannot sign-extend from 32 bits (use " + m.group(1) + " = " + m.group(3) + ")");
        out.add(Instruction.Alu.reg(alu64, op, register(m.group(1), same(m.group(1))), register(m.group(3), same(m.group(1)))));
    }

    private static void endian(Matcher m, ProgramBuilder out) {
        if (!m.group(1).equals(m.group(4))) throw new IllegalArgumentException("byte swaps work in place: write " + m.group(1) + " = " + m.group(2) + m.group(3) + " " + m.group(1));
        EndianOp op = switch (m.group(2)) {
            case "le" -> EndianOp.TO_LE;
            case "be" -> EndianOp.TO_BE;
            default -> EndianOp.BSWAP;
        };
        out.add(new Instruction.Endian(op, register(m.group(1), Width.WIDE), Integer.parseInt(m.group(3))));
    }

    private static void pseudo(Matcher m, ProgramBuilder out) {
        int dst = register(m.group(1), Width.WIDE);
        int kind = Numbers.signed(m.group(2), "ld_pseudo kind", 0, 15);
        Pseudo pseudo = null;
        for (Pseudo p : Pseudo.values()) if (p.src() == kind) pseudo = p;
        if (pseudo == null) throw new IllegalArgumentException("ld_pseudo kind " + kind + " does not exist (0 to " + (Pseudo.values().length - 1) + ")");
        int imm = Numbers.imm32(m.group(3), "ld_pseudo immediate");
        int next = m.group(4) == null ? 0 : Numbers.imm32(m.group(4), "ld_pseudo second immediate");
        out.add(new Instruction.LoadImm64(dst, pseudo, imm, next));
    }

    private static void packet(Matcher m, ProgramBuilder out) {
        if (!m.group(1).equals("r0")) throw new IllegalArgumentException("legacy packet loads always write r0");
        Size size = size(m.group(2));
        if (m.group(3) != null) {
            out.add(new Instruction.PacketLoad(size, false, 0, Numbers.imm32(m.group(3), "packet offset")));
            return;
        }
        int src = register(m.group(4), Width.WIDE);
        int imm = m.group(5) == null ? 0 : Numbers.signed(m.group(5) + m.group(6), "packet offset", Integer.MIN_VALUE, Integer.MAX_VALUE);
        out.add(new Instruction.PacketLoad(size, true, src, imm));
    }

    private static void load(Matcher m, ProgramBuilder out) {
        boolean signed = m.group(2).equals("s");
        Size size = size(m.group(3));
        if (signed && size == Size.DW) throw new IllegalArgumentException("there is no sign-extending 64-bit load (use u64)");
        Width dstWidth = signed || size == Size.DW ? Width.WIDE : Width.EITHER;
        int dst = register(m.group(1), dstWidth);
        out.add(new Instruction.Load(size, signed, dst, register(m.group(4), Width.WIDE), offset(m.group(5), m.group(6))));
    }

    private static void store(Matcher m, ProgramBuilder out) {
        if (m.group(1).equals("s")) throw new IllegalArgumentException("stores take an unsigned type (u8, u16, u32, u64)");
        Size size = size(m.group(2));
        int dst = register(m.group(3), Width.WIDE);
        int off = offset(m.group(4), m.group(5));
        String value = m.group(6);
        out.add(isRegister(value)
                ? Instruction.Store.reg(size, dst, off, register(value, size == Size.DW ? Width.WIDE : Width.EITHER))
                : Instruction.Store.imm(size, dst, off, Numbers.imm32(value, "immediate")));
    }

    private static Size atomicSize(String signedness, String bits) {
        if (signedness.equals("s")) throw new IllegalArgumentException("atomics take an unsigned type (u32 or u64)");
        Size size = size(bits);
        if (size != Size.W && size != Size.DW) throw new IllegalArgumentException("atomics operate on u32 or u64, not u" + bits);
        return size;
    }

    private static void lock(Matcher m, ProgramBuilder out) {
        Size size = atomicSize(m.group(1), m.group(2));
        int dst = register(m.group(3), Width.WIDE);
        int off = offset(m.group(4), m.group(5));
        int src = register(m.group(7), size == Size.DW ? Width.WIDE : Width.EITHER);
        out.add(new Instruction.Atomic(size, LOCK_OPS.get(m.group(6)), false, dst, src, off));
    }

    private static void fetch(Matcher m, ProgramBuilder out) {
        Size size = atomicSize(m.group(3), m.group(4));
        Width width = size == Size.DW ? Width.WIDE : Width.NARROW;
        int result = register(m.group(1), width);
        int src = register(m.group(8), width);
        if (result != src) throw new IllegalArgumentException("atomic_fetch_" + m.group(2) + " returns the old value in its operand register: write " + m.group(8) + " = ...");
        AtomicOp op = switch (m.group(2)) {
            case "add" -> AtomicOp.ADD;
            case "or" -> AtomicOp.OR;
            case "and" -> AtomicOp.AND;
            default -> AtomicOp.XOR;
        };
        out.add(new Instruction.Atomic(size, op, true, register(m.group(5), Width.WIDE), src, offset(m.group(6), m.group(7))));
    }

    private static void xchg(Matcher m, ProgramBuilder out) {
        Size size = m.group(2).equals("_64") ? Size.DW : Size.W;
        Width width = size == Size.DW ? Width.WIDE : Width.NARROW;
        int result = register(m.group(1), width);
        int src = register(m.group(6), width);
        if (result != src) throw new IllegalArgumentException("xchg returns the old value in its operand register: write " + m.group(6) + " = ...");
        out.add(new Instruction.Atomic(size, AtomicOp.XCHG, true, register(m.group(3), Width.WIDE), src, offset(m.group(4), m.group(5))));
    }

    private static void cmpxchg(Matcher m, ProgramBuilder out) {
        Size size = m.group(2).equals("_64") ? Size.DW : Size.W;
        Width width = size == Size.DW ? Width.WIDE : Width.NARROW;
        if (register(m.group(1), width) != 0 || register(m.group(6), width) != 0) {
            throw new IllegalArgumentException("cmpxchg compares with and returns into r0: write " + (size == Size.DW ? "r0 = cmpxchg_64(..., r0, src)" : "w0 = cmpxchg32_32(..., w0, src)"));
        }
        out.add(new Instruction.Atomic(size, AtomicOp.CMPXCHG, true, register(m.group(3), Width.WIDE), register(m.group(7), width), offset(m.group(4), m.group(5))));
    }
}
