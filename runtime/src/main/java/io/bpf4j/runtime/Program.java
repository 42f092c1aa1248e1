package io.bpf4j.runtime;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.ProgramType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A program loaded into a {@link BpfRuntime}: verified (unless the runtime says otherwise), linked to its maps,
 * ready to run on any of the runtime's virtual CPUs from any thread. It can enter prog arrays whose owner it
 * matches ({@link Compatibility}).
 */
public final class Program implements AutoCloseable {
    private final BpfRuntime runtime;
    private final int id;
    private final String name;
    private final ProgramType type;
    private final AttachType attachType;
    private final Compatibility compatibility;
    private final ProgramImage image;
    private final ContextLayout contextLayout;
    private final LongAdder runs = new LongAdder();
    private final LongAdder runNanos = new LongAdder();
    private volatile boolean closed;

    Program(BpfRuntime runtime, int id, String name, ProgramType type, AttachType attachType, Compatibility compatibility,
            ProgramImage image, ContextLayout contextLayout) {
        this.runtime = runtime;
        this.id = id;
        this.name = name;
        this.type = type;
        this.attachType = attachType;
        this.compatibility = compatibility;
        this.image = image;
        this.contextLayout = contextLayout;
    }

    public String name() {
        return name;
    }

    /** The id user space writes into prog arrays through the byte[] map interface (Linux: the program's fd/id). */
    public int id() {
        return id;
    }

    public ProgramType type() {
        return type;
    }

    /** The expected attach type, or null. */
    public AttachType attachType() {
        return attachType;
    }

    public Compatibility compatibility() {
        return compatibility;
    }

    /** The linked program every engine runs. */
    public ProgramImage image() {
        return image;
    }

    /** What R1 points to at entry; null for program types without a modelled context. */
    public ContextLayout contextLayout() {
        return contextLayout;
    }

    public BpfRuntime runtime() {
        return runtime;
    }

    /** Run count and run time while statistics are enabled (Linux's bpf_stats). */
    public ProgramStats stats() {
        return new ProgramStats(runs.sum(), runNanos.sum());
    }

    /**
     * Runs the program as {@code BPF_PROG_TEST_RUN} does: on a virtual CPU held for the whole invocation (tail
     * calls included), {@code repeat} times on the same packet and context.
     *
     * @throws BpfErrnoException     for input Linux refuses (a context of the wrong size or with fields a caller
     *                               may not set, a packet too small or too large), before anything runs
     * @throws ExecutionException    when the program faults or runs out of its instruction budget
     */
    public TestRunResult testRun(TestRun input) {
        if (closed) throw new BpfErrnoException(Errno.EBADF, "program '" + name + "' is closed");
        runtime.checkOpen();
        PacketContext packet = createContext(input);
        Cpu cpu = runtime.cpuPool().acquire(input.cpu());
        try {
            return execute(cpu, cpu.main, cpu.mainState, packet, input, true);
        } finally {
            runtime.cpuPool().release(cpu);
        }
    }

    PacketContext createContext(TestRun input) {
        if (contextLayout == null)
            throw new BpfErrnoException(Errno.ENOTSUPP, "test run of '" + name + "': bpf4j has no context for program type " + type);
        return PacketContext.create(this, input, runtime.maxPacketSize());
    }

    TestRunResult execute(Cpu cpu, Invocation inv, RunState st, PacketContext packet, TestRun input, boolean observe) {
        int repeat = Math.max(1, input.repeat());
        st.program = this;
        st.packet = packet;
        st.trace = input.trace() ? new ArrayList<>() : null;
        inv.setObserver(observe && (input.trace() || runtime.preemptionActive()) ? cpu.observer : null);
        Executable executable = image.prepared(runtime.engine());
        boolean stats = runtime.statsEnabled();
        long r0 = 0;
        long start = System.nanoTime();
        try {
            for (int i = 0; i < repeat; i++) {
                inv.begin();
                inv.setAttachment(st);
                inv.enter(image);
                st.reset();
                packet.rewind();
                long r1 = packet.register(inv);
                st.event(new TraceEvent.Entered(name, cpu.id));
                long t0 = stats ? System.nanoTime() : 0;
                try {
                    r0 = executable.run(inv, r1);
                } catch (RuntimeException e) {
                    st.discardPending();
                    throw e;
                } finally {
                    if (stats) {
                        runs.increment();
                        runNanos.add(System.nanoTime() - t0);
                    }
                }
                ProgramImage last = inv.currentImage();
                st.event(new TraceEvent.Exited(last == null ? name : last.name(), r0));
            }
            long duration = (System.nanoTime() - start) / repeat;
            byte[] data = packet.dataOut();
            boolean truncated = false;
            if (data != null && input.dataSizeOut() > 0 && data.length > input.dataSizeOut()) {
                data = java.util.Arrays.copyOf(data, input.dataSizeOut());
                truncated = true;
            }
            List<TraceEvent> trace = st.trace == null ? List.of() : List.copyOf(st.trace);
            return new TestRunResult(r0, data, truncated, packet.ctxOut(), duration, cpu.id, inv.tailCalls(), st.redirect, trace);
        } finally {
            st.trace = null;
            st.packet = null;
            st.program = null;
            inv.setAttachment(null);
            inv.setObserver(null);
        }
    }

    /** Counts only; nothing else to release (prog arrays keep a closed program until it is replaced). */
    @Override
    public void close() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "Program[" + name + ", " + type + (attachType == null ? "" : "/" + attachType) + ", id " + id + "]";
    }
}
