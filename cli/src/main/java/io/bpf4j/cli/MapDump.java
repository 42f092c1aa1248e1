package io.bpf4j.cli;

import io.bpf4j.abi.MapType;
import io.bpf4j.maps.BpfMap;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A map's contents for {@code --dump-map}: one row per key. Keys and values of 1, 2, 4 or 8 bytes are shown as
 * little-endian numbers too; per-CPU maps show each CPU's value and their sum. Large arrays leave out their
 * all-zero entries and say how many.
 */
final class MapDump {
    private static final int SHOW_ZERO_ENTRIES_UP_TO = 64;
    private static final int PER_CPU_COLUMNS = 8;
    private static final int HEX_PREVIEW = 24;

    private MapDump() {}

    record Entry(byte[] key, List<byte[]> values) {}

    static List<Entry> entries(BpfMap map) {
        List<Entry> out = new ArrayList<>();
        boolean perCpu = map.definition().isPerCpu();
        if (map.type() == MapType.QUEUE || map.type() == MapType.STACK || map.type() == MapType.RINGBUF
                || map.type() == MapType.BLOOM_FILTER) {
            return out; // no keys to walk
        }
        for (byte[] k : map.keys()) {
            if (perCpu) {
                List<byte[]> v = map.lookupPerCpu(k);
                if (v != null) out.add(new Entry(k, v));
            } else {
                byte[] v = map.lookup(k);
                if (v != null) out.add(new Entry(k, List.of(v)));
            }
        }
        return out;
    }

    private static boolean zero(Entry e) {
        for (byte[] v : e.values()) for (byte b : v) if (b != 0) return false;
        return true;
    }

    static String key(byte[] k) {
        Long n = Hex.littleEndian(k);
        return n != null ? Hex.unsigned(n) : Hex.spaced(k, HEX_PREVIEW);
    }

    static String value(byte[] v) {
        Long n = Hex.littleEndian(v);
        return n != null ? Hex.unsigned(n) : Hex.spaced(v, HEX_PREVIEW);
    }

    static void print(PrintWriter w, BpfMap map) {
        List<Entry> entries = entries(map);
        boolean perCpu = map.definition().isPerCpu();
        boolean arrayLike = map.type() == MapType.ARRAY || map.type() == MapType.PERCPU_ARRAY;
        int hiddenZeros = 0;
        if (arrayLike && entries.size() > SHOW_ZERO_ENTRIES_UP_TO) {
            int before = entries.size();
            entries = entries.stream().filter(e -> !zero(e)).toList();
            hiddenZeros = before - entries.size();
        }
        w.println("map " + map.name() + " (" + ObjectFiles.lower(map.type()) + ", " + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies")
                + (hiddenZeros > 0 ? ", " + hiddenZeros + " all-zero entries not shown" : "") + "):");
        if (entries.isEmpty()) {
            w.println("  (empty)");
            return;
        }
        int cpus = map.possibleCpus();
        List<String> headers = new ArrayList<>(List.of("  KEY>"));
        boolean columns = perCpu && cpus <= PER_CPU_COLUMNS;
        if (perCpu) {
            if (columns) for (int c = 0; c < cpus; c++) headers.add("CPU " + c + ">");
            headers.add("TOTAL>");
        } else {
            headers.add("VALUE" + (Hex.littleEndian(new byte[map.definition().valueSize()]) != null ? ">" : ""));
        }
        Table t = new Table(headers.toArray(String[]::new));
        for (Entry e : entries) {
            List<Object> row = new ArrayList<>();
            row.add("  " + key(e.key()));
            if (perCpu) {
                if (columns) for (byte[] v : e.values()) row.add(value(v));
                row.add(total(e.values()));
            } else {
                row.add(value(e.values().getFirst()));
            }
            t.row(row.toArray());
        }
        t.print(w);
    }

    /** The sum of per-CPU numeric values, or "-" when the values are not numbers. */
    static String total(List<byte[]> values) {
        long sum = 0;
        for (byte[] v : values) {
            Long n = Hex.littleEndian(v);
            if (n == null) return "-";
            sum += n;
        }
        return Hex.unsigned(sum);
    }

    static Object json(BpfMap map) {
        List<Object> rows = new ArrayList<>();
        boolean perCpu = map.definition().isPerCpu();
        for (Entry e : entries(map)) {
            Json.Obj o = Json.object().put("key", Hex.format(e.key()));
            Long k = Hex.littleEndian(e.key());
            if (k != null) o.put("key_number", k);
            if (perCpu) {
                List<Object> vs = new ArrayList<>();
                for (byte[] v : e.values()) vs.add(Hex.format(v));
                o.put("values", vs);
                String total = total(e.values());
                if (!total.equals("-")) o.put("total", Long.parseUnsignedLong(total));
            } else {
                o.put("value", Hex.format(e.values().getFirst()));
                Long n = Hex.littleEndian(e.values().getFirst());
                if (n != null) o.put("value_number", n);
            }
            rows.add(o);
        }
        return Json.object().put("name", map.name()).put("type", ObjectFiles.lower(map.type())).put("entries", rows);
    }
}
