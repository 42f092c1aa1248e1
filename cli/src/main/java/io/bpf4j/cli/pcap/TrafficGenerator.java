package io.bpf4j.cli.pcap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes the sample capture the examples run on ({@code examples/traffic.pcap}): Ethernet frames with a
 * realistic mix — web, SSH, DNS, NTP and QUIC over IPv4 and IPv6, pings, ARP, a VLAN-tagged flow, IP fragments,
 * GRE — plus what a firewall exists for: a scanner probing telnet and RDP, TCP packets with impossible flag
 * combinations, and malformed frames (cut-short headers, a bad IPv4 header length, a bad IPv4 total length). Checksums are correct, so
 * Wireshark shows the capture clean. A fixed seed makes the bytes the same on every machine.
 *
 * <p>Usage: {@code java -cp bpf4j.jar io.bpf4j.cli.pcap.TrafficGenerator OUT.pcap [PACKETS] [SEED]}
 */
public final class TrafficGenerator {
    public static final long DEFAULT_SEED = 0xB9F4L;
    public static final int DEFAULT_PACKETS = 1000;
    /** 2026-01-01T00:00:00Z: the capture's first timestamp. */
    private static final long START_NANOS = 1_767_225_600L * 1_000_000_000L;

    static final byte[] CLIENT_MAC = mac(0x02, 0x42, 0xac, 0x11, 0x00, 0x02);
    static final byte[] ROUTER_MAC = mac(0x02, 0x42, 0xac, 0x11, 0x00, 0x01);

    private final SplittableRandom random;
    private long now = START_NANOS;

