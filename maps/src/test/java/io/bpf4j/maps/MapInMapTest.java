package io.bpf4j.maps;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

import static io.bpf4j.maps.MapTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

class MapInMapTest {
    private final Map<Integer, BpfMap> byId = new HashMap<>();
    private final Map<BpfMap, Integer> ids = new IdentityHashMap<>();
    private final HandleResolver<BpfMap> resolver = new HandleResolver<>() {
        @Override
        public BpfMap resolve(int handle) {
            return byId.get(handle);
        }

        @Override
        public int idOf(BpfMap m) {
            return ids.get(m);
        }
    };

    private final MapDefinition innerArray = new MapDefinition("inner", MapType.ARRAY, 4, 8, 4);
    private final MapDefinition innerHash = new MapDefinition("inner", MapType.HASH, 4, 8, 16);

    private EmbeddedMap register(int id, MapDefinition d) {
        EmbeddedMap m = EmbeddedMaps.create(d, 1);
        byId.put(id, m);
        ids.put(m, id);
        return m;
    }

    private ArrayOfMaps arrayOfMaps(MapDefinition inner) {
        return (ArrayOfMaps) EmbeddedMaps.create(new MapDefinition("outer", MapType.ARRAY_OF_MAPS, 4, 4, 3, 0, inner), 1, resolver, null);
    }

    @Test
    void arrayOfMapsStoresCompatibleMapsAndProgramsGetTheInnerMap() {
        ArrayOfMaps outer = arrayOfMaps(innerArray);
        EmbeddedMap a = register(100, innerArray.withName("a"));
        outer.update(u32(1), u32(100), UpdateFlags.ANY);
        assertThat(readU32(outer.lookup(u32(1)))).isEqualTo(100);
        assertThat(outer.lookup(u32(0))).isNull();
        assertThat(outer.lookupInner(seg(u32(1)), 0)).isSameAs(a);
        assertThat(outer.lookupInner(seg(u32(7)), 0)).isNull();
        assertThat(outer.lookupElem(seg(u32(1)), 0, 0)).isNull();
        assertThat(outer.updateElem(seg(u32(1)), 0, seg(u32(100)), 0, UpdateFlags.ANY, 0)).isEqualTo(-22);
        outer.delete(u32(1));
        assertThat(outer.get(1)).isNull();
        assertErrno(Errno.ENOENT, "outer", () -> outer.delete(u32(1)));
    }

    @Test
    void arrayOfMapsErrors() {
        ArrayOfMaps outer = arrayOfMaps(innerArray);
        register(100, innerArray.withName("a"));
        register(101, innerArray.withName("b").withMaxEntries(8));
        register(102, new MapDefinition("c", MapType.ARRAY, 4, 4, 4));
        register(103, innerHash);
        assertErrno(Errno.EINVAL, "outer", () -> outer.update(u32(0), u32(100), UpdateFlags.NOEXIST));
        assertErrno(Errno.E2BIG, "outer", () -> outer.update(u32(3), u32(100), UpdateFlags.ANY));
        assertErrno(Errno.EBADF, "outer", () -> outer.update(u32(0), u32(999), UpdateFlags.ANY));
        assertErrno(Errno.EINVAL, "outer", () -> outer.update(u32(0), u32(101), UpdateFlags.ANY)); // max_entries differs
        assertErrno(Errno.EINVAL, "outer", () -> outer.update(u32(0), u32(102), UpdateFlags.ANY)); // value_size differs
        assertErrno(Errno.EINVAL, "outer", () -> outer.update(u32(0), u32(103), UpdateFlags.ANY)); // type differs
        assertThat(outer.get(0)).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> outer.update(u32(0), u32(101), UpdateFlags.ANY))
                .hasMessageContaining("max_entries 8, expected 4");
    }

    @Test
    void innerMapFlagLetsArraySizesDiffer() {
        MapDefinition flexible = new MapDefinition("inner", MapType.ARRAY, 4, 8, 4, MapDefinition.F_INNER_MAP, null);
        ArrayOfMaps outer = arrayOfMaps(flexible);
        EmbeddedMap big = register(7, new MapDefinition("big", MapType.ARRAY, 4, 8, 64, MapDefinition.F_INNER_MAP, null));
        outer.update(0, big);
        assertThat(outer.get(0)).isSameAs(big);
    }

    @Test
    void hashOfMapsFollowsHashRules() {
        HashOfMaps outer = (HashOfMaps) EmbeddedMaps.create(
                new MapDefinition("hom", MapType.HASH_OF_MAPS, 8, 4, 2, 0, innerHash), 1, resolver, null);
        EmbeddedMap a = register(1, innerHash.withName("a"));
        EmbeddedMap b = register(2, innerHash.withName("b").withMaxEntries(1000)); // hashes may differ in size
        register(3, innerArray);
        outer.update(u64(10), u32(1), UpdateFlags.NOEXIST);
        assertErrno(Errno.EEXIST, "hom", () -> outer.update(u64(10), u32(2), UpdateFlags.NOEXIST));
        assertErrno(Errno.ENOENT, "hom", () -> outer.update(u64(11), u32(2), UpdateFlags.EXIST));
        assertErrno(Errno.EINVAL, "hom", () -> outer.update(u64(11), u32(3), UpdateFlags.ANY));
        outer.update(u64(11), u32(2), UpdateFlags.ANY);
        assertErrno(Errno.E2BIG, "hom", () -> outer.update(u64(12), u32(2), UpdateFlags.ANY));
        assertThat(outer.lookupInner(seg(u64(10)), 0)).isSameAs(a);
        assertThat(outer.get(u64(11))).isSameAs(b);
        assertThat(readU32(outer.lookup(u64(11)))).isEqualTo(2);
        outer.update(u64(10), b, UpdateFlags.EXIST);
        assertThat(outer.lookupInner(seg(u64(10)), 0)).isSameAs(b);
        assertThat(outer.keys()).hasSize(2);
        outer.delete(u64(10));
        assertThat(outer.lookupInner(seg(u64(10)), 0)).isNull();
        assertThat(outer.deleteElem(seg(u64(11)), 0)).isEqualTo(-22);
    }

    @Test
    void creationChecksTheInnerDefinition() {
        assertErrno(Errno.EINVAL, "outer", () -> arrayOfMaps(null));
        MapDefinition nested = new MapDefinition("n", MapType.ARRAY_OF_MAPS, 4, 4, 1, 0, innerArray);
        assertErrno(Errno.EINVAL, "outer", () -> arrayOfMaps(nested));
        assertErrno(Errno.ENOTSUPP, "outer", () -> arrayOfMaps(new MapDefinition("p", MapType.PROG_ARRAY, 4, 4, 1)));
        assertErrno(Errno.EINVAL, "outer", () -> arrayOfMaps(new MapDefinition("bad", MapType.ARRAY, 8, 4, 1)));
        assertErrno(Errno.EINVAL, "outer", () -> EmbeddedMaps.create(new MapDefinition("outer", MapType.ARRAY_OF_MAPS, 4, 8, 3, 0, innerArray), 1));
        assertErrno(Errno.EINVAL, "outer", () -> EmbeddedMaps.create(new MapDefinition("outer", MapType.HASH_OF_MAPS, 4, 8, 3, 0, innerArray), 1));
        assertErrno(Errno.EINVAL, "plain", () -> EmbeddedMaps.create(new MapDefinition("plain", MapType.ARRAY, 4, 4, 3, 0, innerArray), 1));
    }
}
