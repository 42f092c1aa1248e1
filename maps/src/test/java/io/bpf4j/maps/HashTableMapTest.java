package io.bpf4j.maps;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.bpf4j.maps.MapTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

class HashTableMapTest {
    private final HashTableMap map = (HashTableMap) EmbeddedMaps.create(def(MapType.HASH, 4, 8, 3), 2);

    @Test
    void insertLookupReplaceDelete() {
        assertThat(map.lookup(u32(1))).isNull();
        map.update(u32(1), u64(10));
        assertThat(map.lookup(u32(1))).containsExactly(u64(10));
        map.update(u32(1), u64(11));
        assertThat(map.lookup(u32(1))).containsExactly(u64(11));
        assertThat(map.size()).isEqualTo(1);
        map.delete(u32(1));
        assertThat(map.lookup(u32(1))).isNull();
        assertThat(map.size()).isZero();
    }

    @Test
    void flagRules() {
        map.update(u32(1), u64(1), UpdateFlags.NOEXIST);
        assertErrno(Errno.EEXIST, "m_hash", () -> map.update(u32(1), u64(2), UpdateFlags.NOEXIST));
        assertErrno(Errno.ENOENT, "m_hash", () -> map.update(u32(2), u64(2), UpdateFlags.EXIST));
        map.update(u32(1), u64(3), UpdateFlags.EXIST);
        assertThat(map.lookup(u32(1))).containsExactly(u64(3));
        assertThat(map.lookup(u32(2))).isNull();
        assertErrno(Errno.EINVAL, "m_hash", () -> map.update(u32(1), u64(3), 3));
        assertErrno(Errno.EINVAL, "m_hash", () -> map.update(u32(1), u64(3), UpdateFlags.F_LOCK));
        assertThat(map.lookup(u32(1))).containsExactly(u64(3));
    }

    @Test
    void fullMapRefusesNewKeysWithE2BIGButReplacesExistingOnes() {
        for (int i = 0; i < 3; i++) map.update(u32(i), u64(i));
        assertErrno(Errno.E2BIG, "m_hash", () -> map.update(u32(9), u64(9)));
        map.update(u32(2), u64(22));
        assertThat(map.lookup(u32(2))).containsExactly(u64(22));
        assertThat(map.lookup(u32(9))).isNull();
        map.delete(u32(0));
        map.update(u32(9), u64(9));
        assertThat(map.size()).isEqualTo(3);
    }

    @Test
    void deleteMissingIsENOENT() {
        assertErrno(Errno.ENOENT, "m_hash", () -> map.delete(u32(5)));
    }

    @Test
    void wrongSizesAreEINVALAndChangeNothing() {
        map.update(u32(1), u64(1));
        assertErrno(Errno.EINVAL, "m_hash", () -> map.update(u32(1), new byte[7]));
        assertErrno(Errno.EINVAL, "m_hash", () -> map.update(new byte[5], u64(2)));
        assertErrno(Errno.EINVAL, "m_hash", () -> map.lookup(null));
        assertThat(map.lookup(u32(1))).containsExactly(u64(1));
        assertThat(map.size()).isEqualTo(1);
    }

    @Test
    void nextKeyWalksEveryKeyOnceAndAMissingKeyRestarts() {
        HashTableMap big = (HashTableMap) EmbeddedMaps.create(def(MapType.HASH, 4, 4, 1000), 1);
        Set<Integer> expected = new HashSet<>();
        for (int i = 0; i < 700; i++) {
            big.update(u32(i * 7919), u32(i));
            expected.add(i * 7919);
        }
        List<Integer> seen = new ArrayList<>();
        for (byte[] k = big.nextKey(null); k != null; k = big.nextKey(k)) seen.add(readU32(k));
        assertThat(seen).hasSize(700).doesNotHaveDuplicates();
        assertThat(new HashSet<>(seen)).isEqualTo(expected);
        assertThat(big.nextKey(u32(-5))).isEqualTo(big.nextKey(null)); // Linux: a missing key gives the first key
        List<Integer> snapshot = new ArrayList<>();
        for (byte[] k : big.keys()) snapshot.add(readU32(k));
        assertThat(snapshot).isEqualTo(seen); // the snapshot walks in nextKey's order
        HashTableMap empty = (HashTableMap) EmbeddedMaps.create(def(MapType.HASH, 4, 4, 4), 1);
        assertThat(empty.nextKey(null)).isNull();
        assertThat(empty.nextKey(u32(1))).isNull();
    }

