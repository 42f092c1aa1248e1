package io.bpf4j.jit;

import io.bpf4j.maps.ProgArray;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.TailCallTargets;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A prog array stand-in for tests: slots settable at any time, read atomically. By default it offers its slot array,
 * as the runtime's prog arrays do (compiled tail calls read it directly); {@link #targetOnly} makes one that does
 * not, so tail calls take the general path through {@link TailCallTargets#target}.
 */
final class Slots implements TailCallTargets {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private final Object[] slots;
    private final boolean direct;

    Slots(int maxEntries) {
        this(maxEntries, true);
    }

    private Slots(int maxEntries, boolean direct) {
        this.slots = new Object[maxEntries];
        this.direct = direct;
    }

    static Slots targetOnly(int maxEntries) {
        return new Slots(maxEntries, false);
    }

    Slots set(int index, ProgramImage program) {
        SLOT.setVolatile(slots, index, (Object) program);
        return this;
    }

    @Override
    public int maxEntries() {
        return slots.length;
    }

    @Override
    public ProgramImage target(int index) {
        return (ProgramImage) ProgArray.readSlot(slots, index);
    }

    @Override
    public Object[] slotArray() {
        return direct ? slots : null;
    }

    @Override
    public ProgramImage imageOf(Object slot) {
        return (ProgramImage) slot;
    }

    @Override
    public String toString() {
        return "test prog array (" + slots.length + " slots" + (direct ? "" : ", no slot array") + ")";
    }
}
