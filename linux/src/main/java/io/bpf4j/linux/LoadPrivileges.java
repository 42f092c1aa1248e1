package io.bpf4j.linux;

/**
 * With which capabilities the kernel verifies a program. The verifier's rules depend on them: with
 * CAP_PERFMON (root) it lets programs read stack they never wrote, leak pointers and skip Spectre checks;
 * without it, a program may only read stack and registers it wrote itself — the seed's rule for state
 * across tail calls, and bpf4j's verifier default.
 */
public enum LoadPrivileges {
    /** Whatever this process has (as root: everything). */
    PROCESS,
    /**
     * CAP_BPF and CAP_NET_ADMIN only: the load runs on a dedicated thread whose effective capability set lacks
     * CAP_PERFMON and CAP_SYS_ADMIN (capabilities are per thread on Linux, so the rest of the process is
     * untouched). The process must have CAP_BPF.
     */
    WITHOUT_PERFMON
}
