package io.bpf4j.cli;

import io.bpf4j.object.ObjectSpec;

/** bpf4j's own runtime as a {@link RunBackend}. */
final class EmbeddedBackend {
    private EmbeddedBackend() {}

    static RunBackend open(ObjectSpec spec, String program, int cpus, int tailCallLimit) {
        throw CliException.failed("bpf4j's runtime cannot load whole objects yet; add --kernel to run " + program + " in the Linux kernel");
    }
}
