package io.bpf4j.runtime;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.BpfErrnoException;
import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.maps.ArrayMap;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.maps.EmbeddedMap;
import io.bpf4j.maps.EmbeddedMaps;
import io.bpf4j.maps.HandleResolver;
import io.bpf4j.maps.ProgArray;
import io.bpf4j.object.LineInfo;
import io.bpf4j.object.MapReference;
import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;
import io.bpf4j.object.ProgramSpec;
import io.bpf4j.runtime.helpers.HelperFunction;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;
import io.bpf4j.verifier.VerificationOptions;
import io.bpf4j.verifier.VerificationRequest;
import io.bpf4j.verifier.VerificationResult;
import io.bpf4j.verifier.Verifier;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An embedded eBPF runtime: maps shared by every thread, N virtual CPUs, an engine, a verifier, Linux's helpers,
 * and tail calls as the seed describes them. Thread-safe.
 *
 * <pre>{@code
 * try (BpfRuntime rt = BpfRuntime.builder().cpus(4).build();
 *      Collection coll = rt.load(ObjectSpec.read(Path.of("tail_calls.o")))) {
 *     TestRunResult r = coll.program("entry").testRun(TestRun.of(packet));
 * }
 * }</pre>
 */
public final class BpfRuntime implements AutoCloseable {
    /** Linux's XDP test-run limit for a single buffer: a 4096-byte frame less headroom and skb_shared_info. */
    public static final int DEFAULT_MAX_PACKET_SIZE = PacketContext.FRAME_SIZE - PacketContext.HEADROOM - PacketContext.TAILROOM;

    private final int cpus;
    private final RuntimeOptions options;
    private final Engine engine;
    private final VerifyMode verifyMode;
    private final Preemption preemption;
    private final int maxPacketSize;
    private final int complexityLimit;
    private final long randomSeed;
    private final HelperRegistry helpers;
    private final TracePipe tracePipe;
    private final CpuPool cpuPool;
    private volatile boolean statsEnabled;
    private volatile Intruder intruder;
    private volatile boolean closed;

    private final AtomicInteger nextProgramId = new AtomicInteger(1);
    private final AtomicInteger nextMapId = new AtomicInteger(1);
    private final Map<Integer, Program> programsById = new ConcurrentHashMap<>();
    private final Map<Integer, BpfMap> mapsById = new ConcurrentHashMap<>();
    private final Map<BpfMap, Integer> mapIds = new ConcurrentHashMap<>();
    private final Map<BpfMap, ProgArrayTargets> tailCallViews = new ConcurrentHashMap<>();

    private record Intruder(Program program, TestRun input) {}

