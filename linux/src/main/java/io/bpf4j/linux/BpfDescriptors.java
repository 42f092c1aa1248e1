package io.bpf4j.linux;

import io.bpf4j.BpfException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The bpf objects this process holds open, from {@code /proc/self/fd}: what a leak check compares before and
 * after a test. Only bpf descriptors count ({@code anon_inode:bpf-map}, {@code bpf-prog}, {@code btf},
 * {@code bpf_link}, ...), so the JVM opening jar files or sockets meanwhile is not mistaken for a leak.
 */
public final class BpfDescriptors {
    private BpfDescriptors() {}

    private static final Path FDS = Path.of("/proc/self/fd");

    /** Open bpf descriptors: number → what the kernel calls it (e.g. {@code anon_inode:bpf-map}). */
    public static SortedMap<Integer, String> open() {
        SortedMap<Integer, String> out = new TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(FDS)) {
            for (Path p : dir) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (NoSuchFileException e) {
                    continue; // closed while we listed (e.g. the directory stream's own descriptor)
                }
                if (isBpf(target)) out.put(Integer.parseInt(p.getFileName().toString()), target);
            }
        } catch (IOException e) {
            throw new BpfException("cannot list " + FDS + " to count bpf descriptors: " + e.getMessage(), e);
        }
        return Collections.unmodifiableSortedMap(out);
    }

    static boolean isBpf(String target) {
        return target.startsWith("anon_inode:bpf") || target.startsWith("anon_inode:btf");
    }
}
