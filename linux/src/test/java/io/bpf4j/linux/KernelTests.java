package io.bpf4j.linux;

import io.bpf4j.abi.ProgramType;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How kernel tests start and end.
 *
 * <p>{@link #assumeKernel} skips a test with the probe's exact reason when bpf(2) or a program type is not
 * usable here, and lets an unexpected errno from the probe fail the test. With the environment variable
 * {@code BPF4J_REQUIRE_KERNEL=1} (a CI machine that must have a kernel) a skip becomes a failure.
 *
 * <p>As an extension ({@code @ExtendWith(KernelTests.class)}) it fails every test that leaves a bpf file
 * descriptor open.
 */
final class KernelTests implements BeforeEachCallback, AfterEachCallback {
    static void assumeKernel(ProgramType... types) {
        String why = KernelSupport.probe().unavailableReason(types);
        if (why == null) return;
        if ("1".equals(System.getenv("BPF4J_REQUIRE_KERNEL"))) {
            Assertions.fail("BPF4J_REQUIRE_KERNEL=1 but the kernel backend is unavailable: " + why);
        }
        Assumptions.abort("kernel test skipped: " + why);
    }

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KernelTests.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("fds", BpfDescriptors.open());
    }

    @Override
    @SuppressWarnings("unchecked")
    public void afterEach(ExtensionContext context) {
        SortedMap<Integer, String> before = (SortedMap<Integer, String>) context.getStore(NS).get("fds");
        SortedMap<Integer, String> leaked = new TreeMap<>(BpfDescriptors.open());
        leaked.keySet().removeAll(before.keySet());
        if (!leaked.isEmpty()) {
            Assertions.fail(context.getDisplayName() + " leaked bpf file descriptors: " + leaked);
        }
    }
}
