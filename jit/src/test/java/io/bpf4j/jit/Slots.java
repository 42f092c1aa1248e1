package io.bpf4j.jit;

import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.TailCallTargets;

import java.util.concurrent.atomic.AtomicReferenceArray;

/** A prog array stand-in for tests: slots settable at any time, read atomically. */
final class Slots implements TailCallTargets {
    private final AtomicReferenceArray<ProgramImage> slots;

    Slots(int maxEntries) {
        slots = new AtomicReferenceArray<>(maxEntries);
    }

    Slots set(int index, ProgramImage program) {
        slots.set(index, program);
        return this;
    }

    @Override
    public int maxEntries() {
        return slots.length();
    }

    @Override
    public ProgramImage target(int index) {
        return slots.get(index);
    }

    @Override
    public String toString() {
        return "test prog array (" + slots.length() + " slots)";
    }
}
