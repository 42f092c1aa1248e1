package io.bpf4j.cli;

import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.jit.JitEngine;
import io.bpf4j.runtime.interpreter.Interpreter;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Collection;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.TestRun;
import io.bpf4j.runtime.TestRunResult;
import io.bpf4j.runtime.TraceEvent;
import io.bpf4j.runtime.VerifyMode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** bpf4j's own runtime as a {@link RunBackend}: the object loaded into a {@link BpfRuntime}, runs traced. */
final class EmbeddedBackend implements RunBackend {
    private final BpfRuntime runtime;
    private final Collection collection;
    private final Program program;
    private final int cpus;
    private final int tailCallLimit;
    /** For each program that uses exactly one prog array, its name: the trace gives slots, not arrays. */
    private final Map<String, String> progArrayOf = new HashMap<>();

    private EmbeddedBackend(ObjectSpec spec, BpfRuntime runtime, Collection collection, Program program, int cpus, int tailCallLimit) {
        this.runtime = runtime;
        this.collection = collection;
        this.program = program;
        this.cpus = cpus;
        this.tailCallLimit = tailCallLimit;
        for (ProgramSpec p : spec.programs()) {
            List<String> arrays = p.mapNames().stream()
                    .filter(m -> spec.map(m).definition().type() == MapType.PROG_ARRAY).toList();
            if (arrays.size() == 1) progArrayOf.put(p.name(), arrays.getFirst());
        }
    }

    static RunBackend open(ObjectSpec spec, String programName, int cpus, int tailCallLimit, boolean jit, boolean privileged) {
        BpfRuntime.Builder builder = BpfRuntime.builder().cpus(cpus).tailCallLimit(tailCallLimit)
                .verify(privileged ? VerifyMode.PRIVILEGED : VerifyMode.DEFAULT);
        builder.engine(jit ? JitEngine.create() : Interpreter.INSTANCE);
        BpfRuntime runtime = builder.build();
        try {
            Collection collection = runtime.load(spec);
            return new EmbeddedBackend(spec, runtime, collection, collection.program(programName), cpus, tailCallLimit);
        } catch (io.bpf4j.verifier.ProgramRejectedException e) {
            runtime.close();
            String hint = privileged ? "" : VerifyCommand.privilegeHint(e);
            if (e.program().equals(programName)) throw new CliException(CliException.FAILED, spec.fileName() + ": " + e.getMessage() + hint, e);
            // another program of the object: bpf4j's runtime loads an object whole, as libbpf does by default
            throw new CliException(CliException.FAILED, spec.fileName() + ": " + e.getMessage() + (hint.isEmpty()
                    ? "; bpf4j loads every program of an object, so " + programName + " cannot run from it until " + e.program() + " loads too"
                    : hint), e);
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
    }

    @Override
    public String description() {
        return "bpf4j " + runtime.engine().name() + ", " + cpus + " virtual CPU" + (cpus == 1 ? "" : "s")
                + ", tail-call limit " + tailCallLimit;
    }

    @Override
    public void setSlot(String map, int index, String programName) {
        if (programName == null) collection.progArray(map).delete(index);
        else collection.progArray(map).update(index, collection.program(programName));
    }

    @Override
    public BpfMap map(String name) {
        return collection.map(name);
    }

    @Override
    public boolean tracesTailCalls() {
        return true;
    }

    @Override
    public Outcome run(byte[] data, byte[] context, int repeat, boolean trace, int cpu) {
        byte[] ctx = context;
        boolean xdpContext = false;
        if (ctx == null && program.type() == ProgramType.XDP && data != null) {
            // as with the kernel: an xdp_md in, so the one that comes back says how much metadata was left
            ctx = ByteBuffer.allocate(ContextLayout.XDP_MD_SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(4, data.length).array();
            xdpContext = true;
        } else if (ctx == null && (program.type() == ProgramType.SCHED_CLS || program.type() == ProgramType.SCHED_ACT)) {
            ctx = new byte[ContextLayout.SK_BUFF_SIZE];
        }
        TestRun in = new TestRun(data, ctx, repeat, 0, cpu, true);
        TestRunResult r = program.testRun(in);
        int meta = 0;
        byte[] ctxOut = r.ctx();
        if (xdpContext && ctxOut != null && ctxOut.length >= 4) {
            meta = ByteBuffer.wrap(ctxOut).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
            if (meta < 0 || r.data() == null || meta > r.data().length) meta = 0;
            ctxOut = null;
        }
        return new Outcome(r.retval(), r.data() == null ? new byte[0] : r.data(), meta, ctxOut, r.durationNanos(), hops(r.trace()));
    }

    /** The trace as the programs that ran, each with its tail calls. */
    private List<Hop> hops(List<TraceEvent> trace) {
        List<Hop> hops = new ArrayList<>();
        List<TailCallEvent> events = null;
        for (TraceEvent e : trace) {
            switch (e) {
                case TraceEvent.Entered en -> {
                    events = new ArrayList<>();
                    hops.add(new Hop(en.program(), events));
                }
                case TraceEvent.TailCall tc -> {
                    if (events == null) {
                        events = new ArrayList<>();
                        hops.add(new Hop(tc.from(), events));
                    }
                    events.add(new TailCallEvent(-1, progArrayOf.get(tc.from()), tc.slot(), tc.target(), null));
                    events = new ArrayList<>();
                    hops.add(new Hop(tc.target(), events));
                }
                case TraceEvent.FellThrough ft -> {
                    if (events == null) {
                        events = new ArrayList<>();
                        hops.add(new Hop(ft.from(), events));
                    }
                    events.add(new TailCallEvent(-1, progArrayOf.get(ft.from()), ft.index() & 0xffffffffL, null, reason(ft)));
                }
                default -> {
                    // preemption and exit carry nothing the path needs
                }
            }
        }
        return hops;
    }

    private String reason(TraceEvent.FellThrough ft) {
        return switch (ft.reason()) {
            case EMPTY_SLOT -> "slot " + (ft.index() & 0xffffffffL) + " is empty";
            case INDEX_OUT_OF_RANGE -> "index " + (ft.index() & 0xffffffffL) + " is past the end of the prog array";
            case LIMIT_REACHED -> "the invocation already made " + tailCallLimit + " tail calls (the limit)";
        };
    }

    @Override
    public void close() {
        try {
            collection.close();
        } finally {
            runtime.close();
        }
    }
}
