package io.bpf4j.tests.agreement;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The kernel's verdicts on a batch of programs in one {@link Mode}. */
final class KernelOracle {
    /** Capability bits in /proc/self/status (include/uapi/linux/capability.h). */
    static final int CAP_NET_ADMIN = 12, CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

    /** The setpriv capability names dropped for the unprivileged mode (see {@link Mode}). */
    static final String DROPPED = "-perfmon,-sys_admin";

    private KernelOracle() {}

    private static Path snapshot;

    /**
     * Loads every class of this package into this JVM and copies their files to a temporary directory that goes
     * first on the child's class path. The tree's {@code tests/target} is shared with concurrent builds, which may
     * delete and rewrite the class files while a run is under way; after this, neither JVM needs them.
     */
    static synchronized Path snapshotClasses() {
        if (snapshot != null) return snapshot;
        try {
            Path root = Path.of(KernelLoads.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            String pkg = KernelLoads.class.getPackageName().replace('.', '/');
            Path copy = Files.createTempDirectory("bpf4j-agreement-classes");
            Path into = Files.createDirectories(copy.resolve(pkg));
            try (var files = Files.list(root.resolve(pkg))) {
                for (Path f : files.filter(x -> x.toString().endsWith(".class")).toList()) {
                    Files.copy(f, into.resolve(f.getFileName().toString()));
                    String name = f.getFileName().toString();
                    Class.forName(KernelLoads.class.getPackageName() + "." + name.substring(0, name.length() - ".class".length()),
                            false, KernelLoads.class.getClassLoader());
                }
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var all = Files.walk(copy)) {
                    for (Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // a temporary directory left behind; nothing depends on it
                }
            }));
            snapshot = copy;
            return copy;
        } catch (IOException | java.net.URISyntaxException | ClassNotFoundException e) {
            throw new AssertionError("cannot snapshot the agreement classes", e);
        }
    }

    static List<KernelVerdict> judge(Mode mode, List<AgreementProgram> programs) {
        return mode.privileged ? inThisProcess(programs) : inUnprivilegedChild(programs);
    }

    private static List<KernelVerdict> inThisProcess(List<AgreementProgram> programs) {
        List<KernelVerdict> out = new ArrayList<>(programs.size());
        for (AgreementProgram p : programs) out.add(KernelLoads.load(p, true));
        return out;
    }

    /** Why the unprivileged mode cannot run here, or null when it can. */
    static String unprivilegedUnavailableReason() {
        if (!Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
            return "/usr/bin/setpriv (util-linux) is needed to start a child without CAP_PERFMON";
        }
        return null;
    }

    private static List<KernelVerdict> inUnprivilegedChild(List<AgreementProgram> programs) {
        Path batch = null, err = null;
        try {
            batch = Files.createTempFile("bpf4j-agreement", ".batch");
            err = Files.createTempFile("bpf4j-agreement", ".stderr");
            Files.write(batch, BatchCodec.writePrograms(programs), StandardCharsets.UTF_8);
            List<String> cmd = List.of("/usr/bin/setpriv", "--inh-caps=" + DROPPED, "--bounding-set=" + DROPPED, "--",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                    "-cp", snapshotClasses() + java.io.File.pathSeparator + System.getProperty("java.class.path"),
                    KernelLoads.class.getName(), batch.toString());
            Process child = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            // read the verdicts on another thread, so that a child that hangs is noticed by the timeout below
            java.util.concurrent.CompletableFuture<List<String>> output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (var reader = child.inputReader(StandardCharsets.UTF_8)) {
                    return reader.lines().toList();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, Thread::startVirtualThread);
            long budgetSeconds = 120 + programs.size() / 20L;
            if (!child.waitFor(budgetSeconds, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor();
                throw new AssertionError("the unprivileged child did not finish within " + budgetSeconds + " s; stderr:\n" + Files.readString(err));
            }
            List<String> lines;
            try {
                lines = output.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new AssertionError("cannot read the unprivileged child's verdicts", e);
            }
            String stderr = Files.readString(err);
            List<KernelVerdict> out = new ArrayList<>(programs.size());
            for (String line : lines) {
                String[] f = line.split("\t", -1);
                switch (f[0]) {
                    case "CAPS" -> checkCapabilities(f[1]);
                    case "VERDICT" -> {
                        if (Integer.parseInt(f[1]) != out.size()) throw new AssertionError("verdict out of order: " + line);
                        out.add(BatchCodec.parseVerdict(f));
                    }
                    case "ERROR" -> throw new AssertionError("the unprivileged child failed on " + programs.get(Integer.parseInt(f[1])).id()
                            + ":\n" + BatchCodec.unescape(f[2]));
                    default -> { /* anything else a library printed: ignored */ }
                }
            }
            if (child.exitValue() != 0 || out.size() != programs.size()) {
                throw new AssertionError("the unprivileged child exited with " + child.exitValue() + " after " + out.size() + " of "
                        + programs.size() + " verdicts; stderr:\n" + stderr);
            }
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot run the unprivileged child", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the unprivileged child", e);
        } finally {
            try {
                if (batch != null) Files.deleteIfExists(batch);
                if (err != null) Files.deleteIfExists(err);
            } catch (IOException ignored) {
                // temporary files; nothing depends on them
            }
        }
    }

    /** The child must really lack CAP_PERFMON and CAP_SYS_ADMIN and still hold CAP_BPF and CAP_NET_ADMIN. */
    static void checkCapabilities(String capEffHex) {
        long caps = Long.parseUnsignedLong(capEffHex, 16);
        boolean ok = (caps & (1L << CAP_PERFMON)) == 0 && (caps & (1L << CAP_SYS_ADMIN)) == 0
                && (caps & (1L << CAP_BPF)) != 0 && (caps & (1L << CAP_NET_ADMIN)) != 0;
        if (!ok) {
            throw new AssertionError("the unprivileged child runs with CapEff " + capEffHex
                    + ": expected no CAP_PERFMON and no CAP_SYS_ADMIN, but CAP_BPF and CAP_NET_ADMIN");
        }
    }
}
