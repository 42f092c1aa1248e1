package io.bpf4j.runtime;

import io.bpf4j.maps.RingBuffer;
import io.bpf4j.runtime.memory.Region;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** What helpers of one run see through {@link Invocation#attachment()}: the CPU, the packet, the trace. */
final class RunState {
    final Cpu cpu;
    final boolean intruder;
    Program program;
    PacketContext packet;
    List<TraceEvent> trace;
    TestRunResult.Redirect redirect;
    /** Map value and inner map regions handed out in this run, by the value's segment: one address per value. */
    final Map<Object, Long> addresses = new IdentityHashMap<>();
    /** Ring buffer records reserved and not yet submitted or discarded. */
    final List<Pending> pending = new ArrayList<>();

    record Pending(RingBuffer ring, MemorySegment sample, long address, Region region) {}

    RunState(Cpu cpu, boolean intruder) {
        this.cpu = cpu;
        this.intruder = intruder;
    }

    /** Before each repetition (after {@link Invocation#begin()}): addresses of the previous one are dangling. */
    void reset() {
        addresses.clear();
        pending.clear();
        redirect = null;
        if (trace != null) trace.clear();
    }

    /** After a run that stopped abnormally: release ring buffer records, or the consumer stalls on them. */
    void discardPending() {
        for (Pending p : pending) {
            if (p.ring().isPending(p.sample())) p.ring().discard(p.sample(), RingBuffer.RB_NO_WAKEUP);
        }
        pending.clear();
    }

    void event(TraceEvent e) {
        if (trace != null) trace.add(e);
    }
}
