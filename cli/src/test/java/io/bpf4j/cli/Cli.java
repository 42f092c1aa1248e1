package io.bpf4j.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs the bpf4j command line in-process, as a user would from a shell, and keeps what it printed. */
final class Cli {
    record Result(int exitCode, String out, String err) {
        Object json() {
            return JsonParser.parse(out);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Result run(String... args) {
        return runWithInput("", args);
    }

    static Result runWithInput(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.execute(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The repository's root (tests run from the cli module). */
    static Path root() {
        String r = System.getProperty("bpf4j.root");
        if (r != null) return Path.of(r);
        return Path.of("").toAbsolutePath().getParent();
    }

    static String example(String relative) {
        return root().resolve("examples").resolve(relative).toString();
    }

    private Cli() {}
}
