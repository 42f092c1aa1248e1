package io.bpf4j.cli.pcap;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Reads captures in the classic pcap format (microsecond and nanosecond, either byte order) and in pcapng
 * (section header, interface description, enhanced / simple / obsolete packet blocks; other blocks are
 * skipped). Streams packets one at a time, so captures larger than memory work.
 *
 * <p>A damaged file fails with a {@link PcapFormatException} naming the file, the packet number (1-based, as
 * Wireshark counts) and the byte offset, e.g. a record that ends before the length its header announces.
 */
public final class PcapReader implements AutoCloseable {
    /** Link type of Ethernet frames (LINKTYPE_ETHERNET). */
    public static final int LINKTYPE_ETHERNET = 1;

    private static final int PCAP_MAGIC_US = 0xa1b2c3d4;
    private static final int PCAP_MAGIC_NS = 0xa1b23c4d;
    private static final int PCAPNG_SHB = 0x0a0d0d0a;
    private static final int PCAPNG_BYTE_ORDER = 0x1a2b3c4d;
    private static final int MAX_RECORD = 256 * 1024 * 1024;

    public enum Format { PCAP, PCAPNG }

    private final String name;
    private final InputStream in;
    private final Format format;
    private final long fileSize;
    private ByteOrder order;
    private long offset;
    private int packetNumber;
    // classic pcap
    private boolean nanos;
    private int linkType = -1;
    // pcapng: per interface, its link type and time units per second
    private final List<int[]> interfaces = new ArrayList<>();
    private final List<Long> interfaceUnits = new ArrayList<>();
    private Packet next;

    private PcapReader(String name, InputStream in, long fileSize) throws IOException {
        this.name = name;
        this.in = in;
        this.fileSize = fileSize;
        byte[] magic = readFully(4, "the file header");
        int le = ByteBuffer.wrap(magic).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int be = ByteBuffer.wrap(magic).order(ByteOrder.BIG_ENDIAN).getInt();
        if (le == PCAP_MAGIC_US || le == PCAP_MAGIC_NS || be == PCAP_MAGIC_US || be == PCAP_MAGIC_NS) {
            format = Format.PCAP;
            order = (le == PCAP_MAGIC_US || le == PCAP_MAGIC_NS) ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
            nanos = (order == ByteOrder.LITTLE_ENDIAN ? le : be) == PCAP_MAGIC_NS;
            ByteBuffer h = ByteBuffer.wrap(readFully(20, "the file header")).order(order);
            int major = Short.toUnsignedInt(h.getShort());
            h.getShort(); // minor
            h.getInt(); // thiszone
            h.getInt(); // sigfigs
            h.getInt(); // snaplen
            linkType = h.getInt() & 0x0fffffff; // the upper bits hold FCS information
            if (major != 2) throw error(0, "pcap version " + major + " is not 2");
        } else if (le == PCAPNG_SHB) {
            format = Format.PCAPNG;
            readSectionHeader();
        } else {
            throw new PcapFormatException(name + ": not a pcap or pcapng capture (starts with "
                    + String.format("%02x %02x %02x %02x", magic[0], magic[1], magic[2], magic[3])
                    + "); write captures with tcpdump -w, Wireshark or 'bpf4j run --out'");
        }
    }

    public static PcapReader open(Path file) throws IOException {
        return new PcapReader(file.toString(), new BufferedInputStream(Files.newInputStream(file), 1 << 16), Files.size(file));
    }

    public static PcapReader open(String name, InputStream in) throws IOException {
        return new PcapReader(name, new BufferedInputStream(in, 1 << 16), -1);
    }

    /** Reads a whole capture into memory. */
    public static List<Packet> readAll(Path file) throws IOException {
        List<Packet> out = new ArrayList<>();
        try (PcapReader r = open(file)) {
            for (Packet p = r.next(); p != null; p = r.next()) out.add(p);
        }
        return out;
    }

    public Format format() {
        return format;
    }

    /** Bytes read so far; with {@link #fileSize()} it gives progress. */
    public long offset() {
        return offset;
    }

    /** The file's size, or -1 when reading a stream. */
    public long fileSize() {
        return fileSize;
    }

    /** The link type of the packets read so far (of the first interface for pcapng), -1 before any. */
    public int linkType() {
        if (format == Format.PCAP) return linkType;
        return interfaces.isEmpty() ? -1 : interfaces.getFirst()[0];
    }

