package io.bpf4j.cli.graph;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Draws a {@link TailCallGraph} as Graphviz DOT, a Mermaid flowchart, or a self-contained SVG laid out here
 * (no Graphviz needed): programs in columns by how many tail calls it takes to reach them, left to right,
 * edges labelled with the prog-array slots they go through, the longest chain highlighted, fall-through
 * slots as dashed grey pills, back edges (cycles) arched over the top.
 */
public final class GraphRenderer {
    private final TailCallGraph g;
    private final String title;

    /** An arrow between two boxes: all the tail-call edges from one program to one target, merged. */
    record Arrow(String from, String to, String label, boolean fallthrough, boolean variable) {}

    public GraphRenderer(TailCallGraph graph, String title) {
        this.g = graph;
        this.title = title;
    }

    /** Node ids for the fall-through targets: one per site that can fall through. */
    private static String fallthroughId(TailCallGraph.Edge e) {
        return "(fallthrough " + e.from() + " pc " + e.site().pc() + ")";
    }

    static String slotText(TailCallGraph.Edge e) {
        String map = e.map() == null ? "?" : e.map();
        if (e.slot() < 0) return map + (e.to() == null ? "[other]" : "[*]");
        return map + "[" + e.slot() + "]";
    }

    private static String fallthroughLabel(TailCallGraph.Edge e) {
        return switch (e.fallthrough()) {
            case EMPTY -> e.slot() < 0 ? "empty slots: falls through" : "empty: falls through";
            case OUT_OF_RANGE -> e.slot() < 0 ? "index out of range: falls through" : "out of range: falls through";
            case UNKNOWN_MAP -> "unknown map";
        };
    }

    /** The edges merged per (from, to), in a stable order. */
    List<Arrow> arrows() {
        Map<String, List<TailCallGraph.Edge>> byPair = new LinkedHashMap<>();
        for (TailCallGraph.Edge e : g.edges()) {
            if (!g.nodes().containsKey(e.from())) continue;
            String to = e.to() != null ? e.to() : fallthroughId(e);
            if (e.to() != null && !g.nodes().containsKey(e.to())) continue;
            byPair.computeIfAbsent(e.from() + "\u0000" + to, k -> new ArrayList<>()).add(e);
        }
        List<Arrow> out = new ArrayList<>();
        for (List<TailCallGraph.Edge> es : byPair.values()) {
            TailCallGraph.Edge first = es.getFirst();
            List<String> slots = new ArrayList<>();
            for (TailCallGraph.Edge e : es) {
                String s = slotText(e);
                if (!slots.contains(s)) slots.add(s);
            }
            String label = String.join(", ", slots);
            boolean variable = es.stream().anyMatch(TailCallGraph.Edge::variable);
            if (first.to() == null) label = label + " " + fallthroughLabel(first);
            else if (variable) label = label + " (variable index)";
            out.add(new Arrow(first.from(), first.to() != null ? first.to() : fallthroughId(first), label, first.to() == null, variable));
        }
        return out;
    }

    private Set<String> chainPairs() {
        Set<String> pairs = new HashSet<>();
        List<String> chain = g.longestChain().programs();
        for (int i = 0; i + 1 < chain.size(); i++) pairs.add(chain.get(i) + "\u0000" + chain.get(i + 1));
        return pairs;
    }

    private String nodeDetail(TailCallGraph.Node n) {
        return n.section() + " · " + n.instructions() + " insns · stack " + n.analysis().ownStack() + " B";
    }

    // --- DOT -------------------------------------------------------------------------------------------

