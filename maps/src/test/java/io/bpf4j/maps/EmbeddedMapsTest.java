package io.bpf4j.maps;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import org.junit.jupiter.api.Test;

import static io.bpf4j.abi.MapDefinition.*;
import static io.bpf4j.maps.MapTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/** BPF_MAP_CREATE's checks, type by type, with Linux's errnos. */
class EmbeddedMapsTest {

    @Test
    void createsTheRightClassForEveryType() {
        assertThat(EmbeddedMaps.create(def(MapType.ARRAY, 4, 4, 1), 2)).isInstanceOf(ArrayMap.class);
        assertThat(EmbeddedMaps.create(def(MapType.PERCPU_ARRAY, 4, 4, 1), 2)).isInstanceOf(ArrayMap.class);
        for (MapType t : new MapType[]{MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH})
            assertThat(EmbeddedMaps.create(def(t, 4, 4, 1), 2)).isInstanceOf(HashTableMap.class);
        assertThat(EmbeddedMaps.create(def(MapType.QUEUE, 0, 4, 1), 2)).isInstanceOf(QueueStackMap.class);
        assertThat(EmbeddedMaps.create(def(MapType.STACK, 0, 4, 1), 2)).isInstanceOf(QueueStackMap.class);
        assertThat(EmbeddedMaps.create(def(MapType.RINGBUF, 0, 0, 4096), 2)).isInstanceOf(RingBuffer.class);
        assertThat(EmbeddedMaps.create(def(MapType.PERCPU_ARRAY, 4, 4, 1), 5).possibleCpus()).isEqualTo(5);
        assertThat(EmbeddedMaps.create(def(MapType.ARRAY, 4, 4, 1), 5).possibleCpus()).isEqualTo(1);
    }

    @Test
    void unsupportedTypesSaySo() {
        assertErrno(Errno.EOPNOTSUPP, "m_lpm_trie", () -> EmbeddedMaps.create(def(MapType.LPM_TRIE, 8, 4, 1), 1));
        assertErrno(Errno.EOPNOTSUPP, "m_perf_event_array", () -> EmbeddedMaps.create(def(MapType.PERF_EVENT_ARRAY, 4, 4, 1), 1));
    }

    @Test
    void arrayRules() {
        assertErrno(Errno.EINVAL, "m_array", () -> EmbeddedMaps.create(def(MapType.ARRAY, 8, 4, 1), 1));
        assertErrno(Errno.EINVAL, "m_array", () -> EmbeddedMaps.create(def(MapType.ARRAY, 4, 0, 1), 1));
        assertErrno(Errno.EINVAL, "m_array", () -> EmbeddedMaps.create(def(MapType.ARRAY, 4, 4, 0), 1));
        assertErrno(Errno.EINVAL, "m_array", () -> EmbeddedMaps.create(def(MapType.ARRAY, 4, 4, 1, F_NO_PREALLOC), 1));
        assertErrno(Errno.EINVAL, "m_array", () -> EmbeddedMaps.create(def(MapType.ARRAY, 4, 4, 1, F_PRESERVE_ELEMS), 1));
        assertErrno(Errno.EINVAL, "m_array", () -> EmbeddedMaps.create(def(MapType.ARRAY, 4, 4, 1, F_RDONLY | F_WRONLY), 1));
        assertErrno(Errno.EINVAL, "m_array", () -> EmbeddedMaps.create(def(MapType.ARRAY, 4, 4, 1, F_RDONLY_PROG | F_WRONLY_PROG), 1));
        assertErrno(Errno.E2BIG, "m_array", () -> EmbeddedMaps.create(def(MapType.ARRAY, 4, -1, 1), 1)); // > INT_MAX
        assertErrno(Errno.ENOMEM, "m_array", () -> EmbeddedMaps.create(def(MapType.ARRAY, 4, 4 << 20, 4096), 1));
        assertErrno(Errno.ENOMEM, "m_array", () -> EmbeddedMaps.create(def(MapType.ARRAY, 4, 8, -1), 1));
        assertThat(EmbeddedMaps.create(def(MapType.ARRAY, 4, (4 << 20) + 1, 1), 1)).isNotNull(); // big values are fine
        assertThat(EmbeddedMaps.create(def(MapType.ARRAY, 4, 4, 1, F_MMAPABLE | F_RDONLY_PROG | F_INNER_MAP), 1)).isNotNull();
    }

    @Test
    void perCpuArrayRules() {
        assertErrno(Errno.E2BIG, "m_percpu_array", () -> EmbeddedMaps.create(def(MapType.PERCPU_ARRAY, 4, (32 << 10) + 1, 1), 1));
        assertThat(EmbeddedMaps.create(def(MapType.PERCPU_ARRAY, 4, 32 << 10, 1), 1)).isNotNull();
        assertErrno(Errno.EINVAL, "m_percpu_array", () -> EmbeddedMaps.create(def(MapType.PERCPU_ARRAY, 4, 8, 1, F_MMAPABLE), 1));
        assertErrno(Errno.EINVAL, "m_percpu_array", () -> EmbeddedMaps.create(def(MapType.PERCPU_ARRAY, 4, 8, 1, F_NUMA_NODE), 1));
        assertErrno(Errno.EINVAL, "m_percpu_array", () -> EmbeddedMaps.create(def(MapType.PERCPU_ARRAY, 4, 8, 1, F_INNER_MAP), 1));
    }

