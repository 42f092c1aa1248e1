package io.bpf4j.cli;

import java.nio.file.Path;

/** Where the repository is, for tests in any package. */
public final class CliPaths {
    private CliPaths() {}

    public static Path root() {
        return Cli.root();
    }
}
