package io.bpf4j.linux;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.OptionalInt;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A BPF_MAP_TYPE_PROG_ARRAY in the kernel: the table {@code bpf_tail_call} jumps through. Through the plain
 * {@link io.bpf4j.maps.BpfMap} methods a value is a 4-byte program file descriptor on update and a 4-byte
 * program id on lookup (what the kernel returns); {@link #set} and {@link #programId} say so in their types.
 *
 * <p>The kernel's rules (linux-semantics.md): only {@code BPF_ANY} updates (else EINVAL), an index beyond
 * {@code max_entries} is E2BIG, clearing an empty slot is ENOENT, a program that does not match the array's
 * owner (type, JIT, xdp frags, expected attach type, ...) is EINVAL. Replacing a slot is atomic. When this
 * array's last user-space descriptor closes, the kernel empties every slot.
 */
public final class KernelProgArray extends KernelMap {
    KernelProgArray(MapDefinition definition, Fd fd) {
        super(definition, fd, 1);
    }

    /** Creates an empty prog array of {@code maxEntries} slots. */
    public static KernelProgArray create(String name, int maxEntries) {
        return (KernelProgArray) KernelMap.create(new MapDefinition(name, MapType.PROG_ARRAY, 4, 4, maxEntries));
    }

    /** Slots in the array. */
    public int capacity() {
        return definition().maxEntries();
    }

    /** Puts {@code program} into slot {@code index} (replacing what was there, atomically). */
    public void set(int index, KernelProgram program) {
        Fd prog = program.descriptor();
        int progFd = prog.acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            key.set(JAVA_INT, 0, index);
            MemorySegment value = arena.allocate(JAVA_INT);
            value.set(JAVA_INT, 0, progFd);
            int errno = call(BpfCommand.MAP_UPDATE_ELEM, key, value, UpdateFlags.ANY);
            if (errno == Errno.EINVAL.number()) {
                throw new KernelException("BPF_MAP_UPDATE_ELEM", subject() + " slot " + index, errno,
                        "program " + program.name() + " (" + program.type()
                                + (program.expectedAttachType() == null ? "" : ", " + program.expectedAttachType())
                                + ") does not match the array's owner (the first program that used or entered it): "
                                + "type, JIT, xdp frags, sleepable and expected attach type must agree");
            }
            if (errno != 0) throw new KernelException("BPF_MAP_UPDATE_ELEM", subject() + " slot " + index
                    + " <- program " + program.name(), errno);
        } finally {
            prog.release();
        }
    }

    /** Empties slot {@code index}; ENOENT when it was empty. */
    public void clear(int index) {
        delete(le32(index));
    }

    /** The kernel id of the program in slot {@code index}, or empty. */
    public OptionalInt programId(int index) {
        byte[] id = lookup(le32(index));
        if (id == null) return OptionalInt.empty();
        return OptionalInt.of((id[0] & 0xff) | (id[1] & 0xff) << 8 | (id[2] & 0xff) << 16 | (id[3] & 0xff) << 24);
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
