package io.bpf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A table for people: a header row and aligned columns, numbers right-aligned, two spaces between columns.
 */
public final class Table {
    private final String[] headers;
    private final boolean[] rightAligned;
    private final List<String[]> rows = new ArrayList<>();

    /** Headers ending in {@code >} are right-aligned (the marker is not printed). */
    public Table(String... headers) {
        this.headers = new String[headers.length];
        this.rightAligned = new boolean[headers.length];
        for (int i = 0; i < headers.length; i++) {
            boolean right = headers[i].endsWith(">");
            this.rightAligned[i] = right;
            this.headers[i] = right ? headers[i].substring(0, headers[i].length() - 1) : headers[i];
        }
    }

    public Table row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException(cells.length + " cells for " + headers.length + " columns");
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) r[i] = cells[i] == null ? "-" : cells[i].toString();
        rows.add(r);
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    public void print(PrintWriter out) {
        out.print(toString());
        out.flush();
    }

    @Override
    public String toString() {
        int[] width = new int[headers.length];
        for (int i = 0; i < headers.length; i++) width[i] = headers[i].length();
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
        StringBuilder sb = new StringBuilder();
        line(sb, headers, width);
        for (String[] r : rows) line(sb, r, width);
        return sb.toString();
    }

    private void line(StringBuilder sb, String[] cells, int[] width) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) l.append("  ");
            String c = cells[i];
            int pad = width[i] - c.length();
            if (rightAligned[i]) l.append(" ".repeat(pad)).append(c);
            else if (i + 1 < cells.length) l.append(c).append(" ".repeat(pad));
            else l.append(c);
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }
}
