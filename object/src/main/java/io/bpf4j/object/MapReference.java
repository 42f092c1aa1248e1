package io.bpf4j.object;

/**
 * An lddw in a linked program that names a map: {@code r = &map} (pseudo MAP_FD) or, with {@code valueAccess},
 * {@code r = &map.value + offset} (pseudo MAP_VALUE: a global variable at {@code offset} in a data section's map).
 *
 * @param pc          the lddw's slot in the linked program
 * @param mapName     the {@link MapSpec#name()} it refers to
 * @param valueAccess true for a direct value address (global data), false for the map itself
 * @param offset      for value access, the byte offset in the map's value; 0 otherwise
 */
public record MapReference(int pc, String mapName, boolean valueAccess, int offset) {}
