package io.bpf4j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Time per program, estimated from time per path. bpf4j's runtime times whole invocations, as Linux's bpf_stats
 * does, so a program's own share is not measured; but every path is a sum of programs, and the capture has many
 * paths sharing programs. Non-negative least squares over the paths' median times (weighted by their packets)
 * finds the per-program times that best add up to them.
 */
final class PathTimes {
    private PathTimes() {}

    /**
     * @param paths each path's programs (a program may repeat), its packets and its median time in ns
     * @return an estimate per program in ns, or an empty map when the paths cannot separate the programs
     *         (fewer distinct paths than programs)
     */
    static Map<String, Double> perProgram(List<List<String>> paths, List<Long> packets, List<Long> medians) {
        List<String> programs = new ArrayList<>();
        for (List<String> p : paths) for (String s : p) if (!programs.contains(s)) programs.add(s);
        int k = paths.size(), n = programs.size();
        if (k < n || n == 0) return Map.of();
        double[][] a = new double[k][n];
        for (int i = 0; i < k; i++) for (String s : paths.get(i)) a[i][programs.indexOf(s)]++;
        double[] x = solveNormalEquations(a, packets, medians, n);
        if (x == null) return Map.of();
        boolean negative = false;
        for (double v : x) negative |= v < 0;
        if (negative) {
            // the unconstrained fit wants a negative time: coordinate descent with x >= 0 from its clamped values
            for (int j = 0; j < n; j++) x[j] = Math.max(0, x[j]);
            for (int iter = 0; iter < 20_000; iter++) {
                double change = 0;
                for (int j = 0; j < n; j++) {
                    double num = 0, den = 0;
                    for (int i = 0; i < k; i++) {
                        if (a[i][j] == 0) continue;
                        double rest = 0;
                        for (int m = 0; m < n; m++) if (m != j) rest += a[i][m] * x[m];
                        num += packets.get(i) * a[i][j] * (medians.get(i) - rest);
                        den += packets.get(i) * a[i][j] * a[i][j];
                    }
                    double v = den == 0 ? 0 : Math.max(0, num / den);
                    change = Math.max(change, Math.abs(v - x[j]));
                    x[j] = v;
                }
                if (change < 1e-6) break;
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (int j = 0; j < n; j++) out.put(programs.get(j), x[j]);
        return out;
    }

    /** Weighted least squares through (AᵀWA) x = AᵀW m; null when the paths do not determine every program. */
    private static double[] solveNormalEquations(double[][] a, List<Long> w, List<Long> m, int n) {
        int k = a.length;
        double[][] g = new double[n][n + 1];
        for (int i = 0; i < k; i++) {
            for (int r = 0; r < n; r++) {
                if (a[i][r] == 0) continue;
                for (int c = 0; c < n; c++) g[r][c] += w.get(i) * a[i][r] * a[i][c];
                g[r][n] += w.get(i) * a[i][r] * m.get(i);
            }
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) if (Math.abs(g[r][col]) > Math.abs(g[pivot][col])) pivot = r;
            if (Math.abs(g[pivot][col]) < 1e-9) return null;
            double[] t = g[col];
            g[col] = g[pivot];
            g[pivot] = t;
            for (int r = 0; r < n; r++) {
                if (r == col) continue;
                double f = g[r][col] / g[col][col];
                for (int c = col; c <= n; c++) g[r][c] -= f * g[col][c];
            }
        }
        double[] x = new double[n];
        for (int r = 0; r < n; r++) x[r] = g[r][n] / g[r][r];
        return x;
    }
}
