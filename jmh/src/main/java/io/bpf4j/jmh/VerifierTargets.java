package io.bpf4j.jmh;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.text.Assembler;
import io.bpf4j.linux.KernelCollection;
import io.bpf4j.linux.KernelProgram;
import io.bpf4j.linux.LoadPrivileges;
import io.bpf4j.linux.ProgramLoadSpec;
import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.testdata.Fixtures;
import io.bpf4j.verifier.ProgramRejectedException;
import io.bpf4j.verifier.VerificationOptions;
import io.bpf4j.verifier.VerificationRequest;
import io.bpf4j.verifier.VerificationResult;
import io.bpf4j.verifier.Verifier;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@link VerifierBenchmark} verifies: the programs of one fixture object (those both bpf4j's verifier and the
 * kernel accept), or {@link #LOOP_HEAVY}, a bounded loop that makes a verifier process 864,005 instructions
 * (Linux's budget is 1,000,000). Both verifiers run privileged (the kernel: root with CAP_PERFMON; bpf4j:
 * {@link VerificationOptions#withPrivileged}). The kernel's own verification time comes from its statistics log
 * (log_level 4, BPF_LOG_STATS): {@code verification time N usec}.
 *
 * <pre>java -cp jmh/target/benchmarks.jar io.bpf4j.jmh.VerifierTargets     # survey: verdicts, processed insns, times</pre>
 */
final class VerifierTargets {
    static final String LOOP_HEAVY = "LOOP_HEAVY";
    /** Loop iterations of {@link #LOOP_HEAVY}; with its 32-instruction body 864,005 processed instructions. */
    static final int LOOP_ITERATIONS = 27_000;
    private static final Pattern VERIFICATION_TIME = Pattern.compile("verification time (\\d+) usec");
    private static final Pattern PROCESSED = Pattern.compile("processed (\\d+) insns");

    /** One program to verify: bpf4j's request and what the kernel needs to load it. */
    record Target(String name, VerificationRequest request) {}

    final String what;
    final ObjectSpec object;
    final List<Target> targets = new ArrayList<>();
    /** Programs of the object left out, with why. */
    final Map<String, String> excluded = new HashMap<>();

    private VerifierTargets(String what, ObjectSpec object) {
        this.what = what;
        this.object = object;
    }

    /** The loop-heavy XDP program: a 27,000-iteration counted loop of ALU work, a stack spill and a fill. */
    static Instructions loopHeavy() {
        StringBuilder s = new StringBuilder();
        s.append("r0 = *(u32 *)(r1 + 0xc)\n");          // ingress_ifindex: a scalar the verifier does not know
        s.append("r6 = 0x0\n");
        s.append("r3 = ").append(LOOP_ITERATIONS).append("\n");
        s.append("loop:\n");
        for (int i = 0; i < 6; i++) {
            s.append("r4 = r0\n");
            s.append("r4 *= 0x45d9f3b\n");
            s.append("r0 ^= r4\n");
            s.append("r0 += r3\n");
        }
        s.append("r6 += r0\n");
        s.append("*(u64 *)(r10 - 0x8) = r6\n");
        s.append("r6 = *(u64 *)(r10 - 0x8)\n");
        s.append("r0 >>= 0x3\n");
        s.append("r6 &= 0xffff\n");
        s.append("r0 ^= r6\n");
        s.append("r3 += -0x1\n");
        s.append("if r3 != 0x0 goto loop\n");
        s.append("r0 &= 0x3\nexit\n");
        return Assembler.assemble("loop_heavy.s", s.toString());
    }

    static VerificationOptions options() {
        return VerificationOptions.DEFAULT.withPrivileged(true).withLogLevel(0);
    }

    /** The targets of a fixture object or of {@link #LOOP_HEAVY}, keeping only programs both verifiers accept. */
    static VerifierTargets of(String what) {
        if (what.equals(LOOP_HEAVY)) {
            VerifierTargets t = new VerifierTargets(what, null);
            t.targets.add(new Target("loop_heavy", VerificationRequest.of("loop_heavy", loopHeavy(), ProgramType.XDP).withOptions(options())));
            return t;
        }
        ObjectSpec spec = ObjectSpec.read(Fixtures.path(what));
        VerifierTargets t = new VerifierTargets(what, spec);
        Map<String, Integer> handles = new HashMap<>();
        Map<Integer, MapDefinition> maps = new HashMap<>();
        List<MapSpec> all = spec.maps();
        for (int i = 0; i < all.size(); i++) {
            handles.put(all.get(i).name(), i + 1);
            maps.put(i + 1, all.get(i).definition());
        }
        for (ProgramSpec p : spec.programs()) {
            VerificationRequest req = new VerificationRequest(p.name(), p.relocate(handles::get), p.type(), p.attachType(), maps, null, Map.of(), options());
            try {
                Verifier.verify(req);
            } catch (ProgramRejectedException e) {
                t.excluded.put(p.name(), "bpf4j rejects it: " + e.getMessage());
                continue;
            } catch (RuntimeException e) {
                t.excluded.put(p.name(), "bpf4j cannot verify it: " + e);
                continue;
            }
            t.targets.add(new Target(p.name(), req));
        }
        // the kernel must accept each one too (one at a time, so one refusal does not hide the rest)
        t.targets.removeIf(target -> {
            try (KernelCollection c = KernelCollection.load(spec, KernelCollection.Options.DEFAULT.withPrograms(Set.of(target.name())))) {
                return false;
            } catch (RuntimeException e) {
                t.excluded.put(target.name(), "the kernel rejects it: " + firstLine(e.getMessage()));
                return true;
            }
        });
        return t;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** bpf4j's verification of every target; returns the processed instruction count (all targets). */
    long verifyAll() {
        long processed = 0;
        for (Target t : targets) processed += Verifier.verify(t.request()).stats().processedInsns();
        return processed;
    }

    /** Kernel loads of every target (each with its object's maps) with BPF_LOG_STATS: [sum of verification time in µs, sum of processed insns]. */
    long[] kernelLoadAll() {
        long micros = 0, processed = 0;
        if (object == null) {
            try (KernelProgram p = KernelProgram.load(ProgramLoadSpec.of("loop_heavy", ProgramType.XDP, loopHeavy()).withLogLevel(4))) {
                micros += number(VERIFICATION_TIME, p.verifierLog());
                processed += number(PROCESSED, p.verifierLog());
            }
            return new long[] {micros, processed};
        }
        // one program per load: a statically filled prog array may hold programs the others' owner refuses
        for (Target t : targets) {
            try (KernelCollection c = KernelCollection.load(object, KernelCollection.Options.DEFAULT.withPrograms(Set.of(t.name())).withLogLevel(4).withPrivileges(LoadPrivileges.PROCESS))) {
                String log = c.program(t.name()).verifierLog();
                micros += number(VERIFICATION_TIME, log);
                processed += number(PROCESSED, log);
            }
        }
        return new long[] {micros, processed};
    }

    private static long number(Pattern p, String log) {
        Matcher m = p.matcher(log);
        if (!m.find()) throw new IllegalStateException("no '" + p.pattern() + "' in the kernel's log: " + log);
        return Long.parseLong(m.group(1));
    }

    /** Survey: every target, what each verifier says, processed instructions, one timing each. */
    public static void main(String[] args) {
        List<String> all = new ArrayList<>(Fixtures.names());
        all.add(LOOP_HEAVY);
        for (String what : args.length > 0 ? List.of(args) : all) {
            VerifierTargets t;
            try {
                t = of(what);
            } catch (RuntimeException e) {
                System.out.printf("%-24s not usable: %s%n", what, firstLine(e.getMessage()));
                continue;
            }
            if (t.targets.isEmpty()) {
                System.out.printf("%-24s no program both verifiers accept: %s%n", what, t.excluded);
                continue;
            }
            long bpf4jProcessed = t.verifyAll();
            long[] k = t.kernelLoadAll();
            System.out.printf("%-24s programs %2d  bpf4j processed %8d  kernel processed %8d  kernel verification %6d us  excluded %s%n",
                    what, t.targets.size(), bpf4jProcessed, k[1], k[0], t.excluded);
        }
    }
}
