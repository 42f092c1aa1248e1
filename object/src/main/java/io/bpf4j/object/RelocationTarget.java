package io.bpf4j.object;

/** What a relocated instruction refers to, resolved from its symbol. */
sealed interface RelocationTarget {
    /** A slot of code: a call target, or with {@code address} a function pointer (lddw pseudo FUNC). */
    record Code(int sectionIndex, int slot, boolean address) implements RelocationTarget {}

    /** A map (lddw pseudo MAP_FD) or, with {@code value}, an address in its value (pseudo MAP_VALUE). */
    record Map(String mapName, boolean value, int offset) implements RelocationTarget {}
}
