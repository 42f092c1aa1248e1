package io.bpf4j.btf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code .BTF.ext}: per code section, which BTF function starts at which instruction (func_info), which source
 * line each instruction came from (line_info), and CO-RE relocations (core_relo). Offsets are in bytes from the
 * start of the ELF section, as clang writes them; the object loader maps them to linked program pcs.
 *
 * <pre>
 *  struct btf_ext_header { u16 magic; u8 version; u8 flags; u32 hdr_len;
 *                          u32 func_info_off, func_info_len, line_info_off, line_info_len;
 *                          u32 core_relo_off, core_relo_len; }   (core_relo only when hdr_len ≥ 32)
 *  each info area: u32 record_size, then per section { u32 sec_name_off; u32 num_info; records... }
 * </pre>
 */
public final class BtfExt {
    /** A function begins at {@code byteOffset}; {@code typeId} is its BTF FUNC. */
    public record FuncInfo(int byteOffset, int typeId) {}

    /**
     * The instruction at {@code byteOffset} came from {@code file}:{@code line}:{@code column}, whose text is
     * {@code sourceText}; {@code fileNameOffset} and {@code sourceTextOffset} are where those strings are in the BTF
     * string section (what the kernel's {@code struct bpf_line_info} holds).
     */
    public record LineInfo(int byteOffset, String file, String sourceText, int line, int column, int fileNameOffset,
                           int sourceTextOffset) {}

    /** A CO-RE relocation of the instruction at {@code byteOffset}: {@code kind} (bpf_core_relo_kind) of {@code accessString} in {@code typeId}. */
    public record CoreRelocation(int byteOffset, int typeId, String accessString, int kind) {
        /** The uapi name of the relocation kind, for messages. */
        public String kindName() {
            return switch (kind) {
                case 0 -> "field byte offset";
                case 1 -> "field byte size";
                case 2 -> "field existence";
                case 3 -> "field signedness";
                case 4 -> "field left shift";
                case 5 -> "field right shift";
                case 6 -> "local type id";
                case 7 -> "target type id";
                case 8 -> "type existence";
                case 9 -> "type size";
                case 10 -> "enum value existence";
                case 11 -> "enum value";
                case 12 -> "type match";
                default -> "kind " + kind;
            };
        }
    }

    private final Map<String, List<FuncInfo>> funcInfos;
    private final Map<String, List<LineInfo>> lineInfos;
    private final Map<String, List<CoreRelocation>> coreRelocations;

    private BtfExt(Map<String, List<FuncInfo>> funcInfos, Map<String, List<LineInfo>> lineInfos,
                   Map<String, List<CoreRelocation>> coreRelocations) {
        this.funcInfos = funcInfos;
        this.lineInfos = lineInfos;
        this.coreRelocations = coreRelocations;
    }

    /** Parses {@code .BTF.ext}; its strings and type ids refer to {@code btf}. */
    public static BtfExt parse(String file, byte[] sectionBytes, Btf btf) {
        BtfReader r = new BtfReader(file, ".BTF.ext", sectionBytes);
        if (sectionBytes.length < 24) throw r.error(0, "header truncated: " + sectionBytes.length + " of 24 bytes");
        if (r.u16(0) != Btf.MAGIC) throw r.error(0, "bad BTF.ext magic 0x" + Integer.toHexString(r.u16(0)));
        if (r.u8(2) != 1) throw r.error(2, "BTF.ext version " + r.u8(2) + " is not 1");
        int header = r.index(4, "header length");
        if (header < 24 || header > sectionBytes.length) throw r.error(4, "header length " + header + " is impossible");
        Map<String, List<FuncInfo>> funcs = new LinkedHashMap<>();
        Map<String, List<LineInfo>> lines = new LinkedHashMap<>();
        Map<String, List<CoreRelocation>> core = new LinkedHashMap<>();
        readArea(r, btf, header, 8, "func_info", 8, (at, sec) ->
                funcs.computeIfAbsent(sec, k -> new ArrayList<>()).add(new FuncInfo(r.index(at, "instruction offset"), checkType(r, btf, at + 4))));
        readArea(r, btf, header, 16, "line_info", 16, (at, sec) -> {
            long lineCol = r.u32(at + 12);
            int fileOff = r.index(at + 4, "file name offset"), lineOff = r.index(at + 8, "line offset");
            lines.computeIfAbsent(sec, k -> new ArrayList<>()).add(new LineInfo(r.index(at, "instruction offset"),
                    btf.string(fileOff), btf.string(lineOff), (int) (lineCol >>> 10), (int) (lineCol & 0x3ff), fileOff, lineOff));
        });
        if (header >= 32) {
            readArea(r, btf, header, 24, "core_relo", 16, (at, sec) ->
                    core.computeIfAbsent(sec, k -> new ArrayList<>()).add(new CoreRelocation(r.index(at, "instruction offset"),
                            checkType(r, btf, at + 4), btf.string(r.u32(at + 8)), r.s32(at + 12))));
        }
        return new BtfExt(freeze(funcs), freeze(lines), freeze(core));
    }

    private interface RecordReader {
        void read(long at, String section);
    }

    private static void readArea(BtfReader r, Btf btf, int header, int field, String what, int minRecord, RecordReader reader) {
        long off = r.u32(field), len = r.u32(field + 4);
        if (len == 0) return;
        long start = header + off, end = start + len;
        if (end > r.length()) throw r.error(field, what + " at " + off + " of " + len + " bytes lies outside the section of " + r.length() + " bytes");
        long recordSize = r.u32(start);
        if (recordSize < minRecord || recordSize > 1024 || recordSize % 4 != 0) {
            throw r.error(start, what + " record size " + recordSize + " is impossible (at least " + minRecord + ")");
        }
        long at = start + 4;
        while (at < end) {
            if (end - at < 8) throw r.error(at, what + " section header truncated");
            String section = btf.string(r.u32(at));
            long count = r.u32(at + 4);
            at += 8;
            if (count * recordSize > end - at) {
                throw r.error(at, what + " for section " + section + ": " + count + " records of " + recordSize + " bytes run past the area's end");
            }
            for (long i = 0; i < count; i++, at += recordSize) reader.read(at, section);
        }
    }

    private static int checkType(BtfReader r, Btf btf, long at) {
        int id = r.index(at, "type id");
        if (id >= btf.typeCount()) throw r.error(at, "type id " + id + " does not exist in .BTF (" + (btf.typeCount() - 1) + " types)");
        return id;
    }

    private static <T> Map<String, List<T>> freeze(Map<String, List<T>> m) {
        Map<String, List<T>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(out);
    }

    public List<FuncInfo> funcInfos(String section) {
        return funcInfos.getOrDefault(section, List.of());
    }

    public List<LineInfo> lineInfos(String section) {
        return lineInfos.getOrDefault(section, List.of());
    }

    public List<CoreRelocation> coreRelocations(String section) {
        return coreRelocations.getOrDefault(section, List.of());
    }

    /** The sections that carry CO-RE relocations. */
    public java.util.Set<String> sectionsWithCoreRelocations() {
        return coreRelocations.keySet();
    }
}
