package io.bpf4j.linux;

import io.bpf4j.BpfException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Type information loaded into the kernel ({@code BPF_BTF_LOAD}): what maps with spin locks, timers or
 * kptrs need, and what programs' func_info / line_info refer to. The kernel keeps the BTF alive while a map
 * or program uses it, so closing this right after creating them is fine.
 */
public final class KernelBtf implements AutoCloseable {
    private final Fd fd;
    private final String name;

    private KernelBtf(Fd fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /**
     * Loads raw BTF (the {@code .BTF} section as the object carries it: header, types, strings).
     *
     * @param name for messages, e.g. the object's file name
     * @throws KernelException when the kernel refuses it; the message carries the kernel's BTF log
     */
    public static KernelBtf load(String name, byte[] raw) {
        if (raw == null || raw.length == 0) throw new BpfException("BTF of " + name + " is empty");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BpfCommand.BTF_LOAD.attrSize(), 8);
            MemorySegment data = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_BYTE, raw);
            attr.set(JAVA_LONG, 0, data.address());
            attr.set(JAVA_INT, 16, raw.length);
            long r = Syscalls.bpfRaw(BpfCommand.BTF_LOAD, attr);
            if (r >= 0) return new KernelBtf(new Fd((int) r, "BTF of " + name), name);
            int errno = (int) -r;
            // Load again with a log to say why (as libbpf does: the log costs time only when it is needed).
            int logSize = 1 << 20;
            MemorySegment log = arena.allocate(logSize);
            attr.set(JAVA_LONG, 8, log.address());
            attr.set(JAVA_INT, 20, logSize);
            attr.set(JAVA_INT, 24, 1);
            long again = Syscalls.bpfRaw(BpfCommand.BTF_LOAD, attr);
            if (again >= 0) return new KernelBtf(new Fd((int) again, "BTF of " + name), name);
            String text = log.getString(0, StandardCharsets.UTF_8).strip();
            throw new KernelException("BPF_BTF_LOAD", "BTF of " + name, errno,
                    text.isEmpty() ? null : "kernel log: " + VerifierLog.lastLines(text, 6));
        }
    }

    /** The descriptor, valid until {@link #close()}. */
    public int fd() {
        return fd.number();
    }

    public String name() {
        return name;
    }

    Fd descriptor() {
        return fd;
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return fd.toString();
    }
}
