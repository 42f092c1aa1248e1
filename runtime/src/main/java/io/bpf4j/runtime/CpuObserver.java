package io.bpf4j.runtime;

/** A CPU's tail call observer: records trace events and runs the preemption simulation's intruder. */
final class CpuObserver implements TailCallObserver {
    private final BpfRuntime rt;
    private final Cpu cpu;

    CpuObserver(BpfRuntime rt, Cpu cpu) {
        this.rt = rt;
        this.cpu = cpu;
    }

    @Override
    public void tailCalled(Invocation invocation, ProgramImage from, int slot, ProgramImage target) {
        RunState st = (RunState) invocation.attachment();
        if (st == null) return;
        st.event(new TraceEvent.TailCall(from == null ? "?" : from.name(), slot, target.name(), invocation.tailCalls()));
        if (!st.intruder && rt.shouldPreempt(cpu)) {
            String intruder = rt.runIntruder(cpu);
            if (intruder != null) st.event(new TraceEvent.Preempted(intruder, cpu.id));
        }
    }

    @Override
    public void fellThrough(Invocation invocation, ProgramImage from, long index, FallThrough reason) {
        RunState st = (RunState) invocation.attachment();
        if (st != null) st.event(new TraceEvent.FellThrough(from == null ? "?" : from.name(), index, reason));
    }
}
