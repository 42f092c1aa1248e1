package io.bpf4j.jit;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.NewObjectInstruction;
import java.lang.classfile.instruction.NewPrimitiveArrayInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.lang.constant.DynamicConstantDesc;
import java.util.HashMap;
import java.util.Map;

/**
 * A stable, readable listing of a generated class, one instruction per line, labels numbered in order of
 * appearance. Used for debug dumps and golden-file tests, so it prints nothing that changes between runs
 * (no constant-pool indices, no hidden-class suffixes).
 */
public final class BytecodePrinter {
    private BytecodePrinter() {}

    public static String print(byte[] classBytes) {
        ClassModel model = ClassFile.of().parse(classBytes);
        StringBuilder out = new StringBuilder();
        out.append("class ").append(model.thisClass().asInternalName())
                .append(" extends ").append(model.superclass().map(c -> c.asInternalName()).orElse("-")).append('\n');
        for (MethodModel m : model.methods()) {
            out.append('\n').append(m.methodName().stringValue()).append(m.methodType().stringValue());
            m.code().ifPresent(code -> {
                int length = code instanceof java.lang.classfile.attribute.CodeAttribute ca ? ca.codeLength() : -1;
                out.append("  // ").append(length).append(" bytes\n");
                printCode(code, out);
            });
        }
        return out.toString();
    }

    private static void printCode(CodeModel code, StringBuilder out) {
        Map<Label, String> names = new HashMap<>();
        for (CodeElement e : code) {
            if (e instanceof LabelTarget t) names.putIfAbsent(t.label(), "L" + names.size());
        }
        for (CodeElement e : code) {
            switch (e) {
                case LabelTarget t -> out.append(names.get(t.label())).append(":\n");
                case java.lang.classfile.Instruction i -> out.append("    ").append(instruction(i, names)).append('\n');
                default -> {
                }
            }
        }
    }

    private static String instruction(java.lang.classfile.Instruction i, Map<Label, String> names) {
        String op = i.opcode().name().toLowerCase(java.util.Locale.ROOT);
        return switch (i) {
            case LoadInstruction l -> op.contains("_") ? op : op + " " + l.slot();
            case StoreInstruction s -> op.contains("_") ? op : op + " " + s.slot();
            case IncrementInstruction inc -> op + " " + inc.slot() + " " + inc.constant();
            case ConstantInstruction c when !op.startsWith("ldc") -> op.contains("_") ? op : op + " " + c.constantValue();
            case ConstantInstruction c -> switch (c.constantValue()) {
                case DynamicConstantDesc<?> d -> op + " " + d.bootstrapMethod().methodName() + d.bootstrapArgsList() + " "
                        + d.constantType().displayName();
                case String s -> op + " \"" + s + "\"";
                default -> op + " " + c.constantValue();
            };
            case BranchInstruction b -> op + " " + names.get(b.target());
            case InvokeInstruction inv -> op + " " + inv.owner().asInternalName() + "." + inv.name().stringValue() + inv.type().stringValue();
            case FieldInstruction f -> op + " " + f.owner().asInternalName() + "." + f.name().stringValue();
            case TypeCheckInstruction t -> op + " " + t.type().asInternalName();
            case NewObjectInstruction n -> op + " " + n.className().asInternalName();
            case NewPrimitiveArrayInstruction n -> op + " " + n.typeKind().name().toLowerCase(java.util.Locale.ROOT);
            case LookupSwitchInstruction s -> op + " " + cases(s.cases(), names) + " default " + names.get(s.defaultTarget());
            case TableSwitchInstruction s -> op + " " + cases(s.cases(), names) + " default " + names.get(s.defaultTarget());
            default -> op;
        };
    }

    private static String cases(java.util.List<SwitchCase> cases, Map<Label, String> names) {
        StringBuilder sb = new StringBuilder("{");
        for (SwitchCase c : cases) {
            if (sb.length() > 1) sb.append(", ");
            sb.append(c.caseValue()).append(" -> ").append(names.get(c.target()));
        }
        return sb.append('}').toString();
    }
}
