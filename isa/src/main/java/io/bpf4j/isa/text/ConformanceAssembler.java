package io.bpf4j.isa.text;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.AtomicOp;
import io.bpf4j.isa.CallKind;
import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Assembler for the syntax of the bpf_conformance suite's {@code -- asm} sections (uBPF style):
 * {@code mov32 %r0, 1}, {@code ldxw %r1, [%r2+4]}, {@code jne %r1, 0, label}, {@code lock fetch add [%r10-8], %r1}.
 *
 * <p>Grammar, one instruction per line ({@code #} starts a comment; blank lines are ignored):
 * <ul>
 *   <li>{@code name:} labels the next instruction (it may share the line with it). {@code exit} also names the
 *       first {@code exit} instruction unless the text defines that label itself, as the suite's assembler does.</li>
 *   <li>ALU: {@code add sub mul div sdiv or and lsh rsh mod smod xor mov arsh} with an optional {@code 64} or a
 *       {@code 32} suffix, then {@code %rD, %rS} or {@code %rD, imm}; {@code neg[32|64] %rD};
 *       {@code movsx832 movsx864 movsx1632 movsx1664 movsx3264 %rD, %rS} (source width, then ALU width).</li>
 *   <li>Byte order: {@code le16/32/64}, {@code be16/32/64} and {@code swap16/32/64} or {@code bswap16/32/64}.</li>
 *   <li>Jumps: {@code ja T}, {@code ja32 T} (gotol: displacement in imm), {@code jeq jgt jge jset jne jsgt jsge jlt
 *       jle jslt jsle} with an optional {@code 32} suffix, {@code %rD, %rS|imm, T}, where T is a label or a
 *       signed slot count relative to the next slot ({@code +2}, {@code -1}).</li>
 *   <li>{@code exit}; {@code call N} (helper, also {@code call helper N}), {@code call %rX} (callx),
 *       {@code call local T} (bpf2bpf), {@code call runtime N} (a runtime function by id: src 2).</li>
 *   <li>Memory: {@code ldx[s]b ldx[s]h ldx[s]w ldxdw %rD, [%rS+off]}; {@code stb sth stw stdw [%rD+off], imm};
 *       {@code stxb stxh stxw stxdw [%rD+off], %rS}; {@code lddw %rD, imm64}; legacy packet loads
 *       {@code ldabsb|h|w imm} and {@code ldindb|h|w %rS, imm}.</li>
 *   <li>Atomics: {@code lock [fetch] add|and|or|xor[32] [%rD+off], %rS}, {@code lock xchg[32] ...},
 *       {@code lock cmpxchg[32] ...} (compares with r0).</li>
 * </ul>
 * Immediates are {@code 0x} hex (raw bits) or signed decimal. Errors are {@link AssemblyException}s naming the
 * line number and its text. Jump targets are not checked against the program's bounds here: that is
 * {@link Instructions#checkControlFlow()}'s job once the program is complete.
 */
public final class ConformanceAssembler {
    private ConformanceAssembler() {}

    private static final Pattern LABEL = Pattern.compile("[A-Za-z_.$][A-Za-z0-9_.$]*");
    private static final Pattern REGISTER = Pattern.compile("%r(\\d+)");
    private static final Pattern MEMORY = Pattern.compile("\\[\\s*(%r\\d+)\\s*(?:([+-])\\s*(\\w+))?\\s*]");
    private static final Pattern MOVSX = Pattern.compile("movsx(8|16|32)(32|64)");
    private static final Pattern BYTE_ORDER = Pattern.compile("(le|be|swap|bswap)(16|32|64)");
    private static final Pattern LOAD = Pattern.compile("ldx(s?)(b|h|w|dw)");
    private static final Pattern STORE = Pattern.compile("st(x?)(b|h|w|dw)");
    private static final Pattern PACKET = Pattern.compile("ld(abs|ind)(b|h|w)");

    private static final Map<String, AluOp> ALU_OPS = Map.ofEntries(
            Map.entry("add", AluOp.ADD), Map.entry("sub", AluOp.SUB), Map.entry("mul", AluOp.MUL),
            Map.entry("div", AluOp.DIV), Map.entry("sdiv", AluOp.SDIV), Map.entry("or", AluOp.OR),
            Map.entry("and", AluOp.AND), Map.entry("lsh", AluOp.LSH), Map.entry("rsh", AluOp.RSH),
            Map.entry("neg", AluOp.NEG), Map.entry("mod", AluOp.MOD), Map.entry("smod", AluOp.SMOD),
            Map.entry("xor", AluOp.XOR), Map.entry("mov", AluOp.MOV), Map.entry("arsh", AluOp.ARSH));

    private static final Map<String, JumpOp> JUMP_OPS = Map.ofEntries(
            Map.entry("jeq", JumpOp.JEQ), Map.entry("jgt", JumpOp.JGT), Map.entry("jge", JumpOp.JGE),
            Map.entry("jset", JumpOp.JSET), Map.entry("jne", JumpOp.JNE), Map.entry("jsgt", JumpOp.JSGT),
            Map.entry("jsge", JumpOp.JSGE), Map.entry("jlt", JumpOp.JLT), Map.entry("jle", JumpOp.JLE),
            Map.entry("jslt", JumpOp.JSLT), Map.entry("jsle", JumpOp.JSLE));

    private static final Map<String, AtomicOp> ATOMIC_OPS = Map.of(
            "add", AtomicOp.ADD, "and", AtomicOp.AND, "or", AtomicOp.OR, "xor", AtomicOp.XOR,
            "xchg", AtomicOp.XCHG, "cmpxchg", AtomicOp.CMPXCHG);

    /** Assembles {@code asm}; errors name the line within it. */
    public static Instructions assemble(String asm) {
        return assemble(null, asm);
    }

    /** Assembles {@code asm}; errors name {@code source} (a file name, or null) and the line. */
    public static Instructions assemble(String source, String asm) {
        ProgramBuilder out = new ProgramBuilder(source);
        String[] lines = asm.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String text = lines[i];
            out.at(i + 1, text);
            int hash = text.indexOf('#');
            String code = (hash >= 0 ? text.substring(0, hash) : text).strip();
            try {
                assembleLine(code, out);
            } catch (IllegalArgumentException e) {
                throw out.error(e.getMessage(), e);
            }
        }
        return out.finish();
    }

    private static void assembleLine(String code, ProgramBuilder out) {
        // leading labels: "name:" possibly followed by an instruction on the same line
        while (!code.isEmpty()) {
            int space = firstSpace(code);
            String first = code.substring(0, space);
            if (!first.endsWith(":")) break;
            String name = first.substring(0, first.length() - 1);
            if (!LABEL.matcher(name).matches()) throw new IllegalArgumentException("'" + name + "' is not a valid label name");
            out.label(name);
            code = code.substring(space).strip();
        }
        if (code.isEmpty()) return;
        int space = firstSpace(code);
        String mnemonic = code.substring(0, space).toLowerCase(Locale.ROOT);
        String rest = code.substring(space).strip();
        switch (mnemonic) {
            case "exit" -> {
                operands(rest, 0, mnemonic);
                out.implicitLabel("exit");
                out.add(new Instruction.Exit());
            }
            case "call" -> call(rest, out);
            case "lock" -> lock(rest, out);
            case "lddw" -> {
                List<String> ops = operands(rest, 2, mnemonic);
                out.add(Instruction.LoadImm64.constant(register(ops.get(0)), Numbers.imm64(ops.get(1), "immediate")));
            }
            case "ja" -> {
                List<String> ops = operands(rest, 1, mnemonic);
                jumpTo(ops.get(0), Short.MIN_VALUE, Short.MAX_VALUE, out, Instruction.Jump::always);
            }
            case "ja32" -> {
                List<String> ops = operands(rest, 1, mnemonic);
                jumpTo(ops.get(0), Integer.MIN_VALUE, Integer.MAX_VALUE, out, Instruction.Jump::alwaysLong);
            }
            default -> other(mnemonic, rest, out);
        }
    }

    private static void other(String mnemonic, String rest, ProgramBuilder out) {
        Matcher m;
        if ((m = MOVSX.matcher(mnemonic)).matches()) {
            List<String> ops = operands(rest, 2, mnemonic);
            boolean alu64 = m.group(2).equals("64");
            AluOp op = switch (m.group(1)) {
                case "8" -> AluOp.MOVSX8;
                case "16" -> AluOp.MOVSX16;
                default -> AluOp.MOVSX32;
            };
            if (op == AluOp.MOVSX32 && !alu64) throw new IllegalArgumentException("movsx3232 does not exist (use mov32)");
            out.add(Instruction.Alu.reg(alu64, op, register(ops.get(0)), register(ops.get(1))));
            return;
        }
        if ((m = BYTE_ORDER.matcher(mnemonic)).matches()) {
            List<String> ops = operands(rest, 1, mnemonic);
            EndianOp op = switch (m.group(1)) {
                case "le" -> EndianOp.TO_LE;
                case "be" -> EndianOp.TO_BE;
                default -> EndianOp.BSWAP;
            };
            out.add(new Instruction.Endian(op, register(ops.get(0)), Integer.parseInt(m.group(2))));
            return;
        }
        if ((m = LOAD.matcher(mnemonic)).matches()) {
            List<String> ops = operands(rest, 2, mnemonic);
            Size size = size(m.group(2));
            boolean signed = !m.group(1).isEmpty();
            if (signed && size == Size.DW) throw new IllegalArgumentException("ldxsdw does not exist (use ldxdw)");
            Memory mem = memory(ops.get(1));
            out.add(new Instruction.Load(size, signed, register(ops.get(0)), mem.register(), mem.offset()));
            return;
        }
        if ((m = STORE.matcher(mnemonic)).matches()) {
            List<String> ops = operands(rest, 2, mnemonic);
            Size size = size(m.group(2));
            Memory mem = memory(ops.get(0));
            boolean fromRegister = !m.group(1).isEmpty();
            out.add(fromRegister
                    ? Instruction.Store.reg(size, mem.register(), mem.offset(), register(ops.get(1)))
                    : Instruction.Store.imm(size, mem.register(), mem.offset(), Numbers.imm32(ops.get(1), "immediate")));
            return;
        }
        if ((m = PACKET.matcher(mnemonic)).matches()) {
            Size size = size(m.group(2));
            if (m.group(1).equals("abs")) {
                List<String> ops = operands(rest, 1, mnemonic);
                out.add(new Instruction.PacketLoad(size, false, 0, Numbers.imm32(ops.get(0), "offset")));
            } else {
                List<String> ops = operands(rest, 2, mnemonic);
                out.add(new Instruction.PacketLoad(size, true, register(ops.get(0)), Numbers.imm32(ops.get(1), "offset")));
            }
            return;
        }
        String base = mnemonic;
        boolean narrow = false;
        if (base.endsWith("32")) {
            base = base.substring(0, base.length() - 2);
            narrow = true;
        } else if (base.endsWith("64")) {
            base = base.substring(0, base.length() - 2);
        }
        AluOp alu = ALU_OPS.get(base);
        if (alu != null) {
            if (alu == AluOp.NEG) {
                List<String> ops = operands(rest, 1, mnemonic);
                out.add(Instruction.Alu.imm(!narrow, AluOp.NEG, register(ops.get(0)), 0));
                return;
            }
            List<String> ops = operands(rest, 2, mnemonic);
            int dst = register(ops.get(0));
            String source = ops.get(1);
            out.add(isRegister(source)
                    ? Instruction.Alu.reg(!narrow, alu, dst, register(source))
                    : Instruction.Alu.imm(!narrow, alu, dst, Numbers.imm32(source, "immediate")));
            return;
        }
        JumpOp jump = mnemonic.endsWith("64") ? null : JUMP_OPS.get(base);
        if (jump != null) {
            List<String> ops = operands(rest, 3, mnemonic);
            int dst = register(ops.get(0));
            String source = ops.get(1);
            boolean jmp32 = narrow;
            if (isRegister(source)) {
                int src = register(source);
                jumpTo(ops.get(2), Short.MIN_VALUE, Short.MAX_VALUE, out, d -> Instruction.Jump.ifReg(jmp32, jump, dst, src, d));
            } else {
                int imm = Numbers.imm32(source, "immediate");
                jumpTo(ops.get(2), Short.MIN_VALUE, Short.MAX_VALUE, out, d -> Instruction.Jump.ifImm(jmp32, jump, dst, imm, d));
            }
            return;
        }
        throw new IllegalArgumentException("unknown mnemonic '" + mnemonic + "'");
    }

    /** {@code call N}, {@code call helper N}, {@code call %rX}, {@code call local T}, {@code call runtime N}. */
    private static void call(String rest, ProgramBuilder out) {
        String[] words = rest.isEmpty() ? new String[0] : rest.split("\\s+");
        if (words.length == 1) {
            if (isRegister(words[0])) {
                out.add(new Instruction.CallIndirect(register(words[0])));
            } else {
                out.add(Instruction.Call.helper(Numbers.imm32(words[0], "helper number")));
            }
            return;
        }
        if (words.length != 2) throw new IllegalArgumentException("call takes N, %rX, helper N, local TARGET or runtime N");
        switch (words[0]) {
            case "helper" -> out.add(Instruction.Call.helper(Numbers.imm32(words[1], "helper number")));
            case "local" -> jumpTo(words[1], Integer.MIN_VALUE, Integer.MAX_VALUE, out, Instruction.Call::local);
            case "runtime" -> out.add(new Instruction.Call(CallKind.KFUNC, Numbers.imm32(words[1], "runtime function id"), 0));
            default -> throw new IllegalArgumentException("unknown call kind '" + words[0] + "' (helper, local or runtime)");
        }
    }

    /** {@code lock [fetch] OP[32] [%rD+off], %rS}. */
    private static void lock(String rest, ProgramBuilder out) {
        int space = firstSpace(rest);
        String word = rest.substring(0, space).toLowerCase(Locale.ROOT);
        boolean fetch = false;
        if (word.equals("fetch")) {
            fetch = true;
            rest = rest.substring(space).strip();
            space = firstSpace(rest);
            word = rest.substring(0, space).toLowerCase(Locale.ROOT);
        }
        boolean narrow = word.endsWith("32");
        String name = narrow ? word.substring(0, word.length() - 2) : word.endsWith("64") ? word.substring(0, word.length() - 2) : word;
        AtomicOp op = ATOMIC_OPS.get(name);
        if (op == null) throw new IllegalArgumentException("unknown atomic operation '" + word + "' (add, and, or, xor, xchg, cmpxchg)");
        List<String> ops = operands(rest.substring(space).strip(), 2, "lock " + word);
        Memory mem = memory(ops.get(0));
        out.add(new Instruction.Atomic(narrow ? Size.W : Size.DW, op, fetch || op.alwaysFetches(), mem.register(), register(ops.get(1)), mem.offset()));
    }

    /** Emits an instruction whose displacement is a literal ({@code +3}, {@code -1}) or a label resolved later. */
    private static void jumpTo(String target, int min, int max, ProgramBuilder out, IntFunction<Instruction> build) {
        if (Numbers.isInteger(target)) {
            out.add(build.apply(Numbers.signed(target, "jump displacement", min, max)));
        } else if (LABEL.matcher(target).matches()) {
            out.addTargeting(target, build);
        } else {
            throw new IllegalArgumentException("jump target '" + target + "' is neither a label nor +N/-N");
        }
    }

    private record Memory(int register, int offset) {}

    private static Memory memory(String operand) {
        Matcher m = MEMORY.matcher(operand.strip());
        if (!m.matches()) throw new IllegalArgumentException("memory operand '" + operand + "' is not [%rN], [%rN+off] or [%rN-off]");
        int offset = 0;
        if (m.group(2) != null) offset = Numbers.offset16(m.group(2) + m.group(3), "offset");
        return new Memory(register(m.group(1)), offset);
    }

    private static boolean isRegister(String operand) {
        return operand.startsWith("%");
    }

    private static int register(String operand) {
        Matcher m = REGISTER.matcher(operand.strip());
        if (!m.matches()) throw new IllegalArgumentException("'" + operand + "' is not a register (%r0 to %r10)");
        String number = m.group(1);
        if (number.length() > 2 || Integer.parseInt(number) > 10) {
            throw new IllegalArgumentException("register %r" + number + " does not exist (%r0 to %r10)");
        }
        return Integer.parseInt(number);
    }

    private static Size size(String suffix) {
        return switch (suffix) {
            case "b" -> Size.B;
            case "h" -> Size.H;
            case "w" -> Size.W;
            default -> Size.DW;
        };
    }

    private static List<String> operands(String rest, int expected, String mnemonic) {
        List<String> ops = new ArrayList<>();
        if (!rest.isEmpty()) {
            for (String op : rest.split(",", -1)) ops.add(op.strip());
        }
        if (ops.size() != expected || ops.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException(mnemonic + " takes " + expected + " operand" + (expected == 1 ? "" : "s") + ", found " + ops.size());
        }
        return ops;
    }

    private static int firstSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) return i;
        }
        return s.length();
    }
}
