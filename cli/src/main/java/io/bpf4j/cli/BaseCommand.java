package io.bpf4j.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** What every bpf4j command shares: its streams and a way to print. */
abstract class BaseCommand implements Callable<Integer> {
    Streams streams;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Prints a JSON document on stdout. */
    void printJson(Object value) {
        out().print(Json.write(value));
        out().flush();
    }
}
