package io.bpf4j.runtime;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where {@code bpf_trace_printk} writes: Linux's {@code /sys/kernel/tracing/trace_pipe} for one runtime. Lines are
 * kept (up to {@link #CAPACITY}, the oldest dropped first, as a full trace buffer drops) until {@link #drain()}ed,
 * and also handed to the sink given to {@link BpfRuntime.Builder#tracePrintk}, if any.
 */
public final class TracePipe {
    public static final int CAPACITY = 10_000;

    /** One line: the CPU and program that printed it, and the formatted text. */
    public record Line(int cpu, String program, String text) {
        @Override
        public String toString() {
            return "[" + String.format("%03d", cpu) + "] " + program + ": " + text;
        }
    }

    private final ArrayDeque<Line> lines = new ArrayDeque<>();
    private final Consumer<Line> sink;
    private long dropped;

    TracePipe(Consumer<Line> sink) {
        this.sink = sink;
    }

    void emit(Line line) {
        synchronized (lines) {
            if (lines.size() == CAPACITY) {
                lines.pollFirst();
                dropped++;
            }
            lines.addLast(line);
        }
        if (sink != null) sink.accept(line);
    }

    /** Takes every line printed so far (and not drained before). */
    public List<Line> drain() {
        synchronized (lines) {
            List<Line> out = new ArrayList<>(lines);
            lines.clear();
            return out;
        }
    }

    /** Lines dropped because nobody drained the pipe. */
    public long dropped() {
        synchronized (lines) {
            return dropped;
        }
    }
}
