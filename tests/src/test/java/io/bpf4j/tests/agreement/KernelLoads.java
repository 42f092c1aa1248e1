package io.bpf4j.tests.agreement;

import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.linux.KernelBtf;
import io.bpf4j.linux.KernelCollection;
import io.bpf4j.linux.KernelException;
import io.bpf4j.linux.KernelMap;
import io.bpf4j.linux.KernelProgram;
import io.bpf4j.linux.ProgramBtf;
import io.bpf4j.linux.ProgramLoadSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.testdata.Fixtures;
import io.bpf4j.verifier.ProgramRejectedException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads programs into the kernel from this process, with whatever capabilities it has, and turns the answer
 * into a {@link KernelVerdict}. Nothing stays loaded: every map and program is closed right after the load.
 * An errno that is neither a verifier's refusal nor a known "cannot load this here" throws, so the test fails
 * instead of counting it.
 *
 * <p>{@link #main} is the child process of the unprivileged mode: it reads a batch written by
 * {@link BatchCodec}, prints its capability sets, then one verdict line per program.
 */
final class KernelLoads {
    private KernelLoads() {}

    private static final Map<String, ObjectSpec> OBJECTS = new ConcurrentHashMap<>();

    /**
     * @param allCapabilities whether this process holds every bpf capability (then an EPERM without a verifier
     *                        message means the machine cannot load the program at all, not a privilege refusal)
     */
    static KernelVerdict load(AgreementProgram p, boolean allCapabilities) {
        try {
            if (p.fixture() != null) loadFixtureProgram(p);
            else loadBuilt(p);
            return KernelVerdict.accepted();
        } catch (ProgramRejectedException e) {
            boolean noVerifierWord = e.getMessage().contains("without a verifier message");
            if (noVerifierWord && allCapabilities && machineCannotLoad(e.errno())) {
                return new KernelVerdict(KernelVerdict.Outcome.NOT_LOADABLE, e.errno(), e.getMessage(), "");
            }
            if (noVerifierWord && e.errno() != Errno.EINVAL.number() && e.errno() != Errno.EPERM.number()) {
                throw new AssertionError(p.id() + ": the kernel refused with an unexpected errno and no verifier message: " + e.getMessage(), e);
            }
            return new KernelVerdict(KernelVerdict.Outcome.REJECTED, e.errno(), message(e), BatchCodec.tail(e.log(), 6));
        } catch (KernelException e) {
            if (e.isMissingPrivilege() && !allCapabilities) {
                return new KernelVerdict(KernelVerdict.Outcome.REJECTED, e.errnoNumber(), e.getMessage(), "");
            }
            if (!machineCannotLoad(e.errnoNumber()) && e.errnoNumber() != Errno.EINVAL.number()) {
                throw new AssertionError(p.id() + ": unexpected kernel error: " + e.getMessage(), e);
            }
            return new KernelVerdict(KernelVerdict.Outcome.NOT_LOADABLE, e.errnoNumber(), e.getMessage(), "");
        } catch (io.bpf4j.BpfException e) {
            // the kernel backend's loader refused before any bpf(2) call (e.g. an attach target it cannot find)
            return new KernelVerdict(KernelVerdict.Outcome.NOT_LOADABLE, 0, "the kernel backend cannot load it: " + e.getMessage(), "");
        }
    }

    /** The exception's summary: the kernel's reason line (picked by the linux backend's log reader) and the errno. */
    static String message(ProgramRejectedException e) {
        return e.getMessage();
    }

    /** EPERM with every capability (lockdown, no trampolines), or a type this kernel was built without. */
    private static boolean machineCannotLoad(int errno) {
        return errno == Errno.EPERM.number() || errno == Errno.EOPNOTSUPP.number() || errno == Errno.ENOTSUPP.number();
    }

    private static void loadFixtureProgram(AgreementProgram p) {
        ObjectSpec spec = OBJECTS.computeIfAbsent(p.fixture(), f -> ObjectSpec.read(f, Fixtures.bytes(f)));
        KernelCollection.Options options = KernelCollection.Options.DEFAULT.withPrograms(Set.of(p.name()));
        try (KernelCollection loaded = KernelCollection.load(spec, options)) {
            if (loaded.program(p.name()) == null) throw new IllegalStateException(p.id() + ": loaded collection lacks the program");
        }
    }

    private static void loadBuilt(AgreementProgram p) {
        Map<Integer, KernelMap> maps = new HashMap<>();
        KernelBtf btf = null;
        try {
            for (Map.Entry<Integer, MapDefinition> m : p.maps().entrySet()) maps.put(m.getKey(), KernelMap.create(m.getValue()));
            Instructions relocated = relocate(p, maps);
            ProgramLoadSpec spec = ProgramLoadSpec.of(kernelName(p.name()), p.type(), relocated).withExpectedAttachType(p.attachType());
            TreeSet<Integer> functions = FuncInfoBtf.functionStarts(p.program());
            if (functions.size() > 1) {
                // as clang emits it: the kernel wants BTF func_info for tail calls inside subprograms
                btf = KernelBtf.load("agreement", FuncInfoBtf.btf(functions.size()));
                spec = spec.withBtf(new ProgramBtf(btf, FuncInfoBtf.funcInfo(functions), 8, null, 0));
            }
            try (KernelProgram ignored = KernelProgram.load(spec)) {
                // accepted; closed at once
            }
        } finally {
            for (KernelMap m : maps.values()) m.close();
            if (btf != null) btf.close();
        }
    }

    /** The kernel keeps 15 characters of [A-Za-z0-9_.]. */
    private static String kernelName(String name) {
        String s = name.replaceAll("[^A-Za-z0-9_.]", "_");
        return s.length() > 15 ? s.substring(0, 15) : s;
    }

    /** lddw of a map handle → lddw of the kernel map's descriptor. */
    static Instructions relocate(AgreementProgram p, Map<Integer, KernelMap> maps) {
        List<Instruction> out = new ArrayList<>();
        for (Instruction i : p.program().list()) {
            if (i instanceof Instruction.LoadImm64 l && (l.pseudo() == Pseudo.MAP_FD || l.pseudo() == Pseudo.MAP_VALUE)) {
                KernelMap m = maps.get(l.imm());
                if (m == null) throw new IllegalArgumentException(p.id() + ": lddw names map handle " + l.imm() + ", not among " + p.maps().keySet());
                out.add(new Instruction.LoadImm64(l.dst(), l.pseudo(), m.fd(), l.nextImm()));
            } else {
                out.add(i);
            }
        }
        return Instructions.of(out);
    }

    /** The unprivileged mode's child: {@code KernelLoads <batch file>}. */
    public static void main(String[] args) throws IOException {
        List<AgreementProgram> batch = BatchCodec.readPrograms(Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        out.println(BatchCodec.capabilityLine(Files.readString(Path.of("/proc/self/status"))));
        for (int i = 0; i < batch.size(); i++) {
            KernelVerdict v;
            try {
                v = load(batch.get(i), false);
            } catch (RuntimeException e) {
                out.println(BatchCodec.errorLine(i, e));
                out.flush();
                System.exit(3);
                return;
            }
            out.println(BatchCodec.verdictLine(i, v));
        }
        out.flush();
        System.exit(0);
    }
}