    public String dot() {
        StringBuilder sb = new StringBuilder();
        sb.append("// ").append(title).append('\n');
        sb.append("digraph tailcalls {\n");
        sb.append("  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef4ff\", fontname=\"Helvetica\"];\n");
        sb.append("  edge [fontname=\"Helvetica\", fontsize=10];\n");
        for (TailCallGraph.Node n : g.nodes().values()) {
            sb.append("  ").append(dq(n.name())).append(" [label=").append(dq(n.name() + "\\n" + nodeDetail(n)))
                    .append(n.entry() ? ", penwidth=2, fillcolor=\"#dff5e1\"" : "").append("];\n");
        }
        Set<String> chain = chainPairs();
        for (Arrow a : arrows()) {
            if (a.fallthrough()) {
                sb.append("  ").append(dq(a.to())).append(" [label=\"falls through\", shape=plaintext, style=\"\", fontcolor=\"#888888\"];\n");
            }
            sb.append("  ").append(dq(a.from())).append(" -> ").append(dq(a.to())).append(" [label=").append(dq(a.label()));
            if (a.fallthrough()) sb.append(", style=dashed, color=\"#999999\", fontcolor=\"#777777\"");
            else if (chain.contains(a.from() + "\u0000" + a.to())) sb.append(", color=\"#1f6feb\", penwidth=2");
            if (a.variable() && !a.fallthrough()) sb.append(", style=bold");
            sb.append("];\n");
        }
        sb.append("}\n");
        return sb.toString();
    }

    private static String dq(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\\\\n", "\\n") + '"';
    }

    // --- Mermaid ---------------------------------------------------------------------------------------

    public String mermaid() {
        StringBuilder sb = new StringBuilder();
        sb.append("%% ").append(title).append('\n');
        sb.append("flowchart LR\n");
        Map<String, String> ids = new HashMap<>();
        int i = 0;
        for (TailCallGraph.Node n : g.nodes().values()) {
            String id = "p" + i++;
            ids.put(n.name(), id);
            sb.append("  ").append(id).append("[\"").append(mm(n.name())).append("<br/><small>").append(mm(nodeDetail(n))).append("</small>\"]\n");
        }
        int f = 0;
        List<String> chainLinks = new ArrayList<>();
        Set<String> chain = chainPairs();
        int link = 0;
        for (Arrow a : arrows()) {
            String to;
            if (a.fallthrough()) {
                to = "f" + f++;
                sb.append("  ").append(to).append(">falls through]\n");
                ids.put(a.to(), to);
            } else {
                to = ids.get(a.to());
            }
            sb.append("  ").append(ids.get(a.from())).append(a.fallthrough() ? " -. \"" : " -- \"").append(mm(a.label()))
                    .append(a.fallthrough() ? "\" .-> " : "\" --> ").append(to).append('\n');
            if (!a.fallthrough() && chain.contains(a.from() + "\u0000" + a.to())) chainLinks.add(String.valueOf(link));
            link++;
        }
        for (TailCallGraph.Node n : g.nodes().values()) {
            if (n.entry()) sb.append("  style ").append(ids.get(n.name())).append(" stroke-width:3px\n");
        }
        if (!chainLinks.isEmpty()) sb.append("  linkStyle ").append(String.join(",", chainLinks)).append(" stroke:#1f6feb,stroke-width:3px\n");
        return sb.toString();
    }

    private static String mm(String s) {
        return s.replace("\"", "#quot;").replace("<", "#lt;").replace(">", "#gt;");
    }

    // --- SVG -------------------------------------------------------------------------------------------

    private static final double FONT = 13, SMALL = 11, CHAR = 0.61; // monospace advance ≈ 0.61 em
    private static final double PAD_X = 14, NODE_H = 48, PILL_H = 26, V_GAP = 26, H_GAP = 170, MARGIN = 28;

    private record Box(String id, double x, double y, double w, double h, boolean pill) {
        double cx() {
            return x + w / 2;
        }

        double cy() {
            return y + h / 2;
        }
    }

