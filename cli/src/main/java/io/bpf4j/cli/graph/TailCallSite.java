package io.bpf4j.cli.graph;

import java.util.SortedSet;

/**
 * A {@code call bpf_tail_call} instruction and what static analysis knows about its operands.
 *
 * @param pc            the call's slot in the program
 * @param function      the function (the program itself or a subprogram) the call is in
 * @param map           the prog array R2 holds there, or null when it is not one known map
 * @param slots         the indices R3 can hold (low 32 bits), or null when the index is not a small set of constants
 * @param callerStack   bytes of stack that stay allocated below the tail-called program: the frames of the
 *                      functions that called {@code function} (0 when the call is in the program's own frame,
 *                      which the tail call replaces)
 */
public record TailCallSite(int pc, String function, String map, SortedSet<Long> slots, int callerStack) {
    public boolean variableIndex() {
        return slots == null;
    }
}