    public TrafficGenerator(long seed) {
        this.random = new SplittableRandom(seed);
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: TrafficGenerator OUT.pcap [PACKETS] [SEED]");
            System.exit(2);
        }
        int n = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_PACKETS;
        long seed = args.length > 2 ? Long.decode(args[2]) : DEFAULT_SEED;
        Path out = Path.of(args[0]);
        List<Packet> packets = new TrafficGenerator(seed).generate(n);
        write(out, packets);
        System.out.println("wrote " + packets.size() + " packets to " + out);
    }

    public static void write(Path file, List<Packet> packets) throws IOException {
        try (PcapWriter w = PcapWriter.create(file)) {
            for (Packet p : packets) w.write(p);
        }
    }

    /** {@code n} packets (a few more when the last pick is a two-fragment datagram). */
    public List<Packet> generate(int n) {
        List<Packet> out = new ArrayList<>(n + 1);
        while (out.size() < n) {
            int pick = random.nextInt(1000);
            if (pick < 300) out.add(webV4());
            else if (pick < 380) out.add(sshV4());
            else if (pick < 470) out.add(dnsV4());
            else if (pick < 500) out.add(ntpV4());
            else if (pick < 540) out.add(quicV4());
            else if (pick < 620) out.add(webV6());
            else if (pick < 660) out.add(dnsV6());
            else if (pick < 700) out.add(pingV4());
            else if (pick < 720) out.add(pingV6());
            else if (pick < 750) out.add(arp());
            else if (pick < 770) out.add(vlanWeb());
            else if (pick < 780) out.addAll(fragmentedUdpV4());
            else if (pick < 790) out.add(greV4());
            else if (pick < 850) out.add(scanV4());
            else if (pick < 870) out.add(badFlagsV4());
            else if (pick < 880) out.add(malformed());
            else if (pick < 940) out.add(webV4());
            else out.add(dnsV4());
        }
        return out;
    }

    // --- traffic kinds ---------------------------------------------------------------------------------

    private Packet webV4() {
        boolean toServer = random.nextBoolean();
        byte[] client = ipv4(10, 0, random.nextInt(4), 2 + random.nextInt(200));
        byte[] server = random.nextBoolean() ? ipv4(192, 0, 2, 10) : ipv4(192, 0, 2, 20);
        int serverPort = random.nextInt(4) == 0 ? 80 : 443;
        int clientPort = 32768 + random.nextInt(28000);
        int flags = pickFlags();
        int payload = (flags & SYN) != 0 ? 0 : toServer ? random.nextInt(600) : random.nextInt(1400);
        byte[] tcp = tcp(toServer ? clientPort : serverPort, toServer ? serverPort : clientPort, flags, payload);
        return toServer ? v4Frame(client, server, TCP, tcp) : v4Frame(server, client, TCP, tcp);
    }

    private Packet sshV4() {
        byte[] client = ipv4(10, 0, 1, 2 + random.nextInt(50));
        byte[] server = ipv4(198, 51, 100, 5);
        int clientPort = 40000 + random.nextInt(20000);
        boolean toServer = random.nextBoolean();
        byte[] tcp = tcp(toServer ? clientPort : 22, toServer ? 22 : clientPort, ACK | PSH, 36 + 16 * random.nextInt(10));
        return toServer ? v4Frame(client, server, TCP, tcp) : v4Frame(server, client, TCP, tcp);
    }

    private Packet dnsV4() {
        byte[] client = ipv4(10, 0, random.nextInt(4), 2 + random.nextInt(200));
        byte[] resolver = ipv4(192, 0, 2, 53);
        int port = 1024 + random.nextInt(60000);
        byte[] q = dnsQuery();
        if (random.nextInt(3) == 0) return v4Frame(resolver, client, UDP, udp(53, port, dnsAnswer(q)));
        return v4Frame(client, resolver, UDP, udp(port, 53, q));
    }

    private Packet ntpV4() {
        byte[] body = new byte[48];
        body[0] = 0x23; // v4, client
        fill(body, 40, 8);
        return v4Frame(ipv4(10, 0, 0, 2 + random.nextInt(200)), ipv4(192, 0, 2, 123), UDP, udp(123, 123, body));
    }

    private Packet quicV4() {
        byte[] body = new byte[1200];
        fill(body, 0, body.length);
        body[0] = (byte) 0xc3; // long header, initial
        return v4Frame(ipv4(10, 0, 2, 2 + random.nextInt(200)), ipv4(192, 0, 2, 10), UDP, udp(50000 + random.nextInt(10000), 443, body));
    }

    private Packet webV6() {
        byte[] client = ipv6(0x2001, 0xdb8, 0x10, 0, 0, 0, 0, 2 + random.nextInt(200));
        byte[] server = ipv6(0x2001, 0xdb8, 0xcafe, 0, 0, 0, 0, 0x443);
        int clientPort = 32768 + random.nextInt(28000);
        boolean toServer = random.nextBoolean();
        int flags = pickFlags();
        byte[] tcp = tcp(toServer ? clientPort : 443, toServer ? 443 : clientPort, flags, (flags & SYN) != 0 ? 0 : random.nextInt(1200));
        return toServer ? v6Frame(client, server, TCP, tcp) : v6Frame(server, client, TCP, tcp);
    }

    private Packet dnsV6() {
        byte[] client = ipv6(0x2001, 0xdb8, 0x10, 0, 0, 0, 0, 2 + random.nextInt(200));
        byte[] resolver = ipv6(0x2001, 0xdb8, 0xcafe, 0, 0, 0, 0, 0x53);
        return v6Frame(client, resolver, UDP, udp(1024 + random.nextInt(60000), 53, dnsQuery()));
    }

    /** Pings: ours going out and their replies, and pings from the internet coming in. */
    private Packet pingV4() {
        byte[] inside = ipv4(10, 0, 0, 2 + random.nextInt(200));
        int kind = random.nextInt(3);
        byte[] icmp = icmpEcho(kind == 1 ? 0 : 8, 56);
        checksumAt(icmp, 2, icmp, 0, icmp.length);
        return switch (kind) {
            case 0 -> v4Frame(inside, ipv4(192, 0, 2, 1), ICMP, icmp);
            case 1 -> v4Frame(ipv4(192, 0, 2, 1), inside, ICMP, icmp);
            default -> v4Frame(ipv4(198, 51, 100, 7 + random.nextInt(3)), inside, ICMP, icmp);
        };
    }

    private Packet pingV6() {
        byte[] a = ipv6(0x2001, 0xdb8, 0x10, 0, 0, 0, 0, 2 + random.nextInt(200));
        byte[] b = ipv6(0x2001, 0xdb8, 0xcafe, 0, 0, 0, 0, 1);
        byte[] icmp = icmpEcho(128, 56);
        return v6Frame(a, b, ICMPV6, icmp);
    }

    private Packet arp() {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        b.put(CLIENT_MAC).put(ipv4(10, 0, 0, 2 + random.nextInt(200))).put(new byte[6]).put(ipv4(10, 0, 0, 1));
        return frame(ethernet(BROADCAST, CLIENT_MAC, 0x0806), b.array());
    }

    private Packet vlanWeb() {
        byte[] tcp = tcp(32768 + random.nextInt(28000), 443, ACK | PSH, random.nextInt(500));
        byte[] client = ipv4(10, 20, 0, 2 + random.nextInt(100));
        byte[] server = ipv4(192, 0, 2, 10);
        byte[] ip = ipv4Packet(client, server, TCP, withChecksum(tcp, client, server, TCP), 0);
        ByteBuffer eth = ByteBuffer.allocate(18);
        eth.put(ROUTER_MAC).put(CLIENT_MAC).putShort((short) 0x8100).putShort((short) 20).putShort((short) 0x0800);
        return frame(eth.array(), ip);
    }

    /** One NFS-over-UDP datagram of 2000 bytes in two fragments: the second has no UDP header. */
    private List<Packet> fragmentedUdpV4() {
        byte[] src = ipv4(10, 0, 3, 2 + random.nextInt(200));
        byte[] dst = ipv4(192, 0, 2, 49);
        byte[] payload = new byte[2000];
        fill(payload, 0, payload.length);
        byte[] datagram = withChecksum(udp(700 + random.nextInt(300), 2049, payload), src, dst, UDP);
        int first = 1480;
        byte[] part1 = java.util.Arrays.copyOfRange(datagram, 0, first);
        byte[] part2 = java.util.Arrays.copyOfRange(datagram, first, datagram.length);
        int id = random.nextInt(65536);
        Packet p1 = frame(ethernet(ROUTER_MAC, CLIENT_MAC, 0x0800), ipv4Packet(src, dst, UDP, part1, 0x2000, id));
        Packet p2 = frame(ethernet(ROUTER_MAC, CLIENT_MAC, 0x0800), ipv4Packet(src, dst, UDP, part2, first / 8, id));
        return List.of(p1, p2);
    }

    /** A ping carried in a GRE tunnel between two sites. */
    private Packet greV4() {
        byte[] icmp = icmpEcho(8, 32);
        checksumAt(icmp, 2, icmp, 0, icmp.length);
        byte[] inner = ipv4Packet(ipv4(172, 16, 1, 2 + random.nextInt(50)), ipv4(172, 16, 2, 1), ICMP, icmp, 0x4000);
        byte[] gre = new byte[4 + inner.length];
        gre[2] = 0x08; // protocol type: IPv4
        System.arraycopy(inner, 0, gre, 4, inner.length);
        return v4Frame(ipv4(10, 0, 0, 1), ipv4(198, 51, 100, 99), 47, gre);
    }

    /** A scanner sweeping telnet, RDP, SMB and a few web ports with SYNs. */
    private Packet scanV4() {
        int[] ports = {23, 23, 3389, 445, 80, 443, 8080, 22};
        int port = ports[random.nextInt(ports.length)];
        byte[] scanner = random.nextInt(3) == 0 ? ipv4(198, 18, 7, 200) : ipv4(203, 0, 113, 66);
        return v4Frame(scanner, ipv4(192, 0, 2, 10 + random.nextInt(3) * 10), TCP, tcp(40000 + random.nextInt(1000), port, SYN, 0));
    }

    /** TCP flag combinations no stack sends: NULL, SYN+FIN, Xmas (FIN+PSH+URG), FIN without ACK. */
    private Packet badFlagsV4() {
        int[] combos = {0, SYN | FIN, FIN | PSH | URG, FIN, SYN | RST};
        return v4Frame(ipv4(203, 0, 113, 66), ipv4(192, 0, 2, 10), TCP,
                tcp(40000 + random.nextInt(1000), 1 + random.nextInt(1024), combos[random.nextInt(combos.length)], 0));
    }

    /** Frames a firewall must not trust: cut-short or inconsistent headers. */
    private Packet malformed() {
        byte[] src = ipv4(10, 0, 0, 2 + random.nextInt(200));
        byte[] dst = ipv4(192, 0, 2, 10);
        Packet good = v4Frame(src, dst, TCP, tcp(40000, 443, ACK, 0));
        byte[] d = good.data().clone();
        return switch (random.nextInt(5)) {
            case 0 -> frame(java.util.Arrays.copyOf(d, 14 + 12)); // IPv4 header cut short
            case 1 -> { // IHL of 3 words: less than the 20-byte minimum
                d[14] = 0x43;
                yield frame(d);
            }
            case 2 -> frame(java.util.Arrays.copyOf(d, 14 + 20 + 10)); // TCP header cut short
            case 3 -> { // IPv4 total length shorter than the IPv4 header itself
                d[14 + 2] = 0;
                d[14 + 3] = 10;
                yield frame(d);
            }
            default -> { // IPv6 header cut short
                Packet v6 = v6Frame(ipv6(0x2001, 0xdb8, 0x10, 0, 0, 0, 0, 9), ipv6(0x2001, 0xdb8, 0xcafe, 0, 0, 0, 0, 1), UDP, udp(1000, 53, new byte[20]));
                yield frame(java.util.Arrays.copyOf(v6.data(), 14 + 30));
            }
        };
    }

    // --- building blocks -------------------------------------------------------------------------------

    static final int TCP = 6, UDP = 17, ICMP = 1, ICMPV6 = 58;
    static final int FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;
    private static final byte[] BROADCAST = mac(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

    private int pickFlags() {
        int r = random.nextInt(20);
        if (r == 0) return SYN;
        if (r == 1) return SYN | ACK;
        if (r == 2) return FIN | ACK;
        if (r < 6) return ACK;
        return ACK | PSH;
    }

    private Packet v4Frame(byte[] src, byte[] dst, int proto, byte[] l4) {
        byte[] body = proto == TCP || proto == UDP ? withChecksum(l4, src, dst, proto) : l4;
        return frame(ethernet(ROUTER_MAC, CLIENT_MAC, 0x0800), ipv4Packet(src, dst, proto, body, 0x4000));
    }

    private Packet v6Frame(byte[] src, byte[] dst, int proto, byte[] l4) {
        byte[] body = l4.clone();
        int at = switch (proto) {
            case TCP -> 16;
            case UDP -> 6;
            case ICMPV6 -> 2;
            default -> -1;
        };
        if (at >= 0) {
            body[at] = 0;
            body[at + 1] = 0;
            ByteBuffer pseudo = ByteBuffer.allocate(40 + body.length);
            pseudo.put(src).put(dst).putInt(body.length).putInt(proto).put(body);
            checksumAt(body, at, pseudo.array(), 0, pseudo.capacity());
        }
        ByteBuffer ip = ByteBuffer.allocate(40 + body.length);
        ip.putInt(0x60000000 | random.nextInt(1 << 20)).putShort((short) body.length).put((byte) proto).put((byte) 64);
        ip.put(src).put(dst).put(body);
        return frame(ethernet(ROUTER_MAC, CLIENT_MAC, 0x86dd), ip.array());
    }

    private byte[] ipv4Packet(byte[] src, byte[] dst, int proto, byte[] body, int fragField) {
        return ipv4Packet(src, dst, proto, body, fragField, random.nextInt(65536));
    }

    private static byte[] ipv4Packet(byte[] src, byte[] dst, int proto, byte[] body, int fragField, int id) {
        ByteBuffer ip = ByteBuffer.allocate(20 + body.length);
        ip.put((byte) 0x45).put((byte) 0).putShort((short) (20 + body.length)).putShort((short) id)
                .putShort((short) fragField).put((byte) 64).put((byte) proto).putShort((short) 0).put(src).put(dst);
        byte[] a = ip.array();
        checksumAt(a, 10, a, 0, 20);
        System.arraycopy(body, 0, a, 20, body.length);
        return a;
    }

    private byte[] tcp(int sport, int dport, int flags, int payload) {
        ByteBuffer t = ByteBuffer.allocate(20 + payload);
        t.putShort((short) sport).putShort((short) dport).putInt(random.nextInt()).putInt((flags & ACK) != 0 ? random.nextInt() : 0)
                .put((byte) 0x50).put((byte) flags).putShort((short) 64240).putShort((short) 0).putShort((short) 0);
        byte[] a = t.array();
        fill(a, 20, payload);
        return a;
    }

    private static byte[] udp(int sport, int dport, byte[] payload) {
        ByteBuffer u = ByteBuffer.allocate(8 + payload.length);
        u.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload.length)).putShort((short) 0).put(payload);
        return u.array();
    }

    private byte[] icmpEcho(int type, int payload) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) random.nextInt(65536)).putShort((short) random.nextInt(100));
        byte[] a = b.array();
        for (int i = 8; i < a.length; i++) a[i] = (byte) (0x10 + i - 8);
        return a;
    }

    private static final String[] NAMES = {"example.com", "bpf4j.io", "kernel.org", "ebpf.io", "wikipedia.org", "debian.org"};

    private byte[] dnsQuery() {
        String name = NAMES[random.nextInt(NAMES.length)];
        ByteBuffer b = ByteBuffer.allocate(12 + name.length() + 2 + 4);
        b.putShort((short) random.nextInt(65536)).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putInt(0);
        for (String label : name.split("\\.")) {
            b.put((byte) label.length()).put(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        b.put((byte) 0).putShort((short) (random.nextBoolean() ? 1 : 28)).putShort((short) 1);
        return b.array();
    }

    private byte[] dnsAnswer(byte[] query) {
        ByteBuffer b = ByteBuffer.allocate(query.length + 16);
        b.put(query);
        b.putShort(2, (short) 0x8180).putShort(6, (short) 1);
        b.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(300).putShort((short) 4)
                .put(ipv4(93, 184, 215, 14));
        return b.array();
    }

    private static byte[] withChecksum(byte[] l4, byte[] src, byte[] dst, int proto) {
        byte[] out = l4.clone();
        int at = proto == TCP ? 16 : 6;
        ByteBuffer pseudo = ByteBuffer.allocate(12 + out.length);
        pseudo.put(src).put(dst).put((byte) 0).put((byte) proto).putShort((short) out.length).put(out);
        checksumAt(out, at, pseudo.array(), 0, pseudo.capacity());
        if (proto == UDP && out[at] == 0 && out[at + 1] == 0) out[at] = out[at + 1] = (byte) 0xff;
        return out;
    }

    /** Writes the Internet checksum of {@code data[from, from+len)} at {@code target[at]}. */
    private static void checksumAt(byte[] target, int at, byte[] data, int from, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) sum += ((data[from + i] & 0xff) << 8) | (data[from + i + 1] & 0xff);
        if (len % 2 == 1) sum += (data[from + len - 1] & 0xff) << 8;
        while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
        int c = (int) (~sum & 0xffff);
        target[at] = (byte) (c >> 8);
        target[at + 1] = (byte) c;
    }

    private static byte[] ethernet(byte[] dst, byte[] src, int type) {
        return ByteBuffer.allocate(14).put(dst).put(src).putShort((short) type).array();
    }

    private Packet frame(byte[] l2, byte[] l3) {
        byte[] d = new byte[l2.length + l3.length];
        System.arraycopy(l2, 0, d, 0, l2.length);
        System.arraycopy(l3, 0, d, l2.length, l3.length);
        return frame(d);
    }

    private Packet frame(byte[] data) {
        // exponential gaps with a 2 ms mean: a lightly loaded link
        now += (long) (-Math.log(1 - random.nextDouble()) * 2_000_000) + 1_000;
        return new Packet(now, data);
    }

    private void fill(byte[] a, int from, int len) {
        for (int i = from; i < from + len && i < a.length; i++) a[i] = (byte) random.nextInt(256);
    }

    private static byte[] ipv4(int a, int b, int c, int d) {
        return new byte[]{(byte) a, (byte) b, (byte) c, (byte) d};
    }

    private static byte[] ipv6(int... groups) {
        ByteBuffer b = ByteBuffer.allocate(16);
        for (int g : groups) b.putShort((short) g);
        return b.array();
    }

    private static byte[] mac(int... b) {
        byte[] m = new byte[b.length];
        for (int i = 0; i < b.length; i++) m[i] = (byte) b[i];
        return m;
    }
}
