package io.bpf4j.cli;

import io.bpf4j.BpfException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Properties;

/**
 * {@code bpf4j}: the command line. Exit codes: 0 success, 1 program rejected or run failed, 2 usage error.
 * Every error is one line on stderr saying what, where and what to do next; {@code --verbose} adds the
 * stack trace.
 */
@Command(name = "bpf4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
                "A userspace eBPF runtime for the JVM: inspect, verify, run and graph the BPF objects clang "
                        + "builds, without root or a kernel.", ""},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%n",
        footer = {"Exit codes: 0 success, 1 program rejected or run failed, 2 usage error.",
                "Run 'bpf4j COMMAND --help' for a command's options."},
        subcommands = {
                ProgsCommand.class,
                MapsCommand.class,
                DisasmCommand.class,
                VerifyCommand.class,
                RunCommand.class,
                GraphCommand.class,
                ConformancePluginCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {

    /** Accepted by every command (picocli copies it down): print stack traces with errors. */
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace along with an error.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // no command: show what there is, and say it was not enough
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is missing");
    }

    public static void main(String[] args) {
        int code = execute(args, System.in, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs the command line with the given streams; returns the exit code. Tests call this in-process. */
    public static int execute(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return commandLine(in, out, err, args).execute(args);
    }

    static CommandLine commandLine(InputStream in, PrintStream out, PrintStream err, String[] args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        Streams streams = new Streams(in, out, err);
        CommandLine cl = new CommandLine(new Main(), new CommandFactory(streams));
        cl.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cl.setExitCodeExceptionMapper(Main::exitCode);
        // the plugin's own options (--budget, --elf) go to the plugin untouched
        cl.getSubcommands().get("conformance-plugin").setUnmatchedOptionsArePositionalParams(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter e = c.getErr();
            String path = commandPath(c);
            e.println(prefix(c) + usageMessage(ex) + " (see 'bpf4j " + path + (path.isEmpty() ? "" : " ") + "--help')");
            if (verbose) ex.printStackTrace(e);
            e.flush();
            return CliException.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            PrintWriter e = c.getErr();
            c.getOut().flush();
            boolean ours = ex instanceof BpfException || ex instanceof UncheckedIOException;
            e.println(prefix(c) + message(ex) + (ours || verbose ? "" : " (a bug in bpf4j: rerun with --verbose for the stack trace and report it)"));
            if (verbose) ex.printStackTrace(e);
            e.flush();
            return exitCode(ex);
        });
        return cl;
    }

    private static String prefix(CommandLine c) {
        String path = commandPath(c);
        return path.isEmpty() ? "bpf4j: " : "bpf4j " + path + ": ";
    }

    /** picocli's message, with the unknown-command case said the way people expect. */
    private static String usageMessage(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().getFirst();
            CommandLine c = u.getCommandLine();
            if (!first.startsWith("-") && !c.getSubcommands().isEmpty() && c.getCommandSpec().positionalParameters().isEmpty()) {
                return "unknown command '" + first + "'; the commands are "
                        + String.join(", ", c.getSubcommands().keySet().stream().filter(k -> !k.equals("help")).toList());
            }
            if (first.startsWith("-")) return "unknown option '" + first + "'";
            return "unexpected argument '" + first + "'";
        }
        String m = ex.getMessage();
        return m.startsWith("Error: ") ? m.substring("Error: ".length()) : m;
    }

    private static String commandPath(CommandLine c) {
        String q = c.getCommandSpec().qualifiedName(" ");
        return q.equals("bpf4j") ? "" : q.substring("bpf4j ".length());
    }

    static int exitCode(Throwable ex) {
        if (ex instanceof CliException c) return c.exitCode();
        if (ex instanceof CommandLine.ParameterException) return CliException.USAGE;
        return CliException.FAILED;
    }

    /** One line: our own messages as they are, others with their kind in front. */
    static String message(Throwable ex) {
        String m = ex.getMessage();
        if (ex instanceof BpfException) return m;
        if (ex instanceof UncheckedIOException u && u.getCause() != null) return ioMessage(u.getCause());
        if (ex instanceof IOException io) return ioMessage(io);
        return ex.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static String ioMessage(IOException io) {
        return switch (io) {
            case java.nio.file.NoSuchFileException n -> n.getFile() + ": no such file (check the path)";
            case java.nio.file.AccessDeniedException a -> a.getFile() + ": permission denied";
            default -> "I/O error: " + io.getMessage();
        };
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) p.load(in);
            } catch (IOException ignored) {
                // fall through to "unknown"
            }
            return new String[]{
                    "bpf4j " + p.getProperty("version", "unknown"),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ", " + System.getProperty("java.home") + ")",
                    "OS " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
            };
        }
    }
}
