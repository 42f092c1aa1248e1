package io.bpf4j.cli.pcap;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * One line saying what an Ethernet frame is, as tcpdump's first columns would: {@code IPv4 TCP 10.0.0.5:41000 →
 * 192.0.2.10:443 [S]}, {@code IPv6 UDP [2001:db8::2]:5353 → [2001:db8::53]:53}, {@code ARP}, {@code IPv4 (truncated)}.
 * Never throws: a frame cut short says where it stops making sense.
 */
public final class PacketSummary {
    private PacketSummary() {}

    public static String describe(byte[] frame) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        if (frame.length < 14) return "Ethernet (truncated, " + frame.length + " bytes)";
        int type = Short.toUnsignedInt(b.getShort(12));
        int off = 14;
        String vlan = "";
        if ((type == 0x8100 || type == 0x88a8) && frame.length >= 18) {
            vlan = "VLAN " + (Short.toUnsignedInt(b.getShort(14)) & 0xfff) + " ";
            type = Short.toUnsignedInt(b.getShort(16));
            off = 18;
        }
        return vlan + switch (type) {
            case 0x0800 -> ipv4(frame, b, off);
            case 0x86dd -> ipv6(frame, b, off);
            case 0x0806 -> "ARP";
            default -> String.format("EtherType 0x%04x", type);
        };
    }

    private static String ipv4(byte[] f, ByteBuffer b, int off) {
        if (f.length < off + 20) return "IPv4 (truncated)";
        int ihl = (f[off] & 0x0f) * 4;
        if ((f[off] & 0xf0) != 0x40 || ihl < 20) return "IPv4 (bad header length " + ihl + ")";
        int proto = f[off + 9] & 0xff;
        String src = addr(f, off + 12, 4), dst = addr(f, off + 16, 4);
        int frag = Short.toUnsignedInt(b.getShort(off + 6));
        if ((frag & 0x1fff) != 0) return "IPv4 " + protoName(proto) + " " + src + " → " + dst + " (fragment at " + (frag & 0x1fff) * 8 + ")";
        return "IPv4 " + l4(f, b, off + ihl, proto, src, dst, false);
    }

    private static String ipv6(byte[] f, ByteBuffer b, int off) {
        if (f.length < off + 40) return "IPv6 (truncated)";
        int next = f[off + 6] & 0xff;
        return "IPv6 " + l4(f, b, off + 40, next, addr(f, off + 8, 16), addr(f, off + 24, 16), true);
    }

    private static String l4(byte[] f, ByteBuffer b, int off, int proto, String src, String dst, boolean v6) {
        String s = v6 ? "[" + src + "]" : src, d = v6 ? "[" + dst + "]" : dst;
        switch (proto) {
            case 6, 17 -> {
                if (f.length < off + (proto == 6 ? 20 : 8)) return protoName(proto) + " " + src + " → " + dst + " (truncated)";
                int sp = Short.toUnsignedInt(b.getShort(off)), dp = Short.toUnsignedInt(b.getShort(off + 2));
                String line = protoName(proto) + " " + s + ":" + sp + " → " + d + ":" + dp;
                return proto == 6 ? line + " [" + tcpFlags(f[off + 13] & 0xff) + "]" : line;
            }
            case 1, 58 -> {
                if (f.length < off + 2) return protoName(proto) + " " + src + " → " + dst + " (truncated)";
                return protoName(proto) + " " + src + " → " + dst + " type " + (f[off] & 0xff);
            }
            default -> {
                return protoName(proto) + " " + src + " → " + dst;
            }
        }
    }

    private static String tcpFlags(int fl) {
        StringBuilder sb = new StringBuilder();
        String names = "FSRPAU";
        for (int i = 0; i < 6; i++) if ((fl & (1 << i)) != 0) sb.append(names.charAt(i));
        return sb.isEmpty() ? "none" : sb.toString();
    }

    private static String protoName(int p) {
        return switch (p) {
            case 1 -> "ICMP";
            case 6 -> "TCP";
            case 17 -> "UDP";
            case 47 -> "GRE";
            case 58 -> "ICMPv6";
            case 44 -> "IPv6-fragment";
            default -> "protocol " + p;
        };
    }

    private static String addr(byte[] f, int off, int len) {
        byte[] a = java.util.Arrays.copyOfRange(f, off, off + len);
        try {
            return InetAddress.getByAddress(a).getHostAddress().replaceAll("(^|:)0(:0)+(:|$)", "::").replaceFirst(":::", "::");
        } catch (UnknownHostException e) {
            return "?";
        }
    }
}
