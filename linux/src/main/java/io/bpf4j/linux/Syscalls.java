package io.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The three libc functions the backend needs, bound once through the FFM linker: {@code syscall(SYS_bpf, cmd,
 * attr, size)}, {@code close(fd)} and {@code strerror(errno)}. errno is captured by the linker right after the
 * call ({@code Linker.Option.captureCallState}), so nothing the JVM does in between can overwrite it.
 *
 * <p>Binding happens lazily and never throws from a static initialiser: when this is not Linux, the
 * architecture's bpf(2) number is unknown or native access is denied, {@link #unavailableReason()} says so
 * and every call throws {@link KernelUnavailableException} with that text.
 */
final class Syscalls {
    private Syscalls() {}

    /** The result of binding, computed once. */
    private record Binding(long sysBpf, MethodHandle syscall, MethodHandle close, MethodHandle strerror,
                           MethodHandle syscall2, MethodHandle getAffinity, MethodHandle setAffinity,
                           StructLayout captureLayout, VarHandle errno, String unavailable) {}

    private static final class Holder {
        static final Binding BINDING = bind();
    }

    private static Binding bind() {
        String os = System.getProperty("os.name", "?");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return unavailable("bpf(2) exists only on Linux; this is " + os);
        }
        String arch = System.getProperty("os.arch", "?");
        long number = bpfSyscallNumber(arch);
        if (number < 0) {
            return unavailable("bpf4j does not know the bpf(2) system call number on architecture " + arch
                    + " (known: amd64/x86_64, aarch64, riscv64, loongarch64, ppc64le, s390x)");
        }
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            StructLayout capture = Linker.Option.captureStateLayout();
            MethodHandle syscall = linker.downcallHandle(
                    libc.find("syscall").orElseThrow(() -> new IllegalStateException("libc has no syscall()")),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
                    Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
            MethodHandle close = linker.downcallHandle(
                    libc.find("close").orElseThrow(() -> new IllegalStateException("libc has no close()")),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT), Linker.Option.captureCallState("errno"));
            MethodHandle strerror = linker.downcallHandle(
                    libc.find("strerror").orElseThrow(() -> new IllegalStateException("libc has no strerror()")),
                    FunctionDescriptor.of(ADDRESS, JAVA_INT));
            MethodHandle syscall2 = linker.downcallHandle(
                    libc.find("syscall").orElseThrow(() -> new IllegalStateException("libc has no syscall()")),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS),
                    Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
            FunctionDescriptor affinity = FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS);
            MethodHandle getAffinity = linker.downcallHandle(libc.find("sched_getaffinity")
                    .orElseThrow(() -> new IllegalStateException("libc has no sched_getaffinity()")), affinity,
                    Linker.Option.captureCallState("errno"));
            MethodHandle setAffinity = linker.downcallHandle(libc.find("sched_setaffinity")
                    .orElseThrow(() -> new IllegalStateException("libc has no sched_setaffinity()")), affinity,
                    Linker.Option.captureCallState("errno"));
            VarHandle errno = capture.varHandle(groupElement("errno"));
            return new Binding(number, syscall, close, strerror, syscall2, getAffinity, setAffinity, capture, errno, null);
        } catch (IllegalCallerException e) {
            return unavailable("native access is denied to the bpf4j-linux module (" + e.getMessage()
                    + "); run the JVM with --enable-native-access=ALL-UNNAMED (class path) or "
                    + "--enable-native-access=io.bpf4j.linux (module path)");
        } catch (RuntimeException e) {
            return unavailable("cannot bind libc's syscall/close through the FFM linker: " + e);
        }
    }

    private static Binding unavailable(String reason) {
        return new Binding(-1, null, null, null, null, null, null, null, null, reason);
    }

    /** {@code __NR_bpf} per architecture, from each architecture's syscall table; -1 when unknown. */
    static long bpfSyscallNumber(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> 321;
            case "aarch64", "riscv64", "loongarch64" -> 280; // the asm-generic table
            case "ppc64le", "ppc64" -> 361;
            case "s390x" -> 351;
            default -> -1;
        };
    }

    /** Null when bpf(2) can be called from this JVM, else why not. */
    static String unavailableReason() {
        return Holder.BINDING.unavailable();
    }

    private static Binding binding() {
        Binding b = Holder.BINDING;
        if (b.unavailable() != null) throw new KernelUnavailableException(b.unavailable());
        return b;
    }

    /**
     * bpf(2) without interpretation: the non-negative result, or {@code -errno}. {@code attr} must live for
     * the duration of the call (any arena). Nothing is retried here: whether a retry is safe depends on the
     * command (a test run that was interrupted has already run the program), so callers decide.
     */
    static long bpfRaw(BpfCommand cmd, MemorySegment attr) {
        Binding b = binding();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(b.captureLayout());
            long result;
            try {
                result = (long) b.syscall().invokeExact(state, b.sysBpf(), (long) cmd.number(), attr,
                        (long) cmd.attrSize());
            } catch (Throwable t) {
                throw new IllegalStateException("FFM downcall of bpf(" + cmd.uapiName() + ") failed", t);
            }
            if (result >= 0) return result;
            return -(int) b.errno().get(state, 0L);
        }
    }

    /** bpf(2), turning a failure into {@link KernelException} that names the command and {@code subject}. */
    static long bpf(BpfCommand cmd, MemorySegment attr, String subject) {
        long r = bpfRaw(cmd, attr);
        if (r < 0) throw new KernelException(cmd.uapiName(), subject, (int) -r);
        return r;
    }

    /** {@code capget}/{@code capset} numbers per architecture ({capget, capset}), or null when unknown. */
    static long[] capabilitySyscalls() {
        return switch (System.getProperty("os.arch", "?")) {
            case "amd64", "x86_64" -> new long[] {125, 126};
            case "aarch64", "riscv64", "loongarch64" -> new long[] {90, 91};
            default -> null;
        };
    }

    /** A two-pointer system call (capget, capset): 0 or {@code -errno}. */
    static long syscall2(long number, MemorySegment a, MemorySegment b) {
        Binding binding = binding();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(binding.captureLayout());
            long result;
            try {
                result = (long) binding.syscall2().invokeExact(state, number, a, b);
            } catch (Throwable t) {
                throw new IllegalStateException("FFM downcall of syscall(" + number + ") failed", t);
            }
            return result >= 0 ? result : -(int) binding.errno().get(state, 0L);
        }
    }

    /** Bytes of a {@code cpu_set_t} big enough for 8192 CPUs. */
    static final int CPU_SET_BYTES = 1024;

    /** sched_getaffinity / sched_setaffinity of the calling thread: 0 or errno. */
    static int affinity(boolean set, MemorySegment mask) {
        Binding b = binding();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(b.captureLayout());
            int r;
            try {
                r = (int) (set ? b.setAffinity() : b.getAffinity()).invokeExact(state, 0, mask.byteSize(), mask);
            } catch (Throwable t) {
                throw new IllegalStateException("FFM downcall of sched_" + (set ? "set" : "get") + "affinity failed", t);
            }
            return r >= 0 ? 0 : (int) b.errno().get(state, 0L);
        }
    }

    /** close(2). Returns 0 or errno; EINTR is not retried (on Linux the descriptor is gone anyway). */
    static int close(int fd) {
        Binding b = binding();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(b.captureLayout());
            int r;
            try {
                r = (int) b.close().invokeExact(state, fd);
            } catch (Throwable t) {
                throw new IllegalStateException("FFM downcall of close(" + fd + ") failed", t);
            }
            return r == 0 ? 0 : (int) b.errno().get(state, 0L);
        }
    }

    /** libc's text for an errno number the {@link io.bpf4j.abi.Errno} table does not list. */
    static String strerror(int errno) {
        Binding b = Holder.BINDING;
        if (b.strerror() == null) return "errno " + errno;
        try {
            MemorySegment text = (MemorySegment) b.strerror().invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? "errno " + errno : text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