    @Test
    void aVeryLongChainIsHandledWithoutRecursion() throws Exception {
        // every key in one bucket (what BPF_F_ZERO_SEED and chosen keys can do); on a small stack, removing the
        // oldest element copies a 5,000-node prefix, replacing one in the middle 2,500
        HashTableMap m = new HashTableMap(def(MapType.HASH, 4, 4, 5_000), 1, 1);
        for (int i = 0; i < 5_000; i++) m.update(u32(i), u32(i), UpdateFlags.NOEXIST);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread small = new Thread(null, () -> {
            try {
                m.delete(u32(0));
                m.update(u32(2_500), u32(7), UpdateFlags.EXIST);
                assertThat(m.updateElem(seg(u32(1)), 0, seg(u32(8)), 0, UpdateFlags.ANY, 0)).isZero();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "small-stack", 128 * 1024);
        small.start();
        small.join();
        assertThat(failure.get()).isNull();
        assertThat(m.size()).isEqualTo(4_999);
        assertThat(m.lookup(u32(0))).isNull();
        assertThat(m.lookup(u32(2_500))).containsExactly(u32(7));
        assertThat(m.lookup(u32(1))).containsExactly(u32(8));
        assertThat(m.keys()).hasSize(4_999);
    }

    @Test
    void oddKeySizesHashAndCompareEveryByte() {
        HashTableMap m = (HashTableMap) EmbeddedMaps.create(def(MapType.HASH, 7, 3, 10), 1);
        byte[] a = {1, 2, 3, 4, 5, 6, 7};
        byte[] b = {1, 2, 3, 4, 5, 6, 8};
        m.update(a, new byte[]{1, 1, 1});
        m.update(b, new byte[]{2, 2, 2});
        assertThat(m.lookup(a)).containsExactly(1, 1, 1);
        assertThat(m.lookup(b)).containsExactly(2, 2, 2);
    }

    @Test
    void programReferenceSurvivesReplaceAndDeleteAndKeepsItsOwnElement() {
        map.update(u32(1), u64(100));
        ValueRef old = map.lookupElem(seg(u32(1)), 0, 0);
        assertThat(old.getLongVolatile(0)).isEqualTo(100);
        map.update(u32(1), u64(200));                  // replace: a new element
        assertThat(old.getLongVolatile(0)).isEqualTo(100); // the old pointer still reads the old value
        ValueRef fresh = map.lookupElem(seg(u32(1)), 0, 0);
        assertThat(fresh).isNotSameAs(old);
        map.delete(u32(1));
        map.update(u32(2), u64(300));                  // storage is never reused for another element
        assertThat(old.getLongVolatile(0)).isEqualTo(100);
        assertThat(fresh.getLongVolatile(0)).isEqualTo(200);
        old.getAndAddLong(0, 1);                       // writes through a stale pointer touch nobody else
        assertThat(map.lookup(u32(2))).containsExactly(u64(300));
    }

    @Test
    void programSideUpdateAndDeleteAnswerNegativeErrnos() {
        assertThat(map.updateElem(seg(u32(1)), 0, seg(u64(5)), 0, UpdateFlags.EXIST, 0)).isEqualTo(-2);
        assertThat(map.updateElem(seg(u32(1)), 0, seg(u64(5)), 0, UpdateFlags.NOEXIST, 0)).isZero();
        assertThat(map.updateElem(seg(u32(1)), 0, seg(u64(5)), 0, UpdateFlags.NOEXIST, 0)).isEqualTo(-17);
        assertThat(map.updateElem(seg(u32(1)), 0, seg(u64(5)), 0, 7, 0)).isEqualTo(-22);
        map.update(u32(2), u64(0));
        map.update(u32(3), u64(0));
        assertThat(map.updateElem(seg(u32(4)), 0, seg(u64(5)), 0, UpdateFlags.ANY, 0)).isEqualTo(-7);
        assertThat(map.deleteElem(seg(u32(4)), 0)).isEqualTo(-2);
        assertThat(map.deleteElem(seg(u32(1)), 0)).isZero();
        // keys and values read at offsets inside program memory
        byte[] mem = new byte[32];
        System.arraycopy(u32(9), 0, mem, 4, 4);
        System.arraycopy(u64(77), 0, mem, 16, 8);
        assertThat(map.updateElem(seg(mem), 4, seg(mem), 16, UpdateFlags.ANY, 0)).isZero();
        assertThat(map.lookup(u32(9))).containsExactly(u64(77));
    }

    @Test
    void perCpuHashKeepsOneValuePerCpuAndUpdatesInPlace() {
        HashTableMap pc = (HashTableMap) EmbeddedMaps.create(def(MapType.PERCPU_HASH, 4, 4, 4), 3);
        assertErrno(Errno.EINVAL, "m_percpu_hash", () -> pc.update(u32(1), u32(1)));
        assertErrno(Errno.EINVAL, "m_percpu_hash", () -> pc.lookup(u32(1)));
        assertThat(pc.lookupPerCpu(u32(1))).isNull();
        // a program on CPU 1 creates the element: the other CPUs start at zero
        assertThat(pc.updateElem(seg(u32(1)), 0, seg(u32(5)), 0, UpdateFlags.ANY, 1)).isZero();
        assertThat(pc.lookupPerCpu(u32(1))).extracting(MapTestSupport::readU32).containsExactly(0, 5, 0);
        ValueRef cpu2 = pc.lookupElem(seg(u32(1)), 0, 2);
        cpu2.getAndAddInt(0, 3);
        pc.updatePerCpu(u32(1), List.of(u32(7), u32(8), u32(9)), UpdateFlags.EXIST);
        assertThat(cpu2.getAndAddInt(0, 0)).isEqualTo(9); // in place: the program's pointer sees the update
        assertThat(pc.updateElem(seg(u32(1)), 0, seg(u32(50)), 0, UpdateFlags.ANY, 0)).isZero();
        assertThat(pc.lookupPerCpu(u32(1))).extracting(MapTestSupport::readU32).containsExactly(50, 8, 9);
        assertErrno(Errno.EEXIST, () -> pc.updatePerCpu(u32(1), List.of(u32(0), u32(0), u32(0)), UpdateFlags.NOEXIST));
        assertErrno(Errno.EINVAL, () -> pc.updatePerCpu(u32(1), List.of(u32(0), u32(0)), UpdateFlags.ANY));
        assertErrno(Errno.ENOENT, () -> pc.updatePerCpu(u32(2), List.of(u32(0), u32(0), u32(0)), UpdateFlags.EXIST));
    }

    @Test
    void lruEvictsTheLeastRecentlyUsedWhenFull() {
        HashTableMap lru = (HashTableMap) EmbeddedMaps.create(def(MapType.LRU_HASH, 4, 8, 4), 1);
        for (int i = 0; i < 4; i++) lru.update(u32(i), u64(i));
        // programs use 0, 2 and 3; 1 is the least recently used
        for (int i : new int[]{0, 2, 3}) assertThat(lru.lookupElem(seg(u32(i)), 0, 0)).isNotNull();
        lru.update(u32(10), u64(10)); // full: evicts 1, no E2BIG
        assertThat(lru.size()).isEqualTo(4);
        assertThat(lru.lookup(u32(1))).isNull();
        assertThat(lru.lookup(u32(10))).containsExactly(u64(10));
        for (int i : new int[]{0, 2, 3}) assertThat(lru.lookup(u32(i))).containsExactly(u64(i));
        // nothing used since: the oldest unreferenced goes next... 0, 2, 3 had their second chance consumed
        lru.update(u32(11), u64(11));
        assertThat(lru.size()).isEqualTo(4);
        assertThat(lru.lookup(u32(10))).containsExactly(u64(10));
        assertThat(lru.lookup(u32(11))).containsExactly(u64(11));
    }

    @Test
    void lruRespectsFlagsAndNeverEvictsForReplacement() {
        HashTableMap lru = (HashTableMap) EmbeddedMaps.create(def(MapType.LRU_HASH, 4, 8, 2), 1);
        lru.update(u32(1), u64(1));
        lru.update(u32(2), u64(2));
        lru.update(u32(2), u64(22));             // replace in a full map: nobody evicted
        assertThat(lru.lookup(u32(1))).containsExactly(u64(1));
        assertErrno(Errno.EEXIST, () -> lru.update(u32(1), u64(5), UpdateFlags.NOEXIST));
        assertErrno(Errno.ENOENT, () -> lru.update(u32(3), u64(5), UpdateFlags.EXIST));
        assertThat(lru.size()).isEqualTo(2);
        assertThat(lru.lookup(u32(1))).containsExactly(u64(1));
        assertThat(lru.lookup(u32(2))).containsExactly(u64(22));
    }

    @Test
    void lruPerCpu() {
        HashTableMap lru = (HashTableMap) EmbeddedMaps.create(def(MapType.LRU_PERCPU_HASH, 4, 8, 2), 2);
        lru.updatePerCpu(u32(1), List.of(u64(1), u64(2)), UpdateFlags.ANY);
        lru.updatePerCpu(u32(2), List.of(u64(3), u64(4)), UpdateFlags.ANY);
        lru.lookupElem(seg(u32(1)), 0, 0);
        lru.updatePerCpu(u32(3), List.of(u64(5), u64(6)), UpdateFlags.ANY);
        assertThat(lru.lookupPerCpu(u32(2))).isNull();
        assertThat(lru.lookupPerCpu(u32(1))).extracting(MapTestSupport::readU64).containsExactly(1L, 2L);
        assertThat(lru.lookupPerCpu(u32(3))).extracting(MapTestSupport::readU64).containsExactly(5L, 6L);
    }
}
