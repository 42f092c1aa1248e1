package io.bpf4j.runtime;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The context and packet of a test run, laid out as Linux's {@code BPF_PROG_TEST_RUN} does (net/bpf/test_run.c):
 * the packet sits in one buffer after {@value #HEADROOM} bytes of headroom ({@code XDP_PACKET_HEADROOM}) with
 * {@value #TAILROOM} bytes of tailroom ({@code skb_shared_info}) after the frame, so {@code bpf_xdp_adjust_head},
 * {@code _meta} and {@code _tail} have Linux's room and limits. The program sees one packet region spanning
 * {@code [data_meta, data_end)}, so packet pointers from {@code data_meta}, {@code data} and {@code data_end}
 * compare as on Linux; the context's pointer fields read as addresses into it.
 */
final class PacketContext {
    static final int HEADROOM = 256;
    static final int TAILROOM = 320;
    static final int FRAME_SIZE = 4096;
    static final int ETH_HLEN = 14;
    /** {@code sizeof(struct xdp_frame)}: the start of the buffer adjust_head and adjust_meta may not enter. */
    static final int XDP_FRAME_STRUCT = 40;
    static final int MAX_META = 32;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // __sk_buff offsets
    static final int SKB_LEN = 0, SKB_MARK = 8, SKB_PROTOCOL = 16, SKB_PRIORITY = 32, SKB_INGRESS_IFINDEX = 36,
            SKB_IFINDEX = 40, SKB_CB = 48, SKB_HASH = 68, SKB_DATA = 76, SKB_DATA_END = 80, SKB_DATA_META = 140,
            SKB_TSTAMP = 152, SKB_WIRE_LEN = 160, SKB_GSO_SEGS = 164, SKB_GSO_SIZE = 176, SKB_HWTSTAMP = 184;
    // xdp_md offsets
    static final int XDP_DATA = 0, XDP_DATA_END = 4, XDP_DATA_META = 8, XDP_INGRESS_IFINDEX = 12, XDP_RX_QUEUE = 16, XDP_EGRESS_IFINDEX = 20;

    enum Flavour { XDP, SKB_L2, SKB_L3, RAW }

    final Flavour flavour;
    final ContextLayout layout;
    final Region ctxRegion;
    final MemorySegment ctx;
    /** The packet buffer (headroom, frame, tailroom); null for raw memory contexts without data. */
    final MemorySegment buffer;
    /** Offsets in {@link #buffer}. */
    int meta, data, end;
    /** The layout the test run started with, restored before each repetition. */
    private int startMeta, startData, startEnd;
    /** Raw memory programs given only data: the data is their context. */
    private final Region rawData;
    private long packetBase;
    private long ctxAddress;

    private PacketContext(Flavour flavour, ContextLayout layout, Region ctxRegion, MemorySegment buffer, Region rawData) {
        this.flavour = flavour;
        this.layout = layout;
        this.ctxRegion = ctxRegion;
        this.ctx = ctxRegion == null ? null : ctxRegion.segment();
        this.buffer = buffer;
        this.rawData = rawData;
    }

    static Flavour flavourOf(ProgramType type, ContextLayout layout) {
        if (layout.isRaw()) return Flavour.RAW;
        return switch (type) {
            case XDP -> Flavour.XDP;
            case SCHED_CLS, SCHED_ACT -> Flavour.SKB_L2;
            case SOCKET_FILTER -> Flavour.SKB_L3;
            default -> throw new BpfErrnoException(Errno.ENOTSUPP, "test run: program type " + type + " has no test run in bpf4j");
        };
    }

    /** Checks the input as Linux does and builds the context; throws before anything is changed. */
    static PacketContext create(Program program, TestRun in, int maxPacketSize) {
        ContextLayout layout = program.contextLayout();
        Flavour flavour = flavourOf(program.type(), layout);
        String who = "test run of '" + program.name() + "'";
        byte[] data = in.data();
        byte[] c = in.ctx();
        if (flavour == Flavour.RAW) {
            if (c == null && data == null) {
                if (layout.size() != 0) throw new BpfErrnoException(Errno.EINVAL, who + ": the program's context is " + layout.size() + " bytes of raw memory; give ctx");
                c = new byte[0];
            }
            if (c != null) {
                if (c.length != layout.size())
                    throw new BpfErrnoException(Errno.EINVAL, who + ": ctx is " + c.length + " bytes; the program's raw memory context is " + layout.size() + " bytes");
                return new PacketContext(flavour, layout, Region.copyOf(RegionKind.CONTEXT, "context", c, true), null, null);
            }
            if (data.length > maxPacketSize) throw tooLarge(who, data.length, maxPacketSize);
            return new PacketContext(flavour, layout, null, null, Region.copyOf(RegionKind.CALLER_MEMORY, "data", data, true));
        }
        if (data == null) throw new BpfErrnoException(Errno.EINVAL, who + ": a " + program.type() + " program needs packet data");
        if (data.length < ETH_HLEN) throw new BpfErrnoException(Errno.EINVAL, who + ": data is " + data.length + " bytes, less than an Ethernet header (" + ETH_HLEN + ")");
        if (data.length > maxPacketSize) throw tooLarge(who, data.length, maxPacketSize);
        if (c != null && c.length > layout.size())
            throw new BpfErrnoException(Errno.EINVAL, who + ": ctx is " + c.length + " bytes; " + layout.name() + " is " + layout.size() + " bytes");
        byte[] ctxIn = new byte[layout.size()];
        if (c != null) System.arraycopy(c, 0, ctxIn, 0, c.length);
        int bufferSize = Math.max(FRAME_SIZE, HEADROOM + maxPacketSize + TAILROOM);
        MemorySegment buffer = MemorySegment.ofArray(new long[(bufferSize + 7) / 8]).asSlice(0, bufferSize);
        MemorySegment.copy(data, 0, buffer, ValueLayout.JAVA_BYTE, HEADROOM, data.length);
        int[] pointers = flavour == Flavour.XDP ? new int[] {XDP_DATA, XDP_DATA_END, XDP_DATA_META}
                : flavour == Flavour.SKB_L2 ? new int[] {SKB_DATA, SKB_DATA_END, SKB_DATA_META} : new int[0];
        Region ctxRegion = Region.context(layout.name(), MemorySegment.ofArray(new long[(layout.size() + 7) / 8]).asSlice(0, layout.size()), pointers);
        PacketContext pc = new PacketContext(flavour, layout, ctxRegion, buffer, null);
        pc.meta = HEADROOM;
        pc.data = HEADROOM;
        pc.end = HEADROOM + data.length;
        if (flavour == Flavour.XDP) pc.initXdp(who, ctxIn, data.length);
        else pc.initSkb(who, ctxIn, data);
        pc.startMeta = pc.meta;
        pc.startData = pc.data;
        pc.startEnd = pc.end;
        return pc;
    }

    private static BpfErrnoException tooLarge(String who, int size, int max) {
        return new BpfErrnoException(Errno.EINVAL, who + ": data is " + size + " bytes, more than the runtime's packet limit of " + max + " bytes");
    }

    private void initXdp(String who, byte[] in, int size) {
        MemorySegment s = MemorySegment.ofArray(in);
        int metaLen = s.get(U32, XDP_DATA);
        int dataEnd = s.get(U32, XDP_DATA_END);
        if (s.get(U32, XDP_DATA_META) != 0) throw new BpfErrnoException(Errno.EINVAL, who + ": xdp_md.data_meta must be 0 (data gives the metadata length)");
        if (s.get(U32, XDP_EGRESS_IFINDEX) != 0) throw new BpfErrnoException(Errno.EINVAL, who + ": xdp_md.egress_ifindex must be 0");
        if (dataEnd != 0 && dataEnd != size) throw new BpfErrnoException(Errno.EINVAL, who + ": xdp_md.data_end is " + dataEnd + " but data is " + size + " bytes");
        if (metaLen < 0 || metaLen > size || (metaLen & 3) != 0 || metaLen > MAX_META)
            throw new BpfErrnoException(Errno.EINVAL, who + ": xdp_md.data (metadata length) " + Integer.toUnsignedString(metaLen) + " must be a multiple of 4, at most " + MAX_META + " and within the data");
        int ingress = s.get(U32, XDP_INGRESS_IFINDEX);
        int queue = s.get(U32, XDP_RX_QUEUE);
        if (queue != 0 && ingress == 0) throw new BpfErrnoException(Errno.EINVAL, who + ": xdp_md.rx_queue_index " + queue + " needs an ingress_ifindex");
        data = HEADROOM + metaLen;
        ctx.set(U32, XDP_INGRESS_IFINDEX, ingress);
        ctx.set(U32, XDP_RX_QUEUE, queue);
    }

    private void initSkb(String who, byte[] in, byte[] packet) {
        MemorySegment s = MemorySegment.ofArray(in);
        // Linux's convert___skb_to_skb: only these fields may be set by the caller
        zero(who, s, 0, SKB_MARK);
        zero(who, s, SKB_MARK + 4, SKB_PRIORITY);
        zero(who, s, SKB_IFINDEX + 4, SKB_CB);
        zero(who, s, SKB_CB + 20, SKB_TSTAMP);
        zero(who, s, SKB_GSO_SEGS + 4, SKB_GSO_SIZE);
        zero(who, s, SKB_GSO_SIZE + 4, SKB_HWTSTAMP);
        int len = flavour == Flavour.SKB_L3 ? packet.length - ETH_HLEN : packet.length;
        int wireLen = s.get(U32, SKB_WIRE_LEN);
        if (wireLen != 0 && Integer.compareUnsigned(wireLen, len) < 0)
            throw new BpfErrnoException(Errno.EINVAL, who + ": __sk_buff.wire_len " + Integer.toUnsignedString(wireLen) + " is less than the packet length " + len);
        if (Integer.compareUnsigned(s.get(U32, SKB_GSO_SEGS), 65535) > 0)
            throw new BpfErrnoException(Errno.EINVAL, who + ": __sk_buff.gso_segs " + Integer.toUnsignedString(s.get(U32, SKB_GSO_SEGS)) + " exceeds 65535");
        MemorySegment.copy(s, 0, ctx, 0, in.length);
        if (flavour == Flavour.SKB_L3) data = HEADROOM + ETH_HLEN;
        meta = data;
        ctx.set(U32, SKB_LEN, len);
        // skb->protocol is the Ethernet type as the wire has it (__be16), read as a u32
        ctx.set(U32, SKB_PROTOCOL, (packet[12] & 0xff) | (packet[13] & 0xff) << 8);
        if (ctx.get(U32, SKB_IFINDEX) == 0) ctx.set(U32, SKB_IFINDEX, 1); // the loopback device, as test_run uses
        if (wireLen == 0) ctx.set(U32, SKB_WIRE_LEN, len);
    }

    private static void zero(String who, MemorySegment s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != 0) {
                String field = ContextLayout.SK_BUFF_TC.fieldAt(i).map(ContextLayout.Field::name).orElse("padding");
                throw new BpfErrnoException(Errno.EINVAL, who + ": __sk_buff." + field + " (offset " + i + ") cannot be set by a test run; only mark, priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size and hwtstamp can");
            }
        }
    }

    // ---------------------------------------------------------------- per repetition

    /** Registers context and packet in a begun invocation; returns r1. */
    /**
     * Puts data_meta, data and data_end back where the test run started them. Linux's test run does the same for
     * each repetition: a program that grows the metadata by 8 bytes sees 8 bytes every time, not 8, 16, 24 …
     * (measured on 6.18 with --repeat 5 of the example firewall: XDP_PASS every time).
     */
    void rewind() {
        meta = startMeta;
        data = startData;
        end = startEnd;
    }

    long register(Invocation inv) {
        if (flavour == Flavour.RAW) {
            ctxAddress = inv.memory().register(ctxRegion != null ? ctxRegion : rawData);
            return ctxAddress;
        }
        ctxAddress = inv.memory().register(ctxRegion);
        registerPacket(inv);
        return ctxAddress;
    }

    /** After the packet's bounds changed: a new packet region, new pointer values (old packet pointers are stale). */
    void registerPacket(Invocation inv) {
        Region packet = Region.of(RegionKind.PACKET, "packet", buffer.asSlice(meta, end - meta), true);
        packetBase = inv.memory().register(packet);
        long dataPtr = packetBase + (data - meta), endPtr = packetBase + (end - meta);
        if (flavour == Flavour.XDP) {
            ctxRegion.setPointer(XDP_DATA, dataPtr);
            ctxRegion.setPointer(XDP_DATA_END, endPtr);
            ctxRegion.setPointer(XDP_DATA_META, packetBase);
        } else if (flavour == Flavour.SKB_L2) {
            ctxRegion.setPointer(SKB_DATA, dataPtr);
            ctxRegion.setPointer(SKB_DATA_END, endPtr);
            ctxRegion.setPointer(SKB_DATA_META, packetBase);
        }
        inv.setLegacyPacket(dataPtr);
    }

    boolean isContext(long address) {
        return address == ctxAddress;
    }

    long dataAddress() {
        return packetBase + (data - meta);
    }

    /** Packet bytes from data (for skb helpers). */
    int length() {
        return end - data;
    }

    // ---------------------------------------------------------------- xdp adjust helpers (net/core/filter.c)

    long adjustHead(Invocation inv, int delta) {
        int metaLen = data - meta;
        int newData = data + delta;
        if (newData < XDP_FRAME_STRUCT + metaLen || newData > end - ETH_HLEN) return -Errno.EINVAL.number();
        if (metaLen > 0) MemorySegment.copy(buffer, meta, buffer, meta + delta, metaLen);
        meta += delta;
        data = newData;
        registerPacket(inv);
        return 0;
    }

    long adjustMeta(Invocation inv, int delta) {
        int newMeta = meta + delta;
        if (newMeta < XDP_FRAME_STRUCT || newMeta > data) return -Errno.EINVAL.number();
        int metaLen = data - newMeta;
        if ((metaLen & 3) != 0 || metaLen > MAX_META) return -Errno.EACCES.number();
        meta = newMeta;
        registerPacket(inv);
        return 0;
    }

    long adjustTail(Invocation inv, int delta) {
        int newEnd = end + delta;
        int hardEnd = (int) buffer.byteSize() - TAILROOM;
        if (newEnd > hardEnd || newEnd < data + ETH_HLEN) return -Errno.EINVAL.number();
        if (delta > 0) buffer.asSlice(end, delta).fill((byte) 0);
        end = newEnd;
        registerPacket(inv);
        return 0;
    }

    // ---------------------------------------------------------------- output

    byte[] dataOut() {
        return switch (flavour) {
            case RAW -> rawData == null ? null : rawData.segment().toArray(ValueLayout.JAVA_BYTE);
            case XDP -> buffer.asSlice(meta, end - meta).toArray(ValueLayout.JAVA_BYTE);
            case SKB_L2 -> buffer.asSlice(data, end - data).toArray(ValueLayout.JAVA_BYTE);
            case SKB_L3 -> {
                byte[] out = new byte[end - data + ETH_HLEN];
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, data, out, ETH_HLEN, end - data);
                yield out;
            }
        };
    }

    byte[] ctxOut() {
        if (flavour == Flavour.RAW) return ctxRegion == null ? null : ctx.toArray(ValueLayout.JAVA_BYTE);
        byte[] out = new byte[layout.size()];
        MemorySegment o = MemorySegment.ofArray(out);
        if (flavour == Flavour.XDP) {
            o.set(U32, XDP_DATA, data - meta);
            o.set(U32, XDP_DATA_END, end - meta);
            o.set(U32, XDP_INGRESS_IFINDEX, ctx.get(U32, XDP_INGRESS_IFINDEX));
            o.set(U32, XDP_RX_QUEUE, ctx.get(U32, XDP_RX_QUEUE));
            return out;
        }
        for (int off : new int[] {SKB_MARK, SKB_PRIORITY, SKB_INGRESS_IFINDEX, SKB_IFINDEX, SKB_WIRE_LEN, SKB_GSO_SEGS, SKB_GSO_SIZE}) o.set(U32, off, ctx.get(U32, off));
        MemorySegment.copy(ctx, SKB_CB, o, SKB_CB, 20);
        o.set(U64, SKB_TSTAMP, ctx.get(U64, SKB_TSTAMP));
        o.set(U64, SKB_HWTSTAMP, ctx.get(U64, SKB_HWTSTAMP));
        return out;
    }

    /** For skb helpers: invalidate the hash as BPF_F_INVALIDATE_HASH asks. */
    void clearHash() {
        if (ctx != null && flavour != Flavour.XDP && flavour != Flavour.RAW) ctx.set(U32, SKB_HASH, 0);
    }

    static short u16(MemorySegment s, long off) {
        return s.get(U16, off);
    }

    @Override
    public String toString() {
        return "PacketContext[" + flavour + ", meta=" + meta + ", data=" + data + ", end=" + end + "]";
    }

    static String hex(byte[] b) {
        return Arrays.toString(b);
    }
}
