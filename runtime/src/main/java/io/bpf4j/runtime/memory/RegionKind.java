package io.bpf4j.runtime.memory;

/** What a region of program-visible memory is; error messages and helpers use it to say what was touched. */
public enum RegionKind {
    /** One bpf2bpf frame's 512-byte stack; r10 points just past its end. */
    STACK("stack"),
    /** The program's context (e.g. {@code struct xdp_md}, {@code struct __sk_buff}). */
    CONTEXT("context"),
    /** Packet data, from {@code data} to {@code data_end}. */
    PACKET("packet"),
    /** XDP metadata in front of the packet, from {@code data_meta} to {@code data}. */
    PACKET_META("packet metadata"),
    /** One map value, a live view of the map's storage. */
    MAP_VALUE("map value"),
    /** A reserved ring buffer record. */
    RINGBUF_RECORD("ring buffer record"),
    /** Memory the caller of the program handed in (the conformance suite's input, a user buffer). */
    CALLER_MEMORY("caller memory"),
    /** A handle to a runtime object (a map, a prog array): it can be passed to helpers, never read or written. */
    OBJECT("object handle");

    private final String description;

    RegionKind(String description) {
        this.description = description;
    }

    /** Lower-case words for messages, e.g. {@code "map value"}. */
    public String description() {
        return description;
    }
}