    @Test
    void progArrayAndArrayOfMapsRefuseProgramAccessFlagsAndMmap() {
        assertErrno(Errno.EINVAL, "m_prog_array", () -> EmbeddedMaps.create(def(MapType.PROG_ARRAY, 4, 4, 1, F_RDONLY_PROG), 1));
        assertErrno(Errno.EINVAL, "m_prog_array", () -> EmbeddedMaps.create(def(MapType.PROG_ARRAY, 4, 4, 1, F_WRONLY_PROG), 1));
        assertErrno(Errno.EINVAL, "m_prog_array", () -> EmbeddedMaps.create(def(MapType.PROG_ARRAY, 4, 4, 1, F_MMAPABLE), 1));
        assertThat(EmbeddedMaps.create(def(MapType.PROG_ARRAY, 4, 4, 1, F_RDONLY), 1)).isNotNull();
    }

    @Test
    void hashRules() {
        assertErrno(Errno.EINVAL, "m_hash", () -> EmbeddedMaps.create(def(MapType.HASH, 0, 4, 1), 1));
        assertErrno(Errno.EINVAL, "m_hash", () -> EmbeddedMaps.create(def(MapType.HASH, 4, 0, 1), 1));
        assertErrno(Errno.EINVAL, "m_hash", () -> EmbeddedMaps.create(def(MapType.HASH, 4, 4, 0), 1));
        assertErrno(Errno.E2BIG, "m_hash", () -> EmbeddedMaps.create(def(MapType.HASH, 4, 4 << 20, 1), 1));
        assertErrno(Errno.E2BIG, "m_hash", () -> EmbeddedMaps.create(def(MapType.HASH, 2 << 20, 2 << 20, 1), 1));
        assertThat(EmbeddedMaps.create(def(MapType.HASH, 1024, 4, 1), 1)).isNotNull(); // keys may exceed the stack size
        assertErrno(Errno.EINVAL, "m_percpu_hash", () -> EmbeddedMaps.create(def(MapType.PERCPU_HASH, 4, 4, 1, F_NUMA_NODE), 1));
        assertErrno(Errno.E2BIG, "m_percpu_hash", () -> EmbeddedMaps.create(def(MapType.PERCPU_HASH, 4, (32 << 10) + 8, 1), 1));
        assertErrno(Errno.EINVAL, "m_hash", () -> EmbeddedMaps.create(def(MapType.HASH, 4, 4, 1, F_NO_COMMON_LRU), 1));
        assertErrno(Errno.EINVAL, "m_hash", () -> EmbeddedMaps.create(def(MapType.HASH, 4, 4, 1, F_MMAPABLE), 1));
        assertErrno(Errno.ENOTSUPP, "m_lru_hash", () -> EmbeddedMaps.create(def(MapType.LRU_HASH, 4, 4, 1, F_NO_PREALLOC), 1));
        assertThat(EmbeddedMaps.create(def(MapType.LRU_HASH, 4, 4, 1, F_NO_COMMON_LRU), 1)).isNotNull();
        assertThat(EmbeddedMaps.create(def(MapType.HASH, 4, 4, 1, F_NO_PREALLOC | F_ZERO_SEED), 1)).isNotNull();
    }

    @Test
    void queueStackRules() {
        assertErrno(Errno.EINVAL, "m_queue", () -> EmbeddedMaps.create(def(MapType.QUEUE, 4, 4, 1), 1));
        assertErrno(Errno.EINVAL, "m_queue", () -> EmbeddedMaps.create(def(MapType.QUEUE, 0, 0, 1), 1));
        assertErrno(Errno.EINVAL, "m_stack", () -> EmbeddedMaps.create(def(MapType.STACK, 0, 4, 0), 1));
        assertErrno(Errno.EINVAL, "m_stack", () -> EmbeddedMaps.create(def(MapType.STACK, 0, 4, 1, F_NO_PREALLOC), 1));
        assertErrno(Errno.E2BIG, "m_stack", () -> EmbeddedMaps.create(def(MapType.STACK, 0, (4 << 20) + 1, 1), 1));
    }

    @Test
    void errorMessagesNameTheMapAndTheAttribute() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EmbeddedMaps.create(
                        new MapDefinition("counters", MapType.ARRAY, 8, 4, 1), 1))
                .hasMessageContaining("'counters'").hasMessageContaining("key_size 8").hasMessageContaining("EINVAL");
    }

    @Test
    void cpuCountMustBePositive() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EmbeddedMaps.create(def(MapType.ARRAY, 4, 4, 1), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
