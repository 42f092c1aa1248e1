package io.bpf4j.linux;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.verifier.ProgramRejectedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether this process can use bpf(2), and for which program types — found out by trying, never guessed:
 * is this Linux with a known bpf(2) number and native access; does a one-element ARRAY map create; does
 * {@code r0 = 0; exit} load as a socket filter; and, per program type asked about, does that trivial
 * program load as that type.
 *
 * <p>The answers the probe expects ("not Linux", ENOSYS, EPERM, EINVAL for a program type this kernel was
 * built without) become a reason string that says exactly why. Anything else — an errno the probe does not
 * expect, or a verifier log for the trivial program — is thrown: it means bpf4j is wrong about this kernel,
 * and a test must fail on it rather than skip.
 */
public final class KernelSupport {
    private static volatile KernelSupport probed;

    private final String reason;
    private final String kernelRelease;
    private final Map<ProgramType, Optional<String>> types = new ConcurrentHashMap<>();

    private KernelSupport(String reason, String kernelRelease) {
        this.reason = reason;
        this.kernelRelease = kernelRelease;
    }

    /**
     * The probe, run once per JVM.
     *
     * @throws KernelException an errno the probe did not expect
     */
    public static KernelSupport probe() {
        KernelSupport s = probed;
        if (s == null) {
            synchronized (KernelSupport.class) {
                s = probed;
                if (s == null) probed = s = run();
            }
        }
        return s;
    }

    private static KernelSupport run() {
        String release = readTrimmed(Path.of("/proc/sys/kernel/osrelease"));
        String unavailable = Syscalls.unavailableReason();
        if (unavailable != null) return new KernelSupport(unavailable, release);
        try {
            KernelMap.create(new MapDefinition("bpf4j_probe", MapType.ARRAY, 4, 4, 1)).close();
        } catch (KernelException e) {
            if (e.errnoNumber() == Errno.ENOSYS.number()) {
                return new KernelSupport("kernel " + release + " has no bpf(2) (ENOSYS: built without CONFIG_BPF_SYSCALL)", release);
            }
            if (e.isMissingPrivilege()) {
                return new KernelSupport("bpf(BPF_MAP_CREATE) answered EPERM: " + Privileges.describeMissing(), release);
            }
            throw e;
        }
        KernelSupport s = new KernelSupport(null, release);
        String socketFilter = s.probeType(ProgramType.SOCKET_FILTER);
        if (socketFilter != null) return new KernelSupport(socketFilter, release);
        s.types.put(ProgramType.SOCKET_FILTER, Optional.empty());
        return s;
    }

    /** True when maps can be created and a socket filter loads. */
    public boolean available() {
        return reason == null;
    }

    /** Why bpf(2) is not usable here, or null when it is. */
    public String reason() {
        return reason;
    }

    /** The kernel's release string ({@code uname -r}), or "?" when unreadable. */
    public String kernelRelease() {
        return kernelRelease;
    }

    /** Whether programs of {@code type} load here (probes once per type). */
    public boolean supports(ProgramType type) {
        return unavailableReason(type) == null;
    }

    /**
     * Null when bpf(2) is usable and every type in {@code programTypes} loads; else the first reason why not.
     *
     * @throws KernelException     an errno the probe did not expect
     * @throws IllegalStateException the kernel's verifier rejected the trivial program: bpf4j is wrong about it
     */
    public String unavailableReason(ProgramType... programTypes) {
        if (reason != null) return reason;
        for (ProgramType t : programTypes) {
            String why = types.computeIfAbsent(t, k -> Optional.ofNullable(probeType(k))).orElse(null);
            if (why != null) return why;
        }
        return null;
    }

    /** The per-type answers so far (for reports): type → null when supported, else the reason. */
    public Map<ProgramType, String> probedTypes() {
        Map<ProgramType, String> out = new LinkedHashMap<>();
        types.forEach((k, v) -> out.put(k, v.orElse(null)));
        return out;
    }

