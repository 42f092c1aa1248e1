package io.bpf4j.runtime.helpers;

import io.bpf4j.abi.Helper;

import java.util.Arrays;
import java.util.Objects;

/**
 * Maps helper numbers ({@code call N}) to Java functions. Immutable: {@link #with} returns a new registry, so a
 * loaded program keeps the helpers it was loaded with. Lookup is an array index.
 *
 * <p>Helper 12, {@code bpf_tail_call}, is not a function: it changes which program runs, so every engine
 * implements it through {@link io.bpf4j.runtime.TailCalls}. It is always known and cannot be registered.
 */
public final class HelperRegistry {
    /** One registered helper. */
    public record Entry(int id, String name, HelperFunction function) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(function, "function");
        }
    }

    /** Largest helper number a registry accepts (Linux is near 212; room for user helpers above). */
    public static final int MAX_ID = 1 << 16;

    private static final HelperRegistry EMPTY = new HelperRegistry(new Entry[0]);

    private final Entry[] byId;

    private HelperRegistry(Entry[] byId) {
        this.byId = byId;
    }

    /** A registry with no helpers (tail calls still work). */
    public static HelperRegistry empty() {
        return EMPTY;
    }

    /** A copy with {@code id} bound to {@code function}, replacing any previous binding. */
    public HelperRegistry with(int id, String name, HelperFunction function) {
        if (id < 0 || id > MAX_ID) throw new IllegalArgumentException("helper number " + id + " is outside 0.." + MAX_ID);
        if (id == Helper.TAIL_CALL.id()) throw new IllegalArgumentException("helper 12 (bpf_tail_call) is built into every engine and cannot be replaced");
        Entry[] copy = Arrays.copyOf(byId, Math.max(byId.length, id + 1));
        copy[id] = new Entry(id, name, function);
        return new HelperRegistry(copy);
    }

    /** A copy with a kernel helper bound, named by its C name. */
    public HelperRegistry with(Helper helper, HelperFunction function) {
        return with(helper.id(), helper.cName(), function);
    }

    /** The helper for {@code id}, or null when none is registered. */
    public Entry lookup(long id) {
        return id >= 0 && id < byId.length ? byId[(int) id] : null;
    }

    /** True when {@code call id} can be resolved: registered, or the built-in tail call. */
    public boolean knows(long id) {
        return id == Helper.TAIL_CALL.id() || lookup(id) != null;
    }

    /** A name for messages: the registered name, else the kernel's C name, else {@code helper#N}. */
    public String nameOf(long id) {
        Entry e = lookup(id);
        if (e != null) return e.name();
        Helper h = id >= 0 && id <= Integer.MAX_VALUE ? Helper.ofId((int) id) : null;
        return h != null ? h.cName() : "helper#" + id;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("HelperRegistry[");
        boolean first = true;
        for (Entry e : byId) {
            if (e == null) continue;
            if (!first) sb.append(", ");
            sb.append(e.name()).append('#').append(e.id());
            first = false;
        }
        return sb.append(']').toString();
    }
}
