package io.bpf4j.linux;

import io.bpf4j.BpfException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The number of possible CPUs: how many values the kernel copies for a per-CPU map element
 * ({@code for_each_possible_cpu}), read from {@code /sys/devices/system/cpu/possible} (e.g. {@code 0-3} or
 * {@code 0,2-5}).
 */
final class PossibleCpus {
    private PossibleCpus() {}

    private static final Path FILE = Path.of("/sys/devices/system/cpu/possible");

    private static final class Holder {
        static final int COUNT = read();
    }

    static int count() {
        return Holder.COUNT;
    }

    private static int read() {
        String text;
        try {
            text = Files.readString(FILE);
        } catch (IOException e) {
            throw new BpfException("cannot read " + FILE + " to size per-CPU map values: " + e.getMessage(), e);
        }
        return parse(text);
    }

    /** Counts the CPUs in a kernel cpu list such as {@code 0-3,8-11}. */
    static int parse(String list) {
        String s = list.trim();
        if (s.isEmpty()) throw new BpfException("empty CPU list in " + FILE);
        int count = 0;
        for (String part : s.split(",")) {
            int dash = part.indexOf('-');
            try {
                if (dash < 0) {
                    Integer.parseInt(part);
                    count++;
                } else {
                    int lo = Integer.parseInt(part.substring(0, dash)), hi = Integer.parseInt(part.substring(dash + 1));
                    if (hi < lo) throw new NumberFormatException("range " + part + " runs backwards");
                    count += hi - lo + 1;
                }
            } catch (NumberFormatException e) {
                throw new BpfException("malformed CPU list '" + s + "' in " + FILE + ": " + e.getMessage(), e);
            }
        }
        return count;
    }
}