    private BpfRuntime(Builder b) {
        this.cpus = b.cpus;
        this.options = new RuntimeOptions(b.instructionBudget, b.tailCallLimit);
        this.engine = b.engine;
        this.verifyMode = b.verifyMode;
        this.preemption = b.preemption;
        this.maxPacketSize = b.maxPacketSize;
        this.complexityLimit = b.complexityLimit;
        this.randomSeed = b.randomSeed;
        this.statsEnabled = b.stats;
        this.tracePipe = new TracePipe(b.tracePrintk);
        HelperRegistry h = StandardHelpers.registry(this);
        for (HelperRegistry.Entry e : b.userHelpers) h = h.with(e.id(), e.name(), e.function());
        this.helpers = h;
        this.cpuPool = new CpuPool(this, cpus);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a runtime; every one has a default. */
    public static final class Builder {
        private int cpus = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int tailCallLimit = RuntimeOptions.SEED_TAIL_CALL_LIMIT;
        private long instructionBudget = RuntimeOptions.DEFAULT_INSTRUCTION_BUDGET;
        private Engine engine = Engine.preferred();
        private VerifyMode verifyMode = VerifyMode.DEFAULT;
        private Preemption preemption = Preemption.none();
        private int maxPacketSize = DEFAULT_MAX_PACKET_SIZE;
        private long randomSeed = System.nanoTime();
        private boolean stats;
        private int complexityLimit = VerificationOptions.LINUX_COMPLEXITY_LIMIT;
        private Consumer<TracePipe.Line> tracePrintk;
        private final List<HelperRegistry.Entry> userHelpers = new ArrayList<>();

        private Builder() {}

        /** Virtual CPUs (default: the machine's processors); per-CPU maps keep one value for each. */
        public Builder cpus(int n) {
            if (n < 1 || n > 4096) throw new IllegalArgumentException("cpus must be in 1..4096, got " + n);
            this.cpus = n;
            return this;
        }

        /** Successful tail calls per invocation: 32 (the seed, default) or 33 (Linux ≥ 5.17), or any other. */
        public Builder tailCallLimit(int limit) {
            if (limit < 0) throw new IllegalArgumentException("tail call limit must not be negative, got " + limit);
            this.tailCallLimit = limit;
            return this;
        }

        /** Instructions an invocation may execute (all tail calls together) before it is stopped. */
        public Builder instructionBudget(long budget) {
            if (budget <= 0) throw new IllegalArgumentException("instruction budget must be positive, got " + budget);
            this.instructionBudget = budget;
            return this;
        }

        /** The engine (default: {@link Engine#preferred()}, the JIT when bpf4j-jit is present; {@code Interpreter.INSTANCE} for the interpreter). */
        public Builder engine(Engine e) {
            this.engine = Objects.requireNonNull(e, "engine");
            return this;
        }

        public Builder verify(VerifyMode mode) {
            this.verifyMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Instructions the verifier may process for each program (Linux: 1,000,000). Each tail-call target is
         * verified on its own and gets its own budget — why the seed splits complex logic into tail calls.
         */
        public Builder verifierComplexityLimit(int limit) {
            if (limit <= 0) throw new IllegalArgumentException("complexity limit must be positive, got " + limit);
            this.complexityLimit = limit;
            return this;
        }

        /** The preemption simulation (default: none, an invocation keeps its CPU to the end). */
        public Builder preemption(Preemption p) {
            this.preemption = Objects.requireNonNull(p, "preemption");
            return this;
        }

        /** The largest packet a test run accepts (default 3520 bytes, Linux's XDP single-buffer limit). */
        public Builder maxPacketSize(int bytes) {
            if (bytes < PacketContext.ETH_HLEN || bytes > (1 << 24)) throw new IllegalArgumentException("max packet size " + bytes + " is not in 14..16 MiB");
            this.maxPacketSize = bytes;
            return this;
        }

        /** Seed of {@code bpf_get_prandom_u32} (CPU n draws from its own generator derived from it). */
        public Builder randomSeed(long seed) {
            this.randomSeed = seed;
            return this;
        }

        /** Per-program run count and time, like Linux's {@code kernel.bpf_stats_enabled} (default off). */
        public Builder stats(boolean enabled) {
            this.stats = enabled;
            return this;
        }

        /** Also hands every {@code bpf_trace_printk} line to {@code sink} (they are kept in {@link #tracePipe()} too). */
        public Builder tracePrintk(Consumer<TracePipe.Line> sink) {
            this.tracePrintk = sink;
            return this;
        }

        /**
         * A helper written in Java, callable as {@code call id}. Kernel helper numbers may be overridden; numbers
         * above Linux's (e.g. from 0x10000 down) are free for user helpers. Not checked by the verifier's helper
         * prototypes: use with {@link VerifyMode#NONE} unless it overrides a kernel helper.
         */
        public Builder helper(int id, String name, HelperFunction function) {
            userHelpers.add(new HelperRegistry.Entry(id, name, function));
            return this;
        }

        public BpfRuntime build() {
            return new BpfRuntime(this);
        }
    }

    // ---------------------------------------------------------------- accessors

    public int cpus() {
        return cpus;
    }

    public RuntimeOptions options() {
        return options;
    }

    public Engine engine() {
        return engine;
    }

    public VerifyMode verifyMode() {
        return verifyMode;
    }

    public Preemption preemption() {
        return preemption;
    }

    public int maxPacketSize() {
        return maxPacketSize;
    }

    long randomSeed() {
        return randomSeed;
    }

    public HelperRegistry helpers() {
        return helpers;
    }

    /** Where {@code bpf_trace_printk} output goes. */
    public TracePipe tracePipe() {
        return tracePipe;
    }

    public boolean statsEnabled() {
        return statsEnabled;
    }

    /** Turns statistics on or off at run time, like writing {@code kernel.bpf_stats_enabled}. */
    public void setStatsEnabled(boolean enabled) {
        this.statsEnabled = enabled;
    }

    CpuPool cpuPool() {
        return cpuPool;
    }

    void checkOpen() {
        if (closed) throw new BpfErrnoException(Errno.EBADF, "the runtime is closed");
    }

    // ---------------------------------------------------------------- preemption simulation

    /**
     * What the preemption simulation runs on a CPU between two tail calls: {@code program} on {@code input} (on
     * the interrupted invocation's CPU, so it shares its per-CPU map values). Null clears it.
     */
    public void setIntruder(Program program, TestRun input) {
        if (program == null) {
            intruder = null;
            return;
        }
        if (program.runtime() != this) throw new IllegalArgumentException("program '" + program.name() + "' belongs to another runtime");
        program.createContext(Objects.requireNonNull(input, "input")); // refuse bad input now, not mid-run
        intruder = new Intruder(program, input);
    }

    boolean preemptionActive() {
        return preemption.mode() != Preemption.Mode.NEVER && intruder != null;
    }

    boolean shouldPreempt(Cpu cpu) {
        return switch (preemption.mode()) {
            case NEVER -> false;
            case EVERY_TAIL_CALL -> true;
            case RANDOM -> cpu.preemptionDice.nextDouble() < preemption.probability();
        };
    }

    /** Runs the intruder on {@code cpu} (which the caller holds); its name, or null when none is set. */
    String runIntruder(Cpu cpu) {
        Intruder x = intruder;
        if (x == null) return null;
        PacketContext packet = x.program().createContext(x.input());
        x.program().execute(cpu, cpu.intruderInvocation, cpu.intruderState, packet, x.input().withRepeat(1), false);
        return x.program().name();
    }

    // ---------------------------------------------------------------- maps

    /** Creates a map with Linux's checks and errnos; per-CPU maps get one value per virtual CPU. */
    @SuppressWarnings("unchecked")
    public BpfMap createMap(MapDefinition def) {
        checkOpen();
        HandleResolver<BpfMap> mapResolver = new HandleResolver<>() {
            public BpfMap resolve(int handle) {
                return mapsById.get(handle);
            }

            public int idOf(BpfMap m) {
                Integer id = mapIds.get(m);
                return id == null ? 0 : id;
            }
        };
        HandleResolver<Program> programResolver = new HandleResolver<>() {
            public Program resolve(int handle) {
                return programsById.get(handle);
            }

            public int idOf(Program p) {
                return p.id();
            }
        };
        EmbeddedMap m = EmbeddedMaps.create(def, cpus, mapResolver, programResolver);
        if (m instanceof ProgArray<?> raw) {
            ProgArray<Program> array = (ProgArray<Program>) raw;
            array.setAdmission(this::admit);
            tailCallViews.put(array, new ProgArrayTargets(array));
        }
        int id = nextMapId.getAndIncrement();
        mapsById.put(id, m);
        mapIds.put(m, id);
        return m;
    }

    /** The id user space writes into map-in-map maps for {@code map}. */
    public int idOf(BpfMap map) {
        Integer id = mapIds.get(map);
        if (id == null) throw new IllegalArgumentException("map '" + map.name() + "' was not created by this runtime");
        return id;
    }

    private String admit(ProgArray<Program> array, Program p) {
        if (p.runtime() != this) return "program '" + p.name() + "' belongs to another runtime";
        if (p.isClosed()) return "program '" + p.name() + "' is closed";
        Compatibility owner = (Compatibility) array.claimOwner(p.compatibility());
        String why = p.compatibility().mismatchWith(owner);
        return why == null ? null : "program '" + p.name() + "' does not match the owner of prog array '" + array.name() + "': " + why;
    }

    // ---------------------------------------------------------------- loading

    /**
     * Loads an object: creates its maps (global data initialised, {@code .rodata} frozen), relocates, verifies and
     * links every program, then fills statically initialised prog arrays and maps of maps. Nothing of a failed
     * load stays behind.
     */
    public Collection load(ObjectSpec spec) {
        checkOpen();
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        Map<String, Program> programs = new LinkedHashMap<>();
        try {
            for (MapSpec ms : spec.maps()) maps.put(ms.name(), createFromSpec(ms));
            for (ProgramSpec ps : spec.programs()) programs.put(ps.name(), loadSpec(spec, ps, maps));
            for (MapSpec ms : spec.maps()) {
                for (Map.Entry<Integer, String> slot : ms.initialProgramSlots().entrySet()) {
                    Program target = programs.get(slot.getValue());
                    if (target == null) throw new BpfErrnoException(Errno.ENOENT, "prog array '" + ms.name() + "' slot " + slot.getKey() + " names program '" + slot.getValue() + "', which the object does not have");
                    progArrayOf(maps.get(ms.name())).update(slot.getKey(), target);
                }
                for (Map.Entry<Integer, String> inner : ms.initialInnerMaps().entrySet()) {
                    BpfMap innerMap = maps.get(inner.getValue());
                    if (innerMap == null) throw new BpfErrnoException(Errno.ENOENT, "map '" + ms.name() + "' key " + inner.getKey() + " names map '" + inner.getValue() + "', which the object does not have");
                    maps.get(ms.name()).update(u32(inner.getKey()), u32(idOf(innerMap)));
                }
            }
        } catch (RuntimeException e) {
            for (Program p : programs.values()) forget(p);
            for (BpfMap m : maps.values()) forget(m);
            throw e;
        }
        return new Collection(this, spec.objectName(), programs, maps);
    }

    /** What {@link Collection#close()} calls: the ids of its programs and maps are released. */
    void release(java.util.Collection<Program> programs, java.util.Collection<BpfMap> maps) {
        for (Program p : programs) forget(p);
        for (BpfMap m : maps) forget(m);
    }

    private void forget(Program p) {
        p.close();
        programsById.remove(p.id());
    }

    private void forget(BpfMap m) {
        m.close();
        Integer id = mapIds.remove(m);
        if (id != null) mapsById.remove(id);
        tailCallViews.remove(m);
    }

    @SuppressWarnings("unchecked")
    private static ProgArray<Program> progArrayOf(BpfMap m) {
        return (ProgArray<Program>) m;
    }

    private static byte[] u32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    private BpfMap createFromSpec(MapSpec ms) {
        BpfMap m = createMap(ms.definition());
        byte[] init = ms.initialValue();
        if (init != null && init.length > 0) {
            if (!(m instanceof ArrayMap a)) throw new BpfErrnoException(Errno.EINVAL, "map '" + ms.name() + "' has initial data but is a " + m.type());
            a.ref(0, 0).copyFrom(java.util.Arrays.copyOf(init, ms.definition().valueSize()), 0);
        }
        if (ms.frozen()) m.freeze();
        return m;
    }

    private Program loadSpec(ObjectSpec object, ProgramSpec ps, Map<String, BpfMap> maps) {
        List<Object> objects = new ArrayList<>();
        Map<Integer, MapDefinition> defs = new HashMap<>();
        Map<String, Integer> handleIndex = new HashMap<>(), valueIndex = new HashMap<>();
        Instructions insns = ps.instructions();
        for (MapReference ref : ps.mapReferences()) {
            BpfMap m = maps.get(ref.mapName());
            if (m == null) throw new BpfErrnoException(Errno.EINVAL, "program '" + ps.name() + "' pc " + ref.pc() + ": map '" + ref.mapName() + "' does not exist in object '" + object.objectName() + "'");
            Map<String, Integer> index = ref.valueAccess() ? valueIndex : handleIndex;
            Integer idx = index.get(ref.mapName());
            if (idx == null) {
                idx = objects.size();
                objects.add(ref.valueAccess() ? valueRegion(m, ps.name(), ref.pc()) : objectFor(m));
                defs.put(idx, m.definition());
                index.put(ref.mapName(), idx);
            }
            Instruction.LoadImm64 old = (Instruction.LoadImm64) insns.at(ref.pc());
            insns = insns.with(ref.pc(), new Instruction.LoadImm64(old.dst(), ref.valueAccess() ? Pseudo.MAP_VALUE : Pseudo.MAP_FD, idx, ref.valueAccess() ? ref.offset() : 0));
        }
        Map<Integer, String> lines = new HashMap<>();
        for (LineInfo li : ps.lineInfos()) lines.put(li.pc(), li.file() + ":" + li.line() + " " + (li.sourceText() == null ? "" : li.sourceText().strip()));
        Compatibility compat = new Compatibility(ps.type(), ps.attachType(), ps.attachTarget(), ps.xdpHasFrags(), ps.sleepable(), engine.name());
        ContextLayout layout = ContextLayout.lookup(ps.type(), ps.attachType()).orElse(null);
        return link(ps.name(), ps.type(), ps.attachType(), compat, insns, objects, defs, layout, lines);
    }

    /**
     * Loads a program given as instructions. A map lddw ({@code MAP_FD} or {@code MAP_IDX}) with imm {@code n}
     * names {@code maps.get(n)}; a value lddw ({@code MAP_VALUE}, {@code MAP_IDX_VALUE}) the address of that map's
     * value (arrays with one entry: global data) plus the offset in the second immediate.
     *
     * @param maps maps created by this runtime ({@link #createMap})
     */
    public Program load(String name, ProgramType type, Instructions instructions, List<? extends BpfMap> maps) {
        return load(name, type, null, instructions, maps);
    }

    /** Like {@link #load(String, ProgramType, Instructions, List)}, with an expected attach type. */
    public Program load(String name, ProgramType type, AttachType attachType, Instructions instructions, List<? extends BpfMap> maps) {
        checkOpen();
        Objects.requireNonNull(type, "type");
        ContextLayout layout = ContextLayout.lookup(type, attachType).orElse(null);
        return loadInstructions(name, type, attachType, instructions, maps, layout);
    }

    /**
     * Loads a program for embedding: its context is {@code contextSize} bytes of raw memory the caller passes as
     * {@link TestRun#ctx()} (program type UNSPEC); any in-bounds access is allowed.
     */
    public Program loadRaw(String name, Instructions instructions, int contextSize, List<? extends BpfMap> maps) {
        checkOpen();
        return loadInstructions(name, ProgramType.UNSPEC, null, instructions, maps, ContextLayout.rawMemory(contextSize));
    }

    private Program loadInstructions(String name, ProgramType type, AttachType attachType, Instructions instructions,
                                     List<? extends BpfMap> maps, ContextLayout layout) {
        Objects.requireNonNull(name, "name");
        List<? extends BpfMap> given = maps == null ? List.of() : maps;
        for (BpfMap m : given) {
            if (!mapIds.containsKey(m)) throw new IllegalArgumentException("program '" + name + "': map '" + m.name() + "' was not created by this runtime");
        }
        int n = given.size();
        Object[] objects = new Object[2 * n];
        for (int i = 0; i < n; i++) objects[i] = objectFor(given.get(i));
        for (int i = 0; i < n; i++) objects[n + i] = objects[i];
        Map<Integer, MapDefinition> defs = new HashMap<>();
        Instructions insns = instructions;
        for (Instructions.At at : instructions) {
            if (!(at.instruction() instanceof Instruction.LoadImm64 l)) continue;
            Pseudo p = l.pseudo();
            if (p == Pseudo.IMM || p == Pseudo.FUNC || p == Pseudo.BTF_ID) continue;
            int idx = l.imm();
            if (idx < 0 || idx >= n) {
                throw new ProgramLoadException(name, at.pc(), 0, "lddw", "names map " + idx + " but " + n + " maps were given");
            }
            BpfMap m = given.get(idx);
            if (p.refersToMapValue()) {
                objects[n + idx] = valueRegion(m, name, at.pc());
                defs.put(n + idx, m.definition());
                insns = insns.with(at.pc(), new Instruction.LoadImm64(l.dst(), Pseudo.MAP_VALUE, n + idx, l.nextImm()));
            } else {
                defs.put(idx, m.definition());
                if (p != Pseudo.MAP_FD) insns = insns.with(at.pc(), new Instruction.LoadImm64(l.dst(), Pseudo.MAP_FD, idx, 0));
            }
        }
        Compatibility compat = new Compatibility(type, attachType, null, false, false, engine.name());
        return link(name, type, attachType, compat, insns, List.of(objects), defs, layout, Map.of());
    }

    private Object objectFor(BpfMap m) {
        ProgArrayTargets view = tailCallViews.get(m);
        return view != null ? view : m;
    }

    private static Region valueRegion(BpfMap m, String program, int pc) {
        if (!(m instanceof ArrayMap a) || m.type() != MapType.ARRAY) {
            throw new BpfErrnoException(Errno.EINVAL, "program '" + program + "' pc " + pc + ": takes the address of a value of map '" + m.name() + "', a " + m.type() + "; only ARRAY maps have directly addressable values");
        }
        boolean writable = !a.isReadOnlyForPrograms();
        return Region.of(RegionKind.MAP_VALUE, m.name(), a.ref(0, 0).segment, writable);
    }

    private Program link(String name, ProgramType type, AttachType attachType, Compatibility compat, Instructions insns,
                         List<Object> objects, Map<Integer, MapDefinition> defs, ContextLayout layout, Map<Integer, String> lines) {
        VerificationResult verified = null;
        if (verifyMode != VerifyMode.NONE) {
            VerificationOptions vo = VerificationOptions.DEFAULT.withPrivileged(verifyMode == VerifyMode.PRIVILEGED).withLogLevel(0).withComplexityLimit(complexityLimit);
            VerificationRequest req = new VerificationRequest(name, insns, type, attachType, defs, layout != null && layout.isRaw() ? layout : null, lines, vo);
            verified = Verifier.verify(req); // throws io.bpf4j.verifier.ProgramRejectedException: the program is never loaded
        }
        ProgramImage image = ProgramImage.load(name, insns, helpers, objects, verified);
        // Linux: a program that uses a prog array must match its owner, or becomes the owner (at load; only a
        // program that verified and linked claims it; every array is checked before any is claimed)
        for (int pass = 0; pass < 2; pass++) {
            for (Object o : objects) {
                if (!(o instanceof ProgArrayTargets t)) continue;
                Compatibility owner = (Compatibility) (pass == 0 ? t.array.owner() : t.array.claimOwner(compat));
                String why = owner == null ? null : compat.mismatchWith(owner);
                if (why != null) {
                    throw new BpfErrnoException(Errno.EINVAL, "program '" + name + "' cannot use prog array '" + t.array.name() + "', owned by another kind of program: " + why);
                }
            }
        }
        int id = nextProgramId.getAndIncrement();
        Program p = new Program(this, id, name, type, attachType, compat, image, layout);
        programsById.put(id, p);
        return p;
    }

    /** The program a user-space handle names, or null. */
    public Program programById(int id) {
        return programsById.get(id);
    }

    /** Closes the runtime: programs can no longer run. Maps stay usable until closed by their owners. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "BpfRuntime[" + cpus + " cpus, " + engine.name() + ", verify " + verifyMode + ", tail call limit " + options.tailCallLimit() + "]";
    }
}
