/**
 * The Linux kernel backend: maps, programs, prog arrays and test runs in the real kernel through bpf(2).
 *
 * <p>Everything here talks to the kernel with the Java FFM API ({@code java.lang.foreign}): one downcall to
 * libc's {@code syscall(2)} and one to {@code close(2)}; no JNI, no native library beyond libc. This is the
 * only bpf4j module with native access, so it is the one to name when the JVM asks which code may call
 * native functions: {@code --enable-native-access=ALL-UNNAMED} when bpf4j is on the class path (what the
 * build's tests do), {@code --enable-native-access=io.bpf4j.linux} on the module path. Without it JDK 25
 * prints a warning on first use; with {@code --illegal-native-access=deny} {@link io.bpf4j.linux.KernelSupport}
 * reports the backend as unavailable and says why.
 *
 * <p>Entry points: {@link io.bpf4j.linux.KernelSupport#probe()} (can this process use bpf(2), and which program
 * types), {@link io.bpf4j.linux.KernelMap} (the same {@link io.bpf4j.maps.BpfMap} API as the embedded runtime),
 * {@link io.bpf4j.linux.KernelProgArray}, {@link io.bpf4j.linux.KernelProgram} (load, {@code testRun}),
 * {@link io.bpf4j.linux.KernelCollection} (a whole object: maps, relocations, programs, static prog arrays),
 * {@link io.bpf4j.linux.LoadPrivileges} (verify as root or without CAP_PERFMON, the seed's rules),
 * {@link io.bpf4j.linux.KernelIsaRunner} (the kernel as the oracle for instruction semantics) and
 * {@link io.bpf4j.linux.RunStatistics} (BPF_ENABLE_STATS).
 *
 * <p>Every kernel object is owned by exactly one Java object and released by {@code close()}; nothing is
 * released by the garbage collector, so a forgotten {@code close()} is a leak that tests can see (see
 * {@link io.bpf4j.linux.BpfDescriptors}). When a multi-step operation fails halfway, whatever it created is
 * closed before the error propagates: after a failure nothing stays loaded.
 */
package io.bpf4j.linux;
