package io.bpf4j.jmh;

import io.bpf4j.abi.ProgramType;
import io.bpf4j.linux.KernelProgArray;
import io.bpf4j.linux.KernelProgram;
import io.bpf4j.linux.KernelSupport;
import io.bpf4j.linux.ProgramLoadSpec;
import io.bpf4j.linux.TestRunInput;
import io.bpf4j.linux.TestRunResult;

import java.util.ArrayList;
import java.util.List;

/**
 * One of {@link XdpPrograms} loaded into the running kernel (its verifier and JIT) and run with
 * BPF_PROG_TEST_RUN; nothing is attached to any interface. The chain's programs are entered into a kernel prog
 * array of {@value XdpPrograms#CHAIN_PROGRAMS} slots.
 */
final class KernelXdp implements AutoCloseable {
    private final List<KernelProgram> loaded = new ArrayList<>();
    private KernelProgArray chain;
    final KernelProgram program;
    private final TestRunInput input;

    /** Why the kernel cannot be used here, or null when it can. */
    static String unavailableReason() {
        KernelSupport support = KernelSupport.probe();
        if (!support.available()) return support.reason();
        return support.unavailableReason(ProgramType.XDP);
    }

    KernelXdp(XdpPrograms which, int repeat) {
        try {
            if (which == XdpPrograms.TAIL_SELF_33) {
                chain = KernelProgArray.create("self", 1);
                program = keep(KernelProgram.load(ProgramLoadSpec.of("self", ProgramType.XDP, which.code()).withFdArray(List.of(chain))));
                chain.set(0, program);
            } else if (which.isTailCall()) {
                chain = KernelProgArray.create("chain", XdpPrograms.CHAIN_PROGRAMS);
                for (int k = 0; k < XdpPrograms.CHAIN_PROGRAMS; k++) {
                    KernelProgram p = KernelProgram.load(ProgramLoadSpec.of("chain_" + k, ProgramType.XDP, XdpPrograms.chainLink(k)).withFdArray(List.of(chain)));
                    loaded.add(p);
                    chain.set(k, p);
                }
                program = which == XdpPrograms.TAIL_CHAIN_33 ? loaded.getFirst()
                        : keep(KernelProgram.load(ProgramLoadSpec.of("single", ProgramType.XDP, which.code()).withFdArray(List.of(chain))));
            } else {
                program = keep(KernelProgram.load(ProgramLoadSpec.of(which.name().toLowerCase(), ProgramType.XDP, which.code())));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        input = TestRunInput.of(which.packet()).withRepeat(repeat);
    }

    private KernelProgram keep(KernelProgram p) {
        loaded.add(p);
        return p;
    }

    /** One BPF_PROG_TEST_RUN of {@code repeat} runs. */
    TestRunResult testRun() {
        return program.testRun(input);
    }

    @Override
    public void close() {
        for (KernelProgram p : loaded) p.close();
        if (chain != null) chain.close();
    }
}
