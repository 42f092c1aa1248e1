package io.bpf4j.tests.agreement;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.object.LineInfo;
import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.testdata.Fixtures;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every program of every committed clang fixture. The kernel loads each through {@code KernelCollection} (BTF,
 * maps with initial values, frozen .rodata, static prog arrays); bpf4j verifies the same program relocated to
 * map handles, with its maps' definitions and source lines.
 */
final class FixturePrograms {
    private FixturePrograms() {}

    static final String CORPUS = "fixtures";

    /**
     * @param programs   every program of every fixture bpf4j can read
     * @param unreadable a line per fixture bpf4j's object reader refuses (those are not compared; the report
     *                   lists them)
     */
    record Found(List<AgreementProgram> programs, List<String> unreadable) {}

    static Found programs() {
        List<AgreementProgram> out = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (String fixture : Fixtures.names()) {
            ObjectSpec spec;
            try {
                spec = ObjectSpec.read(fixture, Fixtures.bytes(fixture));
            } catch (io.bpf4j.BpfException e) {
                unreadable.add(fixture + ": " + e.getMessage());
                continue;
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
                out.add(new AgreementProgram(CORPUS, p.name(), p.type(), p.attachType(), p.relocate(handles::get), maps, fixture, lines));
            }
        }
        return new Found(out, unreadable);
    }
}
