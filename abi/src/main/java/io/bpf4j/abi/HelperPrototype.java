package io.bpf4j.abi;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a helper takes and returns, as the verifier must know it: Linux's {@code struct bpf_func_proto} for
 * the helpers bpf4j implements, plus which program types may call each (Linux's {@code get_func_proto} per
 * program type) and which map types each map-taking helper accepts ({@code check_map_func_compatibility}).
 * A helper that is not listed here does not exist for bpf4j: lookups fail closed.
 *
 * @param helper           the helper
 * @param returns          what R0 holds after the call
 * @param args             argument types of R1.. in order (at most 5)
 * @param changesPacketData true when the call may move packet data, so every packet pointer becomes invalid
 * @param mapTypes         map types the {@link ArgType#CONST_MAP_PTR} argument accepts; empty when any
 *                         map type that does not reserve its own helpers is accepted
 */
public record HelperPrototype(Helper helper, ReturnType returns, List<ArgType> args, boolean changesPacketData,
                              Set<MapType> mapTypes) {
    public HelperPrototype {
        Objects.requireNonNull(helper, "helper");
        Objects.requireNonNull(returns, "returns");
        args = List.copyOf(args);
        mapTypes = mapTypes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(mapTypes));
        if (args.size() > 5) throw new IllegalArgumentException(helper + " takes " + args.size() + " arguments");
    }

    /** What a helper leaves in R0 (Linux's {@code enum bpf_return_type}). */
    public enum ReturnType {
        /** A number ({@code RET_INTEGER}). */
        INTEGER,
        /** Nothing: R0 is unreadable after the call ({@code RET_VOID}). */
        VOID,
        /** A pointer to a value of the map passed as the map argument, or null ({@code RET_PTR_TO_MAP_VALUE_OR_NULL}). */
        MAP_VALUE_OR_NULL,
        /** Memory of the size passed as the size argument, reserved in a ring buffer, or null ({@code RET_PTR_TO_RINGBUF_MEM_OR_NULL}). */
        RINGBUF_MEM_OR_NULL
    }

    /** What an argument must be (Linux's {@code enum bpf_arg_type}). */
    public enum ArgType {
        /** Not checked, not read: the register may even be uninitialised ({@code ARG_DONTCARE}). Never declared; arguments past the list are this. */
        DONT_CARE,
        /** Any initialised value, scalar or pointer ({@code ARG_ANYTHING}). */
        ANYTHING,
        /** The program's context ({@code ARG_PTR_TO_CTX}). */
        CTX,
        /** A map pointer from lddw ({@code ARG_CONST_MAP_PTR}). */
        CONST_MAP_PTR,
        /** Pointer to key_size initialised readable bytes of the map argument's key ({@code ARG_PTR_TO_MAP_KEY}). */
        MAP_KEY,
        /** Pointer to value_size initialised readable bytes ({@code ARG_PTR_TO_MAP_VALUE}). */
        MAP_VALUE,
        /** Pointer to value_size writable bytes the helper fills ({@code ARG_PTR_TO_MAP_VALUE | MEM_UNINIT}). */
        UNINIT_MAP_VALUE,
        /** Pointer to initialised readable memory whose size is the next argument ({@code ARG_PTR_TO_MEM | MEM_RDONLY}). */
        MEM,
        /** Like {@link #MEM} or null (with size 0) ({@code ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY}). */
        MEM_OR_NULL,
        /** Pointer to writable memory the helper fills; size is the next argument ({@code ARG_PTR_TO_UNINIT_MEM}). */
        UNINIT_MEM,
        /** The size of the preceding memory argument: a bounded scalar, > 0 ({@code ARG_CONST_SIZE}). */
        CONST_SIZE,
        /** Like {@link #CONST_SIZE} but 0 is allowed ({@code ARG_CONST_SIZE_OR_ZERO}). */
        CONST_SIZE_OR_ZERO,
        /** The size of memory a helper allocates: a known constant ({@code ARG_CONST_ALLOC_SIZE_OR_ZERO}). */
        CONST_ALLOC_SIZE_OR_ZERO,
        /** A pointer to a subprogram from lddw with {@code BPF_PSEUDO_FUNC} ({@code ARG_PTR_TO_FUNC}). */
        FUNC,
        /** A stack pointer or null ({@code ARG_PTR_TO_STACK_OR_NULL}). */
        STACK_OR_NULL,
        /** Memory returned by {@code bpf_ringbuf_reserve}, released by the call ({@code ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE}). */
        RINGBUF_MEM_RELEASE;

        /** True for the memory arguments whose size is given by the following argument. */
        public boolean isSizedMemory() {
            return this == MEM || this == MEM_OR_NULL || this == UNINIT_MEM;
        }

        public boolean isSize() {
            return this == CONST_SIZE || this == CONST_SIZE_OR_ZERO;
        }
    }

    /** The type of argument {@code i} (0-based: R1 is 0); {@link ArgType#DONT_CARE} past the declared ones. */
    public ArgType arg(int i) {
        return i < args.size() ? args.get(i) : ArgType.DONT_CARE;
    }

    /** The C name with number, as Linux's verifier prints it: {@code bpf_map_lookup_elem#1}. */
    public String displayName() {
        return helper.cName() + "#" + helper.id();
    }

    // ---- the table --------------------------------------------------------------------------------

    private static final Map<Helper, HelperPrototype> PROTOTYPES = new EnumMap<>(Helper.class);
    /** Program types each helper is available to. */
    private static final Map<Helper, Set<ProgramType>> ALLOWED = new EnumMap<>(Helper.class);

    /** Program types bpf4j knows a context for, plus UNSPEC for embedded raw-memory programs. */
    private static final Set<ProgramType> ALL = EnumSet.of(ProgramType.UNSPEC, ProgramType.SOCKET_FILTER,
            ProgramType.SCHED_CLS, ProgramType.SCHED_ACT, ProgramType.XDP);
    private static final Set<ProgramType> TC = EnumSet.of(ProgramType.SCHED_CLS, ProgramType.SCHED_ACT);
    private static final Set<ProgramType> SKB = EnumSet.of(ProgramType.SOCKET_FILTER, ProgramType.SCHED_CLS, ProgramType.SCHED_ACT);
    private static final Set<ProgramType> XDP = EnumSet.of(ProgramType.XDP);
    private static final Set<ProgramType> TC_XDP = EnumSet.of(ProgramType.SCHED_CLS, ProgramType.SCHED_ACT, ProgramType.XDP);

    private static void define(Set<ProgramType> allowed, Helper h, ReturnType ret, boolean changesPacket,
                               Set<MapType> mapTypes, ArgType... args) {
        PROTOTYPES.put(h, new HelperPrototype(h, ret, List.of(args), changesPacket, mapTypes));
        ALLOWED.put(h, EnumSet.copyOf(allowed));
    }

    private static void define(Set<ProgramType> allowed, Helper h, ReturnType ret, ArgType... args) {
        define(allowed, h, ret, false, Set.of(), args);
    }

    static {
        Set<MapType> queueStack = EnumSet.of(MapType.QUEUE, MapType.STACK);
        Set<MapType> queueStackBloom = EnumSet.of(MapType.QUEUE, MapType.STACK, MapType.BLOOM_FILTER);
        Set<MapType> ringbuf = EnumSet.of(MapType.RINGBUF);
        // bpf_base_func_proto: every program type.
        define(ALL, Helper.MAP_LOOKUP_ELEM, ReturnType.MAP_VALUE_OR_NULL, ArgType.CONST_MAP_PTR, ArgType.MAP_KEY);
        define(ALL, Helper.MAP_UPDATE_ELEM, ReturnType.INTEGER, ArgType.CONST_MAP_PTR, ArgType.MAP_KEY, ArgType.MAP_VALUE, ArgType.ANYTHING);
        define(ALL, Helper.MAP_DELETE_ELEM, ReturnType.INTEGER, ArgType.CONST_MAP_PTR, ArgType.MAP_KEY);
        define(ALL, Helper.MAP_PUSH_ELEM, ReturnType.INTEGER, false, queueStackBloom, ArgType.CONST_MAP_PTR, ArgType.MAP_VALUE, ArgType.ANYTHING);
        define(ALL, Helper.MAP_POP_ELEM, ReturnType.INTEGER, false, queueStack, ArgType.CONST_MAP_PTR, ArgType.UNINIT_MAP_VALUE);
        define(ALL, Helper.MAP_PEEK_ELEM, ReturnType.INTEGER, false, queueStackBloom, ArgType.CONST_MAP_PTR, ArgType.UNINIT_MAP_VALUE);
        define(ALL, Helper.TAIL_CALL, ReturnType.VOID, false, EnumSet.of(MapType.PROG_ARRAY), ArgType.CTX, ArgType.CONST_MAP_PTR, ArgType.ANYTHING);
        define(ALL, Helper.GET_SMP_PROCESSOR_ID, ReturnType.INTEGER);
        define(ALL, Helper.KTIME_GET_NS, ReturnType.INTEGER);
        define(ALL, Helper.KTIME_GET_BOOT_NS, ReturnType.INTEGER);
        define(ALL, Helper.GET_PRANDOM_U32, ReturnType.INTEGER);
        // Linux offers bpf_trace_printk only with CAP_PERFMON; bpf4j offers it in every mode (it is how people debug).
        // Linux checks only the format (bpf_trace_printk_proto): the values it prints may even be unwritten registers
        define(ALL, Helper.TRACE_PRINTK, ReturnType.INTEGER, ArgType.MEM, ArgType.CONST_SIZE);
        define(ALL, Helper.RINGBUF_OUTPUT, ReturnType.INTEGER, false, ringbuf, ArgType.CONST_MAP_PTR, ArgType.MEM, ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING);
        define(ALL, Helper.RINGBUF_RESERVE, ReturnType.RINGBUF_MEM_OR_NULL, false, ringbuf, ArgType.CONST_MAP_PTR, ArgType.CONST_ALLOC_SIZE_OR_ZERO, ArgType.ANYTHING);
        define(ALL, Helper.RINGBUF_SUBMIT, ReturnType.VOID, ArgType.RINGBUF_MEM_RELEASE, ArgType.ANYTHING);
        define(ALL, Helper.RINGBUF_DISCARD, ReturnType.VOID, ArgType.RINGBUF_MEM_RELEASE, ArgType.ANYTHING);
        define(ALL, Helper.RINGBUF_QUERY, ReturnType.INTEGER, false, ringbuf, ArgType.CONST_MAP_PTR, ArgType.ANYTHING);
        define(ALL, Helper.LOOP, ReturnType.INTEGER, ArgType.ANYTHING, ArgType.FUNC, ArgType.STACK_OR_NULL, ArgType.ANYTHING);
        // xdp_func_proto
        define(XDP, Helper.XDP_ADJUST_HEAD, ReturnType.INTEGER, true, Set.of(), ArgType.CTX, ArgType.ANYTHING);
        define(XDP, Helper.XDP_ADJUST_META, ReturnType.INTEGER, true, Set.of(), ArgType.CTX, ArgType.ANYTHING);
        define(XDP, Helper.XDP_ADJUST_TAIL, ReturnType.INTEGER, true, Set.of(), ArgType.CTX, ArgType.ANYTHING);
        // the helper fills the buffer, so it may be unwritten (a constant length keeps raw mode: check_mem_size_reg)
        define(XDP, Helper.XDP_LOAD_BYTES, ReturnType.INTEGER, ArgType.CTX, ArgType.ANYTHING, ArgType.UNINIT_MEM, ArgType.CONST_SIZE);
        // the buffer is read (Linux 6.18.44 as measured here: "ARG_PTR_TO_MEM | MEM_RDONLY", a 2026 stable fix) over
        // the original ARG_PTR_TO_UNINIT_MEM, which let a program copy unwritten stack into the packet
        define(XDP, Helper.XDP_STORE_BYTES, ReturnType.INTEGER, ArgType.CTX, ArgType.ANYTHING, ArgType.MEM, ArgType.CONST_SIZE);
        // sk_filter_func_proto and tc_cls_act_func_proto
        define(SKB, Helper.SKB_LOAD_BYTES, ReturnType.INTEGER, ArgType.CTX, ArgType.ANYTHING, ArgType.UNINIT_MEM, ArgType.CONST_SIZE);
        define(TC, Helper.SKB_STORE_BYTES, ReturnType.INTEGER, true, Set.of(), ArgType.CTX, ArgType.ANYTHING, ArgType.MEM, ArgType.CONST_SIZE, ArgType.ANYTHING);
        define(TC, Helper.L3_CSUM_REPLACE, ReturnType.INTEGER, true, Set.of(), ArgType.CTX, ArgType.ANYTHING, ArgType.ANYTHING, ArgType.ANYTHING, ArgType.ANYTHING);
        define(TC, Helper.L4_CSUM_REPLACE, ReturnType.INTEGER, true, Set.of(), ArgType.CTX, ArgType.ANYTHING, ArgType.ANYTHING, ArgType.ANYTHING, ArgType.ANYTHING);
        define(TC_XDP, Helper.CSUM_DIFF, ReturnType.INTEGER, ArgType.MEM_OR_NULL, ArgType.CONST_SIZE_OR_ZERO, ArgType.MEM_OR_NULL, ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING);
        define(TC_XDP, Helper.REDIRECT, ReturnType.INTEGER, ArgType.ANYTHING, ArgType.ANYTHING);
    }

    /** The prototype of {@code helper}, if bpf4j implements it. */
    public static Optional<HelperPrototype> of(Helper helper) {
        return Optional.ofNullable(PROTOTYPES.get(helper));
    }

    /**
     * The prototype of {@code helper} if a program of {@code type} may call it (Linux's {@code get_func_proto}),
     * else empty. {@link ProgramType#UNSPEC} stands for an embedded program with a raw-memory context: it gets
     * the helpers every program type has.
     */
    public static Optional<HelperPrototype> forProgramType(Helper helper, ProgramType type) {
        HelperPrototype p = PROTOTYPES.get(helper);
        if (p == null || !ALLOWED.get(helper).contains(type)) return Optional.empty();
        return Optional.of(p);
    }

    /** Every helper bpf4j implements. */
    public static Set<Helper> implemented() {
        return EnumSet.copyOf(PROTOTYPES.keySet());
    }

    /** The program types that may call {@code helper} (empty when bpf4j does not implement it). */
    public static Set<ProgramType> allowedProgramTypes(Helper helper) {
        Set<ProgramType> s = ALLOWED.get(helper);
        return s == null ? Set.of() : Set.copyOf(s);
    }

    /**
     * Map types reserved to particular helpers (Linux's {@code check_map_func_compatibility}, map side):
     * e.g. a PROG_ARRAY goes only to {@code bpf_tail_call}, a RINGBUF only to the ring-buffer helpers. True
     * when {@code helper} may take a map of {@code type}, considering both directions.
     */
    public boolean acceptsMap(MapType type) {
        Set<Helper> reserved = switch (type) {
            case PROG_ARRAY -> EnumSet.of(Helper.TAIL_CALL);
            case RINGBUF -> EnumSet.of(Helper.RINGBUF_OUTPUT, Helper.RINGBUF_RESERVE, Helper.RINGBUF_QUERY);
            case QUEUE, STACK -> EnumSet.of(Helper.MAP_PEEK_ELEM, Helper.MAP_POP_ELEM, Helper.MAP_PUSH_ELEM);
            case BLOOM_FILTER -> EnumSet.of(Helper.MAP_PEEK_ELEM, Helper.MAP_PUSH_ELEM);
            case PERF_EVENT_ARRAY -> EnumSet.of(Helper.PERF_EVENT_OUTPUT, Helper.PERF_EVENT_READ, Helper.SKB_OUTPUT,
                    Helper.PERF_EVENT_READ_VALUE, Helper.XDP_OUTPUT);
            default -> null;
        };
        if (reserved != null && !reserved.contains(helper)) return false;
        return mapTypes.isEmpty() || mapTypes.contains(type);
    }
}
