package io.bpf4j.linux;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.abi.UpdateFlags;
import io.bpf4j.maps.BpfMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static io.bpf4j.linux.Asm.mov;
import static io.bpf4j.linux.Asm.exit;
import static io.bpf4j.linux.Asm.program;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Map CRUD in the kernel through {@link BpfMap}, with the errno of every failure linux-semantics.md lists. */
@ExtendWith(KernelTests.class)
class KernelMapTest {
    @BeforeEach
    void kernel() {
        KernelTests.assumeKernel();
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static long asU64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static int asU32(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    static void assertErrno(Runnable op, Errno errno, String... messageParts) {
        assertThatThrownBy(op::run).isInstanceOfSatisfying(BpfErrnoException.class, e -> {
            assertThat(e.errno()).as(e.getMessage()).isEqualTo(errno);
            assertThat(e.getMessage()).contains(errno.name());
            for (String part : messageParts) assertThat(e.getMessage()).contains(part);
        });
    }

    @Test
    void arrayHasEveryElementAndRefusesDeleteAndOutOfRangeIndexes() {
        try (BpfMap m = KernelMap.create(new MapDefinition("arr", MapType.ARRAY, 4, 8, 4))) {
            assertThat(m.lookup(u32(3))).containsExactly(new byte[8]);
            m.update(u32(1), u64(42));
            assertThat(asU64(m.lookup(u32(1)))).isEqualTo(42);
            m.update(u32(1), u64(43), UpdateFlags.EXIST);
            assertThat(asU64(m.lookup(u32(1)))).isEqualTo(43);
            assertThat(m.lookup(u32(4))).as("index == max_entries").isNull();
            assertErrno(() -> m.update(u32(1), u64(1), UpdateFlags.NOEXIST), Errno.EEXIST, "BPF_MAP_UPDATE_ELEM", "map arr (ARRAY)");
            assertErrno(() -> m.update(u32(4), u64(1)), Errno.E2BIG, "map arr");
            assertErrno(() -> m.update(u32(0), u64(1), 8), Errno.EINVAL);
            assertErrno(() -> m.delete(u32(0)), Errno.EINVAL, "BPF_MAP_DELETE_ELEM");
            assertThat(m.keys()).extracting(KernelMapTest::asU32).containsExactly(0, 1, 2, 3);
            assertThat(m.nextKey(u32(99))).as("next key after an out-of-range index is the first").containsExactly(u32(0));
            assertThat(m.nextKey(u32(3))).isNull();
        }
    }

    @Test
    void keysAndValuesOfTheWrongSizeNeverReachTheKernel() {
        try (BpfMap m = KernelMap.create(new MapDefinition("sizes", MapType.HASH, 4, 8, 4))) {
            assertErrno(() -> m.lookup(new byte[3]), Errno.EINVAL, "key of 3 bytes, the map's keys have 4", "map sizes (HASH)");
            assertErrno(() -> m.update(u32(1), new byte[9]), Errno.EINVAL, "value of 9 bytes, the map's values have 8");
            assertErrno(() -> m.lookup(null), Errno.EINVAL, "key is null");
            assertErrno(() -> m.lookupPerCpu(u32(1)), Errno.EINVAL, "not per-CPU");
        }
    }

    @Test
    void hashFollowsNoexistExistAndCapacity() {
        try (BpfMap m = KernelMap.create(new MapDefinition("hash", MapType.HASH, 4, 8, 2))) {
            assertThat(m.lookup(u32(7))).isNull();
            assertThat(m.nextKey(null)).isNull();
            assertErrno(() -> m.update(u32(7), u64(1), UpdateFlags.EXIST), Errno.ENOENT);
            m.update(u32(7), u64(1), UpdateFlags.NOEXIST);
            assertErrno(() -> m.update(u32(7), u64(2), UpdateFlags.NOEXIST), Errno.EEXIST);
            m.update(u32(8), u64(2));
            assertErrno(() -> m.update(u32(9), u64(3)), Errno.E2BIG, "map hash (HASH)");
            m.update(u32(8), u64(5), UpdateFlags.EXIST); // replacing in a full map is fine
            assertThat(m.keys()).extracting(KernelMapTest::asU32).containsExactlyInAnyOrder(7, 8);
            m.delete(u32(7));
            assertErrno(() -> m.delete(u32(7)), Errno.ENOENT, "BPF_MAP_DELETE_ELEM");
            assertThat(asU64(((KernelMap) m).lookupAndDelete(u32(8)))).isEqualTo(5);
            assertThat(((KernelMap) m).lookupAndDelete(u32(8))).isNull();
            assertThat(m.keys()).isEmpty();
        }
    }

    @Test
    void perCpuArrayHasOneValuePerPossibleCpu() {
        // value_size 12 makes the kernel's per-CPU stride 16: the class must hide the padding
        try (BpfMap m = KernelMap.create(new MapDefinition("pcpu", MapType.PERCPU_ARRAY, 4, 12, 2))) {
            int cpus = m.possibleCpus();
            assertThat(cpus).isEqualTo(PossibleCpus.count()).isPositive();
            List<byte[]> values = new ArrayList<>();
            for (int cpu = 0; cpu < cpus; cpu++) {
                byte[] v = new byte[12];
                v[0] = (byte) (cpu + 1);
                v[11] = (byte) (0x80 | cpu);
                values.add(v);
            }
            m.updatePerCpu(u32(1), values, UpdateFlags.ANY);
            List<byte[]> back = m.lookupPerCpu(u32(1));
            assertThat(back).hasSize(cpus);
            for (int cpu = 0; cpu < cpus; cpu++) assertThat(back.get(cpu)).containsExactly(values.get(cpu));
            assertThat(m.lookupPerCpu(u32(0))).allSatisfy(v -> assertThat(v).containsExactly(new byte[12]));
            assertThat(m.lookupPerCpu(u32(2))).isNull();
            assertErrno(() -> m.updatePerCpu(u32(2), values, UpdateFlags.ANY), Errno.E2BIG);
            assertErrno(() -> m.updatePerCpu(u32(0), values, UpdateFlags.NOEXIST), Errno.EEXIST);
            assertErrno(() -> m.updatePerCpu(u32(0), values.subList(0, cpus - 1 == 0 ? 0 : 1), UpdateFlags.ANY),
                    Errno.EINVAL, "possible CPUs");
            assertErrno(() -> m.lookup(u32(0)), Errno.EINVAL, "per-CPU", "lookupPerCpu");
            assertErrno(() -> m.update(u32(0), new byte[12]), Errno.EINVAL, "per-CPU");
        }
    }

    @Test
    void progArrayAcceptsOnlyAnyUpdatesAndMatchingPrograms() {
        KernelTests.assumeKernel(ProgramType.XDP);
        try (KernelProgArray jumps = KernelProgArray.create("jumps", 2);
             KernelProgram xdp = KernelProgram.load("xdp_pass", ProgramType.XDP, program(mov(0, 2), exit()));
             KernelProgram filter = KernelProgram.load("filter", ProgramType.SOCKET_FILTER, program(mov(0, 0), exit()))) {
            assertThat(jumps.programId(0)).isEmpty();
            jumps.set(0, xdp);
            assertThat(jumps.programId(0)).hasValue(xdp.info().id());
            assertThat(asU32(jumps.lookup(u32(0)))).as("lookup from user space gives the program id").isEqualTo(xdp.info().id());
            assertErrno(() -> jumps.update(u32(1), u32(xdp.fd()), UpdateFlags.NOEXIST), Errno.EINVAL);
            assertErrno(() -> jumps.update(u32(1), u32(xdp.fd()), UpdateFlags.EXIST), Errno.EINVAL);
            assertErrno(() -> jumps.set(2, xdp), Errno.E2BIG, "slot 2");
            assertErrno(() -> jumps.set(1, filter), Errno.EINVAL, "program filter (SOCKET_FILTER)", "owner");
            assertErrno(() -> jumps.clear(1), Errno.ENOENT);
            jumps.update(u32(1), u32(xdp.fd())); // the plain BpfMap way: the value is a program fd
            assertThat(jumps.programId(1)).hasValue(xdp.info().id());
            jumps.clear(0);
            assertThat(jumps.programId(0)).isEmpty();
            assertThat(jumps.keys()).extracting(KernelMapTest::asU32).containsExactly(0, 1);
        }
    }

    @Test
    void queueIsFifoAndStackIsLifo() {
        try (BpfMap q = KernelMap.create(new MapDefinition("q", MapType.QUEUE, 0, 4, 2));
             BpfMap s = KernelMap.create(new MapDefinition("s", MapType.STACK, 0, 4, 2))) {
            assertThat(q.pop()).isNull();
            assertThat(q.peek()).isNull();
            q.push(u32(1), UpdateFlags.ANY);
            q.push(u32(2), UpdateFlags.ANY);
            assertErrno(() -> q.push(u32(3), UpdateFlags.ANY), Errno.E2BIG, "map q (QUEUE)");
            assertErrno(() -> q.push(u32(3), UpdateFlags.NOEXIST), Errno.EINVAL);
            q.push(u32(3), UpdateFlags.EXIST); // full: BPF_EXIST drops the oldest
            assertThat(asU32(q.peek())).isEqualTo(2);
            assertThat(asU32(q.pop())).isEqualTo(2);
            assertThat(asU32(q.pop())).isEqualTo(3);
            assertThat(q.pop()).isNull();
            assertErrno(() -> q.delete(new byte[0]), Errno.EINVAL);
            assertErrno(() -> q.nextKey(null), Errno.EINVAL);
            assertErrno(() -> q.push(new byte[4 + 1], UpdateFlags.ANY), Errno.EINVAL, "value of 5 bytes");

            s.push(u32(1), UpdateFlags.ANY);
            s.push(u32(2), UpdateFlags.ANY);
            assertThat(asU32(s.peek())).isEqualTo(2);
            assertThat(asU32(s.pop())).isEqualTo(2);
            assertThat(asU32(s.pop())).isEqualTo(1);
            assertThat(s.pop()).isNull();
        }
    }

    @Test
    void pushAndPopAreRefusedByMapsWithoutThem() {
        try (BpfMap m = KernelMap.create(new MapDefinition("plain", MapType.ARRAY, 4, 4, 1))) {
            assertErrno(() -> m.push(u32(1), UpdateFlags.ANY), Errno.EINVAL, "has no push");
            assertErrno(m::pop, Errno.EINVAL, "has no pop");
        }
    }

    @Test
    void frozenMapRefusesUpdatesFromUserSpaceWithEperm() {
        try (KernelMap m = KernelMap.create(new MapDefinition(".rodata", MapType.ARRAY, 4, 4, 1))) {
            m.update(u32(0), u32(7));
            m.freeze();
            assertThat(m.isFrozen()).isTrue();
            assertErrno(() -> m.update(u32(0), u32(8)), Errno.EPERM, "read-only from user space (frozen)");
            assertThat(asU32(m.lookup(u32(0)))).isEqualTo(7);
            // a frozen map has lost user-space write permission, so a second freeze is refused before the EBUSY check
            assertErrno(m::freeze, Errno.EPERM, "BPF_MAP_FREEZE");
        }
    }

    @Test
    void createFailuresNameTheMapAndItsAttributes() {
        assertErrno(() -> KernelMap.create(new MapDefinition("badq", MapType.QUEUE, 4, 4, 2)), Errno.EINVAL,
                "bpf(BPF_MAP_CREATE) on map badq (QUEUE, key 4 B, value 4 B, max_entries 2");
        assertErrno(() -> KernelMap.create(new MapDefinition("badprogs", MapType.PROG_ARRAY, 4, 8, 2)), Errno.EINVAL,
                "badprogs");
        assertErrno(() -> KernelMap.create(new MapDefinition("empty", MapType.HASH, 4, 4, 0)), Errno.EINVAL);
    }

    @Test
    void infoReportsWhatTheKernelStored() {
        try (KernelMap m = KernelMap.create(new MapDefinition("a_rather_long_map_name", MapType.HASH, 8, 16, 5,
                MapDefinition.F_NO_PREALLOC, null))) {
            MapInfo info = m.info();
            assertThat(info.type()).isEqualTo(MapType.HASH);
            assertThat(info.keySize()).isEqualTo(8);
            assertThat(info.valueSize()).isEqualTo(16);
            assertThat(info.maxEntries()).isEqualTo(5);
            assertThat(info.flags()).isEqualTo(MapDefinition.F_NO_PREALLOC);
            assertThat(info.name()).isEqualTo("a_rather_long_m");
            assertThat(info.id()).isPositive();
            assertThat(m.name()).isEqualTo("a_rather_long_map_name");
        }
    }

    @Test
    void mapInMapTakesInnerMapFds() {
        MapDefinition inner = new MapDefinition("inner", MapType.ARRAY, 4, 4, 1);
        try (KernelMap outer = KernelMap.create(new MapDefinition("outer", MapType.ARRAY_OF_MAPS, 4, 4, 2, 0, inner));
             KernelMap one = KernelMap.create(inner)) {
            outer.update(u32(0), u32(one.fd()));
            assertThat(asU32(outer.lookup(u32(0)))).as("lookup gives the inner map's id").isEqualTo(one.info().id());
            assertThat(outer.lookup(u32(1))).isNull();
            try (KernelMap misfit = KernelMap.create(new MapDefinition("misfit", MapType.HASH, 4, 4, 1))) {
                assertErrno(() -> outer.update(u32(1), u32(misfit.fd())), Errno.EINVAL);
            }
        }
        assertErrno(() -> KernelMap.create(new MapDefinition("noinner", MapType.HASH_OF_MAPS, 4, 4, 2)), Errno.EINVAL,
                "needs the inner map's definition");
    }

    @Test
    void closedMapSaysEbadfAndCloseIsIdempotent() {
        KernelMap m = KernelMap.create(new MapDefinition("gone", MapType.ARRAY, 4, 4, 1));
        int fd = m.fd();
        assertThat(BpfDescriptors.open()).containsKey(fd);
        m.close();
        m.close();
        assertThat(m.isClosed()).isTrue();
        assertThat(BpfDescriptors.open()).doesNotContainKey(fd);
        assertErrno(() -> m.lookup(u32(0)), Errno.EBADF, "map gone", "after close()");
    }
}
