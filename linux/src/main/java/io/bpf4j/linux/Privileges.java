package io.bpf4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this process may do with bpf(2), from /proc, to explain an EPERM precisely. */
final class Privileges {
    private Privileges() {}

    static final int CAP_NET_ADMIN = 12, CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

    /** The calling thread's effective capability set, or -1 when /proc/thread-self/status cannot be read. */
    static long effectiveCapabilities() {
        String v = statusField("CapEff:");
        try {
            return v == null ? -1 : Long.parseUnsignedLong(v.trim(), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static boolean has(long caps, int cap) {
        return caps >= 0 && (caps & (1L << cap)) != 0;
    }

    /**
     * True when this process holds every capability bpf(2) asks for (CAP_BPF or CAP_SYS_ADMIN, CAP_NET_ADMIN,
     * CAP_PERFMON): then an EPERM is not about capabilities.
     */
    static boolean hasEveryBpfCapability() {
        long caps = effectiveCapabilities();
        return (has(caps, CAP_BPF) || has(caps, CAP_SYS_ADMIN)) && has(caps, CAP_NET_ADMIN) && has(caps, CAP_PERFMON);
    }

    /** What an EPERM means when {@link #hasEveryBpfCapability()}: something other than capabilities said no. */
    static String epermDespiteCapabilities() {
        return "this process has CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, so the refusal is not about capabilities "
                + "(kernel lockdown, an LSM, or a feature this kernel lacks — e.g. fentry/fexit/fmod_ret/LSM programs "
                + "need BPF trampolines, which need CONFIG_FUNCTION_TRACER with direct calls)";
    }

    /** "needs root or CAP_BPF ..." with what this process has and the sysctl that decides unprivileged use. */
    static String describeMissing() {
        StringBuilder sb = new StringBuilder(KernelException.PRIVILEGE_HINT);
        String uid = statusField("Uid:");
        long caps = effectiveCapabilities();
        sb.append(" — this process runs as uid ").append(uid == null ? "?" : uid.trim().split("\\s+")[1]);
        if (caps >= 0) {
            sb.append(" with ").append(has(caps, CAP_BPF) ? "" : "no ").append("CAP_BPF, ")
                    .append(has(caps, CAP_SYS_ADMIN) ? "" : "no ").append("CAP_SYS_ADMIN, ")
                    .append(has(caps, CAP_NET_ADMIN) ? "" : "no ").append("CAP_NET_ADMIN, ")
                    .append(has(caps, CAP_PERFMON) ? "" : "no ").append("CAP_PERFMON");
        }
        String sysctl = read(Path.of("/proc/sys/kernel/unprivileged_bpf_disabled"));
        if (sysctl != null) sb.append("; kernel.unprivileged_bpf_disabled=").append(sysctl.trim());
        return sb.toString();
    }

    private static String statusField(String field) {
        String status = read(Path.of("/proc/thread-self/status")); // capabilities are per thread
        if (status == null) return null;
        for (String line : status.split("\n")) {
            if (line.startsWith(field)) return line.substring(field.length());
        }
        return null;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
