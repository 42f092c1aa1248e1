package io.bpf4j.runtime.conformance;

import io.bpf4j.isa.Instructions;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Executable;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;

/**
 * The execution contract of the bpf_conformance suite, in one place for the JUnit test and the plugin:
 * r1 = address of a writable copy of the input memory (0 when there is none), r2 = its length, r10 = top of a
 * 512-byte stack, result = the full 64-bit r0.
 *
 * <p>Helper 5 exists only here: it returns r1 and, when that is 0, ends the program (uBPF's "unwind"). Outside
 * the conformance environment 5 is {@code bpf_ktime_get_ns}.
 */
public final class ConformanceEnvironment {
    /** The unwind helper's number. */
    public static final int UNWIND_HELPER = 5;

    /** Helper 5 as the suite expects it. */
    public static final HelperRegistry HELPERS = HelperRegistry.empty().with(UNWIND_HELPER, "unwind", (inv, r1, r2, r3, r4, r5) -> {
        if (r1 == 0) inv.requestExit();
        return r1;
    });

    private ConformanceEnvironment() {}

    /** Loads {@code program} with the suite's helpers. */
    public static ProgramImage load(String name, Instructions program) {
        return ProgramImage.load(name, program, HELPERS);
    }

    /**
     * Runs a loaded program on {@code engine} with {@code memory} as input; the array is not modified (the
     * program writes a copy).
     *
     * @throws io.bpf4j.runtime.ExecutionException when the program faults or runs out of budget
     */
    public static long run(Engine engine, ProgramImage image, byte[] memory, RuntimeOptions options) {
        Executable executable = image.prepared(engine);
        Invocation invocation = new Invocation(options).begin();
        long r1 = 0;
        if (memory.length > 0) {
            r1 = invocation.memory().register(Region.copyOf(RegionKind.CALLER_MEMORY, "input", memory, true));
        }
        return executable.run(invocation, r1, memory.length);
    }
}
