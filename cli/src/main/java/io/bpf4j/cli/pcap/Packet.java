package io.bpf4j.cli.pcap;

/**
 * One captured packet.
 *
 * @param timestampNanos capture time, nanoseconds since the Unix epoch
 * @param data           the captured bytes (possibly fewer than {@code originalLength} when the capture was cut)
 * @param originalLength the packet's length on the wire
 */
public record Packet(long timestampNanos, byte[] data, int originalLength) {
    public Packet(long timestampNanos, byte[] data) {
        this(timestampNanos, data, data.length);
    }
}
