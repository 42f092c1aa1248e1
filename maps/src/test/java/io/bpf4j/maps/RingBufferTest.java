package io.bpf4j.maps;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.bpf4j.maps.MapTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

class RingBufferTest {
    private final RingBuffer rb = (RingBuffer) EmbeddedMaps.create(new MapDefinition("events", MapType.RINGBUF, 0, 0, 4096), 1);

    @Test
    void sizeMustBeAPowerOfTwoPageMultipleWithNoKeyOrValue() {
        assertErrno(Errno.EINVAL, "r", () -> EmbeddedMaps.create(new MapDefinition("r", MapType.RINGBUF, 0, 0, 4096 * 3), 1));
        assertErrno(Errno.EINVAL, "r", () -> EmbeddedMaps.create(new MapDefinition("r", MapType.RINGBUF, 0, 0, 2048), 1));
        assertErrno(Errno.EINVAL, "r", () -> EmbeddedMaps.create(new MapDefinition("r", MapType.RINGBUF, 0, 0, 0), 1));
        assertErrno(Errno.EINVAL, "r", () -> EmbeddedMaps.create(new MapDefinition("r", MapType.RINGBUF, 4, 0, 4096), 1));
        assertErrno(Errno.EINVAL, "r", () -> EmbeddedMaps.create(new MapDefinition("r", MapType.RINGBUF, 0, 8, 4096), 1));
        assertErrno(Errno.EINVAL, "r", () -> EmbeddedMaps.create(new MapDefinition("r", MapType.RINGBUF, 0, 0, 4096, MapDefinition.F_RDONLY_PROG, null), 1));
        assertThat(((RingBuffer) EmbeddedMaps.create(new MapDefinition("r", MapType.RINGBUF, 0, 0, 1 << 16), 1)).ringSize()).isEqualTo(1 << 16);
    }

    @Test
    void reserveSubmitConsumeInOrder() {
        ValueRef a = rb.reserve(5, 0);
        ValueRef b = rb.reserve(16, 0);
        a.copyFrom(new byte[]{1, 2, 3, 4, 5}, 0);
        b.copyFrom(new byte[16], 0);
        b.getAndAddLong(8, 7);
        assertThat(a.segment.maxByteAlignment()).isGreaterThanOrEqualTo(8);
        rb.submit(b, 0);                 // b is done first, but a (older) is still busy:
        assertThat(rb.poll()).isNull();  // the consumer stops at the busy record
        rb.submit(a, 0);
        assertThat(rb.poll()).containsExactly(1, 2, 3, 4, 5);
        byte[] second = rb.poll();
        assertThat(readU64(java.util.Arrays.copyOfRange(second, 8, 16))).isEqualTo(7);
        assertThat(rb.poll()).isNull();
    }

    @Test
    void headersAndPositionsFollowLinux() {
        ValueRef s = rb.reserve(5, 0);
        // 8-byte header + 5 bytes, rounded up to 16
        assertThat(rb.query(RingBuffer.RB_PROD_POS)).isEqualTo(16);
        assertThat(rb.query(RingBuffer.RB_CONS_POS)).isZero();
        assertThat(rb.query(RingBuffer.RB_AVAIL_DATA)).isEqualTo(16);
        assertThat(rb.query(RingBuffer.RB_RING_SIZE)).isEqualTo(4096);
        assertThat(rb.query(99)).isZero();
        rb.discard(s, 0);
        assertThat(rb.poll()).isNull();
        assertThat(rb.query(RingBuffer.RB_CONS_POS)).isEqualTo(16);
        assertThat(rb.query(RingBuffer.RB_AVAIL_DATA)).isZero();
    }

    @Test
    void discardedRecordsAreSkipped() {
        ValueRef a = rb.reserve(4, 0);
        ValueRef b = rb.reserve(4, 0);
        a.copyFrom(u32(1), 0);
        b.copyFrom(u32(2), 0);
        rb.discard(a, 0);
        rb.submit(b, 0);
        List<Integer> got = new ArrayList<>();
        assertThat(rb.consume(x -> got.add(readU32(x)))).isEqualTo(1);
        assertThat(got).containsExactly(2);
        assertThat(rb.query(RingBuffer.RB_AVAIL_DATA)).isZero();
    }

