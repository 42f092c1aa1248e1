package io.bpf4j.runtime.conformance;

import io.bpf4j.isa.Instructions;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.interpreter.Interpreter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code bpf4j conformance-plugin}: runs one test for the bpf_conformance runner.
 *
 * <pre>
 *   bpf4j conformance-plugin [MEM] [--budget N] [--elf]   &lt; program
 * </pre>
 *
 * MEM is the input memory as hex bytes separated by whitespace ({@code "aa  bb  11  "}), present only when the
 * test has memory (an empty or blank argument counts as no memory, and options may come as one string, as
 * bpf_conformance's runner passes them). stdin holds one line: the program's bytes in the same format. On success
 * the plugin prints r0 in hex on stdout and exits 0; on any failure (bad arguments, malformed program, unknown
 * helper, fault, exhausted budget) it prints one line naming the problem on stdout (where the runner reads it)
 * and on stderr, and exits 1. It reads only the first line of stdin, and the
 * instruction budget ({@link RuntimeOptions#DEFAULT_INSTRUCTION_BUDGET} unless {@code --budget} says otherwise)
 * stops endless loops, so it never hangs.
 */
public final class ConformancePlugin {
    /** Exit status for every failure. */
    public static final int FAILURE = 1;

    private ConformancePlugin() {}

    public static void main(String[] args) {
        int status = run(args, System.in, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /** Runs the plugin; returns the process exit status. Never throws. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        try {
            byte[] memory = null;
            long budget = RuntimeOptions.DEFAULT_INSTRUCTION_BUDGET;
            List<String> words = words(args);
            for (int i = 0; i < words.size(); i++) {
                String a = words.get(i);
                if (a.equals("--elf")) {
                    return fail(out, err, "--elf: running ELF objects is not supported by the conformance plugin; pass raw instructions");
                } else if (a.equals("--budget")) {
                    if (i + 1 >= words.size()) return fail(out, err, "--budget needs a number of instructions");
                    try {
                        budget = Long.parseLong(words.get(++i));
                    } catch (NumberFormatException e) {
                        return fail(out, err, "--budget: not a number: " + words.get(i));
                    }
                    if (budget <= 0) return fail(out, err, "--budget must be positive, got " + budget);
                } else if (a.startsWith("--")) {
                    return fail(out, err, "unknown option " + a + " (known: --budget N, --elf)");
                } else if (memory == null) {
                    memory = parseHex(a, "memory argument");
                } else {
                    return fail(out, err, "unexpected argument '" + abbreviate(a) + "': the memory was already given");
                }
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line = reader.readLine();
            if (line == null || line.isBlank()) return fail(out, err, "no program on stdin (expected one line of hex bytes)");
            byte[] code = parseHex(line, "program on stdin");
            Instructions program = Instructions.decode(code);
            long r0 = ConformanceEnvironment.run(Interpreter.INSTANCE, ConformanceEnvironment.load("stdin", program),
                    memory == null ? new byte[0] : memory, RuntimeOptions.DEFAULTS.withInstructionBudget(budget));
            out.println(Long.toHexString(r0));
            out.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            return fail(out, err, e.getMessage());
        } catch (IOException e) {
            return fail(out, err, "cannot read the program from stdin: " + e.getMessage());
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            String m = e.getMessage();
            return fail(out, err, e instanceof io.bpf4j.BpfException && m != null ? m : e.getClass().getSimpleName() + (m == null ? "" : ": " + m));
        }
    }

    /**
     * The arguments as words: runners differ (one passes the memory only when there is some, bpf_conformance's
     * runner always passes it, empty when there is none, followed by its {@code --plugin_options} string, also
     * possibly empty), so blank arguments are skipped and an options string is split at whitespace.
     */
    private static List<String> words(String[] args) {
        List<String> words = new ArrayList<>();
        for (String a : args) {
            if (a == null || a.isBlank()) continue;
            String t = a.strip();
            if (t.startsWith("--")) words.addAll(List.of(t.split("\\s+")));
            else words.add(t);
        }
        return words;
    }

    /**
     * A failure: one line on stdout, where bpf_conformance's runner reads it (and compares it with a test's
     * expected error), and the same line on stderr for logs and people.
     */
    private static int fail(PrintStream out, PrintStream err, String message) {
        String line = message.replace('\n', ' ').replace('\r', ' ');
        out.println(line);
        out.flush();
        err.println(line);
        err.flush();
        return FAILURE;
    }

    /** Whitespace-separated two-digit hex bytes. */
    static byte[] parseHex(String text, String what) {
        String[] tokens = text.trim().split("\\s+");
        if (tokens.length == 1 && tokens[0].isEmpty()) return new byte[0];
        byte[] out = new byte[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            String t = tokens[i];
            if (t.length() != 2 || Character.digit(t.charAt(0), 16) < 0 || Character.digit(t.charAt(1), 16) < 0) {
                throw new IllegalArgumentException(what + ": byte " + i + " '" + abbreviate(t) + "' is not two hex digits");
            }
            out[i] = (byte) HexFormat.fromHexDigits(t);
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
