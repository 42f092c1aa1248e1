package io.bpf4j.cli.graph;

import java.util.Map;
import java.util.TreeMap;

/**
 * A prog array as the graph sees it: its size and which program sits in each filled slot.
 *
 * @param name       the map's name
 * @param maxEntries its number of slots
 * @param slots      filled slots: index → program name
 */
public record ProgArray(String name, int maxEntries, Map<Integer, String> slots) {
    public ProgArray {
        slots = java.util.Collections.unmodifiableMap(new TreeMap<>(slots));
    }

    public ProgArray with(int slot, String program) {
        TreeMap<Integer, String> copy = new TreeMap<>(slots);
        if (program == null) copy.remove(slot);
        else copy.put(slot, program);
        return new ProgArray(name, maxEntries, copy);
    }
}
