package io.bpf4j.linux;

import io.bpf4j.BpfException;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;
import io.bpf4j.object.FuncInfo;
import io.bpf4j.object.LineInfo;
import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.verifier.ProgramRejectedException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A whole BPF object live in the kernel: every map created (data sections written and {@code .rodata}
 * frozen, maps of maps filled), every program relocated with the real map file descriptors and loaded with
 * its expected attach type, and every statically initialised prog array filled with the loaded programs —
 * what libbpf's {@code bpf_object__load} and cilium/ebpf's {@code NewCollection} do.
 *
 * <p>The object's BTF (with the data sections' sizes fixed, {@link ObjectSpec#kernelBtf()}) is loaded when it
 * has any; maps get their key and value types from it and programs their func_info / line_info, so the
 * kernel's verifier log names source lines. A map the kernel will not create with its BTF is created without
 * it, and a BTF the kernel refuses is left out entirely; both are reported in {@link #warnings()} (libbpf
 * does the same). fentry/fexit/fmod_ret, tp_btf, iter and LSM programs get their target's id from the
 * running kernel's BTF ({@code /sys/kernel/btf/vmlinux}); EXT and struct_ops programs are not supported yet
 * and are refused with a message naming them: leave them out with {@link Options#programs()}.
 *
 * <p>{@link #close()} releases everything. When loading fails halfway, everything created so far is closed
 * before the error propagates, so nothing stays loaded.
 */
public final class KernelCollection implements AutoCloseable {
    /**
     * How to load.
     *
     * @param programs the programs to load by name; empty for all (prog-array slots naming a program left out
     *                 stay empty, with a warning)
     * @param logLevel the verifier log level for every program (see {@link ProgramLoadSpec#logLevel()})
     * @param useBtf   false to load without the object's BTF (as an object built without -g would)
     * @param privileges with which capabilities the kernel verifies the programs
     */
    public record Options(Set<String> programs, int logLevel, boolean useBtf, LoadPrivileges privileges) {
        public static final Options DEFAULT = new Options(Set.of(), 0, true, LoadPrivileges.PROCESS);

        public Options {
            programs = programs == null ? Set.of() : Set.copyOf(programs);
            privileges = privileges == null ? LoadPrivileges.PROCESS : privileges;
        }

        public Options withPrograms(Set<String> names) {
            return new Options(names, logLevel, useBtf, privileges);
        }

        public Options withLogLevel(int level) {
            return new Options(programs, level, useBtf, privileges);
        }

        public Options withBtf(boolean use) {
            return new Options(programs, logLevel, use, privileges);
        }

        public Options withPrivileges(LoadPrivileges p) {
            return new Options(programs, logLevel, useBtf, p);
        }

        boolean wants(String program) {
            return programs.isEmpty() || programs.contains(program);
        }
    }

    private final ObjectSpec spec;
    private final Map<String, KernelMap> maps;
    private final Map<String, KernelProgram> programs;
    private final List<String> warnings;

    private KernelCollection(ObjectSpec spec, Map<String, KernelMap> maps, Map<String, KernelProgram> programs,
                             List<String> warnings) {
        this.spec = spec;
        this.maps = Collections.unmodifiableMap(maps);
        this.programs = Collections.unmodifiableMap(programs);
        this.warnings = List.copyOf(warnings);
    }

    /** Loads every map and program of {@code spec}. */
    public static KernelCollection load(ObjectSpec spec) {
        return load(spec, Options.DEFAULT);
    }

    /**
     * Loads {@code spec} as {@code options} say.
     *
     * @throws ProgramRejectedException a program the kernel's verifier refused (with its log and errno)
     * @throws KernelException          a map the kernel would not create, or missing privileges
     * @throws BpfException             a program bpf4j cannot load (unknown type, needs a kernel BTF id)
     */
    public static KernelCollection load(ObjectSpec spec, Options options) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(options, "options");
        for (String wanted : options.programs()) spec.program(wanted); // NoSuchElementException names the ones there are
        Loading loading = new Loading(spec, options);
        try {
            loading.run();
            return new KernelCollection(spec, loading.maps, loading.programs, loading.warnings);
        } catch (Throwable t) {
            loading.closeAll(t);
            throw t;
        } finally {
            if (loading.btf != null) loading.btf.close(); // maps and programs hold their own references
        }
    }

    /** One load in progress: what it has created so far, so a failure can close exactly that. */
    private static final class Loading {
        final ObjectSpec spec;
        final Options options;
        final Map<String, KernelMap> maps = new LinkedHashMap<>();
        final Map<String, KernelProgram> programs = new LinkedHashMap<>();
        final List<String> warnings = new ArrayList<>();
        KernelBtf btf;
        BtfStrings btfStrings;

        Loading(ObjectSpec spec, Options options) {
            this.spec = spec;
            this.options = options;
        }

        void run() {
            loadBtf();
            for (MapSpec m : spec.maps()) maps.put(m.name(), createMap(m));
            for (MapSpec m : spec.maps()) fillInnerMaps(m);
            for (ProgramSpec p : spec.programs()) {
                if (options.wants(p.name())) programs.put(p.name(), loadProgram(p));
            }
            for (MapSpec m : spec.maps()) fillProgArray(m);
        }

        private void loadBtf() {
            if (!options.useBtf() || spec.kernelBtf() == null) return;
            byte[] raw = spec.kernelBtf().rawBytes();
            try {
                btf = KernelBtf.load(spec.fileName(), raw);
                btfStrings = new BtfStrings(raw);
            } catch (KernelException e) {
                if (e.isMissingPrivilege()) throw e;
                warnings.add("loaded without BTF: the kernel refused the BTF of " + spec.fileName() + ": " + e.getMessage());
            }
        }

        private KernelMap createMap(MapSpec m) {
            String kernelName = m.kernelName(spec.objectName());
            KernelMap map;
            boolean typed = btf != null && (m.keyTypeId() != 0 || m.valueTypeId() != 0) && takesBtf(m.definition().type());
            if (typed) {
                try {
                    map = KernelMap.create(m.definition(), kernelName, btf, m.keyTypeId(), m.valueTypeId());
                } catch (KernelException e) {
                    if (e.isMissingPrivilege()) throw e;
                    map = KernelMap.create(m.definition(), kernelName, null, 0, 0);
                    warnings.add("map " + m.name() + " created without BTF: " + e.getMessage());
                }
            } else {
                map = KernelMap.create(m.definition(), kernelName, null, 0, 0);
            }
            try {
                byte[] initial = m.initialValue();
                if (initial != null) {
                    map.update(new byte[m.definition().keySize()], initial);
                    if (m.frozen()) map.freeze();
                }
            } catch (RuntimeException e) {
                map.close();
                throw e;
            }
            return map;
        }

        /**
         * Map types whose values are file descriptors or that have no key: the kernel refuses key/value BTF
         * for them (EINVAL), so they are created without, as libbpf does.
         */
        private static boolean takesBtf(MapType type) {
            return switch (type) {
                case PERF_EVENT_ARRAY, CGROUP_ARRAY, STACK_TRACE, ARRAY_OF_MAPS, HASH_OF_MAPS, DEVMAP, DEVMAP_HASH,
                     CPUMAP, XSKMAP, SOCKMAP, SOCKHASH, QUEUE, STACK, ARENA, PROG_ARRAY -> false;
                default -> true;
            };
        }

        private void fillInnerMaps(MapSpec m) {
            KernelMap outer = maps.get(m.name());
            for (Map.Entry<Integer, String> e : m.initialInnerMaps().entrySet()) {
                KernelMap inner = maps.get(e.getValue());
                if (inner == null) {
                    throw new BpfException(spec.fileName() + ": map " + m.name() + " slot " + e.getKey()
                            + " names inner map " + e.getValue() + ", which the object does not define");
                }
                Fd fd = inner.descriptor();
                int n = fd.acquire();
                try {
                    outer.update(le32(e.getKey()), le32(n));
                } finally {
                    fd.release();
                }
            }
        }

        private KernelProgram loadProgram(ProgramSpec p) {
            String where = spec.fileName() + ": program " + p.name() + " (section " + p.sectionName() + ")";
            if (p.type() == ProgramType.UNSPEC) {
                throw new BpfException(where + " has no program type: libbpf does not know the section name; give it one "
                        + "with ProgramSpec.withType");
            }
            int attachBtfId = attachBtfId(p, where);
            Instructions relocated = p.relocate(name -> {
                KernelMap map = maps.get(name);
                if (map == null) throw new BpfException(where + " refers to map " + name + ", which the object does not define");
                return map.fd();
            });
            ProgramLoadSpec load = new ProgramLoadSpec(p.name(), p.type(), p.attachType(), relocated,
                    p.license().isEmpty() ? spec.license() : p.license(), p.kernelVersion(), p.flags(),
                    options.logLevel(), programBtf(p), List.of(), attachBtfId, options.privileges());
            return KernelProgram.load(load);
        }

        /**
         * The vmlinux BTF id a TRACING or LSM program names at load, found as libbpf does: {@code fentry/f},
         * {@code fexit/f}, {@code fmod_ret/f} → FUNC {@code f}; {@code tp_btf/t} → TYPEDEF {@code btf_trace_t};
         * {@code iter/x} → FUNC {@code bpf_iter_x}; {@code lsm/h} → FUNC {@code bpf_lsm_h}. 0 for other types.
         */
        private int attachBtfId(ProgramSpec p, String where) {
            if (p.type() == ProgramType.EXT || p.type() == ProgramType.STRUCT_OPS) {
                throw new BpfException(where + " is " + p.type().uapiName() + ": it needs "
                        + (p.type() == ProgramType.EXT ? "a target program to replace" : "a struct_ops map")
                        + ", which bpf4j's kernel backend does not support yet — leave it out with "
                        + "KernelCollection.Options.withPrograms");
            }
            if (p.type() != ProgramType.TRACING && p.type() != ProgramType.LSM) return 0;
            String target = p.attachTarget();
            if (target == null || target.isEmpty() || p.attachType() == null) {
                throw new BpfException(where + " is " + p.type().uapiName() + " without an attach target in its section name");
            }
            int kind = VmlinuxBtf.KIND_FUNC;
            String name = switch (p.attachType()) {
                case TRACE_RAW_TP -> {
                    kind = VmlinuxBtf.KIND_TYPEDEF;
                    yield "btf_trace_" + target;
                }
                case TRACE_ITER -> "bpf_iter_" + target;
                case LSM_MAC -> "bpf_lsm_" + target;
                default -> target;
            };
            int id = VmlinuxBtf.id(kind, name);
            if (id < 0) {
                throw new BpfException(where + " attaches to " + name + ", which the running kernel's BTF ("
                        + VmlinuxBtf.FILE + ") does not have" + (kind == VmlinuxBtf.KIND_FUNC ? " as a function" : "")
                        + "; functions in kernel modules are not supported yet");
            }
            return id;
        }

        /** func_info and line_info as the kernel wants them: instruction offsets, BTF string offsets. */
        private ProgramBtf programBtf(ProgramSpec p) {
            if (btf == null || p.funcInfos().isEmpty()) return null;
            ByteBuffer funcs = ByteBuffer.allocate(8 * p.funcInfos().size()).order(ByteOrder.LITTLE_ENDIAN);
            for (FuncInfo f : p.funcInfos()) funcs.putInt(f.pc()).putInt(f.btfTypeId());
            byte[] lines = null;
            if (!p.lineInfos().isEmpty()) {
                ByteBuffer lb = ByteBuffer.allocate(16 * p.lineInfos().size()).order(ByteOrder.LITTLE_ENDIAN);
                for (LineInfo l : p.lineInfos()) {
                    int file = btfStrings.offsetOf(l.file()), text = btfStrings.offsetOf(l.sourceText());
                    if (file < 0 || text < 0) {
                        warnings.add("program " + p.name() + " loaded without line_info: BTF has no string for line "
                                + l.line() + " of " + l.file());
                        lb = null;
                        break;
                    }
                    lb.putInt(l.pc()).putInt(file).putInt(text).putInt(l.line() << 10 | (l.column() & 0x3ff));
                }
                if (lb != null) lines = lb.array();
            }
            return new ProgramBtf(btf, funcs.array(), 8, lines, 16);
        }

        private void fillProgArray(MapSpec m) {
            if (m.initialProgramSlots().isEmpty()) return;
            if (m.definition().type() != MapType.PROG_ARRAY) {
                throw new BpfException(spec.fileName() + ": map " + m.name() + " (" + m.definition().type()
                        + ") lists programs but is not a prog array");
            }
            KernelProgArray array = (KernelProgArray) maps.get(m.name());
            for (Map.Entry<Integer, String> slot : m.initialProgramSlots().entrySet()) {
                KernelProgram program = programs.get(slot.getValue());
                if (program == null) {
                    warnings.add("prog array " + m.name() + " slot " + slot.getKey() + " left empty: program "
                            + slot.getValue() + " was not loaded (Options.programs)");
                    continue;
                }
                array.set(slot.getKey(), program);
            }
        }

        void closeAll(Throwable failure) {
            for (AutoCloseable c : programs.values()) closeQuietly(c, failure);
            for (AutoCloseable c : maps.values()) closeQuietly(c, failure);
            programs.clear();
            maps.clear();
        }

        private static void closeQuietly(AutoCloseable c, Throwable failure) {
            try {
                c.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    /** The object this was loaded from. */
    public ObjectSpec spec() {
        return spec;
    }

    /** Every map by its name in the object (C variable or data section name), in the object's order. */
    public Map<String, KernelMap> maps() {
        return maps;
    }

    /** Every loaded program by name, in the object's order. */
    public Map<String, KernelProgram> programs() {
        return programs;
    }

    /** The map {@code name}; NoSuchElementException naming the maps there are. */
    public KernelMap map(String name) {
        KernelMap m = maps.get(name);
        if (m == null) throw new NoSuchElementException(spec.fileName() + " has no map " + name + "; it has " + maps.keySet());
        return m;
    }

    /** The prog array {@code name}. */
    public KernelProgArray progArray(String name) {
        KernelMap m = map(name);
        if (m instanceof KernelProgArray a) return a;
        throw new NoSuchElementException(spec.fileName() + ": map " + name + " is " + m.type() + ", not a prog array");
    }

    /** The loaded program {@code name}; NoSuchElementException naming the loaded ones. */
    public KernelProgram program(String name) {
        KernelProgram p = programs.get(name);
        if (p == null) throw new NoSuchElementException(spec.fileName() + " has no loaded program " + name + "; loaded: " + programs.keySet());
        return p;
    }

    /** What loading had to do differently from what the object asked (BTF left out, slots left empty). */
    public List<String> warnings() {
        return warnings;
    }

    /** Closes every program and map; the kernel frees them once nothing else holds them. Idempotent. */
    @Override
    public void close() {
        BpfException failure = null;
        for (AutoCloseable c : programs.values()) failure = closeCollecting(c, failure);
        for (AutoCloseable c : maps.values()) failure = closeCollecting(c, failure);
        if (failure != null) throw failure;
    }

    private BpfException closeCollecting(AutoCloseable c, BpfException failure) {
        try {
            c.close();
        } catch (Exception e) {
            if (failure == null) failure = new BpfException("closing " + spec.fileName() + " failed", e);
            else failure.addSuppressed(e);
        }
        return failure;
    }

    @Override
    public String toString() {
        return "KernelCollection[" + spec.fileName() + ": maps " + maps.keySet() + ", programs " + programs.keySet() + "]";
    }
}
