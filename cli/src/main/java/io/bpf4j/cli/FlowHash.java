package io.bpf4j.cli;

/**
 * Which virtual CPU a packet goes to when a capture runs on several: by a hash of its flow (addresses, protocol,
 * ports; both directions alike), as a NIC's receive-side scaling spreads flows over queues, so one flow's packets
 * always meet the same CPU's per-CPU state. Frames that are not IP go to CPU 0.
 */
final class FlowHash {
    private FlowHash() {}

    static int cpu(byte[] f, int cpus) {
        return (int) ((hash(f) & 0x7fffffffL) % cpus);
    }

    static int hash(byte[] f) {
        if (f.length < 14) return 0;
        int off = 14;
        int type = ((f[12] & 0xff) << 8) | (f[13] & 0xff);
        if ((type == 0x8100 || type == 0x88a8) && f.length >= 18) {
            type = ((f[16] & 0xff) << 8) | (f[17] & 0xff);
            off = 18;
        }
        int a, b, proto, l4;
        if (type == 0x0800 && f.length >= off + 20) {
            a = word(f, off + 12);
            b = word(f, off + 16);
            proto = f[off + 9] & 0xff;
            l4 = off + (f[off] & 0x0f) * 4;
            if ((((f[off + 6] & 0xff) << 8 | (f[off + 7] & 0xff)) & 0x1fff) != 0) l4 = -1; // a later fragment: no ports
        } else if (type == 0x86dd && f.length >= off + 40) {
            a = word(f, off + 8) ^ word(f, off + 12) ^ word(f, off + 16) ^ word(f, off + 20);
            b = word(f, off + 24) ^ word(f, off + 28) ^ word(f, off + 32) ^ word(f, off + 36);
            proto = f[off + 6] & 0xff;
            l4 = off + 40;
        } else {
            return 0;
        }
        int ports = 0;
        if ((proto == 6 || proto == 17) && l4 > 0 && f.length >= l4 + 4) {
            int sp = ((f[l4] & 0xff) << 8) | (f[l4 + 1] & 0xff), dp = ((f[l4 + 2] & 0xff) << 8) | (f[l4 + 3] & 0xff);
            ports = sp ^ dp;
        }
        int h = (a ^ b) * 0x9e3779b1 ^ proto * 0x85ebca6b ^ ports * 0xc2b2ae35;
        h ^= h >>> 16;
        h *= 0x7feb352d;
        return h ^ (h >>> 15);
    }

    private static int word(byte[] f, int at) {
        return ((f[at] & 0xff) << 24) | ((f[at + 1] & 0xff) << 16) | ((f[at + 2] & 0xff) << 8) | (f[at + 3] & 0xff);
    }
}
