package io.bpf4j.linux;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;

import java.util.List;
import java.util.Objects;

/**
 * Everything BPF_PROG_LOAD needs for one program, with every map reference already resolved to a file
 * descriptor (lddw {@code MAP_FD} / {@code MAP_VALUE}) or to an index into {@link #fdArray()}
 * ({@code MAP_IDX} / {@code MAP_IDX_VALUE}).
 *
 * @param name               the program's name (the kernel keeps 15 characters; errors use the full one)
 * @param type               the program type
 * @param expectedAttachType what the program is loaded for, or null for none (uapi 0); the kernel checks
 *                           context accesses and helpers against it, and prog arrays compare it
 * @param instructions       the relocated program
 * @param license            e.g. {@code GPL}; GPL-only helpers need a GPL-compatible one
 * @param kernelVersion      {@code kern_version}, ignored by kernels since 5.0
 * @param flags              {@code prog_flags} (e.g. {@link #F_XDP_HAS_FRAGS}, {@link #F_SLEEPABLE})
 * @param logLevel           0: the verifier log is only fetched when the load fails; 1 or 2 (verbose) or 4
 *                           (statistics): always, and a successful load keeps it ({@link KernelProgram#verifierLog()})
 * @param btf                the object's BTF with func_info / line_info, or null
 * @param fdArray            maps for {@code MAP_IDX} references, in index order (usually empty)
 * @param attachBtfId        for TRACING and LSM programs: the BTF id of the kernel function or tracepoint
 *                           (in vmlinux BTF) they attach to ({@code attach_btf_id}); 0 otherwise
 * @param privileges         with which capabilities the kernel verifies it
 */
public record ProgramLoadSpec(String name, ProgramType type, AttachType expectedAttachType, Instructions instructions,
                              String license, int kernelVersion, int flags, int logLevel, ProgramBtf btf,
                              List<KernelMap> fdArray, int attachBtfId, LoadPrivileges privileges) {
    public static final int F_STRICT_ALIGNMENT = 1, F_ANY_ALIGNMENT = 1 << 1, F_TEST_RND_HI32 = 1 << 2,
            F_TEST_STATE_FREQ = 1 << 3, F_SLEEPABLE = 1 << 4, F_XDP_HAS_FRAGS = 1 << 5;

    public ProgramLoadSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(instructions, "instructions");
        Objects.requireNonNull(license, "license");
        fdArray = fdArray == null ? List.of() : List.copyOf(fdArray);
        privileges = privileges == null ? LoadPrivileges.PROCESS : privileges;
        if (logLevel < 0 || logLevel > 7) throw new IllegalArgumentException("log level " + logLevel + " (0..7)");
    }

    /** A GPL program without BTF, attach type or flags: what hand-written test programs need. */
    public static ProgramLoadSpec of(String name, ProgramType type, Instructions instructions) {
        return new ProgramLoadSpec(name, type, null, instructions, "GPL", 0, 0, 0, null, List.of(), 0, LoadPrivileges.PROCESS);
    }

    public ProgramLoadSpec withExpectedAttachType(AttachType t) {
        return new ProgramLoadSpec(name, type, t, instructions, license, kernelVersion, flags, logLevel, btf, fdArray, attachBtfId, privileges);
    }

    public ProgramLoadSpec withLicense(String l) {
        return new ProgramLoadSpec(name, type, expectedAttachType, instructions, l, kernelVersion, flags, logLevel, btf, fdArray, attachBtfId, privileges);
    }

    public ProgramLoadSpec withKernelVersion(int v) {
        return new ProgramLoadSpec(name, type, expectedAttachType, instructions, license, v, flags, logLevel, btf, fdArray, attachBtfId, privileges);
    }

    public ProgramLoadSpec withFlags(int f) {
        return new ProgramLoadSpec(name, type, expectedAttachType, instructions, license, kernelVersion, f, logLevel, btf, fdArray, attachBtfId, privileges);
    }

    public ProgramLoadSpec withLogLevel(int level) {
        return new ProgramLoadSpec(name, type, expectedAttachType, instructions, license, kernelVersion, flags, level, btf, fdArray, attachBtfId, privileges);
    }

    public ProgramLoadSpec withBtf(ProgramBtf b) {
        return new ProgramLoadSpec(name, type, expectedAttachType, instructions, license, kernelVersion, flags, logLevel, b, fdArray, attachBtfId, privileges);
    }

    public ProgramLoadSpec withFdArray(List<KernelMap> maps) {
        return new ProgramLoadSpec(name, type, expectedAttachType, instructions, license, kernelVersion, flags, logLevel, btf, maps, attachBtfId, privileges);
    }

    public ProgramLoadSpec withAttachBtfId(int id) {
        return new ProgramLoadSpec(name, type, expectedAttachType, instructions, license, kernelVersion, flags, logLevel, btf, fdArray, id, privileges);
    }

    public ProgramLoadSpec withPrivileges(LoadPrivileges p) {
        return new ProgramLoadSpec(name, type, expectedAttachType, instructions, license, kernelVersion, flags, logLevel, btf, fdArray, attachBtfId, p);
    }

    public ProgramLoadSpec withInstructions(Instructions insns) {
        return new ProgramLoadSpec(name, type, expectedAttachType, insns, license, kernelVersion, flags, logLevel, btf, fdArray, attachBtfId, privileges);
    }
}
