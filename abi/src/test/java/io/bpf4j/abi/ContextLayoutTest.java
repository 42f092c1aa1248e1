package io.bpf4j.abi;

import io.bpf4j.BpfException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContextLayoutTest {
    @Test
    void skBuffMatchesTheUapiOffsetsAndSize() {
        ContextLayout tc = ContextLayout.SK_BUFF_TC;
        assertThat(tc.size()).isEqualTo(192);
        assertThat(tc.field("cb").orElseThrow().offset()).isEqualTo(48);
        assertThat(tc.field("hash").orElseThrow().offset()).isEqualTo(68);
        assertThat(tc.field("data").orElseThrow().offset()).isEqualTo(76);
        assertThat(tc.field("data_end").orElseThrow().offset()).isEqualTo(80);
        assertThat(tc.field("data_meta").orElseThrow().offset()).isEqualTo(140);
        assertThat(tc.field("tstamp").orElseThrow().offset()).isEqualTo(152);
        assertThat(tc.field("sk").orElseThrow().offset()).isEqualTo(168);
        assertThat(tc.field("tstamp_type").orElseThrow().offset()).isEqualTo(180);
        assertThat(tc.field("hwtstamp").orElseThrow().offset()).isEqualTo(184);
        assertThat(ContextLayout.XDP_MD.size()).isEqualTo(24);
    }

    @Test
    void tcMayWriteMarkButNotLen() {
        ContextLayout tc = ContextLayout.SK_BUFF_TC;
        assertThat(tc.check(8, 4, true).allowed()).isTrue();   // mark
        assertThat(tc.check(8, 2, true).allowed()).isFalse();  // writes are whole words
        assertThat(tc.check(0, 4, true).allowed()).isFalse();  // len is read-only
        assertThat(tc.check(0, 1, false).allowed()).isTrue();  // narrow read
        assertThat(tc.check(2, 2, false).allowed()).isTrue();
        assertThat(tc.check(1, 2, false).allowed()).isFalse(); // misaligned
        assertThat(tc.check(0, 8, false).allowed()).isFalse(); // spans two fields
    }

    @Test
    void socketFilterWritesOnlyCbAndSeesNoPacketPointers() {
        ContextLayout sf = ContextLayout.forProgramType(ProgramType.SOCKET_FILTER);
        assertThat(sf.check(8, 4, true).allowed()).isFalse();
        assertThat(sf.check(48, 8, true).allowed()).isTrue();
        assertThat(sf.check(64, 4, true).allowed()).isTrue();
        assertThat(sf.check(64, 8, true).allowed()).isFalse();  // past cb[4]
        assertThat(sf.check(76, 4, false).allowed()).isFalse(); // data
        assertThat(sf.check(72, 4, false).allowed()).isFalse(); // tc_classid
    }

    @Test
    void packetFieldsHaveTheirKinds() {
        assertThat(ContextLayout.SK_BUFF_TC.check(76, 4, false).kind()).isEqualTo(ContextLayout.Kind.PACKET_START);
        assertThat(ContextLayout.SK_BUFF_TC.check(76, 2, false).allowed()).isFalse();
        assertThat(ContextLayout.XDP_MD.check(4, 4, false).kind()).isEqualTo(ContextLayout.Kind.PACKET_END);
        assertThat(ContextLayout.XDP_MD.check(8, 4, false).kind()).isEqualTo(ContextLayout.Kind.PACKET_META);
    }

    @Test
    void xdpIsReadOnlyWordsAndEgressNeedsDevmap() {
        ContextLayout xdp = ContextLayout.forProgramType(ProgramType.XDP);
        assertThat(xdp.check(12, 4, false).allowed()).isTrue();
        assertThat(xdp.check(12, 4, true).allowed()).isFalse();
        assertThat(xdp.check(12, 2, false).allowed()).isFalse();
        assertThat(xdp.check(20, 4, false).allowed()).isFalse();
        assertThat(ContextLayout.forProgramType(ProgramType.XDP, AttachType.XDP_DEVMAP).check(20, 4, false).allowed()).isTrue();
    }

    @Test
    void paddingIsNeverAccessible() {
        assertThat(ContextLayout.SK_BUFF_TC.check(181, 1, false).allowed()).isFalse();
        assertThat(ContextLayout.SK_BUFF_TC.fieldAt(182)).isEmpty();
    }

    @Test
    void rawMemoryAllowsAnyInBoundsAccess() {
        ContextLayout raw = ContextLayout.rawMemory(16);
        assertThat(raw.check(3, 8, true).allowed()).isTrue();
        assertThat(raw.check(9, 8, false).allowed()).isFalse();
        assertThat(raw.check(-1, 1, false).allowed()).isFalse();
    }

    @Test
    void unknownProgramTypesFailClosed() {
        assertThatThrownBy(() -> ContextLayout.forProgramType(ProgramType.KPROBE))
                .isInstanceOf(BpfException.class).hasMessageContaining("BPF_PROG_TYPE_KPROBE");
        assertThat(ContextLayout.lookup(ProgramType.TRACING, null)).isEmpty();
    }
}
