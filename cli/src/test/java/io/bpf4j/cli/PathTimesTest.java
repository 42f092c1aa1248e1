package io.bpf4j.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PathTimesTest {
    @Test
    void recoversEachProgramsTimeFromPathsThatShareThem() {
        // entry 100, a 20, b 50, p 10: four paths, each time the sum of its programs
        Map<String, Double> t = PathTimes.perProgram(
                List.of(List.of("entry", "a", "p"), List.of("entry", "b", "p"), List.of("entry"), List.of("entry", "a")),
                List.of(500L, 200L, 30L, 10L), List.of(130L, 160L, 100L, 120L));
        assertThat(t.get("entry")).isCloseTo(100, within(1.0));
        assertThat(t.get("a")).isCloseTo(20, within(1.0));
        assertThat(t.get("b")).isCloseTo(50, within(1.0));
        assertThat(t.get("p")).isCloseTo(10, within(1.0));
    }

    @Test
    void aProgramRunningSeveralTimesOnOnePathCountsEachRun() {
        Map<String, Double> t = PathTimes.perProgram(List.of(List.of("loop", "loop", "loop"), List.of("loop")),
                List.of(1L, 1L), List.of(30L, 10L));
        assertThat(t.get("loop")).isCloseTo(10, within(0.5));
    }

    @Test
    void tooFewPathsToTellProgramsApartGivesNoEstimate() {
        assertThat(PathTimes.perProgram(List.of(List.of("a", "b")), List.of(5L), List.of(10L))).isEmpty();
    }
}
