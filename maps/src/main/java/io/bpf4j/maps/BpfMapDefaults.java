package io.bpf4j.maps;

import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.Errno;

import java.util.List;

/** The refusals {@link BpfMap}'s default methods give, for implementations that override and then delegate. */
final class BpfMapDefaults {
    private BpfMapDefaults() {}

    static List<byte[]> notPerCpu(BpfMap map) {
        throw new BpfErrnoException(Errno.EINVAL, "map " + map.name() + " (" + map.type() + ") is not per-CPU");
    }
}
