package io.bpf4j.linux;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;
import io.bpf4j.verifier.ProgramRejectedException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A program loaded into the kernel (BPF_PROG_LOAD), runnable with {@link #testRun} (BPF_PROG_TEST_RUN).
 *
 * <p>A load the kernel refuses throws {@link ProgramRejectedException}, the same type bpf4j's own verifier
 * throws, carrying the kernel's whole verifier log and the errno; its message is the verifier's last word
 * and the errno, e.g. {@code program bad rejected at pc 0: R0 !read_ok (BPF_PROG_LOAD: EACCES, Permission
 * denied)}. A refusal for lack of privilege is a {@link KernelException} that says what is missing.
 *
 * <p>{@link #close()} releases this descriptor; a prog array holding the program keeps it loaded until the
 * slot is cleared or the array goes away.
 */
public final class KernelProgram implements AutoCloseable {
    /** Verifier log buffer for the retry after a failed load; the kernel keeps the log's tail when it overflows. */
    static final int FAILURE_LOG_SIZE = 8 << 20;
    /** How often a load interrupted by a signal (EAGAIN from the verifier) is tried again, as libbpf does. */
    private static final int LOAD_ATTEMPTS = 5;

    private final Fd fd;
    private final String name;
    private final ProgramType type;
    private final AttachType expectedAttachType;
    private final String verifierLog;

    private KernelProgram(Fd fd, ProgramLoadSpec spec, String verifierLog) {
        this.fd = fd;
        this.name = spec.name();
        this.type = spec.type();
        this.expectedAttachType = spec.expectedAttachType();
        this.verifierLog = verifierLog;
    }

    /** Loads a GPL program of {@code type} with no attach type: {@code load(ProgramLoadSpec.of(...))}. */
    public static KernelProgram load(String name, ProgramType type, Instructions instructions) {
        return load(ProgramLoadSpec.of(name, type, instructions));
    }

    /**
     * Loads {@code spec}. Map references must already be file descriptors of live maps.
     *
     * @throws ProgramRejectedException the verifier (or the load's checks) refused the program
     * @throws KernelException          EPERM for lack of privilege, or a failure before verification with no log
     */
    public static KernelProgram load(ProgramLoadSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.privileges() == LoadPrivileges.WITHOUT_PERFMON && !RestrictedThread.isRestrictedThread()) {
            return RestrictedThread.call(() -> load(spec));
        }
        String subject = "program " + spec.name() + " (" + spec.type() + ")";
        List<Fd> held = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfCommand.PROG_LOAD.attrSize(), 8);
            byte[] code = spec.instructions().encode();
            MemorySegment insns = arena.allocateFrom(JAVA_BYTE, code);
            MemorySegment license = arena.allocateFrom(spec.license(), StandardCharsets.US_ASCII);
            attr.set(JAVA_INT, 0, spec.type().id());
            attr.set(JAVA_INT, 4, code.length / 8);
            attr.set(JAVA_LONG, 8, insns.address());
            attr.set(JAVA_LONG, 16, license.address());
            attr.set(JAVA_INT, 40, spec.kernelVersion());
            attr.set(JAVA_INT, 44, spec.flags());
            Names.write(attr, 48, spec.name());
            attr.set(JAVA_INT, 68, spec.expectedAttachType() == null ? 0 : spec.expectedAttachType().id());
            attr.set(JAVA_INT, 108, spec.attachBtfId());
            if (spec.btf() != null) {
                ProgramBtf b = spec.btf();
                attr.set(JAVA_INT, 72, hold(held, b.btf().descriptor()));
                if (b.funcInfoCount() > 0) {
                    attr.set(JAVA_INT, 76, b.funcInfoRecordSize());
                    attr.set(JAVA_LONG, 80, arena.allocateFrom(JAVA_BYTE, b.funcInfoUnsafe()).address());
                    attr.set(JAVA_INT, 88, b.funcInfoCount());
                }
                if (b.lineInfoCount() > 0) {
                    attr.set(JAVA_INT, 92, b.lineInfoRecordSize());
                    attr.set(JAVA_LONG, 96, arena.allocateFrom(JAVA_BYTE, b.lineInfoUnsafe()).address());
                    attr.set(JAVA_INT, 104, b.lineInfoCount());
                }
            }
            if (!spec.fdArray().isEmpty()) {
                MemorySegment fds = arena.allocate(JAVA_INT, spec.fdArray().size());
                for (int i = 0; i < spec.fdArray().size(); i++) {
                    fds.setAtIndex(JAVA_INT, i, hold(held, spec.fdArray().get(i).descriptor()));
                }
                attr.set(JAVA_LONG, 120, fds.address());
            }

            MemorySegment log = null;
            if (spec.logLevel() > 0) log = withLog(arena, attr, spec.logLevel());
            long r = loadRetryingEagain(attr);
            if (r >= 0) return new KernelProgram(new Fd((int) r, subject), spec, log == null ? "" : text(log));

            int errno = (int) -r;
            if (log == null) {
                // Load again with a log to learn why: costs verification time only when the load failed anyway.
                log = withLog(arena, attr, 1);
                long again = loadRetryingEagain(attr);
                if (again >= 0) return new KernelProgram(new Fd((int) again, subject), spec, text(log));
            }
            throw rejection(spec, subject, errno, text(log));
        } finally {
            for (Fd f : held) f.release();
        }
    }

    private static int hold(List<Fd> held, Fd fd) {
        int n = fd.acquire();
        held.add(fd);
        return n;
    }

    private static MemorySegment withLog(Arena arena, MemorySegment attr, int level) {
        MemorySegment log = arena.allocate(FAILURE_LOG_SIZE);
        attr.set(JAVA_INT, 24, level);
        attr.set(JAVA_INT, 28, FAILURE_LOG_SIZE);
        attr.set(JAVA_LONG, 32, log.address());
        return log;
    }

    private static long loadRetryingEagain(MemorySegment attr) {
        long r = 0;
        for (int attempt = 0; attempt < LOAD_ATTEMPTS; attempt++) {
            r = Syscalls.bpfRaw(BpfCommand.PROG_LOAD, attr);
            if (r != -Errno.EAGAIN.number()) return r;
        }
        return r;
    }

    private static String text(MemorySegment log) {
        return log.getString(0, StandardCharsets.UTF_8);
    }

    private static RuntimeException rejection(ProgramLoadSpec spec, String subject, int errno, String log) {
        KernelException kernel = new KernelException("BPF_PROG_LOAD", subject, errno);
        String reason = VerifierLog.reason(log); // null also when the log holds only the statistics line
        if (reason == null && kernel.isMissingPrivilege()) return kernel;
        String errnoText = kernel.errno() != null ? kernel.errno().name() + ", " + kernel.errno().message()
                : "errno " + errno + ", " + Syscalls.strerror(errno);
        String summary = (reason != null ? reason : "refused without a verifier message" + hintWithoutLog(spec, errno))
                + " (BPF_PROG_LOAD: " + errnoText + ")";
        if (reason != null && kernel.isMissingPrivilege()) summary += "; " + Privileges.describeMissing();
        ProgramRejectedException e = new ProgramRejectedException(spec.name(), reason == null ? -1 : VerifierLog.pc(log),
                summary, log, errno);
        e.initCause(kernel);
        return e;
    }

    /** What an EINVAL without a log usually means, from kernel/bpf/syscall.c and the prog-array rules. */
    private static String hintWithoutLog(ProgramLoadSpec spec, int errno) {
        if (errno == Errno.EPERM.number() && Privileges.hasEveryBpfCapability()) {
            return " — " + Privileges.epermDespiteCapabilities();
        }
        if (errno != Errno.EINVAL.number()) return "";
        return " — the attributes were refused before verification: unsupported program type or expected attach type ("
                + spec.type() + ", " + (spec.expectedAttachType() == null ? "none" : spec.expectedAttachType())
                + "), unknown prog_flags 0x" + Integer.toHexString(spec.flags())
                + ", or a prog array that another program type owns";
    }

    // ---- test runs ---------------------------------------------------------------------------------

    /**
     * Runs the program in the kernel with BPF_PROG_TEST_RUN: nothing is attached anywhere. SYSCALL and
     * RAW_TRACEPOINT programs take only a context and run once; a SYSCALL program's context after the run
     * (the kernel writes it back) is {@link TestRunResult#context()}. {@link TestRunInput#onCpu(int)} works for
     * every type: raw tracepoints through BPF_F_TEST_RUN_ON_CPU, the others by pinning the calling thread to
     * that CPU for the call (a test run executes on the CPU of the thread that asks for it).
     *
     * @throws KernelException e.g. ENOTSUPP when the program type has no test-run support, EINVAL for a
     *                         packet or context the program type refuses, ENOSPC when the output outgrew
     *                         {@link TestRunInput#dataOutCapacity()}
     */
    public TestRunResult testRun(TestRunInput input) {
        Objects.requireNonNull(input, "input");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfCommand.PROG_TEST_RUN.attrSize(), 8);
            MemorySegment dataOut = null, ctxOut = null;
            if (input.dataUnsafe() != null) {
                MemorySegment in = arena.allocateFrom(JAVA_BYTE, input.dataUnsafe());
                attr.set(JAVA_INT, 8, input.dataLength());
                attr.set(JAVA_LONG, 16, in.address());
                if (input.dataOutCapacity() > 0) {
                    dataOut = arena.allocate(input.dataOutCapacity(), 8);
                    attr.set(JAVA_INT, 12, input.dataOutCapacity());
                    attr.set(JAVA_LONG, 24, dataOut.address());
                }
            }
            boolean contextInOnly = contextInOnly();
            // SYSCALL and RAW_TRACEPOINT runs refuse any repeat (even 1) and a ctx_out buffer
            attr.set(JAVA_INT, 32, contextInOnly && input.repeat() <= 1 ? 0 : input.repeat());
            MemorySegment ctxIn = null;
            if (input.contextUnsafe() != null) {
                MemorySegment in = ctxIn = arena.allocateFrom(JAVA_BYTE, input.contextUnsafe());
                attr.set(JAVA_INT, 40, input.contextLength());
                attr.set(JAVA_LONG, 48, in.address());
                if (input.contextOutCapacity() > 0 && !contextInOnly) {
                    ctxOut = arena.allocate(input.contextOutCapacity(), 8);
                    attr.set(JAVA_INT, 44, input.contextOutCapacity());
                    attr.set(JAVA_LONG, 56, ctxOut.address());
                }
            }
            // Linux honours BPF_F_TEST_RUN_ON_CPU for raw tracepoints only; every other type runs where the
            // calling thread runs, so the thread is pinned to the CPU for the call instead
            boolean onCpu = (input.flags() & TestRunInput.F_RUN_ON_CPU) != 0;
            boolean pin = onCpu && type != ProgramType.RAW_TRACEPOINT;
            attr.set(JAVA_INT, 64, pin ? input.flags() & ~TestRunInput.F_RUN_ON_CPU : input.flags());
            attr.set(JAVA_INT, 68, pin ? 0 : input.cpu());
            long r;
            int raw = fd.acquire();
            try (CpuPinning pinned = pin ? CpuPinning.to(input.cpu()) : null) {
                attr.set(JAVA_INT, 0, raw);
                r = Syscalls.bpfRaw(BpfCommand.PROG_TEST_RUN, attr);
            } finally {
                fd.release();
            }
            if (r < 0) throw testRunFailure((int) -r, input, attr);
            byte[] data = dataOut == null ? null : dataOut.asSlice(0, attr.get(JAVA_INT, 12)).toArray(JAVA_BYTE);
            byte[] ctx = ctxOut != null ? ctxOut.asSlice(0, attr.get(JAVA_INT, 44)).toArray(JAVA_BYTE)
                    // a SYSCALL program's context is written back over ctx_in
                    : type == ProgramType.SYSCALL && ctxIn != null ? ctxIn.toArray(JAVA_BYTE) : null;
            return new TestRunResult(attr.get(JAVA_INT, 4), data, ctx, attr.get(JAVA_INT, 36), Math.max(1, input.repeat()));
        }
    }

    /** Program types whose test run takes only ctx_in: no data, no ctx_out, no repeat. */
    private boolean contextInOnly() {
        return type == ProgramType.SYSCALL || type == ProgramType.RAW_TRACEPOINT;
    }

    private KernelException testRunFailure(int errno, TestRunInput input, MemorySegment attr) {
        String why = null;
        if (errno == Errno.EINVAL.number() && contextInOnly() && (input.repeat() > 1 || input.dataUnsafe() != null)) {
            return new KernelException("BPF_PROG_TEST_RUN", "program " + name + " (" + type + ")", errno,
                    type + " programs run once, with a context and no packet data (repeat " + input.repeat()
                            + ", " + input.dataLength() + " bytes of data given)");
        }
        if (errno == Errno.ENOTSUPP.number() || errno == Errno.EOPNOTSUPP.number()) {
            why = "this kernel has no BPF_PROG_TEST_RUN for " + type + (expectedAttachType == null ? "" : " / " + expectedAttachType)
                    + " programs";
        } else if (errno == Errno.ENOSPC.number()) {
            int needData = attr.get(JAVA_INT, 12), needCtx = attr.get(JAVA_INT, 44);
            why = "the output did not fit: the program produced " + needData + " bytes of data (room: "
                    + input.dataOutCapacity() + ") and " + needCtx + " bytes of context (room: "
                    + input.contextOutCapacity() + ")";
        } else if (errno == Errno.EINVAL.number()) {
            why = "the kernel refused the input: " + input.dataLength() + " bytes of data, "
                    + (input.contextUnsafe() == null ? "no context" : input.contextLength() + " bytes of context")
                    + ", flags 0x" + Integer.toHexString(input.flags())
                    + " (each program type has its own limits, e.g. XDP and skb need at least 14 bytes of data)";
        } else if (errno == Errno.EPERM.number()) {
            why = Privileges.hasEveryBpfCapability() ? Privileges.epermDespiteCapabilities() : Privileges.describeMissing();
        }
        return new KernelException("BPF_PROG_TEST_RUN", "program " + name + " (" + type + ")", errno, why);
    }

    // ---- accessors ---------------------------------------------------------------------------------

    public String name() {
        return name;
    }

    public ProgramType type() {
        return type;
    }

    /** The expected attach type it was loaded with, or null. */
    public AttachType expectedAttachType() {
        return expectedAttachType;
    }

    /** The file descriptor, valid until {@link #close()}. */
    public int fd() {
        return fd.number();
    }

    Fd descriptor() {
        return fd;
    }

    /** The verifier's log of the load when {@link ProgramLoadSpec#logLevel()} asked for one, else empty. */
    public String verifierLog() {
        return verifierLog;
    }

    /** The kernel's view: id, tag, sizes, run statistics. */
    public ProgramInfo info() {
        return ObjectInfo.program(fd, "program " + name + " (" + type + ")");
    }

    public boolean isClosed() {
        return fd.isClosed();
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "KernelProgram[" + name + " (" + type + "), fd " + fd.number() + (fd.isClosed() ? ", closed" : "") + "]";
    }
}
