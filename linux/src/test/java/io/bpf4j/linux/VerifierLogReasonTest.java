package io.bpf4j.linux;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The one-line reason picked from a kernel verifier log, on logs as Linux 6.18 writes them. */
class VerifierLogReasonTest {
    @Test
    void theReasonIsTheLastLineBeforeTheStatistics() {
        String log = "0: R1=ctx() R10=fp0\n0: (bf) r0 = r6\nR6 !read_ok\nprocessed 1 insns (limit 1000000) max_states_per_insn 0 "
                + "total_states 0 peak_states 0 mark_read 0\n";
        assertThat(VerifierLog.reason(log)).isEqualTo("R6 !read_ok");
    }

    @Test
    void theStatesPrintedAfterAnInfiniteLoopAreNotTheReason() {
        String log = "1: (15) if r0 == 0x0 goto pc-1        ; R0=0\ninfinite loop detected at insn 1\n"
                + "cur state: R0=0 R1=ctx() R10=fp0\nold state: R0=P0 R1=ctx() R10=fp0\n"
                + "processed 9 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0\n";
        assertThat(VerifierLog.reason(log)).isEqualTo("infinite loop detected at insn 1");
    }

    @Test
    void anInfiniteLoopFoundOnTheInstructionsLineIsTheReason() {
        String log = "1: (07) r1 += 1                       ; R1=scalar(smin=umin=7,smax=umax=10)\n"
                + "2: (a5) if r1 < 0xa goto pc-2 infinite loop detected at insn 1\ncur state: R1=scalar() R10=fp0\n"
                + "old state: R1=Pscalar() R10=fp0\nprocessed 100 insns (limit 1000000) max_states_per_insn 2 total_states 4 "
                + "peak_states 4 mark_read 0\n";
        assertThat(VerifierLog.reason(log)).isEqualTo("infinite loop detected at insn 1");
    }

    @Test
    void aMessageWithoutItsNewlineLosesTheStatisticsGluedToIt() {
        // Linux's "expected prog array map for tail call" has no newline: the statistics follow on the same line
        String log = "3: (85) call bpf_tail_call#12\nexpected prog array map for tail callprocessed 3 insns (limit 1000000) "
                + "max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";
        assertThat(VerifierLog.reason(log)).isEqualTo("expected prog array map for tail call");
    }

    @Test
    void aFollowUpLineAboutTheRangeIsJoinedToTheVerdict() {
        String log = "5: (71) r0 = *(u8 *)(r2 +0)\ninvalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)\n"
                + "R2 offset is outside of the packet\nprocessed 6 insns (limit 1000000) max_states_per_insn 0 total_states 0 "
                + "peak_states 0 mark_read 0\n";
        assertThat(VerifierLog.reason(log))
                .isEqualTo("invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0) (R2 offset is outside of the packet)");
    }
}
