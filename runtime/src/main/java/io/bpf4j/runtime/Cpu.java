package io.bpf4j.runtime;

import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;

/**
 * One virtual CPU: held by one invocation at a time from its first instruction to its last tail call's exit, so
 * per-CPU map values are private to that invocation while it runs. Owns reusable invocations (the main one and
 * one for the preemption simulation's intruder).
 */
final class Cpu {
    final int id;
    final Semaphore lock = new Semaphore(1);
    final Invocation main;
    final Invocation intruderInvocation;
    final RunState mainState;
    final RunState intruderState;
    final SplittableRandom prandom;
    final SplittableRandom preemptionDice;
    final CpuObserver observer;

    Cpu(BpfRuntime rt, int id) {
        this.id = id;
        this.main = new Invocation(rt.options());
        this.intruderInvocation = new Invocation(rt.options());
        main.setCpu(id);
        intruderInvocation.setCpu(id);
        this.mainState = new RunState(this, false);
        this.intruderState = new RunState(this, true);
        this.prandom = new SplittableRandom(rt.randomSeed() + id * 0x9E3779B97F4A7C15L);
        this.preemptionDice = new SplittableRandom(rt.preemption().seed() + id);
        this.observer = new CpuObserver(rt, this);
    }

    @Override
    public String toString() {
        return "cpu " + id;
    }
}
