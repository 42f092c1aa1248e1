package io.bpf4j.abi;

import io.bpf4j.BpfException;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The memory a program's R1 points to at entry, as data: the fields of {@code struct __sk_buff} or
 * {@code struct xdp_md} with their offsets and sizes, what each field holds (a plain number or a pointer into
 * the packet) and which access sizes a program of a given type may use to read or write it. Defined once:
 * the verifier checks context accesses against it, the runtime builds context memory from it, the docs list it.
 *
 * <p>The access rule is Linux's ({@code bpf_skb_is_valid_access}, {@code sk_filter_is_valid_access},
 * {@code tc_cls_act_is_valid_access}, {@code xdp_is_valid_access} in net/core/filter.c): an access of
 * {@code size} bytes at {@code off} is allowed when it lies inside one field, {@code off} is a multiple of
 * {@code size}, and the field permits that size for that direction. A u32 field that allows narrow loads
 * permits 1-, 2- and 4-byte reads of any of its aligned parts; {@code cb[]} permits every size that fits.
 *
 * <p>A {@linkplain #rawMemory raw-memory} layout is bpf4j's own: the context is a caller-provided byte region
 * of a fixed size, and any in-bounds access of any size is allowed (alignment is not required).
 */
public final class ContextLayout {
    /** Access-size masks: sizes are powers of two, so a set of sizes is the OR of its members. */
    public static final int NONE = 0, U8 = 1, U16 = 2, U32 = 4, U64 = 8;
    /** Reads of a u32 field: the whole word or any aligned part (Linux's narrow loads). */
    public static final int NARROW_U32 = U8 | U16 | U32;
    public static final int ANY_SIZE = U8 | U16 | U32 | U64;

    /** What a context field holds, which decides the type a load from it gives. */
    public enum Kind {
        /** A number. */
        SCALAR,
        /** Pointer to the first byte of packet data ({@code data}). */
        PACKET_START,
        /** Pointer one past the last byte of packet data ({@code data_end}). */
        PACKET_END,
        /** Pointer to the metadata area just before the packet ({@code data_meta}). */
        PACKET_META,
        /** Pointer to the socket or null ({@code __sk_buff->sk}); bpf4j has no sockets, so it reads as null. */
        SOCKET_OR_NULL,
        /** Pointer to flow-dissector keys; only flow-dissector programs may read it. */
        FLOW_KEYS
    }

    /**
     * One field.
     *
     * @param name       the C name, arrays without index ({@code cb}, {@code remote_ip6})
     * @param offset     byte offset in the context
     * @param size       bytes the field occupies (for arrays: all elements)
     * @param kind       what the field holds
     * @param readSizes  OR of the access sizes a read may use ({@link #NONE} when the field cannot be read)
     * @param writeSizes OR of the access sizes a write may use ({@link #NONE} for read-only fields)
     */
    public record Field(String name, int offset, int size, Kind kind, int readSizes, int writeSizes) {
        public Field {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(kind, "kind");
            if (offset < 0 || size <= 0) throw new IllegalArgumentException("field " + name + " at " + offset + " of " + size + " bytes");
            if (kind != Kind.SCALAR && writeSizes != NONE) throw new IllegalArgumentException("pointer field " + name + " cannot be writable");
        }

        public int end() {
            return offset + size;
        }

        public boolean readable() {
            return readSizes != NONE;
        }

        public boolean writable() {
            return writeSizes != NONE;
        }

        public boolean contains(int off, int accessSize) {
            return off >= offset && off + accessSize <= end();
        }

        /** True when a read (or write) of {@code accessSize} bytes at {@code off} is allowed. */
        public boolean permits(int off, int accessSize, boolean write) {
            int mask = write ? writeSizes : readSizes;
            return contains(off, accessSize) && Integer.bitCount(accessSize) == 1 && (mask & accessSize) != 0
                    && off % accessSize == 0;
        }
    }

    /** The result of checking one access: allowed (with the field it hits, absent for raw memory) or refused. */
    public record Access(boolean allowed, Field field) {
        static final Access REFUSED = new Access(false, null);
        static final Access RAW = new Access(true, null);

        /** What the loaded value is: a pointer kind for packet fields, else {@link Kind#SCALAR}. */
        public Kind kind() {
            return field == null ? Kind.SCALAR : field.kind();
        }
    }

    private final String name;
    private final int size;
    private final boolean raw;
    private final List<Field> fields;
    private final Field[] byByte; // field covering each byte, or null (padding)

    private ContextLayout(String name, int size, boolean raw, List<Field> fields) {
        this.name = name;
        this.size = size;
        this.raw = raw;
        this.fields = List.copyOf(fields);
        this.byByte = new Field[raw ? 0 : size];
        for (Field f : this.fields) {
            if (f.end() > size) throw new IllegalArgumentException("field " + f.name() + " ends past " + name + " (" + size + " bytes)");
            for (int b = f.offset(); b < f.end(); b++) {
                if (byByte[b] != null) throw new IllegalArgumentException("fields " + byByte[b].name() + " and " + f.name() + " overlap");
                byByte[b] = f;
            }
        }
    }

    /** A caller-provided region of {@code size} bytes: readable and writable, any in-bounds access. */
    public static ContextLayout rawMemory(int size) {
        if (size < 0) throw new IllegalArgumentException("context size " + size);
        return new ContextLayout("raw memory", size, true, List.of());
    }

    /** The layout a program of {@code type} sees; fails closed for types bpf4j does not model. */
    public static ContextLayout forProgramType(ProgramType type) {
        return forProgramType(type, null);
    }

    /**
     * The layout a program of {@code type} loaded for {@code attach} (may be null) sees. Throws for program
     * types whose context bpf4j does not model: nothing is guessed.
     */
    public static ContextLayout forProgramType(ProgramType type, AttachType attach) {
        Objects.requireNonNull(type, "type");
        return switch (type) {
            case SOCKET_FILTER -> SK_BUFF_SOCKET_FILTER;
            case SCHED_CLS, SCHED_ACT -> SK_BUFF_TC;
            case XDP -> attach == AttachType.XDP_DEVMAP ? XDP_MD_DEVMAP : XDP_MD;
            default -> throw new BpfException("bpf4j has no context layout for program type " + type.uapiName()
                    + " (supported: SOCKET_FILTER, SCHED_CLS, SCHED_ACT, XDP, or a raw-memory context)");
        };
    }

    /** Like {@link #forProgramType} but empty instead of throwing. */
    public static Optional<ContextLayout> lookup(ProgramType type, AttachType attach) {
        try {
            return Optional.of(forProgramType(type, attach));
        } catch (BpfException e) {
            return Optional.empty();
        }
    }

    /** E.g. {@code struct __sk_buff (sched_cls)}. */
    public String name() {
        return name;
    }

    /** Bytes of context memory. */
    public int size() {
        return size;
    }

    public boolean isRaw() {
        return raw;
    }

    /** The fields in offset order (empty for raw memory). */
    public List<Field> fields() {
        return fields;
    }

    public Optional<Field> field(String fieldName) {
        for (Field f : fields) if (f.name().equals(fieldName)) return Optional.of(f);
        return Optional.empty();
    }

    /** The field covering byte {@code off}, if any. */
    public Optional<Field> fieldAt(int off) {
        if (raw || off < 0 || off >= size) return Optional.empty();
        return Optional.ofNullable(byByte[off]);
    }

    /** Checks a read or write of {@code accessSize} bytes at {@code off}. */
    public Access check(int off, int accessSize, boolean write) {
        if (off < 0 || accessSize <= 0 || (long) off + accessSize > size) return Access.REFUSED;
        if (raw) return Access.RAW;
        Field f = byByte[off];
        return f != null && f.permits(off, accessSize, write) ? new Access(true, f) : Access.REFUSED;
    }

    @Override
    public String toString() {
        return name + " (" + size + " bytes)";
    }

    // ---- struct __sk_buff ------------------------------------------------------------------------

    /** {@code sizeof(struct __sk_buff)}. */
    public static final int SK_BUFF_SIZE = 192;
    /** {@code sizeof(struct xdp_md)}. */
    public static final int XDP_MD_SIZE = 24;

    private enum Skb { SOCKET_FILTER, TC }

    private static ContextLayout skBuff(Skb flavour) {
        boolean tc = flavour == Skb.TC;
        List<Field> f = new ArrayList<>();
        // Plain u32 fields: narrow reads; writes only where the program type allows, and then 4 bytes.
        f.add(u32("len", 0, false));
        f.add(u32("pkt_type", 4, false));
        f.add(u32("mark", 8, tc));
        f.add(u32("queue_mapping", 12, tc));
        f.add(u32("protocol", 16, false));
        f.add(u32("vlan_present", 20, false));
        f.add(u32("vlan_tci", 24, false));
        f.add(u32("vlan_proto", 28, false));
        f.add(u32("priority", 32, tc));
        f.add(u32("ingress_ifindex", 36, false));
        f.add(u32("ifindex", 40, false));
        f.add(u32("tc_index", 44, tc));
        // cb[5]: scratch space both types may read and write with any size that fits, aligned to itself.
        f.add(new Field("cb", 48, 20, Kind.SCALAR, ANY_SIZE, ANY_SIZE));
        f.add(u32("hash", 68, false));
        // Socket filters may not touch tc_classid at all.
        f.add(tc ? u32("tc_classid", 72, true) : hidden("tc_classid", 72, 4));
        f.add(new Field("data", 76, 4, tc ? Kind.PACKET_START : Kind.SCALAR, tc ? U32 : NONE, NONE));
        f.add(new Field("data_end", 80, 4, tc ? Kind.PACKET_END : Kind.SCALAR, tc ? U32 : NONE, NONE));
        f.add(u32("napi_id", 84, false));
        // family .. local_port: sk_skb and socket-address programs only.
        f.add(hidden("family", 88, 4));
        f.add(hidden("remote_ip4", 92, 4));
        f.add(hidden("local_ip4", 96, 4));
        f.add(hidden("remote_ip6", 100, 16));
        f.add(hidden("local_ip6", 116, 16));
        f.add(hidden("remote_port", 132, 4));
        f.add(hidden("local_port", 136, 4));
        f.add(new Field("data_meta", 140, 4, tc ? Kind.PACKET_META : Kind.SCALAR, tc ? U32 : NONE, NONE));
        f.add(new Field("flow_keys", 144, 8, Kind.FLOW_KEYS, NONE, NONE));
        f.add(new Field("tstamp", 152, 8, Kind.SCALAR, tc ? U64 : NONE, tc ? U64 : NONE));
        f.add(tc ? u32("wire_len", 160, false) : hidden("wire_len", 160, 4));
        f.add(u32("gso_segs", 164, false));
        f.add(new Field("sk", 168, 8, Kind.SOCKET_OR_NULL, U64, NONE));
        f.add(u32("gso_size", 176, false));
        f.add(new Field("tstamp_type", 180, 1, Kind.SCALAR, tc ? U8 : NONE, NONE));
        // 181..183: padding, never accessible.
        f.add(new Field("hwtstamp", 184, 8, Kind.SCALAR, tc ? U64 : NONE, NONE));
        return new ContextLayout("struct __sk_buff (" + (tc ? "sched_cls/sched_act" : "socket_filter") + ")", SK_BUFF_SIZE, false, f);
    }

    private static Field u32(String name, int offset, boolean writable) {
        return new Field(name, offset, 4, Kind.SCALAR, NARROW_U32, writable ? U32 : NONE);
    }

    private static Field hidden(String name, int offset, int size) {
        return new Field(name, offset, size, Kind.SCALAR, NONE, NONE);
    }

    private static ContextLayout xdpMd(boolean devmap) {
        List<Field> f = List.of(
                new Field("data", 0, 4, Kind.PACKET_START, U32, NONE),
                new Field("data_end", 4, 4, Kind.PACKET_END, U32, NONE),
                new Field("data_meta", 8, 4, Kind.PACKET_META, U32, NONE),
                new Field("ingress_ifindex", 12, 4, Kind.SCALAR, U32, NONE),
                new Field("rx_queue_index", 16, 4, Kind.SCALAR, U32, NONE),
                // Only devmap programs (expected attach type BPF_XDP_DEVMAP) see the egress device.
                new Field("egress_ifindex", 20, 4, Kind.SCALAR, devmap ? U32 : NONE, NONE));
        return new ContextLayout("struct xdp_md" + (devmap ? " (xdp devmap)" : ""), XDP_MD_SIZE, false, f);
    }

    /** {@code struct __sk_buff} as a socket filter sees it: cb[] writable, no packet pointers. */
    public static final ContextLayout SK_BUFF_SOCKET_FILTER = skBuff(Skb.SOCKET_FILTER);
    /** {@code struct __sk_buff} as a tc classifier or action sees it. */
    public static final ContextLayout SK_BUFF_TC = skBuff(Skb.TC);
    /** {@code struct xdp_md}: every field read-only, 4-byte reads only. */
    public static final ContextLayout XDP_MD = xdpMd(false);
    /** {@code struct xdp_md} for devmap programs, which may also read egress_ifindex. */
    public static final ContextLayout XDP_MD_DEVMAP = xdpMd(true);

    /** Every fixed layout bpf4j knows (for documentation and tools). */
    public static List<ContextLayout> builtIn() {
        return List.of(SK_BUFF_SOCKET_FILTER, SK_BUFF_TC, XDP_MD, XDP_MD_DEVMAP);
    }
}
