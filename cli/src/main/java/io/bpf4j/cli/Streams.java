package io.bpf4j.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** The process's streams as a command sees them (tests pass their own). */
record Streams(InputStream in, PrintStream out, PrintStream err) {}
