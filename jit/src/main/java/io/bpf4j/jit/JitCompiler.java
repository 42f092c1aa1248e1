package io.bpf4j.jit;

import io.bpf4j.abi.Helper;
import io.bpf4j.runtime.ProgramImage;

import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.constant.ClassDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Compiles loaded programs to JVM bytecode: one hidden class per program, one static method per eBPF function,
 * registers in locals, helpers, maps and tail call sites as class data (constants to C2). Used by {@link JitEngine};
 * public for tools and tests that want the class bytes and sizes.
 */
public final class JitCompiler {
    private static final int MAX_ATTEMPTS = 8;

    private final JitOptions options;

    public JitCompiler(JitOptions options) {
        this.options = options;
    }

    public JitOptions options() {
        return options;
    }

    /**
     * The outcome of compiling one program: its code, the class bytes, the methods' sizes and the compile time, and of
     * its load and store instructions ({@code memoryAccesses}, atomics included) how many were compiled to direct
     * accesses from the verifier's facts ({@code directAccesses}; see {@link AccessPlan}).
     */
    public record Compiled(String program, CompiledCode code, byte[] classBytes, List<MethodSize> methods, long compileNanos,
                           int memoryAccesses, int directAccesses) {
        /** The largest generated method, in bytecode bytes. */
        public int largestMethod() {
            return methods.stream().mapToInt(MethodSize::bytes).max().orElse(0);
        }

        /** True when some function was split into chunks to stay under the method budget. */
        public boolean split() {
            return methods.stream().anyMatch(m -> m.name().contains("$"));
        }
    }

    /** A generated method and its bytecode length. */
    public record MethodSize(String name, int bytes) {}

    /**
     * Compiles {@code image} for {@code engine} (tail calls from it find their targets' code there). Throws
     * {@link JitCompilationException} naming the program and, where one is to blame, the pc, when it cannot: nothing
     * is ever compiled to code that would compute something else than the interpreter.
     */
    public Compiled compile(ProgramImage image, JitEngine engine) {
        long start = System.nanoTime();
        String program = image.name();
        ProgramLayout layout = ProgramLayout.of(program, image.instructions());
        Liveness liveness = Liveness.of(layout, Helper.TAIL_CALL.id());
        ClassDesc desc = ClassDesc.of(CompiledCode.class.getPackageName() + ".Bpf_" + sanitize(program));
        List<ClassGenerator.FunctionPlan> plans = null;
        int[] targets = new int[layout.functions.size()];
        Arrays.fill(targets, options.splitTarget());
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            ClassGenerator gen = new ClassGenerator(layout, liveness, image, engine, desc, options.methodLimit());
            if (plans == null) {
                plans = new ArrayList<>();
                for (ProgramLayout.Function f : layout.functions) plans.add(gen.plan(f, targets[f.index()]));
            }
            byte[] bytes;
            try {
                bytes = gen.build(plans);
            } catch (JitCompilationException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new JitCompilationException(program, -1, "class generation failed: " + e, e);
            }
            List<MethodSize> sizes = methodSizes(bytes);
            List<ClassGenerator.FunctionPlan> replanned = new ArrayList<>(plans);
            boolean over = false;
            for (MethodSize m : sizes) {
                if (m.bytes() <= options.methodLimit()) continue;
                over = true;
                int function = functionIndex(m.name());
                if (function < 0) {
                    throw new JitCompilationException(program, -1, "method " + m.name() + " has " + m.bytes()
                            + " bytes of bytecode, over the limit of " + options.methodLimit());
                }
                ClassGenerator.FunctionPlan plan = plans.get(function);
                if (plan.split() && (!m.name().contains("$") || m.name().contains("$r"))) {
                    throw new JitCompilationException(program, plan.function().start(), "the dispatch code of the function at "
                            + plan.function().start() + " needs " + m.bytes() + " bytes, over the limit of " + options.methodLimit());
                }
                if (plan.split()) targets[function] = Math.max(128, targets[function] / 2);
                replanned.set(function, gen.split(plan.function(), targets[function]));
            }
            if (!over) {
                CompiledCode code = define(program, bytes, gen.classData());
                return new Compiled(program, code, bytes, sizes, System.nanoTime() - start, gen.access.memoryAccesses, gen.access.direct);
            }
            plans = replanned;
        }
        throw new JitCompilationException(program, -1, "could not split the program into methods of at most "
                + options.methodLimit() + " bytes");
    }

    private static int functionIndex(String methodName) {
        if (!methodName.startsWith("f")) return -1;
        int end = methodName.indexOf('$');
        try {
            return Integer.parseInt(end < 0 ? methodName.substring(1) : methodName.substring(1, end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static List<MethodSize> methodSizes(byte[] bytes) {
        ClassModel model = ClassFile.of().parse(bytes);
        List<MethodSize> out = new ArrayList<>();
        for (MethodModel m : model.methods()) {
            m.findAttribute(Attributes.code()).ifPresent(c -> out.add(new MethodSize(m.methodName().stringValue(), c.codeLength())));
        }
        return List.copyOf(out);
    }

    private CompiledCode define(String program, byte[] bytes, List<Object> classData) {
        if (options.dumpDirectory() != null) dump(options.dumpDirectory(), program, bytes);
        if (options.verify()) {
            List<VerifyError> errors = ClassFile.of().verify(bytes);
            if (!errors.isEmpty()) {
                throw new JitCompilationException(program, -1, "generated class fails verification: "
                        + errors.stream().map(Throwable::getMessage).collect(Collectors.joining("; ")));
            }
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClassWithClassData(bytes, classData, true);
            return (CompiledCode) lookup.findConstructor(lookup.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (LinkageError e) {
            throw new JitCompilationException(program, -1, "the JVM refused the generated class: " + e, e);
        } catch (Throwable e) {
            throw new JitCompilationException(program, -1, "could not instantiate the generated class: " + e, e);
        }
    }

    /** Writes {@code <program>.class} and {@code <program>.txt}; a failing dump is reported, never fatal. */
    private static void dump(Path directory, String program, byte[] bytes) {
        String base = sanitize(program);
        try {
            Files.createDirectories(directory);
            Files.write(directory.resolve(base + ".class"), bytes);
            Files.writeString(directory.resolve(base + ".txt"), BytecodePrinter.print(bytes));
        } catch (IOException | RuntimeException e) {
            System.getLogger(JitCompiler.class.getName()).log(System.Logger.Level.WARNING,
                    "could not dump the class of program ''{0}'' to {1}: {2}", program, directory, e.toString());
        }
    }

    /** A Java identifier fragment from a program name, for readable class names in stack traces and dumps. */
    static String sanitize(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length() && sb.length() < 64; i++) {
            char c = name.charAt(i);
            sb.append(Character.isJavaIdentifierPart(c) && c != '$' ? c : '_');
        }
        return sb.isEmpty() ? "program" : sb.toString();
    }
}
