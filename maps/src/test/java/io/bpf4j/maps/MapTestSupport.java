package io.bpf4j.maps;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import org.assertj.core.api.ThrowableAssert;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Small helpers shared by the map tests. */
final class MapTestSupport {
    private MapTestSupport() {}

    static MapDefinition def(MapType type, int key, int value, int max) {
        return new MapDefinition("m_" + type.name().toLowerCase(), type, key, value, max);
    }

    static MapDefinition def(MapType type, int key, int value, int max, int flags) {
        return new MapDefinition("m_" + type.name().toLowerCase(), type, key, value, max, flags, null);
    }

    static java.lang.foreign.MemorySegment seg(byte[] b) {
        return java.lang.foreign.MemorySegment.ofArray(b);
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static long readU64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static int readU32(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /** Asserts the call fails with {@code errno} and a message naming {@code mapName}. */
    static void assertErrno(Errno errno, String mapName, ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOf(BpfErrnoException.class)
                .satisfies(t -> {
                    BpfErrnoException e = (BpfErrnoException) t;
                    if (e.errno() != errno) throw new AssertionError("expected " + errno + " but got " + e.errno() + ": " + e.getMessage());
                })
                .hasMessageContaining("'" + mapName + "'");
    }

    static void assertErrno(Errno errno, ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOf(BpfErrnoException.class)
                .satisfies(t -> {
                    BpfErrnoException e = (BpfErrnoException) t;
                    if (e.errno() != errno) throw new AssertionError("expected " + errno + " but got " + e.errno() + ": " + e.getMessage());
                });
    }
}
