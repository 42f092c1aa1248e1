package io.bpf4j.btf;

import io.bpf4j.object.MalformedObjectException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The type information of an object ({@code .BTF}): every type of every kind, checked so that each type id a
 * type mentions exists, and the raw bytes kept so a kernel backend can load them as they are (after
 * {@link #withDatasecsFixed}).
 *
 * <pre>
 *  struct btf_header { u16 magic = 0xeB9F; u8 version = 1; u8 flags; u32 hdr_len;
 *                      u32 type_off, type_len, str_off, str_len; }   offsets count from the header's end
 * </pre>
 */
public final class Btf {
    public static final int MAGIC = 0xeB9F;
    private static final int MAX_RESOLVE_DEPTH = 32;

    private final String file;
    private final String section;
    private final byte[] raw;
    private final int typeStart;
    private final int stringStart, stringLength;
    private final List<BtfType> types;   // index = id; index 0 is void (null)
    private final int[] recordOffsets;   // index = id; where the type's record starts in raw

    private Btf(String file, String section, byte[] raw) {
        this.file = file;
        this.section = section;
        this.raw = raw;
        BtfReader r = new BtfReader(file, section, raw);
        if (raw.length < 24) throw r.error(0, "BTF header truncated: " + raw.length + " of 24 bytes");
        int magic = r.u16(0);
        if (magic == 0x9FeB) throw r.error(0, "big-endian BTF; bpf4j reads little-endian objects only");
        if (magic != MAGIC) throw r.error(0, "bad BTF magic 0x" + Integer.toHexString(magic));
        if (r.u8(2) != 1) throw r.error(2, "BTF version " + r.u8(2) + " is not 1");
        int headerLength = r.index(4, "header length");
        if (headerLength < 24 || headerLength > raw.length) throw r.error(4, "header length " + headerLength + " is impossible for a section of " + raw.length + " bytes");
        long typeOff = r.u32(8), typeLen = r.u32(12), strOff = r.u32(16), strLen = r.u32(20);
        checkArea(r, headerLength, typeOff, typeLen, "type section", 8);
        checkArea(r, headerLength, strOff, strLen, "string section", 16);
        if (typeOff % 4 != 0) throw r.error(8, "type section offset " + typeOff + " is not 4-byte aligned");
        this.typeStart = (int) (headerLength + typeOff);
        this.stringStart = (int) (headerLength + strOff);
        this.stringLength = (int) strLen;
        if (stringLength == 0 || raw[stringStart] != 0) throw r.error(stringStart, "the string section must start with the empty string");
        List<BtfType> parsed = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        parsed.add(null);
        offsets.add(-1);
        int at = typeStart, end = (int) (typeStart + typeLen);
        while (at < end) {
            offsets.add(at);
            at = readType(r, at, end, parsed);
        }
        this.types = Collections.unmodifiableList(parsed);
        this.recordOffsets = offsets.stream().mapToInt(Integer::intValue).toArray();
        checkReferences(r);
    }

    /** Parses the {@code .BTF} section of {@code file}. */
    public static Btf parse(String file, byte[] sectionBytes) {
        return new Btf(file, ".BTF", sectionBytes.clone());
    }

    /** The section bytes, as loaded (a copy). */
    public byte[] rawBytes() {
        return raw.clone();
    }

    /** Number of type ids including void (the largest id is {@code typeCount() - 1}). */
    public int typeCount() {
        return types.size();
    }

    /** The type with this id; null for void (id 0). */
    public BtfType type(int id) {
        if (id < 0 || id >= types.size()) throw new IllegalArgumentException("BTF type id " + id + " does not exist (" + types.size() + " ids)");
        return types.get(id);
    }

    /** All types, index = id, element 0 null (void). */
    public List<BtfType> types() {
        return types;
    }

    /** Where type {@code id}'s record starts in {@link #rawBytes()}, for tools that point at or patch a type. */
    public int recordOffset(int id) {
        if (id <= 0 || id >= types.size()) throw new IllegalArgumentException("BTF type id " + id + " has no record (" + types.size() + " ids)");
        return recordOffsets[id];
    }

    /** The id of the first type with this name and kind, or -1. */
    public int typeId(String name, int kind) {
        for (int id = 1; id < types.size(); id++) {
            BtfType t = types.get(id);
            if (t.kind() == kind && t.name().equals(name)) return id;
        }
        return -1;
    }

    /** A string of the string section, for BTF.ext records that refer into it. */
    public String string(long offset) {
        return new BtfReader(file, section, raw).string(stringStart, stringLength, offset);
    }

    /** Follows typedefs and CONST/VOLATILE/RESTRICT/TYPE_TAG modifiers to the type they stand for. */
    public int resolve(int id) {
        for (int depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
            BtfType t = type(id);
            int next = switch (t) {
                case BtfType.Typedef x -> x.target();
                case BtfType.Const x -> x.target();
                case BtfType.Volatile x -> x.target();
                case BtfType.Restrict x -> x.target();
                case BtfType.TypeTag x -> x.target();
                case null, default -> -1;
            };
            if (next < 0) return id;
            id = next;
        }
        throw new MalformedObjectException(file, section, "type " + id, "modifier or typedef chain longer than " + MAX_RESOLVE_DEPTH + " (a cycle?)");
    }

    /** The size in bytes of a value of this type, as the C compiler laid it out. */
    public long sizeOf(int id) {
        return sizeOf(id, 0);
    }

    private long sizeOf(int id, int depth) {
        if (depth > MAX_RESOLVE_DEPTH) throw new MalformedObjectException(file, section, "type " + id, "type nesting deeper than " + MAX_RESOLVE_DEPTH + " (a cycle?)");
        int resolved = resolve(id);
        return switch (type(resolved)) {
            case BtfType.Int t -> t.size();
            case BtfType.Ptr t -> 8;
            case BtfType.Enum t -> t.size();
            case BtfType.Struct t -> t.size();
            case BtfType.Union t -> t.size();
            case BtfType.Float t -> t.size();
            case BtfType.Datasec t -> t.size();
            case BtfType.Var t -> sizeOf(t.type(), depth + 1);
            case BtfType.Array t -> {
                long element = sizeOf(t.elementType(), depth + 1);
                long total = element * (t.elements() & 0xffffffffL);
                if (element != 0 && total / element != (t.elements() & 0xffffffffL)) {
                    throw new MalformedObjectException(file, section, "type " + resolved, "array size overflows");
                }
                yield total;
            }
            case null -> throw new MalformedObjectException(file, section, "type " + id, "void has no size");
            default -> throw new MalformedObjectException(file, section, "type " + resolved,
                    BtfType.kindName(type(resolved).kind()) + " has no size");
        };
    }

    /**
     * A copy with each DATASEC's size and variable offsets set from the ELF file, as libbpf does before loading
     * BTF into the kernel: clang leaves them to the linker, so in a {@code .o} they can be 0, and the kernel
     * refuses a DATASEC of size 0 or with variables outside it.
     *
     * @param sectionSizes    ELF section name → size in bytes
     * @param variableOffsets ELF section name → (variable symbol name → offset in the section)
     */
    public Btf withDatasecsFixed(Map<String, Long> sectionSizes, Map<String, Map<String, Long>> variableOffsets) {
        byte[] copy = raw.clone();
        for (int id = 1; id < types.size(); id++) {
            if (!(types.get(id) instanceof BtfType.Datasec ds)) continue;
            Long size = sectionSizes.get(ds.name());
            if (size == null) continue;
            int record = recordOffsets[id];
            putU32(copy, record + 8, size);
            Map<String, Long> offsets = variableOffsets.getOrDefault(ds.name(), Map.of());
            for (int i = 0; i < ds.variables().size(); i++) {
                BtfType.VarSecinfo v = ds.variables().get(i);
                Long offset = offsets.get(type(v.type()).name());
                if (offset != null) putU32(copy, record + 12 + i * 12 + 4, offset);
            }
        }
        return new Btf(file, section, copy);
    }

    private static void putU32(byte[] b, int at, long v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static void checkArea(BtfReader r, int headerLength, long off, long len, String what, int field) {
        if (headerLength + off + len > r.length()) {
            throw r.error(field, what + " at " + off + " of " + len + " bytes lies outside the .BTF section of " + r.length() + " bytes");
        }
    }

    private int readType(BtfReader r, int at, int end, List<BtfType> out) {
        if (end - at < 12) throw r.error(at, "type " + out.size() + " is truncated");
        long nameOff = r.u32(at);
        long info = r.u32(at + 4);
        long sizeOrType = r.u32(at + 8);
        int vlen = (int) (info & 0xffff);
        int kind = (int) ((info >>> 24) & 0x1f);
        boolean kindFlag = (info >>> 31) != 0;
        String name = r.string(stringStart, stringLength, nameOff);
        int id = out.size();
        int next = at + 12;
        int ref = (int) Math.min(sizeOrType, Integer.MAX_VALUE);
        BtfType t = switch (kind) {
            case 1 -> {
                long enc = r.u32(next);
                next += 4;
                yield new BtfType.Int(name, ref, (int) ((enc >>> 24) & 0xf), (int) ((enc >>> 16) & 0xff), (int) (enc & 0xff));
            }
            case 2 -> new BtfType.Ptr(name, ref);
            case 3 -> {
                BtfType.Array a = new BtfType.Array(name, r.index(next, "array element type"), r.index(next + 4, "array index type"), r.s32(next + 8));
                next += 12;
                yield a;
            }
            case 4, 5 -> {
                r.check(next, vlen * 12L);
                List<BtfType.Member> members = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, next += 12) {
                    long offset = r.u32(next + 8);
                    int bitOffset = kindFlag ? (int) (offset & 0xffffff) : (int) Math.min(offset, Integer.MAX_VALUE);
                    int bitfield = kindFlag ? (int) (offset >>> 24) : 0;
                    members.add(new BtfType.Member(r.string(stringStart, stringLength, r.u32(next)), r.index(next + 4, "member type"), bitOffset, bitfield));
                }
                yield kind == 4 ? new BtfType.Struct(name, ref, List.copyOf(members)) : new BtfType.Union(name, ref, List.copyOf(members));
            }
            case 6 -> {
                r.check(next, vlen * 8L);
                List<BtfType.EnumValue> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, next += 8) {
                    int v = r.s32(next + 4);
                    values.add(new BtfType.EnumValue(r.string(stringStart, stringLength, r.u32(next)), kindFlag ? v : v & 0xffffffffL));
                }
                yield new BtfType.Enum(name, ref, kindFlag, false, List.copyOf(values));
            }
            case 19 -> {
                r.check(next, vlen * 12L);
                List<BtfType.EnumValue> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, next += 12) {
                    long v = r.u32(next + 4) | r.u32(next + 8) << 32;
                    values.add(new BtfType.EnumValue(r.string(stringStart, stringLength, r.u32(next)), v));
                }
                yield new BtfType.Enum(name, ref, kindFlag, true, List.copyOf(values));
            }
            case 7 -> new BtfType.Fwd(name, kindFlag);
            case 8 -> new BtfType.Typedef(name, ref);
            case 9 -> new BtfType.Volatile(name, ref);
            case 10 -> new BtfType.Const(name, ref);
            case 11 -> new BtfType.Restrict(name, ref);
            case 12 -> new BtfType.Func(name, ref, vlen);
            case 13 -> {
                r.check(next, vlen * 8L);
                List<BtfType.Param> params = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, next += 8) {
                    params.add(new BtfType.Param(r.string(stringStart, stringLength, r.u32(next)), r.index(next + 4, "parameter type")));
                }
                yield new BtfType.FuncProto(name, ref, List.copyOf(params));
            }
            case 14 -> {
                BtfType.Var v = new BtfType.Var(name, ref, r.s32(next));
                next += 4;
                yield v;
            }
            case 15 -> {
                r.check(next, vlen * 12L);
                List<BtfType.VarSecinfo> vars = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, next += 12) {
                    vars.add(new BtfType.VarSecinfo(r.index(next, "variable type"), r.s32(next + 4), r.s32(next + 8)));
                }
                yield new BtfType.Datasec(name, ref, List.copyOf(vars));
            }
            case 16 -> new BtfType.Float(name, ref);
            case 17 -> {
                BtfType.DeclTag d = new BtfType.DeclTag(name, ref, r.s32(next));
                next += 4;
                yield d;
            }
            case 18 -> new BtfType.TypeTag(name, ref);
            default -> throw r.error(at, "type " + id + " has unknown kind " + kind);
        };
        if (next > end) throw r.error(at, "type " + id + " (" + BtfType.kindName(kind) + ") runs past the end of the type section");
        out.add(t);
        return next;
    }

    /** Every type id mentioned by a type must exist: consumers can then follow ids without checking. */
    private void checkReferences(BtfReader r) {
        int n = types.size();
        for (int id = 1; id < n; id++) {
            BtfType t = types.get(id);
            int[] refs = switch (t) {
                case BtfType.Ptr x -> new int[] {x.target()};
                case BtfType.Array x -> new int[] {x.elementType(), x.indexType()};
                case BtfType.Struct x -> x.members().stream().mapToInt(BtfType.Member::type).toArray();
                case BtfType.Union x -> x.members().stream().mapToInt(BtfType.Member::type).toArray();
                case BtfType.Typedef x -> new int[] {x.target()};
                case BtfType.Volatile x -> new int[] {x.target()};
                case BtfType.Const x -> new int[] {x.target()};
                case BtfType.Restrict x -> new int[] {x.target()};
                case BtfType.TypeTag x -> new int[] {x.target()};
                case BtfType.Func x -> new int[] {x.prototype()};
                case BtfType.FuncProto x -> {
                    int[] a = new int[x.params().size() + 1];
                    a[0] = x.returnType();
                    for (int i = 0; i < x.params().size(); i++) a[i + 1] = x.params().get(i).type();
                    yield a;
                }
                case BtfType.Var x -> new int[] {x.type()};
                case BtfType.Datasec x -> x.variables().stream().mapToInt(BtfType.VarSecinfo::type).toArray();
                case BtfType.DeclTag x -> new int[] {x.target()};
                default -> new int[0];
            };
            for (int ref : refs) {
                if (ref < 0 || ref >= n) {
                    throw r.error(recordOffsets[id], "type " + id + " (" + BtfType.kindName(t.kind()) + " '" + t.name() + "') refers to type " + ref
                            + ", which does not exist (" + (n - 1) + " types)");
                }
            }
            if (t instanceof BtfType.Func f && !(types.get(f.prototype()) instanceof BtfType.FuncProto)) {
                throw r.error(recordOffsets[id], "function '" + f.name() + "' has type " + f.prototype() + ", which is not a FUNC_PROTO");
            }
            if (t instanceof BtfType.Datasec ds) {
                for (BtfType.VarSecinfo v : ds.variables()) {
                    if (!(types.get(v.type()) instanceof BtfType.Var) && !(types.get(v.type()) instanceof BtfType.Func)) {
                        throw r.error(recordOffsets[id], "data section '" + ds.name() + "' lists type " + v.type() + ", which is not a VAR");
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return "Btf[" + (types.size() - 1) + " types, " + raw.length + " bytes]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Btf b && Arrays.equals(raw, b.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }
}
