package io.bpf4j.cli;

import io.bpf4j.runtime.conformance.ConformancePlugin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** {@code bpf4j conformance-plugin}: the plugin the bpf_conformance runner starts once per test. */
@Command(name = "conformance-plugin",
        mixinStandardHelpOptions = true,
        header = "Run one bpf_conformance test (program on stdin, prints r0)",
        sortOptions = false,
        description = {
                "Runs one bpf_conformance test on bpf4j's interpreter: the program's bytes arrive as one line of hex on "
                        + "stdin, the input memory (if any) as the first argument; prints r0 in hex.",
                "",
                "Used by the bpf_conformance runner: bpf_conformance_runner --plugin_path ./bpf4j "
                        + "--plugin_options conformance-plugin --test_file_directory tests/"},
        footer = {"", "Exit codes: 0 the program ran (r0 printed), 1 anything went wrong (one line on stderr says what)."})
final class ConformancePluginCommand extends BaseCommand {
    @Parameters(arity = "0..*", paramLabel = "ARG",
            description = "MEM (input memory as hex bytes, e.g. \"aa bb 11\"), then --budget N (instructions before "
                    + "the run is stopped), --elf (refused: the plugin takes raw instructions).")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        streams.out().flush();
        int status = ConformancePlugin.run(args.toArray(String[]::new), streams.in(), streams.out(), streams.err());
        streams.out().flush();
        return status;
    }
}
