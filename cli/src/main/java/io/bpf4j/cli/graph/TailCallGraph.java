package io.bpf4j.cli.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tail-call graph of an object: programs are nodes; each tail-call site gives an edge per slot it can
 * reach, to the program in that slot (or to nothing: an empty or out-of-range slot falls through). On top of
 * it: the longest chain of tail calls, the cycles, whether the tail-call limit can be hit, and the worst-case
 * stack per the seed's rule — a tail call unwinds only the frame it is made from, so the frames of the
 * functions that called that frame stay allocated under every later program.
 */
public final class TailCallGraph {
    /** Seed's limit: 32 tail calls per invocation (33 programs). Linux since 5.17 allows 33. */
    public static final int SEED_LIMIT = 32;
    /** The kernel's cap on the stack below a tail call made from a subprogram (verifier: "Too large"). */
    public static final int CALLER_STACK_CAP = 256;

    public enum Fallthrough { EMPTY, OUT_OF_RANGE, UNKNOWN_MAP }

    /**
     * One way a site can go.
     *
     * @param from     the program making the tail call
     * @param site     the call's pc and function
     * @param map      the prog array, null when analysis could not tell
     * @param slot     the slot, or -1 when the index is variable and this edge stands for "any filled slot"
     * @param to       the program in the slot, or null when the tail call falls through
     * @param variable true when the index is not a constant the analysis could pin down
     * @param fallthrough why the tail call falls through when {@code to} is null
     */
    public record Edge(String from, TailCallSite site, String map, long slot, String to, boolean variable,
                       Fallthrough fallthrough) {}

    /** A node: a program with its facts. */
    public record Node(String name, String section, int instructions, boolean entry, ProgramAnalysis.Result analysis) {}

    /** A path through the graph and what it costs. */
    public record Chain(List<String> programs, int tailCalls, boolean capped, int stackBytes) {}

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<Edge> edges = new ArrayList<>();
    private final Map<String, ProgArray> arrays;
    private final int limit;
    private final List<String> warnings = new ArrayList<>();
    private final List<String> roots;

    private final boolean rootGiven;

    private TailCallGraph(Map<String, ProgArray> arrays, int limit, List<String> roots, boolean rootGiven) {
        this.arrays = arrays;
        this.limit = limit;
        this.roots = roots;
        this.rootGiven = rootGiven;
    }

    /**
     * @param programs the object's programs
     * @param arrays   its prog arrays with their contents
     * @param limit    the tail-call limit (32 as the seed says, 33 as Linux does)
     * @param root     the program invocations start from, or null for every program no slot holds
     */
    public static TailCallGraph build(List<ProgramCode> programs, Map<String, ProgArray> arrays, int limit, String root) {
        Set<String> inSlots = new HashSet<>();
        for (ProgArray a : arrays.values()) inSlots.addAll(a.slots().values());
        List<String> roots = new ArrayList<>();
        if (root != null) roots.add(root);
        else for (ProgramCode p : programs) if (!inSlots.contains(p.name())) roots.add(p.name());
        if (roots.isEmpty()) for (ProgramCode p : programs) roots.add(p.name()); // every program is a target
        TailCallGraph g = new TailCallGraph(Map.copyOf(arrays), limit, List.copyOf(roots), root != null);
        for (ProgramCode p : programs) {
            ProgramAnalysis.Result r = ProgramAnalysis.analyze(p);
            g.nodes.put(p.name(), new Node(p.name(), p.section(), p.code().size(), roots.contains(p.name()), r));
        }
        for (Node n : g.nodes.values()) g.addEdges(n);
        if (root != null) g.keepReachableFrom(root);
        return g;
    }

    private void addEdges(Node n) {
        for (TailCallSite s : n.analysis().sites()) {
            if (s.map() == null) {
                edges.add(new Edge(n.name(), s, null, -1, null, s.variableIndex(), Fallthrough.UNKNOWN_MAP));
                warnings.add(n.name() + " pc " + s.pc() + ": cannot tell which prog array the tail call uses; its targets are not in the graph");
                continue;
            }
            ProgArray a = arrays.get(s.map());
            if (a == null) {
                warnings.add(n.name() + " pc " + s.pc() + ": tail call through map " + s.map() + ", which is not a prog array (the verifier will reject it)");
                continue;
            }
            if (s.slots() == null) {
                for (Map.Entry<Integer, String> e : a.slots().entrySet()) {
                    edges.add(new Edge(n.name(), s, a.name(), e.getKey(), e.getValue(), true, null));
                }
                // every other index falls through: an empty slot, or one past the end
                edges.add(new Edge(n.name(), s, a.name(), -1, null, true,
                        a.slots().size() < a.maxEntries() ? Fallthrough.EMPTY : Fallthrough.OUT_OF_RANGE));
                continue;
            }
            for (long slot : s.slots()) {
                if (slot >= a.maxEntries()) {
                    edges.add(new Edge(n.name(), s, a.name(), slot, null, false, Fallthrough.OUT_OF_RANGE));
                } else {
                    String to = a.slots().get((int) slot);
                    edges.add(new Edge(n.name(), s, a.name(), slot, to, false, to == null ? Fallthrough.EMPTY : null));
                }
            }
            if (s.callerStack() >= CALLER_STACK_CAP) {
                warnings.add(n.name() + " pc " + s.pc() + ": tail call from " + s.function() + " with " + s.callerStack()
                        + " bytes of caller stack; the kernel rejects 256 or more (\"tail_calls are not allowed when call stack of previous frames is "
                        + s.callerStack() + " bytes. Too large\")");
            }
        }
    }

