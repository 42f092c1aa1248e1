package io.bpf4j.verifier;

import io.bpf4j.abi.MapDefinition;

/** A map a program refers to: the handle its lddw names and what the map is. */
public record MapRef(int handle, MapDefinition definition) {
    String describe() {
        return "map=" + definition.name() + ",ks=" + definition.keySize() + ",vs=" + definition.valueSize();
    }
}
