package io.bpf4j.maps;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;

import static io.bpf4j.maps.MapTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

class ArrayMapTest {
    private final ArrayMap map = (ArrayMap) EmbeddedMaps.create(def(MapType.ARRAY, 4, 12, 4), 2);

    @Test
    void elementsExistFromCreationAndAreZero() {
        for (int i = 0; i < 4; i++) assertThat(map.lookup(u32(i))).containsExactly(new byte[12]);
    }

    @Test
    void updateThenLookupReturnsACopy() {
        byte[] v = new byte[12];
        v[0] = 7;
        v[11] = 9;
        map.update(u32(2), v, UpdateFlags.ANY);
        byte[] got = map.lookup(u32(2));
        assertThat(got).containsExactly(v);
        got[0] = 100;
        assertThat(map.lookup(u32(2))[0]).isEqualTo((byte) 7);
    }

    @Test
    void lookupBeyondTheEndFindsNothing() {
        assertThat(map.lookup(u32(4))).isNull();
        assertThat(map.lookup(u32(-1))).isNull();
    }

    @Test
    void updateBeyondTheEndIsE2BIG() {
        assertErrno(Errno.E2BIG, "m_array", () -> map.update(u32(4), new byte[12], UpdateFlags.ANY));
    }

    @Test
    void noexistIsAlwaysEEXISTAndExistWorks() {
        assertErrno(Errno.EEXIST, "m_array", () -> map.update(u32(0), new byte[12], UpdateFlags.NOEXIST));
        map.update(u32(0), filled(12, 3), UpdateFlags.EXIST);
        assertThat(map.lookup(u32(0))).containsExactly(filled(12, 3));
    }

    @Test
    void unknownFlagsAndFLockAreEINVAL() {
        assertErrno(Errno.EINVAL, "m_array", () -> map.update(u32(0), new byte[12], 3));
        assertErrno(Errno.EINVAL, "m_array", () -> map.update(u32(0), new byte[12], UpdateFlags.F_LOCK));
    }

    @Test
    void deleteIsEINVAL() {
        assertErrno(Errno.EINVAL, "m_array", () -> map.delete(u32(0)));
    }

    @Test
    void wrongSizesAreEINVALAndChangeNothing() {
        map.update(u32(1), filled(12, 5));
        assertErrno(Errno.EINVAL, "m_array", () -> map.update(u32(1), new byte[11]));
        assertErrno(Errno.EINVAL, "m_array", () -> map.update(new byte[8], new byte[12]));
        assertErrno(Errno.EINVAL, "m_array", () -> map.lookup(new byte[3]));
        assertThat(map.lookup(u32(1))).containsExactly(filled(12, 5));
    }

    @Test
    void nextKeyWalksAllIndexesThenEnds() {
        assertThat(map.keys()).extracting(MapTestSupport::readU32).containsExactly(0, 1, 2, 3);
        assertThat(map.nextKey(u32(3))).isNull();
        assertThat(readU32(map.nextKey(u32(77)))).isZero(); // out of range restarts at 0, as Linux
    }

    @Test
    void programLookupIsALiveAlignedReference() {
        ValueRef r = map.lookupElem(seg(u32(3)), 0, 0);
        assertThat(r.length).isEqualTo(12);
        assertThat(r.segment.maxByteAlignment()).isGreaterThanOrEqualTo(8);
        r.getAndAddLong(0, 41);
        r.getAndAddLong(0, 1);
        assertThat(readU64(java.util.Arrays.copyOf(map.lookup(u32(3)), 8))).isEqualTo(42);
        assertThat(map.lookupElem(seg(u32(3)), 0, 1)).isSameAs(r); // not per-CPU: every CPU shares the value
        assertThat(map.lookupElem(seg(u32(4)), 0, 0)).isNull();
    }

    @Test
    void programSideErrorsAreNegativeErrnos() {
        byte[] key = new byte[8];
        System.arraycopy(u32(1), 0, key, 4, 4);
        assertThat(map.updateElem(seg(key), 4, seg(filled(12, 1)), 0, UpdateFlags.ANY, 0)).isZero();
        assertThat(map.lookup(u32(1))).containsExactly(filled(12, 1));
        assertThat(map.updateElem(seg(u32(9)), 0, seg(filled(12, 1)), 0, UpdateFlags.ANY, 0)).isEqualTo(-7);
        assertThat(map.updateElem(seg(u32(1)), 0, seg(filled(12, 1)), 0, UpdateFlags.NOEXIST, 0)).isEqualTo(-17);
        assertThat(map.updateElem(seg(u32(1)), 0, seg(filled(12, 1)), 0, 9, 0)).isEqualTo(-22);
        assertThat(map.deleteElem(seg(u32(1)), 0)).isEqualTo(-22);
    }

