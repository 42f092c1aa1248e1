package io.bpf4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON the commands print with {@code --json}: values are {@link Map}s (printed in insertion order),
 * {@link Collection}s, arrays, strings, numbers, booleans and null. Written here rather than taken from a
 * library because the CLI prints JSON and never needs to read it.
 */
public final class Json {
    private Json() {}

    /** An ordered object builder: {@code Json.object().put("a", 1).put("b", list)}. */
    public static Obj object() {
        return new Obj();
    }

    public static final class Obj extends LinkedHashMap<String, Object> {
        public Obj put(String key, Object value) {
            super.put(key, value);
            return this;
        }

        /** Puts only when {@code value} is not null. */
        public Obj putIfPresent(String key, Object value) {
            if (value != null) super.put(key, value);
            return this;
        }
    }

    public static List<Object> array(Object... items) {
        return new ArrayList<>(Arrays.asList(items));
    }

    /** Pretty-printed with two-space indentation and a trailing newline. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object value, int indent) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> quote(sb, s);
            case Character c -> quote(sb, c.toString());
            case Boolean b -> sb.append(b);
            case Double d -> number(sb, d);
            case Float f -> number(sb, f.doubleValue());
            case Number n -> sb.append(n);
            case Enum<?> e -> quote(sb, e.name());
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append("{\n");
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    indent(sb, indent + 1);
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    write(sb, e.getValue(), indent + 1);
                    sb.append(++i < m.size() ? ",\n" : "\n");
                }
                indent(sb, indent);
                sb.append('}');
            }
            case Collection<?> c -> writeList(sb, new ArrayList<>(c), indent);
            case Object[] a -> writeList(sb, Arrays.asList(a), indent);
            case int[] a -> writeList(sb, Arrays.stream(a).boxed().map(x -> (Object) x).toList(), indent);
            case long[] a -> writeList(sb, Arrays.stream(a).boxed().map(x -> (Object) x).toList(), indent);
            default -> quote(sb, value.toString());
        }
    }

    private static void writeList(StringBuilder sb, List<?> list, int indent) {
        if (list.isEmpty()) {
            sb.append("[]");
            return;
        }
        boolean scalars = list.stream().allMatch(x -> x == null || x instanceof Number || x instanceof Boolean
                || (x instanceof String s && s.length() < 24));
        if (scalars && list.size() <= 16) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) sb.append(", ");
                write(sb, list.get(i), indent);
            }
            sb.append(']');
            return;
        }
        sb.append("[\n");
        for (int i = 0; i < list.size(); i++) {
            indent(sb, indent + 1);
            write(sb, list.get(i), indent + 1);
            sb.append(i + 1 < list.size() ? ",\n" : "\n");
        }
        indent(sb, indent);
        sb.append(']');
    }

    private static void number(StringBuilder sb, double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) sb.append("null");
        else if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append((long) d);
        else sb.append(d);
    }

    private static void indent(StringBuilder sb, int n) {
        sb.append("  ".repeat(n));
    }

    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