    public String svg(List<String> summary) {
        List<Arrow> arrows = arrows();
        // nodes: the entry programs, the other programs, then fall-through pills
        List<String> ids = new ArrayList<>();
        for (String r : g.roots()) if (g.nodes().containsKey(r)) ids.add(r);
        for (String n : g.nodes().keySet()) if (!ids.contains(n)) ids.add(n);
        Map<String, String> pillText = new HashMap<>();
        for (Arrow a : arrows) {
            if (a.fallthrough() && !ids.contains(a.to())) {
                ids.add(a.to());
                pillText.put(a.to(), "falls through");
            }
        }
        Map<String, List<String>> succ = new LinkedHashMap<>();
        for (String id : ids) succ.put(id, new ArrayList<>());
        for (Arrow a : arrows) succ.get(a.from()).add(a.to());

        // layers: longest path from the roots over the graph without its back edges
        Set<String> back = backEdges(ids, succ);
        Map<String, Integer> layer = new HashMap<>();
        for (String id : ids) layer.put(id, 0);
        boolean changed = true;
        for (int round = 0; changed && round < ids.size() + 1; round++) {
            changed = false;
            for (Arrow a : arrows) {
                if (back.contains(a.from() + "\u0000" + a.to()) || a.from().equals(a.to())) continue;
                int want = layer.get(a.from()) + 1;
                if (layer.get(a.to()) < want) {
                    layer.put(a.to(), want);
                    changed = true;
                }
            }
        }
        int layers = layer.values().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        List<List<String>> columns = new ArrayList<>();
        for (int i = 0; i < layers; i++) columns.add(new ArrayList<>());
        for (String id : ids) columns.get(layer.get(id)).add(id);
        // order each column by the mean position of its predecessors (one sweep keeps pipelines straight)
        Map<String, Double> pos = new HashMap<>();
        for (int c = 0; c < layers; c++) {
            List<String> col = columns.get(c);
            if (c > 0) {
                Map<String, Double> key = new HashMap<>();
                for (int k = 0; k < col.size(); k++) {
                    String id = col.get(k);
                    double sum = 0;
                    int n = 0;
                    for (Arrow a : arrows) {
                        if (a.to().equals(id) && pos.containsKey(a.from()) && layer.get(a.from()) < c) {
                            sum += pos.get(a.from());
                            n++;
                        }
                    }
                    key.put(id, n == 0 ? 1e9 + k : sum / n);
                }
                col.sort(Comparator.comparingDouble(key::get));
            }
            for (int k = 0; k < col.size(); k++) pos.put(col.get(k), (double) k);
        }

        // sizes and coordinates
        Map<String, Box> boxes = new HashMap<>();
        double[] colWidth = new double[layers];
        double[] colHeight = new double[layers];
        for (int c = 0; c < layers; c++) {
            for (String id : columns.get(c)) {
                boolean pill = pillText.containsKey(id);
                double w = pill ? textWidth(pillText.get(id), SMALL) + 2 * PAD_X
                        : Math.max(textWidth(id, FONT), textWidth(nodeDetail(g.nodes().get(id)), SMALL)) + 2 * PAD_X;
                colWidth[c] = Math.max(colWidth[c], w);
                colHeight[c] += (pill ? PILL_H : NODE_H) + V_GAP;
            }
        }
        double maxColHeight = 0;
        for (double h : colHeight) maxColHeight = Math.max(maxColHeight, h - V_GAP);
        boolean anyBack = arrows.stream().anyMatch(a -> back.contains(a.from() + "\u0000" + a.to()) && !a.from().equals(a.to()));
        double top = MARGIN + 34 + 26 + (anyBack ? 70 : 0);
        double x = MARGIN;
        double[] colX = new double[layers];
        for (int c = 0; c < layers; c++) {
            colX[c] = x;
            double y = top + (maxColHeight - (colHeight[c] - V_GAP)) / 2;
            for (String id : columns.get(c)) {
                boolean pill = pillText.containsKey(id);
                double h = pill ? PILL_H : NODE_H;
                double w = pill ? textWidth(pillText.get(id), SMALL) + 2 * PAD_X : colWidth[c];
                boxes.put(id, new Box(id, x, y, w, h, pill));
                y += h + V_GAP;
            }
            x += colWidth[c] + H_GAP;
        }
        double width = Math.max(x - H_GAP + MARGIN, 0);
        double graphBottom = top + maxColHeight;
        for (String s : summary) width = Math.max(width, textWidth(s, FONT) + 2 * MARGIN);
        width = Math.max(width, textWidth(title, 15) + 2 * MARGIN);
        double height = graphBottom + 30 + 26 + summary.size() * 20 + MARGIN;

        StringBuilder sb = new StringBuilder();
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s\">%n",
                width, height, width, height, esc(title)));
        sb.append("<title>").append(esc(title)).append("</title>\n");
        sb.append("<style>\n")
                .append("  text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace; fill: #1b1f24; }\n")
                .append("  .title { font-size: 15px; font-weight: bold; }\n")
                .append("  .name { font-size: 13px; font-weight: bold; }\n")
                .append("  .detail { font-size: 11px; fill: #57606a; }\n")
                .append("  .label { font-size: 11px; fill: #24292f; }\n")
                .append("  .summary { font-size: 13px; }\n")
                .append("  .node { fill: #eef4ff; stroke: #54759e; stroke-width: 1.2; }\n")
                .append("  .entry { fill: #dff5e1; stroke: #2d8a3e; stroke-width: 2.2; }\n")
                .append("  .pill { fill: #f6f8fa; stroke: #999; stroke-dasharray: 4 3; }\n")
                .append("  .edge { fill: none; stroke: #57606a; stroke-width: 1.4; }\n")
                .append("  .chain { stroke: #1f6feb; stroke-width: 2.6; }\n")
                .append("  .fall { stroke: #999; stroke-dasharray: 5 4; }\n")
                .append("  .back { stroke: #cf222e; }\n")
                .append("</style>\n");
        sb.append("<defs>\n");
        for (String[] m : new String[][]{{"arrow", "#57606a"}, {"arrow-chain", "#1f6feb"}, {"arrow-fall", "#999999"}, {"arrow-back", "#cf222e"}}) {
            sb.append("  <marker id=\"").append(m[0]).append("\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"11\" markerHeight=\"11\" orient=\"auto-start-reverse\">")
                    .append("<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"").append(m[1]).append("\"/></marker>\n");
        }
        sb.append("</defs>\n");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text class=\"title\" x=\"%.0f\" y=\"%.0f\">%s</text>%n", MARGIN, MARGIN + 8, esc(title)));

        Set<String> chain = chainPairs();
        StringBuilder labels = new StringBuilder();
        Map<String, Integer> backIndex = new HashMap<>();
        Map<String, Integer> laneIndex = new HashMap<>();
        // ports: a box's outgoing arrows leave from points spread down its right side, ordered by where they go;
        // incoming arrows arrive spread down its left side, ordered by where they come from
        Map<Arrow, Double> outY = new HashMap<>(), inY = new HashMap<>();
        Map<String, List<Arrow>> outs = new HashMap<>(), ins = new HashMap<>();
        for (Arrow a : arrows) {
            if (isForward(a, back)) {
                outs.computeIfAbsent(a.from(), k -> new ArrayList<>()).add(a);
                ins.computeIfAbsent(a.to(), k -> new ArrayList<>()).add(a);
            }
        }
        for (Map.Entry<String, List<Arrow>> e : outs.entrySet()) {
            Box b = boxes.get(e.getKey());
            List<Arrow> l = e.getValue();
            l.sort(Comparator.comparingDouble(a -> boxes.get(a.to()).cy()));
            for (int i = 0; i < l.size(); i++) outY.put(l.get(i), b.y + b.h * (i + 1) / (l.size() + 1));
        }
        for (Map.Entry<String, List<Arrow>> e : ins.entrySet()) {
            Box b = boxes.get(e.getKey());
            List<Arrow> l = e.getValue();
            l.sort(Comparator.comparingDouble(a -> boxes.get(a.from()).cy()));
            for (int i = 0; i < l.size(); i++) inY.put(l.get(i), b.y + b.h * (i + 1) / (l.size() + 1));
        }
        List<double[]> taken = new ArrayList<>(); // label rectangles and boxes labels must not cover
        for (Box b : boxes.values()) taken.add(new double[]{b.x - 2, b.y - 2, b.w + 4, b.h + 4});
        for (Arrow a : arrows) {
            Box f = boxes.get(a.from()), t = boxes.get(a.to());
            if (f == null || t == null) continue;
            String pair = a.from() + "\u0000" + a.to();
            boolean isBack = !isForward(a, back);
            String cls = a.fallthrough() ? "edge fall" : chain.contains(pair) ? "edge chain" : isBack ? "edge back" : "edge";
            String marker = a.fallthrough() ? "arrow-fall" : chain.contains(pair) ? "arrow-chain" : isBack ? "arrow-back" : "arrow";
            double[] px, py; // the cubic's control points
            if (a.from().equals(a.to())) {
                double xr = f.x + f.w;
                px = new double[]{xr, xr + 55, xr + 55, xr + 2};
                py = new double[]{f.cy() + 9, f.cy() + 34, f.cy() - 34, f.cy() - 9};
            } else if (isBack) {
                int k = backIndex.merge(a.to(), 1, Integer::sum);
                double lift = 45 + 18 * k;
                double yTop = Math.min(f.y, t.y);
                px = new double[]{f.cx(), f.cx(), t.cx(), t.cx()};
                py = new double[]{f.y, yTop - lift, yTop - lift, t.y - 2};
            } else {
                double x1 = f.x + f.w, y1 = outY.get(a), x2 = t.x, y2 = inY.get(a);
                int from = layer.get(a.from()), to = layer.get(a.to());
                if (to - from > 1) {
                    // skip the columns in between along a lane above or below their boxes
                    double minTop = Double.MAX_VALUE, maxBottom = 0;
                    for (int c = from + 1; c < to; c++) {
                        for (String id : columns.get(c)) {
                            minTop = Math.min(minTop, boxes.get(id).y);
                            maxBottom = Math.max(maxBottom, boxes.get(id).y + boxes.get(id).h);
                        }
                    }
                    boolean above = (y1 + y2) / 2 < top + maxColHeight / 2;
                    int k = laneIndex.merge(above ? "above" : "below", 1, Integer::sum);
                    double lane = above ? minTop - 10 - 8 * k : maxBottom + 10 + 8 * k;
                    double xa = colX[from + 1] - 20, xb = colX[to - 1] + colWidth[to - 1] + 20;
                    double dx1 = Math.max(30, (xa - x1) / 2), dx2 = Math.max(30, (x2 - xb) / 2);
                    String d = String.format(Locale.ROOT, "M %.1f %.1f C %.1f %.1f %.1f %.1f %.1f %.1f L %.1f %.1f C %.1f %.1f %.1f %.1f %.1f %.1f",
                            x1, y1, x1 + dx1, y1, xa - dx1, lane, xa, lane, xb, lane, xb + dx2, lane, x2 - dx2, y2, x2 - 2, y2);
                    sb.append("<path class=\"").append(cls).append("\" d=\"").append(d).append("\" marker-end=\"url(#").append(marker).append(")\">")
                            .append("<title>").append(esc(a.from() + " → " + a.to() + ": " + a.label())).append("</title></path>\n");
                    // label on the straight lane, centred
                    px = new double[]{xa, xa + (xb - xa) / 3, xb - (xb - xa) / 3, xb};
                    py = new double[]{lane, lane, lane, lane};
                    placeLabel(a, px, py, taken, labels, f);
                    continue;
                }
                double dx = Math.max(40, (x2 - x1) / 2);
                px = new double[]{x1, x1 + dx, x2 - dx, x2 - 2};
                py = new double[]{y1, y1, y2, y2};
            }
            String d = String.format(Locale.ROOT, "M %.1f %.1f C %.1f %.1f %.1f %.1f %.1f %.1f", px[0], py[0], px[1], py[1], px[2], py[2], px[3], py[3]);
            sb.append("<path class=\"").append(cls).append("\" d=\"").append(d).append("\" marker-end=\"url(#").append(marker).append(")\">")
                    .append("<title>").append(esc(a.from() + " → " + (a.fallthrough() ? "falls through" : a.to()) + ": " + a.label())).append("</title></path>\n");
            placeLabel(a, px, py, taken, labels, f);
        }
        for (String id : ids) {
            Box b = boxes.get(id);
            if (b.pill()) {
                sb.append(String.format(Locale.ROOT, "<rect class=\"pill\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"13\"/>%n", b.x, b.y, b.w, b.h));
                sb.append(String.format(Locale.ROOT, "<text class=\"detail\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>%n", b.cx(), b.cy() + 4, esc(pillText.get(id))));
                continue;
            }
            TailCallGraph.Node n = g.nodes().get(id);
            sb.append(String.format(Locale.ROOT, "<g><title>%s</title>", esc(n.name() + ": " + nodeDetail(n) + (n.entry() ? " (entry)" : ""))));
            sb.append(String.format(Locale.ROOT, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"8\"/>", n.entry() ? "entry" : "node", b.x, b.y, b.w, b.h));
            sb.append(String.format(Locale.ROOT, "<text class=\"name\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", b.cx(), b.y + 20, esc(n.name())));
            sb.append(String.format(Locale.ROOT, "<text class=\"detail\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text></g>%n", b.cx(), b.y + 37, esc(nodeDetail(n))));
        }
        sb.append(labels);
        double y = graphBottom + 34 + 26;
        for (String s : summary) {
            sb.append(String.format(Locale.ROOT, "<text class=\"summary\" x=\"%.0f\" y=\"%.0f\">%s</text>%n", MARGIN, y, esc(s)));
            y += 20;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** Puts an arrow's label where on its curve it covers no box and no other label. */
    private static void placeLabel(Arrow a, double[] px, double[] py, List<double[]> taken, StringBuilder labels, Box f) {
        double lw = textWidth(a.label(), SMALL) + 8, lh = 16;
        double lx = bez(px[0], px[1], px[2], px[3], 0.5), ly = bez(py[0], py[1], py[2], py[3], 0.5);
        search:
        for (double dy : new double[]{0, -10, 10}) {
            for (double tt : new double[]{0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85}) {
                double cx = bez(px[0], px[1], px[2], px[3], tt), cy = bez(py[0], py[1], py[2], py[3], tt) + dy;
                double[] r = {cx - lw / 2, cy - lh / 2, lw, lh};
                if (taken.stream().noneMatch(o -> overlaps(o, r))) {
                    lx = cx;
                    ly = cy;
                    break search;
                }
            }
        }
        if (a.from().equals(a.to())) {
            lx = f.x + f.w + 46 + lw / 2;
            ly = f.cy();
        }
        taken.add(new double[]{lx - lw / 2, ly - lh / 2, lw, lh});
        labels.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.92\"/>%n", lx - lw / 2, ly - lh / 2, lw, lh));
        labels.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>%n", lx, ly + 4, esc(a.label())));
    }

    private static boolean isForward(Arrow a, Set<String> back) {
        return !a.from().equals(a.to()) && !back.contains(a.from() + "\u0000" + a.to());
    }

    private static boolean overlaps(double[] a, double[] b) {
        return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
    }

    private static double bez(double a, double b, double c, double d, double t) {
        double u = 1 - t;
        return u * u * u * a + 3 * u * u * t * b + 3 * u * t * t * c + t * t * t * d;
    }

    private static Set<String> backEdges(List<String> ids, Map<String, List<String>> succ) {
        Set<String> back = new HashSet<>();
        Map<String, Integer> state = new HashMap<>(); // 1 on stack, 2 done
        for (String id : ids) if (!state.containsKey(id)) dfs(id, succ, state, back);
        return back;
    }

    private static void dfs(String id, Map<String, List<String>> succ, Map<String, Integer> state, Set<String> back) {
        state.put(id, 1);
        for (String n : succ.getOrDefault(id, List.of())) {
            Integer s = state.get(n);
            if (s == null) dfs(n, succ, state, back);
            else if (s == 1) back.add(id + "\u0000" + n);
        }
        state.put(id, 2);
    }

    private static double textWidth(String s, double size) {
        return s.codePointCount(0, s.length()) * size * CHAR;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
