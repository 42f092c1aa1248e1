package io.bpf4j.cli.pcap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a classic little-endian pcap with nanosecond timestamps (magic a1b23c4d), readable by tcpdump,
 * Wireshark and {@link PcapReader}.
 */
public final class PcapWriter implements AutoCloseable {
    public static final int SNAPLEN = 262_144;

    private final OutputStream out;
    private final ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);

    public PcapWriter(OutputStream out, int linkType) throws IOException {
        this.out = new BufferedOutputStream(out, 1 << 16);
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0xa1b23c4d).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(SNAPLEN).putInt(linkType);
        this.out.write(h.array());
    }

    public static PcapWriter create(Path file) throws IOException {
        return new PcapWriter(Files.newOutputStream(file), PcapReader.LINKTYPE_ETHERNET);
    }

    public void write(Packet p) throws IOException {
        write(p.timestampNanos(), p.data(), Math.max(p.originalLength(), p.data().length));
    }

    public void write(long timestampNanos, byte[] data, int originalLength) throws IOException {
        record.clear();
        record.putInt((int) (timestampNanos / 1_000_000_000L)).putInt((int) (timestampNanos % 1_000_000_000L))
                .putInt(data.length).putInt(originalLength);
        out.write(record.array());
        out.write(data);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
