package io.bpf4j.verifier;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.object.LineInfo;
import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every program clang built for the kernel in the committed fixtures, verified with its maps and BTF source
 * lines: programs of the types bpf4j models are accepted as Linux accepts them, except those named {@code reject_…},
 * which Linux refuses and bpf4j must too; programs of other types are refused up front.
 */
class FixtureVerificationTest {
    private static final Set<ProgramType> MODELLED = EnumSet.of(ProgramType.SOCKET_FILTER, ProgramType.SCHED_CLS,
            ProgramType.SCHED_ACT, ProgramType.XDP);

    /**
     * Programs Linux loads only with CAP_PERFMON, with the reason it refuses them without: subprogs.o's
     * xdp_squares measures the packet as data_end - data (its test expects the exact length of short packets),
     * and Linux subtracts pointers only with allow_ptr_leaks. bpf4j must refuse them by default and accept them
     * in the privileged mode.
     */
    private static final Map<String, String> NEED_CAP_PERFMON = Map.of(
            "xdp_squares", "R1 pointer -= pointer prohibited");

    static List<Arguments> programs() {
        List<Arguments> out = new ArrayList<>();
        for (String fixture : Fixtures.names()) {
            ObjectSpec spec;
            try {
                spec = ObjectSpec.read(fixture, Fixtures.bytes(fixture));
            } catch (RuntimeException e) {
                continue; // objects the loader refuses (e.g. CO-RE against kernel BTF) never reach a verifier
            }
            Map<String, Integer> handles = new HashMap<>();
            Map<Integer, MapDefinition> maps = new HashMap<>();
            for (MapSpec m : spec.maps()) {
                int h = handles.size() + 1;
                handles.put(m.name(), h);
                maps.put(h, m.definition());
            }
            for (ProgramSpec p : spec.programs()) {
                Map<Integer, String> lines = new HashMap<>();
                for (LineInfo li : p.lineInfos()) if (li.sourceText() != null) lines.put(li.pc(), li.sourceText().strip());
                VerificationRequest req = new VerificationRequest(p.name(), p.relocate(handles::get), p.type(), p.attachType(),
                        maps, null, lines, VerificationOptions.DEFAULT.withLogLevel(1));
                out.add(Arguments.of(Named.of(fixture + " " + p.name() + " [" + p.type() + "]", req)));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void clangOutputForModelledTypesIsAccepted(VerificationRequest req) {
        if (MODELLED.contains(req.type()) && req.name().startsWith("reject_")) {
            // the fixtures' convention: Linux refuses these, and so must bpf4j (with a reason, not an internal error)
            assertThatThrownBy(() -> Verifier.verify(req)).isInstanceOf(ProgramRejectedException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(Checker.INTERNAL_ERROR));
        } else if (MODELLED.contains(req.type()) && NEED_CAP_PERFMON.containsKey(req.name())) {
            assertThatThrownBy(() -> Verifier.verify(req)).isInstanceOf(ProgramRejectedException.class)
                    .hasMessageEndingWith(": " + NEED_CAP_PERFMON.get(req.name()));
            VerificationRequest privileged = new VerificationRequest(req.name(), req.program(), req.type(), req.attachType(),
                    req.maps(), req.context(), req.lineInfo(), req.options().withPrivileged(true));
            assertThat(Verifier.verify(privileged).log()).contains("processed ");
        } else if (MODELLED.contains(req.type())) {
            VerificationResult r = Verifier.verify(req);
            assertThat(r.stats().processedInsns()).isPositive();
            assertThat(r.log()).contains("processed ");
        } else {
            assertThatThrownBy(() -> Verifier.verify(req)).isInstanceOf(ProgramRejectedException.class)
                    .hasMessageContaining("bpf4j has no context layout for program type " + req.type().uapiName());
        }
    }
}