    @Test
    void freezeMakesUserSpaceUpdatesEPERMButKeepsReads() {
        map.update(u32(0), filled(12, 1));
        map.freeze();
        assertThat(map.isFrozen()).isTrue();
        assertErrno(Errno.EPERM, "m_array", () -> map.update(u32(0), filled(12, 2)));
        assertThat(map.lookup(u32(0))).containsExactly(filled(12, 1));
        assertErrno(Errno.EBUSY, "m_array", map::freeze);
    }

    @Test
    void readOnlyForProgramsIsReportedAndEnforcedOnProgramUpdates() {
        ArrayMap ro = (ArrayMap) EmbeddedMaps.create(def(MapType.ARRAY, 4, 8, 1, MapDefinition.F_RDONLY_PROG), 1);
        assertThat(ro.isReadOnlyForPrograms()).isTrue();
        ro.update(u32(0), u64(5));
        assertThat(ro.updateElem(seg(u32(0)), 0, seg(u64(6)), 0, UpdateFlags.ANY, 0)).isEqualTo(-1);
        assertThat(ro.lookup(u32(0))).containsExactly(u64(5));
    }

    @Test
    void userSpaceReadOnlyAndWriteOnlyFlags() {
        ArrayMap ro = (ArrayMap) EmbeddedMaps.create(def(MapType.ARRAY, 4, 8, 1, MapDefinition.F_RDONLY), 1);
        assertErrno(Errno.EPERM, () -> ro.update(u32(0), u64(1)));
        ArrayMap wo = (ArrayMap) EmbeddedMaps.create(def(MapType.ARRAY, 4, 8, 1, MapDefinition.F_WRONLY), 1);
        wo.update(u32(0), u64(1));
        assertErrno(Errno.EPERM, () -> wo.lookup(u32(0)));
    }

    @Test
    void closedMapIsEBADFForUserSpace() {
        map.close();
        map.close();
        assertErrno(Errno.EBADF, "m_array", () -> map.lookup(u32(0)));
        assertThat(map.lookupElem(seg(u32(0)), 0, 0)).isNotNull(); // programs holding it keep working
    }

    @Test
    void plainUpdateOnPerCpuArrayIsRefused() {
        ArrayMap pc = (ArrayMap) EmbeddedMaps.create(def(MapType.PERCPU_ARRAY, 4, 4, 2), 3);
        assertErrno(Errno.EINVAL, () -> pc.update(u32(0), u32(1)));
        assertErrno(Errno.EINVAL, () -> pc.lookup(u32(0)));
        assertErrno(Errno.EINVAL, () -> map.lookupPerCpu(u32(0)));
    }

    @Test
    void perCpuArrayKeepsOneValuePerCpu() {
        ArrayMap pc = (ArrayMap) EmbeddedMaps.create(def(MapType.PERCPU_ARRAY, 4, 4, 2), 3);
        assertThat(pc.possibleCpus()).isEqualTo(3);
        pc.updatePerCpu(u32(1), List.of(u32(10), u32(11), u32(12)), UpdateFlags.ANY);
        assertThat(pc.lookupPerCpu(u32(1))).extracting(MapTestSupport::readU32).containsExactly(10, 11, 12);
        assertThat(pc.lookupPerCpu(u32(2))).isNull();
        // a program on CPU 2 sees and changes only CPU 2's value
        ValueRef r = pc.lookupElem(seg(u32(1)), 0, 2);
        assertThat(r.getAndAddInt(0, 5)).isEqualTo(12);
        assertThat(pc.updateElem(seg(u32(0)), 0, seg(u32(99)), 0, UpdateFlags.ANY, 1)).isZero();
        assertThat(pc.lookupPerCpu(u32(1))).extracting(MapTestSupport::readU32).containsExactly(10, 11, 17);
        assertThat(pc.lookupPerCpu(u32(0))).extracting(MapTestSupport::readU32).containsExactly(0, 99, 0);
        assertErrno(Errno.EINVAL, () -> pc.updatePerCpu(u32(0), List.of(u32(1)), UpdateFlags.ANY));
        assertErrno(Errno.EINVAL, () -> pc.updatePerCpu(u32(0), List.of(u32(1), u32(1), new byte[3]), UpdateFlags.ANY));
        assertErrno(Errno.E2BIG, () -> pc.updatePerCpu(u32(2), List.of(u32(1), u32(1), u32(1)), UpdateFlags.ANY));
        assertErrno(Errno.EEXIST, () -> pc.updatePerCpu(u32(0), List.of(u32(1), u32(1), u32(1)), UpdateFlags.NOEXIST));
    }

    static byte[] filled(int n, int b) {
        byte[] a = new byte[n];
        java.util.Arrays.fill(a, (byte) b);
        return a;
    }
}
