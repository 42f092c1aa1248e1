package io.bpf4j.maps;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.UpdateFlags;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static io.bpf4j.maps.MapTestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

class ProgArrayTest {
    /** Stand-in for the runtime's program object. */
    record Prog(int id, String type) {}

    private final Map<Integer, Prog> registry = new HashMap<>();
    private final HandleResolver<Prog> resolver = new HandleResolver<>() {
        @Override
        public Prog resolve(int handle) {
            return registry.get(handle);
        }

        @Override
        public int idOf(Prog p) {
            return p.id();
        }
    };
    private final ProgArray<Prog> jumps = EmbeddedMaps.createProgArray(def(MapType.PROG_ARRAY, 4, 4, 4), resolver);
    private final Prog a = new Prog(11, "xdp"), b = new Prog(12, "xdp"), tc = new Prog(13, "tc");

    ProgArrayTest() {
        registry.put(a.id(), a);
        registry.put(b.id(), b);
        registry.put(tc.id(), tc);
    }

    @Test
    void updateGetReplaceDelete() {
        assertThat(jumps.get(0)).isNull();
        assertThat(jumps.update(0, a)).isNull();
        assertThat(jumps.get(0)).isSameAs(a);
        assertThat(jumps.update(0, b)).isSameAs(a);
        assertThat(jumps.get(0)).isSameAs(b);
        assertThat(jumps.delete(0)).isSameAs(b);
        assertThat(jumps.get(0)).isNull();
    }

    @Test
    void tailCallIndexesAreUnsignedAndOutOfRangeFindsNothing() {
        jumps.update(3, a);
        assertThat(jumps.get(3)).isSameAs(a);
        assertThat(jumps.get(4)).isNull();
        assertThat(jumps.get(-1)).isNull();
    }

    @Test
    void errorsLeaveSlotsUnchanged() {
        jumps.update(1, a);
        assertErrno(Errno.E2BIG, "m_prog_array", () -> jumps.update(4, b));
        assertErrno(Errno.E2BIG, "m_prog_array", () -> jumps.delete(4));
        assertErrno(Errno.ENOENT, "m_prog_array", () -> jumps.delete(2));
        assertErrno(Errno.EINVAL, "m_prog_array", () -> jumps.update(1, null));
        assertThat(jumps.get(1)).isSameAs(a);
        assertThat(jumps.occupied()).isEqualTo(1);
    }

    @Test
    void byteFaceResolvesHandlesAndOnlyTakesBpfAny() {
        jumps.update(u32(2), u32(11), UpdateFlags.ANY);
        assertThat(jumps.get(2)).isSameAs(a);
        assertThat(readU32(jumps.lookup(u32(2)))).isEqualTo(11); // user space reads the program id back
        assertThat(jumps.lookup(u32(1))).isNull();
        assertErrno(Errno.EINVAL, "m_prog_array", () -> jumps.update(u32(2), u32(12), UpdateFlags.NOEXIST));
        assertErrno(Errno.EINVAL, "m_prog_array", () -> jumps.update(u32(2), u32(12), UpdateFlags.EXIST));
        assertErrno(Errno.EBADF, "m_prog_array", () -> jumps.update(u32(2), u32(999), UpdateFlags.ANY));
        assertErrno(Errno.E2BIG, "m_prog_array", () -> jumps.update(u32(7), u32(12), UpdateFlags.ANY));
        assertErrno(Errno.E2BIG, "m_prog_array", () -> jumps.update(u32(7), u32(999), UpdateFlags.ANY)); // index first
        assertErrno(Errno.EINVAL, "m_prog_array", () -> jumps.update(u32(2), new byte[8], UpdateFlags.ANY));
        assertThat(jumps.get(2)).isSameAs(a);
        jumps.delete(u32(2));
        assertErrno(Errno.ENOENT, "m_prog_array", () -> jumps.delete(u32(2)));
        assertThat(jumps.keys()).extracting(MapTestSupport::readU32).containsExactly(0, 1, 2, 3);
    }

