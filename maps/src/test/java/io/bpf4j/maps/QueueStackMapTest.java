package io.bpf4j.maps;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static io.bpf4j.maps.MapTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

class QueueStackMapTest {
    private final QueueStackMap queue = (QueueStackMap) EmbeddedMaps.create(def(MapType.QUEUE, 0, 4, 3), 1);
    private final QueueStackMap stack = (QueueStackMap) EmbeddedMaps.create(def(MapType.STACK, 0, 4, 3), 1);

    @Test
    void queueIsFifo() {
        for (int i = 1; i <= 3; i++) queue.push(u32(i), UpdateFlags.ANY);
        assertThat(readU32(queue.peek())).isEqualTo(1);
        assertThat(readU32(queue.pop())).isEqualTo(1);
        assertThat(readU32(queue.pop())).isEqualTo(2);
        queue.push(u32(4), UpdateFlags.ANY);
        assertThat(readU32(queue.pop())).isEqualTo(3);
        assertThat(readU32(queue.pop())).isEqualTo(4);
        assertThat(queue.pop()).isNull();
        assertThat(queue.peek()).isNull();
    }

    @Test
    void stackIsLifo() {
        for (int i = 1; i <= 3; i++) stack.push(u32(i), UpdateFlags.ANY);
        assertThat(readU32(stack.peek())).isEqualTo(3);
        assertThat(readU32(stack.pop())).isEqualTo(3);
        stack.push(u32(9), UpdateFlags.ANY);
        assertThat(readU32(stack.pop())).isEqualTo(9);
        assertThat(readU32(stack.pop())).isEqualTo(2);
        assertThat(readU32(stack.pop())).isEqualTo(1);
        assertThat(stack.pop()).isNull();
    }

    @Test
    void fullPushIsE2BIGUnlessBpfExistWhichOverwritesTheOldest() {
        for (int i = 1; i <= 3; i++) queue.push(u32(i), UpdateFlags.ANY);
        assertErrno(Errno.E2BIG, "m_queue", () -> queue.push(u32(4), UpdateFlags.ANY));
        queue.push(u32(4), UpdateFlags.EXIST);
        assertThat(readU32(queue.pop())).isEqualTo(2);
        assertThat(readU32(queue.pop())).isEqualTo(3);
        assertThat(readU32(queue.pop())).isEqualTo(4);

        for (int i = 1; i <= 3; i++) stack.push(u32(i), UpdateFlags.ANY);
        assertErrno(Errno.E2BIG, "m_stack", () -> stack.push(u32(4), UpdateFlags.ANY));
        stack.push(u32(4), UpdateFlags.EXIST); // drops 1, the oldest
        assertThat(readU32(stack.pop())).isEqualTo(4);
        assertThat(readU32(stack.pop())).isEqualTo(3);
        assertThat(readU32(stack.pop())).isEqualTo(2);
        assertThat(stack.pop()).isNull();
    }

    @Test
    void badFlagsAndSizesAreEINVAL() {
        assertErrno(Errno.EINVAL, "m_queue", () -> queue.push(u32(1), UpdateFlags.NOEXIST));
        assertErrno(Errno.EINVAL, "m_queue", () -> queue.push(u32(1), 4));
        assertErrno(Errno.EINVAL, "m_queue", () -> queue.push(new byte[3], UpdateFlags.ANY));
        assertErrno(Errno.EINVAL, "m_queue", () -> queue.delete(new byte[0]));
        assertErrno(Errno.EINVAL, "m_queue", () -> queue.nextKey(null));
        assertErrno(Errno.EINVAL, "m_queue", () -> queue.lookup(u32(0)));
        assertThat(queue.size()).isZero();
    }

    @Test
    void bpfSyscallFaceLookupPeeksAndUpdatePushes() {
        queue.update(null, u32(5), UpdateFlags.ANY);
        queue.update(new byte[0], u32(6), UpdateFlags.ANY);
        assertThat(readU32(queue.lookup(null))).isEqualTo(5);
        assertThat(queue.size()).isEqualTo(2);
    }

    @Test
    void programFace() {
        byte[] mem = new byte[16];
        System.arraycopy(u32(42), 0, mem, 8, 4);
        assertThat(queue.pushElem(seg(mem), 8, UpdateFlags.ANY)).isZero();
        assertThat(queue.pushElem(seg(mem), 8, UpdateFlags.NOEXIST)).isEqualTo(-22);
        byte[] out = new byte[8];
        assertThat(queue.peekElem(MemorySegment.ofArray(out), 4)).isZero();
        assertThat(readU32(java.util.Arrays.copyOfRange(out, 4, 8))).isEqualTo(42);
        assertThat(queue.popElem(MemorySegment.ofArray(out), 0)).isZero();
        assertThat(queue.popElem(MemorySegment.ofArray(out), 0)).isEqualTo(-2);
        assertThat(queue.peekElem(MemorySegment.ofArray(out), 0)).isEqualTo(-2);
        for (int i = 0; i < 3; i++) queue.pushElem(seg(u32(i)), 0, UpdateFlags.ANY);
        assertThat(queue.pushElem(seg(u32(9)), 0, UpdateFlags.ANY)).isEqualTo(-7);
        assertThat(queue.updateElem(seg(new byte[0]), 0, seg(u32(1)), 0, UpdateFlags.ANY, 0)).isEqualTo(-22);
    }

    @Test
    void frozenQueueRefusesUserPushAndPop() {
        queue.push(u32(1), UpdateFlags.ANY);
        queue.freeze();
        assertErrno(Errno.EPERM, "m_queue", () -> queue.push(u32(2), UpdateFlags.ANY));
        assertErrno(Errno.EPERM, "m_queue", queue::pop);
        assertThat(readU32(queue.peek())).isEqualTo(1);
    }
}
