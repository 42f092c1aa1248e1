package io.bpf4j.tests.runtime;

import io.bpf4j.maps.ProgArray;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Collection;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.TailCallObserver.FallThrough;
import io.bpf4j.runtime.TestRun;
import io.bpf4j.runtime.TestRunResult;
import io.bpf4j.runtime.TraceEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the code of README.md's "Embedding: tail calls in Java" example and checks what its comments claim. */
class ReadmeExampleTest {
    @Test
    void theReadmeTailCallExampleDoesWhatItSays() {
        try (BpfRuntime rt = BpfRuntime.builder().cpus(4).tailCallLimit(32).stats(true).build();
             Collection coll = rt.load(Asm.fixture("tail_calls.o"))) {
            byte[] packet = new byte[64];
            packet[12] = 0x08;
            TestRunResult r = coll.program("entry").testRun(TestRun.of(packet).traced());
            assertThat(r.retval()).isEqualTo(2);
            assertThat(r.tailCalls()).isEqualTo(3);
            assertThat(r.trace()).containsExactly(
                    new TraceEvent.Entered("entry", r.cpu()),
                    new TraceEvent.TailCall("entry", 0, "stage_a", 1),
                    new TraceEvent.TailCall("stage_a", 1, "stage_b", 2),
                    new TraceEvent.FellThrough("stage_b", 2, FallThrough.EMPTY_SLOT),
                    new TraceEvent.TailCall("stage_b", 3, "stage_d", 3),
                    new TraceEvent.Exited("stage_d", 2));

            ProgArray<Program> jmp = coll.progArray("jmp_table");
            jmp.update(2, coll.program("leaf"));
            assertThat(coll.program("entry").testRun(TestRun.of(packet)).retval()).isEqualTo(5);

            TestRunResult loop = coll.program("loop").testRun(TestRun.of(packet).traced());
            assertThat(loop.trace().get(loop.trace().size() - 2)).isEqualTo(new TraceEvent.FellThrough("loop", 7, FallThrough.LIMIT_REACHED));
            assertThat(coll.program("entry").stats().runCount()).isEqualTo(2);
        }
    }
}