    /** The link type of the packet {@link #next()} returned last. */
    private int lastLinkType = -1;

    public int lastLinkType() {
        return lastLinkType;
    }

    /** The next packet, or null at the end of the capture. */
    public Packet next() throws IOException {
        return format == Format.PCAP ? nextClassic() : nextPcapng();
    }

    private Packet nextClassic() throws IOException {
        long start = offset;
        byte[] hb = readUpTo(16);
        if (hb.length == 0) return null;
        packetNumber++;
        if (hb.length < 16) {
            throw error(start, "packet " + packetNumber + " ends mid-record: its 16-byte record header has only "
                    + hb.length + " bytes; the capture is truncated (was it copied while still being written?)");
        }
        ByteBuffer h = ByteBuffer.wrap(hb).order(order);
        long sec = Integer.toUnsignedLong(h.getInt());
        long frac = Integer.toUnsignedLong(h.getInt());
        int incl = h.getInt();
        int orig = h.getInt();
        if (incl < 0 || incl > MAX_RECORD) {
            throw error(start, "packet " + packetNumber + " claims " + Integer.toUnsignedString(incl)
                    + " captured bytes; the capture is damaged");
        }
        byte[] data = readUpTo(incl);
        if (data.length < incl) {
            throw error(start, "packet " + packetNumber + " ends mid-record: its header says " + incl
                    + " bytes but only " + data.length + " are left; the capture is truncated");
        }
        lastLinkType = linkType;
        return new Packet(sec * 1_000_000_000L + (nanos ? frac : frac * 1000), data, Math.max(orig, incl));
    }

    private Packet nextPcapng() throws IOException {
        while (true) {
            long start = offset;
            byte[] hb = readUpTo(8);
            if (hb.length == 0) return null;
            if (hb.length < 8) throw error(start, "a block header is cut short; the capture is truncated");
            int type = ByteBuffer.wrap(hb).order(order).getInt();
            if (type == PCAPNG_SHB) {
                // a new section: it may change the byte order
                readSectionHeaderAfterType(hb);
                continue;
            }
            int length = ByteBuffer.wrap(hb).order(order).getInt(4);
            if (length < 12 || length % 4 != 0 || length > MAX_RECORD) {
                throw error(start, "block of type " + type + " has impossible length " + Integer.toUnsignedString(length) + "; the capture is damaged");
            }
            boolean isPacket = type == 6 || type == 3 || type == 2;
            byte[] body = readUpTo(length - 8);
            if (body.length < length - 8) {
                throw error(start, (isPacket ? "packet " + (packetNumber + 1) : "block of type " + type)
                        + " ends mid-record: its header says " + length + " bytes but only " + (body.length + 8)
                        + " are left; the capture is truncated");
            }
            ByteBuffer b = ByteBuffer.wrap(body).order(order);
            switch (type) {
                case 1 -> { // interface description
                    int lt = Short.toUnsignedInt(b.getShort(0));
                    long units = 1_000_000L; // default resolution: microseconds
                    int p = 8;
                    while (p + 4 <= body.length - 4) {
                        int code = Short.toUnsignedInt(b.getShort(p));
                        int len = Short.toUnsignedInt(b.getShort(p + 2));
                        if (code == 0) break;
                        if (code == 9 && len >= 1) { // if_tsresol
                            int v = body[p + 4] & 0xff;
                            units = (v & 0x80) != 0 ? 1L << (v & 0x7f) : pow10(v & 0x7f);
                        }
                        p += 4 + ((len + 3) & ~3);
                    }
                    interfaces.add(new int[]{lt});
                    interfaceUnits.add(units);
                }
                case 6, 2 -> { // enhanced packet / obsolete packet
                    packetNumber++;
                    int iface = type == 6 ? b.getInt(0) : Short.toUnsignedInt(b.getShort(0));
                    if (iface >= interfaces.size()) {
                        throw error(start, "packet " + packetNumber + " names interface " + iface + ", which no interface description block declared");
                    }
                    long ts = (Integer.toUnsignedLong(b.getInt(4)) << 32) | Integer.toUnsignedLong(b.getInt(8));
                    int captured = b.getInt(12);
                    int original = b.getInt(16);
                    if (captured < 0 || 20 + captured > body.length - 4) {
                        throw error(start, "packet " + packetNumber + " claims " + Integer.toUnsignedString(captured)
                                + " captured bytes but its block holds " + (body.length - 24) + "; the capture is damaged");
                    }
                    byte[] data = new byte[captured];
                    System.arraycopy(body, 20, data, 0, captured);
                    long units = interfaceUnits.get(iface);
                    lastLinkType = interfaces.get(iface)[0];
                    return new Packet(toNanos(ts, units), data, Math.max(original, captured));
                }
                case 3 -> { // simple packet: interface 0, no timestamp
                    packetNumber++;
                    if (interfaces.isEmpty()) throw error(start, "packet " + packetNumber + " comes before any interface description block");
                    int original = b.getInt(0);
                    int captured = Math.min(original, body.length - 8);
                    byte[] data = new byte[Math.max(captured, 0)];
                    System.arraycopy(body, 4, data, 0, data.length);
                    lastLinkType = interfaces.getFirst()[0];
                    return new Packet(0, data, original);
                }
                default -> {
                    // statistics, name resolution, custom blocks: nothing the runner needs
                }
            }
        }
    }