    @Test
    void withoutResolverTheByteFaceSaysSo() {
        ProgArray<Prog> bare = EmbeddedMaps.createProgArray(def(MapType.PROG_ARRAY, 4, 4, 2), null);
        assertErrno(Errno.EINVAL, "m_prog_array", () -> bare.update(u32(0), u32(11), UpdateFlags.ANY));
        bare.update(0, a);
        assertThat(bare.get(0)).isSameAs(a);
    }

    @Test
    void admissionHookCanRefuseWithItsReasonAndTheSlotStaysAsItWas() {
        jumps.update(0, a);
        jumps.setAdmission((array, p) -> p.type().equals("xdp") ? null : "program type " + p.type() + " does not match the owner's xdp");
        assertErrno(Errno.EINVAL, "m_prog_array", () -> jumps.update(0, tc));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jumps.update(0, tc))
                .hasMessageContaining("does not match the owner's xdp");
        assertErrno(Errno.EINVAL, "m_prog_array", () -> jumps.update(u32(0), u32(13), UpdateFlags.ANY));
        assertThat(jumps.get(0)).isSameAs(a);
        jumps.update(0, b);
        assertThat(jumps.get(0)).isSameAs(b);
    }

    @Test
    void ownershipIsClaimedOnceAndTheHookCanEnforceIt() {
        assertThat(jumps.owner()).isNull();
        jumps.setAdmission((array, p) -> {
            Object owner = array.claimOwner(p.type());
            return owner.equals(p.type()) ? null : "program type " + p.type() + " differs from the owner's " + owner;
        });
        jumps.update(0, a);                         // first insertion: a's type becomes the owner
        assertThat(jumps.owner()).isEqualTo("xdp");
        jumps.update(1, b);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jumps.update(2, tc))
                .hasMessageContaining("program type tc differs from the owner's xdp");
        assertThat(jumps.get(2)).isNull();
        assertThat(jumps.claimOwner("tc")).isEqualTo("xdp"); // a program loaded later sees the recorded owner
    }

    @Test
    void racingFirstUsersAgreeOnOneOwner() throws Exception {
        for (int round = 0; round < 200; round++) {
            ProgArray<Prog> arr = EmbeddedMaps.createProgArray(def(MapType.PROG_ARRAY, 4, 4, 1), null);
            Object[] seen = new Object[2];
            ConcurrencyTest.parallel(2, t -> seen[t] = arr.claimOwner(t == 0 ? "xdp" : "tc"));
            assertThat(seen[0]).isSameAs(seen[1]).isSameAs(arr.owner());
        }
    }

    @Test
    void programsCannotUpdateOrDeleteOrLookUpValues() {
        jumps.update(0, a);
        assertThat(jumps.updateElem(seg(u32(0)), 0, seg(u32(12)), 0, UpdateFlags.ANY, 0)).isEqualTo(-22);
        assertThat(jumps.deleteElem(seg(u32(0)), 0)).isEqualTo(-22);
        assertThat(jumps.lookupElem(seg(u32(0)), 0, 0)).isNull();
        assertThat(jumps.get(0)).isSameAs(a);
    }

    @Test
    void closeClearsAllSlotsLikeLinuxOnLastUserReference() {
        jumps.update(0, a);
        jumps.update(3, b);
        jumps.close();
        assertThat(jumps.get(0)).isNull();
        assertThat(jumps.get(3)).isNull();
        assertErrno(Errno.EBADF, "m_prog_array", () -> jumps.update(0, a));
    }

    @Test
    void creationRules() {
        assertErrno(Errno.EINVAL, () -> EmbeddedMaps.create(def(MapType.PROG_ARRAY, 4, 8, 4), 1));
        assertErrno(Errno.EINVAL, () -> EmbeddedMaps.create(def(MapType.PROG_ARRAY, 8, 4, 4), 1));
        assertErrno(Errno.EINVAL, () -> EmbeddedMaps.create(def(MapType.PROG_ARRAY, 4, 4, 0), 1));
        assertErrno(Errno.EINVAL, () -> EmbeddedMaps.createProgArray(def(MapType.ARRAY, 4, 4, 4), resolver));
        assertThat(EmbeddedMaps.create(def(MapType.PROG_ARRAY, 4, 4, 4), 1)).isInstanceOf(ProgArray.class);
    }
}