    private void keepReachableFrom(String root) {
        Set<String> seen = reachable(List.of(root));
        nodes.keySet().retainAll(seen);
        edges.removeIf(e -> !seen.contains(e.from()));
    }

    private Set<String> reachable(List<String> from) {
        Set<String> seen = new LinkedHashSet<>();
        List<String> work = new ArrayList<>(from);
        while (!work.isEmpty()) {
            String p = work.removeLast();
            if (!seen.add(p)) continue;
            for (Edge e : edges) if (e.from().equals(p) && e.to() != null) work.add(e.to());
        }
        return seen;
    }

    public Map<String, Node> nodes() {
        return nodes;
    }

    public List<Edge> edges() {
        return edges;
    }

    public Map<String, ProgArray> arrays() {
        return arrays;
    }

    public int limit() {
        return limit;
    }

    public List<String> roots() {
        return roots;
    }

    /**
     * Where invocations can start: the one program asked for, or else every program — the entry programs first —
     * since any program can be attached or run on its own, not only those no prog array holds.
     */
    private List<String> starts() {
        if (rootGiven) return roots;
        List<String> out = new ArrayList<>();
        for (String r : roots) if (nodes.containsKey(r)) out.add(r);
        for (String n : nodes.keySet()) if (!out.contains(n)) out.add(n);
        return out;
    }

    public List<String> warnings() {
        return warnings;
    }