    private String probeType(ProgramType type) {
        String impossible = switch (type) {
            case UNSPEC -> "BPF_PROG_TYPE_UNSPEC is not a program type";
            case EXT, STRUCT_OPS -> type.uapiName() + " programs need a target program or a struct_ops map; "
                    + "bpf4j's probe does not build one";
            default -> null;
        };
        if (impossible != null) return impossible;
        Instructions trivial = Instructions.of(Instruction.Alu.imm(true, AluOp.MOV, 0, 0), new Instruction.Exit());
        ProgramLoadSpec spec = ProgramLoadSpec.of("bpf4j_probe", type, trivial).withExpectedAttachType(attachTypeFor(type));
        if (type == ProgramType.SYSCALL) spec = spec.withFlags(ProgramLoadSpec.F_SLEEPABLE);
        if (type == ProgramType.TRACING || type == ProgramType.LSM) {
            // TRACING is probed as tp_btf/sched_switch, LSM as lsm/file_open: both name a vmlinux BTF id
            boolean tracing = type == ProgramType.TRACING;
            String target = tracing ? "btf_trace_sched_switch" : "bpf_lsm_file_open";
            int id;
            try {
                id = VmlinuxBtf.id(tracing ? VmlinuxBtf.KIND_TYPEDEF : VmlinuxBtf.KIND_FUNC, target);
            } catch (io.bpf4j.BpfException e) {
                return type.uapiName() + " programs need the kernel's BTF: " + e.getMessage();
            }
            if (id < 0) return "kernel " + kernelRelease + " has no " + target + " in its BTF to probe " + type.uapiName();
            spec = spec.withAttachBtfId(id);
        }
        try {
            KernelProgram.load(spec).close();
            return null;
        } catch (KernelException e) {
            if (e.isMissingPrivilege()) {
                return "loading a " + type.uapiName() + " program answered EPERM: " + Privileges.describeMissing();
            }
            throw e;
        } catch (ProgramRejectedException e) {
            if (e.errno() == Errno.EPERM.number() && VerifierLog.reason(e.log()) == null) {
                return "kernel " + kernelRelease + " refuses " + type.uapiName() + " programs with EPERM and no "
                        + "verifier message; " + Privileges.epermDespiteCapabilities();
            }
            if (e.errno() == Errno.EINVAL.number() && VerifierLog.reason(e.log()) == null) {
                return "kernel " + kernelRelease + " does not load " + type.uapiName() + " programs (EINVAL without a "
                        + "verifier message for `r0 = 0; exit`: the type is unknown or compiled out)";
            }
            throw new IllegalStateException("bpf4j's probe program for " + type.uapiName()
                    + " was rejected unexpectedly on kernel " + kernelRelease + ": " + e.getMessage()
                    + "\n" + e.log(), e);
        }
    }

    /** The attach type a trivial program of {@code type} must be loaded with, or null for none. */
    static AttachType attachTypeFor(ProgramType type) {
        return switch (type) {
            case TRACING -> AttachType.TRACE_RAW_TP;
            case LSM -> AttachType.LSM_MAC;
            case CGROUP_SOCK_ADDR -> AttachType.CGROUP_INET4_CONNECT;
            case CGROUP_SOCKOPT -> AttachType.CGROUP_GETSOCKOPT;
            case SK_LOOKUP -> AttachType.SK_LOOKUP;
            case NETFILTER -> AttachType.NETFILTER;
            default -> null;
        };
    }

    private static String readTrimmed(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    /**
     * Prints the probe's answer, and one line per program type named on the command line (all types without
     * arguments): {@code java --enable-native-access=ALL-UNNAMED -cp ... io.bpf4j.linux.KernelSupport XDP}.
     * Exit status 0 when bpf(2) and every named type are usable, 1 when not, 2 when the probe met an errno it
     * did not expect.
     */
    public static void main(String[] args) {
        try {
            KernelSupport s = probe();
            System.out.println(s);
            if (!s.available()) System.exit(1);
            ProgramType[] types = args.length == 0 ? ProgramType.values()
                    : java.util.Arrays.stream(args).map(a -> ProgramType.valueOf(a.toUpperCase(java.util.Locale.ROOT)))
                    .toArray(ProgramType[]::new);
            boolean all = true;
            for (ProgramType t : types) {
                String why = s.unavailableReason(t);
                all &= why == null;
                System.out.println(t.uapiName() + ": " + (why == null ? "loads" : why));
            }
            System.exit(all ? 0 : 1);
        } catch (RuntimeException e) {
            System.out.println("probe failed unexpectedly: " + e.getMessage());
            System.exit(2);
        }
    }

    @Override
    public String toString() {
        return reason == null ? "bpf(2) available on Linux " + kernelRelease : "bpf(2) unavailable: " + reason;
    }
}
