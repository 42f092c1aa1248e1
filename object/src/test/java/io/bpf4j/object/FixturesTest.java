package io.bpf4j.object;

import io.bpf4j.testdata.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fixture catalogue other modules rely on, and the "every fixture loads". */
class FixturesTest {
    @Test
    void everyFixtureIsListedWithItsSourceAndBytes() throws Exception {
        assertThat(Fixtures.names()).isSorted().contains("tail_calls.o", "tc_cb.o", "globals.o", "subprogs.o", "multi.o",
                "legacy_maps.o", "map_in_map.o", "maps_all.o", "cpuv_v1.o", "cpuv_v2.o", "cpuv_v3.o", "cpuv_v4.o", "core.o",
                "sections.o", "btf_kinds.o");
        for (String name : Fixtures.names()) {
            byte[] bytes = Fixtures.bytes(name);
            assertThat(Files.readAllBytes(Fixtures.path(name))).isEqualTo(bytes);
            assertThat(Fixtures.source(name)).contains("SEC(\"license\")");
            assertThat(Fixtures.bytes(name.replace(".o", ""))).as("the .o may be omitted").isEqualTo(bytes);
        }
        assertThat(Fixtures.source("cpuv_v3.o")).isEqualTo(Fixtures.source("cpuv_v1.o"));
        assertThatThrownBy(() -> Fixtures.path("no_such_fixture.o")).hasMessageContaining("no fixture named no_such_fixture.o");
    }

    @Test
    void everyFixtureLoadsExceptTheCoReOne() {
        for (String name : Fixtures.names()) {
            if (name.equals("core.o")) {
                assertThatThrownBy(() -> ObjectSpec.read(Fixtures.path(name))).isInstanceOf(UnsupportedFeatureException.class);
                continue;
            }
            ObjectSpec spec = ObjectSpec.read(Fixtures.path(name));
            assertThat(spec.programs()).as(name).isNotEmpty();
            assertThat(spec.license()).as(name).isIn("GPL", "Dual BSD/GPL");
            assertThat(spec.btf()).as(name + " is built with -g").isNotNull();
            for (ProgramSpec p : spec.programs()) {
                assertThat(p.lineInfos()).as(name + " " + p.name()).isNotEmpty();
                assertThat(p.funcInfos()).extracting(FuncInfo::name).as(name + " " + p.name())
                        .containsExactlyElementsOf(p.subprograms().stream().map(Subprogram::name).toList());
            }
        }
    }
}
