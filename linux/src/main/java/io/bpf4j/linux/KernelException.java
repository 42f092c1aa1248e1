package io.bpf4j.linux;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;

/**
 * A bpf(2) command failed. The message names the command, the object it was about (map, program, BTF) and
 * the errno with its text, e.g. {@code bpf(BPF_MAP_UPDATE_ELEM) on map counters (ARRAY): E2BIG (Argument
 * list too long)}; a missing privilege adds what is needed ("needs root or CAP_BPF ...").
 *
 * <p>{@link #errno()} is the {@link Errno} constant; for the rare number that table does not list it is null
 * and {@link #errnoNumber()} still has the kernel's number.
 */
public class KernelException extends BpfErrnoException {
    /** What bpf(2) needs on Linux 5.8+ (CAP_BPF) or before (CAP_SYS_ADMIN). */
    public static final String PRIVILEGE_HINT = "needs root or CAP_BPF (plus CAP_NET_ADMIN for networking "
            + "program types, CAP_PERFMON for tracing programs)";

    private final String command;
    private final String subject;
    private final int errnoNumber;
    private final Errno known;
    private final String message;
    /** Decided when the call failed, on its thread: capabilities are per thread. */
    private final boolean missingPrivilege;

    /**
     * @param command     the uapi command name, e.g. {@code BPF_MAP_CREATE}
     * @param subject     what it was about, e.g. {@code map counters (HASH)}
     * @param errnoNumber the positive errno
     */
    public KernelException(String command, String subject, int errnoNumber) {
        this(command, subject, errnoNumber, null);
    }

    /** As above with an explanation appended to the message (e.g. the kernel's log, or what an EPERM means here). */
    public KernelException(String command, String subject, int errnoNumber, String explanation) {
        super(orPlaceholder(Errno.ofNumber(errnoNumber)), "bpf(" + command + ") on " + subject);
        this.command = command;
        this.subject = subject;
        this.errnoNumber = errnoNumber;
        this.known = Errno.ofNumber(errnoNumber);
        String text = known != null ? known.name() + " (" + known.message() + ")"
                : "errno " + errnoNumber + " (" + Syscalls.strerror(errnoNumber) + ")";
        String general = defaultExplanation(command, errnoNumber);
        String why = general == null ? explanation : explanation == null ? general : general + "; " + explanation;
        this.message = "bpf(" + command + ") on " + subject + ": " + text + (why == null ? "" : "; " + why);
        this.missingPrivilege = errnoNumber == Errno.EPERM.number() && general != null && !Privileges.hasEveryBpfCapability();
    }

    private static Errno orPlaceholder(Errno e) {
        return e != null ? e : Errno.EINVAL; // never seen: errno() and getMessage() are overridden below
    }

    private static String defaultExplanation(String command, int errno) {
        boolean creates = command.equals("BPF_MAP_CREATE") || command.equals("BPF_PROG_LOAD")
                || command.equals("BPF_BTF_LOAD") || command.equals("BPF_ENABLE_STATS");
        if (errno == Errno.EPERM.number() && creates) {
            return Privileges.hasEveryBpfCapability() ? Privileges.epermDespiteCapabilities() : Privileges.describeMissing();
        }
        if (errno == Errno.ENOSYS.number()) return "this kernel has no bpf(2) (built without CONFIG_BPF_SYSCALL)";
        return null;
    }

    @Override
    public String getMessage() {
        return message;
    }

    /** The errno, or null when {@link Errno} does not list {@link #errnoNumber()}. */
    @Override
    public Errno errno() {
        return known;
    }

    /** The kernel's errno number. */
    public int errnoNumber() {
        return errnoNumber;
    }

    /** The bpf(2) command, e.g. {@code BPF_PROG_TEST_RUN}. */
    public String command() {
        return command;
    }

    /** What the command was about, e.g. {@code program xdp_pass (XDP)}. */
    public String subject() {
        return subject;
    }

    /**
     * True for EPERM from a command that creates an object while the calling thread lacked one of the
     * capabilities bpf(2) asks for.
     */
    public boolean isMissingPrivilege() {
        return missingPrivilege;
    }
}
