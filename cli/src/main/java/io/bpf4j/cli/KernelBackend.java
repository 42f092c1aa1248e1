package io.bpf4j.cli;

import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.linux.KernelCollection;
import io.bpf4j.linux.KernelProgram;
import io.bpf4j.linux.KernelSupport;
import io.bpf4j.linux.TestRunInput;
import io.bpf4j.linux.TestRunResult;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.object.ObjectSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@code bpf4j run --kernel}: the object loaded into the running kernel, the program run with BPF_PROG_TEST_RUN. */
final class KernelBackend implements RunBackend {
    private final KernelCollection collection;
    private final KernelProgram program;
    private final String kernel;

    /** @param alsoLoad programs to load besides the one to run and its static tail-call targets (those --set names) */
    KernelBackend(ObjectSpec spec, String programName, java.util.Collection<String> alsoLoad) {
        KernelSupport support = KernelSupport.probe();
        String why = support.unavailableReason(spec.program(programName).type());
        if (why != null) throw CliException.failed("--kernel: " + why + "; without --kernel, bpf4j's own runtime runs it anywhere");
        this.kernel = "Linux kernel " + support.kernelRelease();
        // only the program and what its prog arrays reach: other programs of the object may not load in this kernel
        java.util.Set<String> load = needed(spec, programName);
        for (String p : alsoLoad) load.addAll(needed(spec, p));
        this.collection = KernelCollection.load(spec, KernelCollection.Options.DEFAULT.withPrograms(load));
        try {
            this.program = collection.program(programName);
        } catch (RuntimeException e) {
            collection.close();
            throw e;
        }
    }

    /** The program and, transitively, the programs in the static slots of the prog arrays it uses. */
    static java.util.Set<String> needed(ObjectSpec spec, String programName) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        java.util.ArrayDeque<String> work = new java.util.ArrayDeque<>(java.util.List.of(programName));
        while (!work.isEmpty()) {
            String p = work.poll();
            if (!out.add(p)) continue;
            for (String m : spec.program(p).mapNames()) work.addAll(spec.map(m).initialProgramSlots().values());
        }
        return out;
    }

    @Override
    public String description() {
        return kernel + " (BPF_PROG_TEST_RUN)";
    }

    @Override
    public void setSlot(String map, int index, String programName) {
        if (programName == null) collection.progArray(map).clear(index);
        else collection.progArray(map).set(index, collection.program(programName));
    }

    @Override
    public BpfMap map(String name) {
        return collection.map(name);
    }

    @Override
    public boolean tracesTailCalls() {
        return false;
    }

    @Override
    public Outcome run(byte[] data, byte[] context, int repeat, boolean trace, int cpu) {
        TestRunInput in = TestRunInput.of(data);
        boolean xdpContext = false;
        if (context != null) {
            in = in.withContext(context);
        } else if (program.type() == ProgramType.SCHED_CLS || program.type() == ProgramType.SCHED_ACT) {
            // an all-zero __sk_buff in, so the kernel hands the context back (mark, priority, cb[] ...)
            in = in.withContext(new byte[ContextLayout.SK_BUFF_SIZE]);
        } else if (program.type() == ProgramType.XDP) {
            // an xdp_md in (data 0, data_end = length, no metadata), so the kernel hands it back: its data field
            // then says how much metadata the program left in front of the packet
            in = in.withContext(ByteBuffer.allocate(ContextLayout.XDP_MD_SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(4, data.length).array());
            xdpContext = true;
        }
        in = in.withRepeat(repeat);
        TestRunResult r = program.testRun(in);
        int meta = 0;
        byte[] ctxOut = r.context();
        if (xdpContext && ctxOut != null && ctxOut.length >= 8) {
            meta = ByteBuffer.wrap(ctxOut).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
            if (meta < 0 || meta > r.data().length) meta = 0;
            ctxOut = null; // the offsets are the test run's bookkeeping, not what the program left
        }
        return new Outcome(r.retvalUnsigned(), r.data(), meta, ctxOut, r.durationNanos(), null);
    }

    @Override
    public void close() {
        collection.close();
    }
}
