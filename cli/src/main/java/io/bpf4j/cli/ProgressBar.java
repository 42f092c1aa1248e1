package io.bpf4j.cli;

import java.io.PrintWriter;

/**
 * A one-line progress bar on stderr for long captures: drawn only when stderr is a terminal and the work takes
 * long enough to be worth watching, redrawn at most ten times a second, erased when done.
 */
final class ProgressBar {
    private static final long FIRST_DRAW_AFTER_NANOS = 700_000_000L;
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /** Enabled when the JVM has a console (stdout and stderr are terminals) and BPF4J_NO_PROGRESS is not set. */
    static boolean terminal() {
        return System.console() != null && System.console().isTerminal() && System.getenv("BPF4J_NO_PROGRESS") == null;
    }

    /**
     * @param done  units done (packets, or bytes read)
     * @param total units in all, or -1 when unknown
     * @param what  what is counted so far, e.g. "12,345 packets"
     */
    void update(long done, long total, String what) {
        if (!enabled) return;
        long now = System.nanoTime();
        if (now - start < FIRST_DRAW_AFTER_NANOS || now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        drawn = true;
        StringBuilder sb = new StringBuilder("\r");
        if (total > 0) {
            double f = Math.min(1.0, (double) done / total);
            int full = (int) Math.round(f * WIDTH);
            sb.append('[').append("#".repeat(full)).append(".".repeat(WIDTH - full)).append("] ")
                    .append(String.format("%3d%% ", (int) (f * 100)));
        }
        sb.append(what);
        double secs = (now - start) / 1e9;
        sb.append(String.format("  %.1fs", secs));
        err.print(sb);
        err.flush();
    }

    void finish() {
        if (drawn) {
            err.print("\r" + " ".repeat(WIDTH + 60) + "\r");
            err.flush();
        }
    }
}