    private void readSectionHeader() throws IOException {
        readSectionHeaderAfterType(null);
    }

    /** Reads a section header block; {@code first8} holds its first 8 bytes when already read. */
    private void readSectionHeaderAfterType(byte[] first8) throws IOException {
        long start = first8 == null ? offset - 4 : offset - 8;
        byte[] head = new byte[12];
        if (first8 == null) {
            // type already consumed by the constructor (4 bytes); read length + byte-order magic
            byte[] rest = readFully(8, "the section header");
            System.arraycopy(rest, 0, head, 4, 8);
        } else {
            System.arraycopy(first8, 0, head, 0, 8);
            byte[] bom = readFully(4, "the section header");
            System.arraycopy(bom, 0, head, 8, 4);
        }
        int bomLe = ByteBuffer.wrap(head, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (bomLe == PCAPNG_BYTE_ORDER) order = ByteOrder.LITTLE_ENDIAN;
        else if (Integer.reverseBytes(bomLe) == PCAPNG_BYTE_ORDER) order = ByteOrder.BIG_ENDIAN;
        else throw error(start, "pcapng section header has no valid byte-order magic; the capture is damaged");
        int length = ByteBuffer.wrap(head, 4, 4).order(order).getInt();
        if (length < 28 || length % 4 != 0 || length > MAX_RECORD) {
            throw error(start, "pcapng section header has impossible length " + length);
        }
        readFully(length - 12, "the section header");
        interfaces.clear();
        interfaceUnits.clear();
    }

    private static long pow10(int e) {
        long v = 1;
        for (int i = 0; i < e && v < Long.MAX_VALUE / 10; i++) v *= 10;
        return v;
    }

    private static long toNanos(long ts, long unitsPerSecond) {
        if (unitsPerSecond == 1_000_000_000L) return ts;
        long sec = ts / unitsPerSecond;
        long rem = ts % unitsPerSecond;
        return sec * 1_000_000_000L + (long) (rem * (1e9 / unitsPerSecond));
    }

    private PcapFormatException error(long at, String what) {
        return new PcapFormatException(name + ": " + what + " (at byte " + at + ")");
    }

    private byte[] readFully(int n, String what) throws IOException {
        byte[] b = readUpTo(n);
        if (b.length < n) {
            throw error(offset - b.length, what + " is cut short (" + b.length + " of " + n + " bytes); the capture is truncated or not a capture");
        }
        return b;
    }

    private byte[] readUpTo(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        offset += b.length;
        return b;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Iterates with unchecked errors, for streams of packets. */
    public Iterable<Packet> packets() {
        return () -> new java.util.Iterator<>() {
            Packet pending;
            boolean done;

            @Override
            public boolean hasNext() {
                if (pending != null) return true;
                if (done) return false;
                try {
                    pending = PcapReader.this.next();
                } catch (EOFException e) {
                    pending = null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (pending == null) done = true;
                return pending != null;
            }

            @Override
            public Packet next() {
                if (!hasNext()) throw new NoSuchElementException();
                Packet p = pending;
                pending = null;
                return p;
            }
        };
    }
}