    @Test
    void reserveFailsWhenFullOrTooLargeOrWithFlags() {
        assertThat(rb.reserve(8, 1)).isNull();
        assertThat(rb.reserve(4096, 0)).isNull();       // can never fit with its header
        assertThat(rb.reserve(4096 - 8, 0)).isNull();   // Linux keeps the ring strictly below full
        ValueRef big = rb.reserve(4000, 0);
        assertThat(big).isNotNull();
        assertThat(rb.reserve(100, 0)).isNull();         // not enough room until the consumer frees space
        rb.submit(big, 0);
        assertThat(rb.poll()).hasSize(4000);
        assertThat(rb.reserve(100, 0)).isNotNull();      // wraps around: still one contiguous sample
    }

    @Test
    void recordsWrappingTheEndStayContiguous() {
        for (int round = 0; round < 50; round++) {
            byte[] payload = new byte[1000];
            for (int i = 0; i < payload.length; i++) payload[i] = (byte) (i * 31 + round);
            ValueRef s = rb.reserve(payload.length, 0);
            s.copyFrom(payload, 0);
            rb.submit(s, 0);
            assertThat(rb.poll()).containsExactly(payload);
        }
    }

    @Test
    void outputCopiesAndReportsErrnos() {
        byte[] mem = {0, 0, 9, 8, 7};
        assertThat(rb.output(seg(mem), 2, 3, 0)).isZero();
        assertThat(rb.output(seg(mem), 2, 3, 4)).isEqualTo(-22);
        assertThat(rb.output(seg(new byte[5000]), 0, 4000, RingBuffer.RB_NO_WAKEUP)).isZero();
        assertThat(rb.output(seg(new byte[5000]), 0, 4000, 0)).isEqualTo(-11);
        assertThat(rb.poll()).containsExactly(9, 8, 7);
    }

    @Test
    void doubleSubmitIsRefused() {
        ValueRef s = rb.reserve(4, 0);
        rb.submit(s, 0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> rb.submit(s, 0)).isInstanceOf(IllegalStateException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> rb.submit(ValueRef.allocate(4), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runtimeCanSubmitBySegmentAndFindPendingSamples() {
        ValueRef a = rb.reserve(12, 0);
        assertThat(rb.isPending(a.segment)).isTrue();
        a.copyFrom(new byte[12], 0);
        rb.submit(a.segment, 0);
        assertThat(rb.isPending(a.segment)).isFalse();
        ValueRef b = rb.reserve(12, 0);
        rb.discard(b.segment, 0);       // what a runtime does for a sample a faulting program still held
        assertThat(rb.isPending(b.segment)).isFalse();
        assertThat(rb.isPending(ValueRef.allocate(12).segment)).isFalse();
        assertThat(rb.poll()).hasSize(12);
        assertThat(rb.poll()).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> rb.discard(b.segment.asSlice(0, 4), 0))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void elementOperationsAreENOTSUPP() {
        assertErrno(Errno.ENOTSUPP, "events", () -> rb.lookup(new byte[0]));
        assertErrno(Errno.ENOTSUPP, "events", () -> rb.update(new byte[0], new byte[0]));
        assertErrno(Errno.ENOTSUPP, "events", () -> rb.delete(new byte[0]));
        assertErrno(Errno.ENOTSUPP, "events", () -> rb.nextKey(null));
    }

    @Test
    void blockingPollWakesOnSubmit() throws Exception {
        Thread producer = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            rb.output(seg(u32(77)), 0, 4, 0);
        });
        byte[] got = rb.poll(5, TimeUnit.SECONDS);
        producer.join();
        assertThat(readU32(got)).isEqualTo(77);
        assertThat(rb.poll(10, TimeUnit.MILLISECONDS)).isNull();
    }
}