    /** Programs each program can tail-call (distinct, in edge order). */
    public Map<String, List<String>> successors() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String n : nodes.keySet()) out.put(n, new ArrayList<>());
        for (Edge e : edges) {
            if (e.to() == null || !nodes.containsKey(e.to())) continue;
            List<String> l = out.get(e.from());
            if (l != null && !l.contains(e.to())) l.add(e.to());
        }
        return out;
    }

    /** The elementary cycles (each as its programs, starting from its alphabetically first), at most 100. */
    public List<List<String>> cycles() {
        Map<String, List<String>> succ = successors();
        List<List<String>> out = new ArrayList<>();
        Set<String> seenKeys = new HashSet<>();
        for (String start : succ.keySet()) {
            findCycles(start, start, succ, new ArrayList<>(List.of(start)), out, seenKeys);
            if (out.size() >= 100) break;
        }
        return out;
    }

    private void findCycles(String start, String at, Map<String, List<String>> succ, List<String> path,
                            List<List<String>> out, Set<String> seenKeys) {
        for (String next : succ.getOrDefault(at, List.of())) {
            if (next.equals(start)) {
                List<String> c = canonical(path);
                if (seenKeys.add(String.join("\u0000", c)) && out.size() < 100) out.add(c);
            } else if (!path.contains(next) && next.compareTo(start) > 0) {
                path.add(next);
                findCycles(start, next, succ, path, out, seenKeys);
                path.removeLast();
            }
        }
    }

    private static List<String> canonical(List<String> cycle) {
        int min = 0;
        for (int i = 1; i < cycle.size(); i++) if (cycle.get(i).compareTo(cycle.get(min)) < 0) min = i;
        List<String> c = new ArrayList<>();
        for (int i = 0; i < cycle.size(); i++) c.add(cycle.get((min + i) % cycle.size()));
        return c;
    }

    /**
     * The longest chain of tail calls from any start (see {@link #starts}). A cycle makes chains as long as the limit allows: the
     * result then has {@code capped} set and {@code limit} tail calls.
     */
    public Chain longestChain() {
        Map<String, List<String>> succ = successors();
        Map<String, List<String>> memo = new HashMap<>();
        List<String> best = List.of();
        boolean capped = false;
        for (String r : starts()) {
            if (!nodes.containsKey(r)) continue;
            List<String> c = longestFrom(r, succ, memo, new LinkedHashSet<>());
            if (c == null) { // a cycle is reachable: walk it until the limit
                capped = true;
                best = cycleWalk(r, succ);
                break;
            }
            if (c.size() > best.size()) best = c;
        }
        return new Chain(best, Math.max(0, best.size() - 1), capped, stackOfPath(best));
    }

    /** Longest acyclic path from p, or null when a cycle is reachable from p. */
    private List<String> longestFrom(String p, Map<String, List<String>> succ, Map<String, List<String>> memo, LinkedHashSet<String> onPath) {
        if (memo.containsKey(p)) return memo.get(p);
        if (!onPath.add(p)) return null;
        List<String> best = List.of(p);
        for (String n : succ.getOrDefault(p, List.of())) {
            List<String> sub = longestFrom(n, succ, memo, onPath);
            if (sub == null) {
                onPath.remove(p);
                return null;
            }
            if (sub.size() + 1 > best.size()) {
                List<String> c = new ArrayList<>();
                c.add(p);
                c.addAll(sub);
                best = c;
            }
        }
        onPath.remove(p);
        memo.put(p, best);
        return best;
    }

    /** A path of limit + 1 programs that goes around a reachable cycle. */
    private List<String> cycleWalk(String root, Map<String, List<String>> succ) {
        // prefer successors from which a cycle is reachable, so the walk never dead-ends early
        Set<String> cyclic = new HashSet<>();
        for (List<String> c : cycles()) cyclic.addAll(c);
        Map<String, Boolean> leadsToCycle = new HashMap<>();
        List<String> path = new ArrayList<>(List.of(root));
        String at = root;
        while (path.size() < limit + 1) {
            String next = null;
            for (String n : succ.getOrDefault(at, List.of())) {
                if (leads(n, succ, cyclic, leadsToCycle, new HashSet<>())) {
                    next = n;
                    break;
                }
            }
            if (next == null) break;
            path.add(next);
            at = next;
        }
        return path;
    }

    private static boolean leads(String n, Map<String, List<String>> succ, Set<String> cyclic, Map<String, Boolean> memo, Set<String> seen) {
        if (cyclic.contains(n)) return true;
        Boolean m = memo.get(n);
        if (m != null) return m;
        if (!seen.add(n)) return false;
        boolean r = false;
        for (String s : succ.getOrDefault(n, List.of())) if (leads(s, succ, cyclic, memo, seen)) r = true;
        memo.put(n, r);
        return r;
    }

    /** True when some invocation can make {@link #limit} tail calls, so the limit decides where it stops. */
    public boolean limitReachable() {
        Chain c = longestChain();
        return c.capped() || c.tailCalls() >= limit;
    }

    /**
     * Worst-case stack over every invocation from the roots, per the seed's rule, with at most {@link #limit}
     * tail calls: each program's own deepest bpf2bpf chain, and for each tail call the caller frames that stay
     * below it plus the worst case of its target with one tail call fewer.
     */
    public Chain worstCaseStack() {
        Map<String, int[]> memo = new HashMap<>();
        int best = -1;
        String bestRoot = null;
        for (String r : starts()) {
            if (!nodes.containsKey(r)) continue;
            int w = worst(r, limit, memo);
            if (w > best) {
                best = w;
                bestRoot = r;
            }
        }
        if (bestRoot == null) return new Chain(List.of(), 0, false, 0);
        // rebuild the path that gives the worst case
        List<String> path = new ArrayList<>(List.of(bestRoot));
        String at = bestRoot;
        int k = limit;
        while (k > 0) {
            int target = worst(at, k, memo);
            int own = nodes.get(at).analysis().ownStack();
            if (target == own) break;
            Edge step = null;
            for (Edge e : edges) {
                if (e.from().equals(at) && e.to() != null && nodes.containsKey(e.to())
                        && e.site().callerStack() + worst(e.to(), k - 1, memo) == target) {
                    step = e;
                    break;
                }
            }
            if (step == null) break;
            at = step.to();
            path.add(at);
            k--;
        }
        return new Chain(path, path.size() - 1, false, best);
    }

    private int worst(String p, int k, Map<String, int[]> memo) {
        int[] row = memo.computeIfAbsent(p, x -> {
            int[] a = new int[limit + 1];
            java.util.Arrays.fill(a, -1);
            return a;
        });
        if (row[k] >= 0) return row[k];
        Node n = nodes.get(p);
        int w = n.analysis().ownStack();
        if (k > 0) {
            for (Edge e : edges) {
                if (!e.from().equals(p) || e.to() == null || !nodes.containsKey(e.to())) continue;
                w = Math.max(w, e.site().callerStack() + worst(e.to(), k - 1, memo));
            }
        }
        row[k] = w;
        return w;
    }

    private int stackOfPath(List<String> path) {
        int worst = 0, below = 0;
        for (int i = 0; i < path.size(); i++) {
            Node n = nodes.get(path.get(i));
            if (n == null) break;
            worst = Math.max(worst, below + n.analysis().ownStack());
            if (i + 1 < path.size()) {
                int add = 0;
                for (Edge e : edges) {
                    if (e.from().equals(path.get(i)) && path.get(i + 1).equals(e.to())) add = Math.max(add, e.site().callerStack());
                }
                below += add;
            }
        }
        return worst;
    }
}
