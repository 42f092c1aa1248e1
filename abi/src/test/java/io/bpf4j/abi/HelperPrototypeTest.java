package io.bpf4j.abi;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HelperPrototypeTest {
    @Test
    void mapLookupTakesAMapAndAKey() {
        HelperPrototype p = HelperPrototype.of(Helper.MAP_LOOKUP_ELEM).orElseThrow();
        assertThat(p.returns()).isEqualTo(HelperPrototype.ReturnType.MAP_VALUE_OR_NULL);
        assertThat(p.args()).containsExactly(HelperPrototype.ArgType.CONST_MAP_PTR, HelperPrototype.ArgType.MAP_KEY);
        assertThat(p.arg(2)).isEqualTo(HelperPrototype.ArgType.DONT_CARE);
        assertThat(p.displayName()).isEqualTo("bpf_map_lookup_elem#1");
    }

    @Test
    void packetHelpersBelongToTheirProgramTypes() {
        assertThat(HelperPrototype.forProgramType(Helper.XDP_ADJUST_HEAD, ProgramType.XDP)).isPresent();
        assertThat(HelperPrototype.forProgramType(Helper.XDP_ADJUST_HEAD, ProgramType.SCHED_CLS)).isEmpty();
        assertThat(HelperPrototype.forProgramType(Helper.SKB_STORE_BYTES, ProgramType.SOCKET_FILTER)).isEmpty();
        assertThat(HelperPrototype.forProgramType(Helper.SKB_LOAD_BYTES, ProgramType.SOCKET_FILTER)).isPresent();
        assertThat(HelperPrototype.forProgramType(Helper.TAIL_CALL, ProgramType.UNSPEC)).isPresent();
        assertThat(HelperPrototype.of(Helper.SKB_STORE_BYTES).orElseThrow().changesPacketData()).isTrue();
    }

    @Test
    void unimplementedHelpersFailClosed() {
        assertThat(HelperPrototype.of(Helper.PROBE_READ)).isEmpty();
        assertThat(HelperPrototype.forProgramType(Helper.GET_CURRENT_PID_TGID, ProgramType.XDP)).isEmpty();
    }

    @Test
    void mapCompatibilityFollowsBothDirections() {
        HelperPrototype lookup = HelperPrototype.of(Helper.MAP_LOOKUP_ELEM).orElseThrow();
        assertThat(lookup.acceptsMap(MapType.HASH)).isTrue();
        assertThat(lookup.acceptsMap(MapType.PROG_ARRAY)).isFalse();
        assertThat(lookup.acceptsMap(MapType.RINGBUF)).isFalse();
        HelperPrototype tail = HelperPrototype.of(Helper.TAIL_CALL).orElseThrow();
        assertThat(tail.acceptsMap(MapType.PROG_ARRAY)).isTrue();
        assertThat(tail.acceptsMap(MapType.ARRAY)).isFalse();
        assertThat(HelperPrototype.of(Helper.MAP_POP_ELEM).orElseThrow().acceptsMap(MapType.QUEUE)).isTrue();
        assertThat(HelperPrototype.of(Helper.MAP_POP_ELEM).orElseThrow().acceptsMap(MapType.HASH)).isFalse();
    }
}
