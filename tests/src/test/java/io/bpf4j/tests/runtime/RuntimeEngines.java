package io.bpf4j.tests.runtime;

import io.bpf4j.runtime.Engine;
import io.bpf4j.tests.Engines;

import java.util.stream.Stream;

/** The engines every runtime scenario runs on: the same list as every other engine-parameterised test. */
final class RuntimeEngines {
    private RuntimeEngines() {}

    static Stream<Engine> all() {
        return Engines.all();
    }
}
