package io.bpf4j.runtime;

import io.bpf4j.maps.ProgArray;

/** The view {@code bpf_tail_call} has of a runtime's prog array: one acquire read per tail call. */
final class ProgArrayTargets implements TailCallTargets {
    final ProgArray<Program> array;

    ProgArrayTargets(ProgArray<Program> array) {
        this.array = array;
    }

    @Override
    public int maxEntries() {
        return array.maxEntries();
    }

    @Override
    public ProgramImage target(int index) {
        Program p = array.get(index);
        return p == null ? null : p.image();
    }

    @Override
    public Object[] slotArray() {
        return array.slotArray();
    }

    @Override
    public ProgramImage imageOf(Object slot) {
        return ((Program) slot).image();
    }

    @Override
    public String toString() {
        return array.toString();
    }
}
