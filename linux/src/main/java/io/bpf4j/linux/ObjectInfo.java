package io.bpf4j.linux;

import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** BPF_OBJ_GET_INFO_BY_FD for maps and programs; offsets from {@code struct bpf_map_info} / {@code bpf_prog_info}. */
final class ObjectInfo {
    private ObjectInfo() {}

    private static final int MAP_INFO_SIZE = 88, PROG_INFO_SIZE = 232;

    static MapInfo map(Fd fd, String subject) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = query(arena, fd, MAP_INFO_SIZE, subject);
            int typeId = info.get(JAVA_INT, 0);
            return new MapInfo(info.get(JAVA_INT, 4), MapType.ofId(typeId), typeId, info.get(JAVA_INT, 8),
                    info.get(JAVA_INT, 12), info.get(JAVA_INT, 16), info.get(JAVA_INT, 20), Names.read(info, 24),
                    info.get(JAVA_INT, 64));
        }
    }

    static ProgramInfo program(Fd fd, String subject) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = query(arena, fd, PROG_INFO_SIZE, subject);
            int typeId = info.get(JAVA_INT, 0);
            byte[] tag = info.asSlice(8, 8).toArray(JAVA_BYTE);
            return new ProgramInfo(info.get(JAVA_INT, 4), ProgramType.ofId(typeId), typeId, Names.read(info, 64),
                    HexFormat.of().formatHex(tag), info.get(JAVA_INT, 20), info.get(JAVA_INT, 16),
                    info.get(JAVA_INT, 52), info.get(JAVA_LONG, 192), info.get(JAVA_LONG, 200), info.get(JAVA_INT, 216));
        }
    }

    private static MemorySegment query(Arena arena, Fd fd, int size, String subject) {
        MemorySegment info = arena.allocate(size, 8);
        MemorySegment attr = arena.allocate(BpfCommand.OBJ_GET_INFO_BY_FD.attrSize(), 8);
        int raw = fd.acquire();
        try {
            attr.set(JAVA_INT, 0, raw);
            attr.set(JAVA_INT, 4, size);
            attr.set(JAVA_LONG, 8, info.address());
            Syscalls.bpf(BpfCommand.OBJ_GET_INFO_BY_FD, attr, subject);
        } finally {
            fd.release();
        }
        return info;
    }
}
