package io.bpf4j.jit;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How the JIT compiles.
 *
 * @param fallback    what happens to a program the JIT cannot compile
 * @param methodLimit no generated method may have more bytecode bytes than this; HotSpot refuses to compile
 *                    methods over 8,000 bytes ({@code -XX:HugeMethodLimit}), so that, not the class-file limit of
 *                    64 KiB, is the real budget
 * @param splitTarget the size the splitter aims at when it cuts a function into continuation methods; kept well
 *                    under {@code methodLimit} because it is planned from per-instruction estimates
 * @param verify      run {@code ClassFile.verify} on every generated class before defining it
 * @param dumpDirectory when not null, every generated class is written there as {@code .class} and as text
 */
public record JitOptions(FallbackPolicy fallback, int methodLimit, int splitTarget, boolean verify, Path dumpDirectory) {
    /** HotSpot's {@code HugeMethodLimit}: larger methods are never compiled, only interpreted. */
    public static final int HOTSPOT_HUGE_METHOD_LIMIT = 8000;

    /** The system property that turns on verification and names a directory for class dumps. */
    public static final String DEBUG_PROPERTY = "bpf4j.jit.debug";

    public JitOptions {
        Objects.requireNonNull(fallback, "fallback");
        if (methodLimit < 256 || methodLimit > 65535) throw new IllegalArgumentException("method limit " + methodLimit + " outside 256..65535");
        if (splitTarget < 128 || splitTarget > methodLimit) throw new IllegalArgumentException("split target " + splitTarget + " outside 128..method limit");
    }

    /**
     * The defaults: fall back with a warning, 8,000-byte methods, no verification or dumps unless the system
     * property {@value #DEBUG_PROPERTY} names a dump directory (then both).
     */
    public static JitOptions defaults() {
        String debug = System.getProperty(DEBUG_PROPERTY);
        Path dump = debug == null || debug.isBlank() ? null : Path.of(debug);
        return new JitOptions(FallbackPolicy.WARN, HOTSPOT_HUGE_METHOD_LIMIT, 6000, dump != null, dump);
    }

    public JitOptions withFallback(FallbackPolicy policy) {
        return new JitOptions(policy, methodLimit, splitTarget, verify, dumpDirectory);
    }

    public JitOptions withVerify(boolean on) {
        return new JitOptions(fallback, methodLimit, splitTarget, on, dumpDirectory);
    }

    public JitOptions withDumpDirectory(Path directory) {
        return new JitOptions(fallback, methodLimit, splitTarget, verify, directory);
    }

    /** Other method-size budgets; tests use small ones to force splitting. */
    public JitOptions withMethodLimit(int limit, int target) {
        return new JitOptions(fallback, limit, target, verify, dumpDirectory);
    }
}
