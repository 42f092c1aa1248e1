package io.bpf4j.tests.agreement;

import io.bpf4j.verifier.Asm;
import io.bpf4j.abi.Helper;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Size;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.bpf4j.verifier.Asm.*;

/**
 * Small programs at the verifier's edges: the verifier engineer's corpus ({@code VerifierCorpus} in the
 * verifier's tests, re-expressed here as programs without expected messages — the kernel is the judge) plus
 * the cases the agreement issue names: uninitialised registers and stack, packet bounds, null checks, value
 * bounds, read-only and bad context offsets, the 512-byte stack and combined-stack limits, 8 frames, the
 * 256-byte rule for tail calls in subprograms, tail-call register rules, registers after a tail call, pointer
 * leaks and return values. Every case runs in both modes.
 */
final class EdgeCases {
    private EdgeCases() {}

    static final String CORPUS = "edge cases";
    static final int HASH = 1, PROG_ARRAY = 2, ARRAY = 3, RINGBUF = 4, GLOBALS = 5;

    /** The maps every case may name, by handle. */
    static final Map<Integer, MapDefinition> MAPS = Map.of(
            HASH, new MapDefinition("hash", MapType.HASH, 4, 8, 16),
            PROG_ARRAY, new MapDefinition("jmp_table", MapType.PROG_ARRAY, 4, 4, 8),
            ARRAY, new MapDefinition("array", MapType.ARRAY, 4, 8, 4),
            RINGBUF, new MapDefinition("events", MapType.RINGBUF, 0, 0, 4096),
            GLOBALS, new MapDefinition(".bss", MapType.ARRAY, 4, 16, 1));

    private static final ProgramType SF = ProgramType.SOCKET_FILTER, TC = ProgramType.SCHED_CLS, XDP = ProgramType.XDP;

    private static final List<AgreementProgram> CASES = new ArrayList<>();
    private static final Set<String> SEEN = new HashSet<>();

    static List<AgreementProgram> programs() {
        return List.copyOf(CASES);
    }

    /** Adds a case, unless the same program of the same type is already there (the corpus has a few twins). */
    private static void edge(String name, ProgramType type, Instruction... insns) {
        Instructions program = Instructions.of(insns);
        if (!SEEN.add(type + java.util.HexFormat.of().formatHex(program.encode()))) return;
        CASES.add(AgreementProgram.of(CORPUS, name, type, program, usedMaps(program)));
    }

    /** Only the maps a program names are created in the kernel (a prog array is owned by its first user's type). */
    private static Map<Integer, MapDefinition> usedMaps(Instructions program) {
        Map<Integer, MapDefinition> used = new java.util.TreeMap<>();
        for (Instruction i : program.list()) {
            if (i instanceof Instruction.LoadImm64 l && l.pseudo().refersToMap()) used.put(l.imm(), MAPS.get(l.imm()));
        }
        return used;
    }

    /**
     * What Linux's stack model records and what follows from it (check_stack_write_fixed_off, get_constant_map_key,
     * check_mem_size_reg, check_stack_range_initialized, grow_stack_state): spills only at 8-byte-aligned offsets,
     * array keys known only from zero bytes or a spill of exactly key_size, a helper's variable length checked as
     * a read, zero-sized helper accesses bounds-checked, the stack depth of reads.
     */
    private static void stackFacts() {
        Instruction[] arrayLookup = {lddwMap(1, ARRAY), call(Helper.MAP_LOOKUP_ELEM.id()), ldx(Size.DW, 0, 0, 0), mov(0, 2), exit()};
        edge("array lookup, key 0 from four zero bytes stored one by one", XDP, concat(new Instruction[] {st(Size.B, 10, -4, 0),
                st(Size.B, 10, -3, 0), st(Size.B, 10, -2, 0), st(Size.B, 10, -1, 0), movr(2, 10), add(2, -4)}, arrayLookup));
        edge("array lookup, key 0 from a zero register stored at fp-4", XDP, concat(new Instruction[] {mov(3, 0),
                stx(Size.W, 10, -4, 3), movr(2, 10), add(2, -4)}, arrayLookup));
        edge("array lookup, key 1 spilled as 8 bytes, key in its upper half", XDP, concat(new Instruction[] {mov(3, 1),
                stx(Size.DW, 10, -8, 3), movr(2, 10), add(2, -4)}, arrayLookup));
        edge("array lookup, key 1 stored at fp-8, then bytes written at fp-4", XDP, concat(new Instruction[] {st(Size.W, 10, -8, 1),
                st(Size.W, 10, -4, 0), movr(2, 10), add(2, -8)}, arrayLookup));
        edge("array lookup, key 1 stored at fp-16 as a 2-byte immediate", XDP, concat(new Instruction[] {st(Size.W, 10, -16, 0),
                st(Size.H, 10, -16, 1), movr(2, 10), add(2, -16)}, arrayLookup));
        edge("array lookup, key -1 stored at fp-8", XDP, concat(new Instruction[] {st(Size.W, 10, -8, -1), movr(2, 10), add(2, -8)},
                arrayLookup));
        edge("a bounded scalar spilled in 4 bytes at fp-8 keeps its bounds", SF, lookup(HASH,
                jeq(0, 0, 8), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.AND, 0, 7), stx(Size.W, 10, -8, 0),
                ldx(Size.W, 1, 10, -8), alur(AluOp.ADD, 6, 1), ldx(Size.B, 0, 6, 0), exit(), mov(0, 0), exit()));
        edge("a bounded scalar stored in 4 bytes at fp-12 is only data", SF, lookup(HASH,
                jeq(0, 0, 8), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.AND, 0, 7), stx(Size.W, 10, -12, 0),
                ldx(Size.W, 1, 10, -12), alur(AluOp.ADD, 6, 1), ldx(Size.B, 0, 6, 0), exit(), mov(0, 0), exit()));
        Instruction[] variableLength = {ldx(Size.W, 4, 6, 0), alu(AluOp.AND, 4, 7), add(4, 1), movr(1, 6), mov(2, 0), movr(3, 10),
                add(3, -8), call(Helper.SKB_LOAD_BYTES.id()), mov(0, 0), exit()};
        edge("skb_load_bytes with a variable length over a 4-byte spill", TC, concat(new Instruction[] {movr(6, 1), mov(5, 3),
                stx(Size.W, 10, -8, 5)}, variableLength));
        edge("skb_load_bytes with a variable length over half-written stack", TC, concat(new Instruction[] {movr(6, 1),
                st(Size.W, 10, -4, 3)}, variableLength));
        edge("skb_load_bytes with a variable length over zero bytes, then read", TC, movr(6, 1), st(Size.DW, 10, -8, 0),
                ldx(Size.W, 4, 6, 0), alu(AluOp.AND, 4, 7), add(4, 1), movr(1, 6), mov(2, 0), movr(3, 10), add(3, -8),
                call(Helper.SKB_LOAD_BYTES.id()), ldx(Size.W, 0, 10, -8), exit());
        Instruction[] zeroSized = {mov(2, 0), mov(3, 0), mov(4, 0), mov(5, 0), call(Helper.CSUM_DIFF.id()), mov(0, 0), exit()};
        edge("csum_diff of zero bytes at the frame pointer", TC, concat(new Instruction[] {movr(1, 10)}, zeroSized));
        edge("csum_diff of zero bytes at unwritten stack", TC, concat(new Instruction[] {movr(1, 10), add(1, -8)}, zeroSized));
        edge("csum_diff of zero bytes below the frame", TC, concat(new Instruction[] {movr(1, 10), add(1, -8), mov(6, -512),
                alur(AluOp.ADD, 1, 6)}, zeroSized));
        edge("combined stack over 512 through a map key read deep", SF, movr(2, 10), add(2, -504), lddwMap(1, HASH),
                call(Helper.MAP_LOOKUP_ELEM.id()), callLocal(2), mov(0, 0), exit(), st(Size.DW, 10, -16, 0), mov(0, 0), exit());
        edge("atomic add on a 4-byte spill", SF, mov(1, 3), stx(Size.W, 10, -8, 1), mov(2, 1),
                new Instruction.Atomic(Size.W, io.bpf4j.isa.AtomicOp.ADD, true, 10, 2, -8), movr(0, 2), exit());
        edge("a spilled constant read back narrower at the slot's start", SF, mov(1, 7), stx(Size.DW, 10, -8, 1),
                ldx(Size.B, 1, 10, -8), movr(2, 10), add(2, -16), alur(AluOp.ADD, 2, 1), mov(0, 0), exit());
        edge("a spilled 64-bit constant read back as its low byte", SF, lddw(1, 0x1_0000_0007L), stx(Size.DW, 10, -8, 1),
                ldx(Size.B, 1, 10, -8), movr(2, 10), add(2, -16), alur(AluOp.ADD, 2, 1), mov(0, 0), exit());
        edge("array lookup, key 3 stored at fp-8", XDP, concat(new Instruction[] {st(Size.W, 10, -8, 3), movr(2, 10), add(2, -8)},
                arrayLookup));
        edge("array lookup, key 4 stored at fp-8", XDP, concat(new Instruction[] {st(Size.W, 10, -8, 4), movr(2, 10), add(2, -8)},
                arrayLookup));
    }

    static {
        // ---- registers and exit
        edge("return constant", SF, mov(0, 0), exit());
        edge("exit with R0 never written", SF, exit());
        edge("read of a register never written", SF, movr(0, 6), exit());
        edge("write to the frame pointer", SF, mov(10, 0), mov(0, 0), exit());
        edge("pointer as return value", SF, movr(0, 10), exit());
        edge("constant shift by the width", SF, mov(0, 1), alu(AluOp.LSH, 0, 64), exit());
        edge("division by constant zero", SF, mov(0, 1), alu(AluOp.DIV, 0, 0), exit());

        // ---- structure
        edge("jump past the end", SF, ja(5), mov(0, 0), exit());
        edge("unreachable instruction", SF, mov(0, 0), exit(), mov(0, 1), exit());
        edge("falls off the end", SF, mov(0, 0));
        edge("jump into lddw", SF,
                jeq(1, 0, 1), lddw(0, 1), mov(0, 0), exit());

        // ---- stack (the seed's rule: only what this program wrote)
        edge("read of stack never written", SF,
                ldx(Size.DW, 0, 10, -8), exit());
        edge("read of an unwritten slot below a written one", SF,
                st(Size.DW, 10, -16, 0), ldx(Size.DW, 0, 10, -8), exit());
        edge("write then read stack", SF, st(Size.DW, 10, -8, 7), ldx(Size.DW, 0, 10, -8), exit());
        edge("partial read of a partially written slot", SF,
                st(Size.W, 10, -8, 1), ldx(Size.DW, 0, 10, -8), exit());
        edge("write above the frame", SF,
                stx(Size.DW, 10, 8, 1), mov(0, 0), exit());
        edge("write below the frame", SF,
                stx(Size.DW, 10, -520, 1), mov(0, 0), exit());
        edge("misaligned spill", SF,
                stx(Size.DW, 10, -12, 1), mov(0, 0), exit());
        edge("spill and fill the context", SF, stx(Size.DW, 10, -8, 1), ldx(Size.DW, 2, 10, -8),
                ldx(Size.W, 0, 2, 0), exit());
        edge("partial fill of a spilled pointer", SF,
                stx(Size.DW, 10, -8, 1), ldx(Size.W, 0, 10, -8), exit());
        edge("corrupting a spilled pointer", SF,
                stx(Size.DW, 10, -8, 1), st(Size.W, 10, -8, 0), mov(0, 0), exit());

        // ---- context
        edge("socket filter reads len", SF, ldx(Size.W, 0, 1, 0), exit());
        edge("socket filter narrow read of mark", SF, ldx(Size.B, 0, 1, 9), exit());
        edge("socket filter writes len", SF,
                st(Size.W, 1, 0, 1), mov(0, 0), exit());
        edge("socket filter writes mark", SF,
                mov(2, 5), stx(Size.W, 1, 8, 2), mov(0, 0), exit());
        edge("socket filter writes cb[0]", SF, mov(2, 5), stx(Size.W, 1, 48, 2), mov(0, 0), exit());
        edge("socket filter reads data", SF, ldx(Size.W, 0, 1, 76), exit());
        edge("tc writes mark", TC, mov(2, 5), stx(Size.W, 1, 8, 2), mov(0, 0), exit());
        edge("tc writes a pointer into cb", TC, stx(Size.DW, 1, 48, 10), mov(0, 0), exit());
        edge("read past the context", SF, ldx(Size.W, 0, 1, 192), exit());
        edge("read of modified context pointer", SF,
                add(1, 8), ldx(Size.W, 0, 1, 0), exit());
        edge("xdp ingress_ifindex is read-only", XDP,
                st(Size.W, 1, 12, 0), mov(0, 0), exit());
        edge("xdp egress_ifindex outside devmap", XDP,
                ldx(Size.W, 0, 1, 20), exit());

        // ---- packets
        Instruction[] pktHeader = {ldx(Size.W, 2, 1, 0), ldx(Size.W, 3, 1, 4), movr(4, 2), add(4, 14)};
        edge("xdp packet read after bounds check", XDP, concat(pktHeader,
                jmpr(JumpOp.JGT, 4, 3, 2), ldx(Size.B, 0, 2, 13), exit(), mov(0, 2), exit()));
        edge("xdp packet read, bound written end > p", XDP, concat(pktHeader,
                jmpr(JumpOp.JGT, 3, 4, 2), mov(0, 2), exit(), ldx(Size.H, 0, 2, 12), exit()));
        edge("xdp packet read without bounds check", XDP,
                ldx(Size.W, 2, 1, 0), ldx(Size.B, 0, 2, 0), exit());
        edge("xdp packet read past the checked range", XDP,
                concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 2), ldx(Size.B, 0, 2, 14), exit(), mov(0, 2), exit()));
        edge("xdp packet read on the wrong side", XDP,
                concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 1), mov(0, 2), ldx(Size.B, 0, 2, 0), exit()));
        edge("pkt_end arithmetic", XDP,
                ldx(Size.W, 3, 1, 4), add(3, 1), mov(0, 0), exit());
        edge("tc writes packet", TC, concat(new Instruction[] {ldx(Size.W, 2, 1, 76), ldx(Size.W, 3, 1, 80), movr(4, 2), add(4, 1)},
                jmpr(JumpOp.JGT, 4, 3, 1), st(Size.B, 2, 0, 0), mov(0, 0), exit()));

        // ---- maps
        edge("map lookup with null check", SF, lookup(HASH, jeq(0, 0, 1), ldx(Size.DW, 0, 0, 0), mov(0, 0), exit()));
        edge("map value read without null check", SF,
                lookup(HASH, ldx(Size.DW, 0, 0, 0), mov(0, 0), exit()));
        edge("map value read past value_size", SF,
                lookup(HASH, jeq(0, 0, 1), ldx(Size.DW, 0, 0, 4), mov(0, 0), exit()));
        edge("pointer stored into a map value", SF,
                lookup(HASH, jeq(0, 0, 1), stx(Size.DW, 0, 0, 10), mov(0, 0), exit()));
        edge("map key never written", SF,
                movr(2, 10), add(2, -4), lddwMap(1, HASH), call(Helper.MAP_LOOKUP_ELEM.id()), mov(0, 0), exit());
        edge("map key partly written", SF,
                st(Size.H, 10, -4, 0), st(Size.W, 10, -8, 0), movr(2, 10), add(2, -4), lddwMap(1, HASH),
                call(Helper.MAP_LOOKUP_ELEM.id()), mov(0, 0), exit());
        edge("lookup in a prog array", SF,
                lookup(PROG_ARRAY, mov(0, 0), exit()));
        edge("arithmetic on a map pointer", SF,
                lddwMap(1, HASH), add(1, 8), mov(0, 0), exit());
        edge("arithmetic on map_value_or_null", SF,
                lookup(HASH, add(0, 8), mov(0, 0), exit()));
        edge("map value with variable index proven in bounds", SF, lookup(HASH,
                jeq(0, 0, 6), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.AND, 0, 7), alur(AluOp.ADD, 6, 0),
                ldx(Size.B, 0, 6, 0), exit(), mov(0, 0), exit()));
        edge("map value with variable index out of bounds", SF,
                lookup(HASH, jeq(0, 0, 6), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.AND, 0, 15),
                        alur(AluOp.ADD, 6, 0), ldx(Size.B, 0, 6, 0), exit(), mov(0, 0), exit()));
        edge("global data through lddw map value", SF, new Instruction.LoadImm64(1, io.bpf4j.isa.Pseudo.MAP_VALUE, GLOBALS, 8),
                ldx(Size.DW, 0, 1, 0), exit());

        edge("null check on a copy settles the original", SF, lookup(HASH, movr(6, 0), jeq(6, 0, 1), ldx(Size.DW, 0, 0, 0), mov(0, 0), exit()));
        edge("a comparison narrows every copy of a scalar", SF, lookup(HASH,
                jeq(0, 0, 8), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), movr(1, 0), jmp(JumpOp.JGT, 1, 7, 3),
                alur(AluOp.ADD, 6, 0), ldx(Size.B, 0, 6, 0), exit(), mov(0, 0), exit()));

        // ---- pointers (default mode: Linux without CAP_PERFMON)
        edge("pointer comparison", SF, jmpr(JumpOp.JEQ, 1, 10, 0), mov(0, 0), exit());
        edge("32-bit arithmetic on a pointer", SF, alu32(AluOp.ADD, 1, 1), mov(0, 0), exit());
        edge("pointer minus pointer", SF, alur(AluOp.SUB, 1, 10), mov(0, 0), exit());
        edge("bitwise operation on a pointer", SF, alu(AluOp.AND, 1, 1), mov(0, 0), exit());
        edge("multiplying a pointer", SF, alu(AluOp.MUL, 1, 2), mov(0, 0), exit());
        edge("32-bit copy of a pointer", SF, mov32r(0, 1), exit());
        edge("scalar minus pointer", SF, mov(0, 1), alur(AluOp.SUB, 0, 1), exit());
        edge("stack pointer out of the frame", SF,
                movr(1, 10), add(1, 8), mov(0, 0), exit());
        edge("pointer into a helper's scalar argument", TC,
                movr(1, 10), mov(2, 0), call(Helper.REDIRECT.id()), mov(0, 0), exit());

        edge("packet length as data_end - data (a distance, not an address)", XDP,
                ldx(Size.W, 2, 1, 0), ldx(Size.W, 3, 1, 4), alur(AluOp.SUB, 3, 2), mov(0, 0), exit());
        edge("stack pointer minus context pointer", SF,
                movr(2, 10), alur(AluOp.SUB, 2, 1), mov(0, 0), exit());
        edge("subprogram result ignored may leave R0 unset", SF, callLocal(2), mov(0, 0), exit(), mov(1, 0), exit());
        edge("subprogram result used though never set", SF, callLocal(1), exit(), mov(1, 0), exit());

        // ---- legacy packet loads and atomics
        edge("LD_ABS in a socket filter", SF, movr(6, 1), new Instruction.PacketLoad(Size.H, false, 0, 12), exit());
        edge("LD_ABS without the context in R6", SF,
                mov(6, 0), new Instruction.PacketLoad(Size.H, false, 0, 12), exit());
        edge("LD_ABS in xdp", XDP,
                movr(6, 1), new Instruction.PacketLoad(Size.B, false, 0, 0), exit());
        edge("atomic add on the stack", SF, st(Size.DW, 10, -8, 0), mov(1, 1),
                new Instruction.Atomic(Size.DW, io.bpf4j.isa.AtomicOp.ADD, true, 10, 1, -8), movr(0, 1), exit());
        edge("atomic add on the context", TC, mov(2, 1),
                new Instruction.Atomic(Size.W, io.bpf4j.isa.AtomicOp.ADD, false, 1, 2, 48), mov(0, 0), exit());
        edge("atomic on stack never written", SF, mov(1, 1),
                new Instruction.Atomic(Size.DW, io.bpf4j.isa.AtomicOp.ADD, false, 10, 1, -8), mov(0, 0), exit());

        // ---- helpers
        edge("helper arguments clobbered by a call", SF, call(Helper.KTIME_GET_NS.id()), movr(0, 1), exit());
        edge("helper not allowed for xdp", XDP,
                call(Helper.SKB_STORE_BYTES.id()), mov(0, 0), exit());
        edge("helper bpf4j does not implement", SF,
                call(Helper.PROBE_READ.id()), mov(0, 0), exit());
        edge("helper that does not exist", SF, call(9999), mov(0, 0), exit());
        edge("context expected", TC, mov(1, 0), mov(2, 0), call(Helper.SKB_LOAD_BYTES.id()), mov(0, 0), exit());
        edge("skb_load_bytes into the stack", TC, mov(2, 0), movr(3, 10), add(3, -8), mov(4, 8),
                call(Helper.SKB_LOAD_BYTES.id()), ldx(Size.DW, 0, 10, -8), exit());
        edge("xdp_adjust_head invalidates packet pointers", XDP,
                ldx(Size.W, 2, 1, 0), movr(6, 2), mov(2, 0), call(Helper.XDP_ADJUST_HEAD.id()), movr(0, 6), exit());
        edge("ringbuf reserve and submit", SF, lddwMap(1, RINGBUF), mov(2, 8), mov(3, 0), call(Helper.RINGBUF_RESERVE.id()),
                jeq(0, 0, 4), st(Size.DW, 0, 0, 1), movr(1, 0), mov(2, 0), call(Helper.RINGBUF_SUBMIT.id()), mov(0, 0), exit());
        edge("ringbuf reservation leaked", SF, lddwMap(1, RINGBUF), mov(2, 8), mov(3, 0),
                call(Helper.RINGBUF_RESERVE.id()), mov(0, 0), exit());
        edge("ringbuf write past the reservation", SF, lddwMap(1, RINGBUF), mov(2, 8), mov(3, 0),
                call(Helper.RINGBUF_RESERVE.id()), jeq(0, 0, 4), st(Size.DW, 0, 4, 1), movr(1, 0), mov(2, 0),
                call(Helper.RINGBUF_SUBMIT.id()), mov(0, 0), exit());
        edge("bpf_loop with a callback", SF, mov(1, 10), lddwFunc(2, 6), mov(3, 0), mov(4, 0), call(Helper.LOOP.id()),
                mov(0, 0), exit(), mov(0, 0), exit());
        edge("bpf_loop callback returns 2", SF,
                mov(1, 10), lddwFunc(2, 6), mov(3, 0), mov(4, 0), call(Helper.LOOP.id()), mov(0, 0), exit(), mov(0, 2), exit());

        // ---- tail calls
        Instruction[] tailCall = {lddwMap(2, PROG_ARRAY), mov(3, 0), call(Helper.TAIL_CALL.id())};
        edge("tail call", TC, concat(tailCall, mov(0, 0), exit()));
        edge("tail call with the frame pointer as context", TC,
                concat(new Instruction[] {movr(1, 10)}, concat(tailCall, mov(0, 0), exit())));
        edge("tail call through an array", TC,
                lddwMap(2, ARRAY), mov(3, 0), call(Helper.TAIL_CALL.id()), mov(0, 0), exit());
        edge("tail call index is a pointer", TC,
                lddwMap(2, PROG_ARRAY), movr(3, 10), call(Helper.TAIL_CALL.id()), mov(0, 0), exit());
        edge("R0 after a tail call", TC, concat(tailCall, exit()));
        edge("R1 after a tail call", TC, concat(tailCall, movr(0, 1), exit()));
        edge("tail call target reads registers it did not write", TC, movr(0, 6), exit());
        edge("tail call target reads stack it did not write", TC,
                ldx(Size.DW, 0, 10, -8), exit());
        edge("tail call target shares state through cb", TC, ldx(Size.W, 0, 1, 48), exit());

        // ---- loops and complexity
        edge("bounded loop", SF, mov(1, 0), add(1, 1), jmp(JumpOp.JLT, 1, 10, -2), mov(0, 0), exit());
        edge("infinite loop", SF, mov(0, 0), jeq(0, 0, -1), exit());

        // ---- bpf2bpf calls and stack depth
        edge("call a subprogram", SF, mov(1, 5), callLocal(1), exit(), movr(0, 1), exit());
        edge("subprogram reads a callee-saved register", SF, mov(6, 5), callLocal(1), exit(), movr(0, 6), exit());
        edge("subprogram returns its stack", SF,
                callLocal(2), mov(0, 0), exit(), movr(0, 10), exit());
        edge("subprogram writes the caller's stack", SF, movr(1, 10), add(1, -8), callLocal(2), ldx(Size.DW, 0, 10, -8), exit(),
                st(Size.DW, 1, 0, 3), mov(0, 0), exit());
        edge("combined stack too large", SF,
                st(Size.DW, 10, -496, 0), callLocal(1), exit(), st(Size.DW, 10, -8, 0), mov(0, 0), exit());
        edge("tail call below 256 bytes of callers' stack", TC,
                concat(new Instruction[] {st(Size.DW, 10, -256, 0), callLocal(2), mov(0, 0), exit()},
                        concat(tailCall, mov(0, 0), exit())));
        edge("tail call below 224 bytes of callers' stack", TC,
                concat(new Instruction[] {st(Size.DW, 10, -224, 0), callLocal(2), mov(0, 0), exit()},
                        concat(tailCall, mov(0, 0), exit())));
        edge("tail call below 240 bytes of callers' stack (JIT rounding)", TC,
                concat(new Instruction[] {st(Size.DW, 10, -240, 0), callLocal(2), mov(0, 0), exit()},
                        concat(tailCall, mov(0, 0), exit())));
        edge("tail call below 256 bytes of callers' stack (JIT rounding)", TC,
                concat(new Instruction[] {st(Size.DW, 10, -256, 0), callLocal(2), mov(0, 0), exit()},
                        concat(tailCall, mov(0, 0), exit())));
        edge("combined stack 512 + 16 (JIT rounding)", TC,
                st(Size.DW, 10, -512, 0), callLocal(1), exit(), st(Size.DW, 10, -8, 0), mov(0, 0), exit());
        edge("nine frames deep", SF, callChain(9, false));
        edge("nine frames in the call graph", SF, callChain(9, true));
        edge("eight frames deep", SF, callChain(8, false));
        additions();
    }

    /** The cases the agreement issue asks for beyond the verifier's own corpus. */
    private static void additions() {
        Instruction[] tailCall = {lddwMap(2, PROG_ARRAY), mov(3, 0), call(Helper.TAIL_CALL.id())};
        Instruction[] pktHeader = {ldx(Size.W, 2, 1, 0), ldx(Size.W, 3, 1, 4), movr(4, 2), add(4, 14)};
        Instruction[] tcHeader = {ldx(Size.W, 2, 1, 76), ldx(Size.W, 3, 1, 80), movr(4, 2), add(4, 14)};

        // uninitialised registers
        edge("read of R2 never written", SF, movr(0, 2), exit());
        edge("R9 as a store source never written", SF, stx(Size.DW, 10, -8, 9), mov(0, 0), exit());
        edge("R7 as a pointer never written", SF, ldx(Size.W, 0, 7, 0), exit());
        edge("uninitialised register on one path only", SF, ldx(Size.W, 2, 1, 0), jeq(2, 0, 1), mov(6, 1), movr(0, 6), exit());

        // uninitialised stack (both modes: only the unprivileged kernel refuses)
        edge("byte read of stack never written", SF, ldx(Size.B, 0, 10, -1), exit());
        edge("read of stack never written through a copy of fp", SF, movr(1, 10), ldx(Size.DW, 0, 1, -16), exit());
        edge("read at the bottom of the frame never written", SF, ldx(Size.DW, 0, 10, -512), exit());
        edge("tail call target reads a byte of stack it did not write", TC, ldx(Size.B, 0, 10, -64), exit());
        edge("map key never written, xdp", XDP, movr(2, 10), add(2, -8), lddwMap(1, ARRAY), call(Helper.MAP_LOOKUP_ELEM.id()), mov(0, 0), exit());
        edge("map key with its upper half never written", SF, st(Size.H, 10, -4, 0), movr(2, 10), add(2, -4), lddwMap(1, HASH),
                call(Helper.MAP_LOOKUP_ELEM.id()), mov(0, 0), exit());
        edge("map key with its lower half never written", SF, st(Size.H, 10, -2, 0), movr(2, 10), add(2, -4), lddwMap(1, HASH),
                call(Helper.MAP_LOOKUP_ELEM.id()), mov(0, 0), exit());
        edge("map key of an array map never written", SF, movr(2, 10), add(2, -4), lddwMap(1, ARRAY),
                call(Helper.MAP_LOOKUP_ELEM.id()), mov(0, 0), exit());
        edge("half-written slot read as a word", SF, st(Size.W, 10, -8, 1), ldx(Size.W, 0, 10, -4), exit());
        edge("half-written slot read as the written word", SF, st(Size.W, 10, -8, 1), ldx(Size.W, 0, 10, -8), exit());

        // packet bounds
        edge("xdp packet write after bounds check", XDP, concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 1), st(Size.B, 2, 13, 1), mov(0, 2), exit()));
        edge("xdp packet write without bounds check", XDP, ldx(Size.W, 2, 1, 0), st(Size.B, 2, 0, 1), mov(0, 2), exit());
        edge("xdp packet read at negative offset", XDP, concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 2), ldx(Size.B, 0, 2, -1), exit(), mov(0, 2), exit()));
        edge("xdp packet read of the last checked byte, 8 bytes wide", XDP, concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 2), ldx(Size.DW, 0, 2, 6), exit(), mov(0, 2), exit()));
        edge("xdp packet read 8 bytes straddling the checked end", XDP, concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 2), ldx(Size.DW, 0, 2, 7), exit(), mov(0, 2), exit()));
        edge("tc packet read after bounds check", TC, concat(tcHeader, jmpr(JumpOp.JGT, 4, 3, 2), ldx(Size.B, 0, 2, 13), exit(), mov(0, 0), exit()));
        edge("tc packet read without bounds check", TC, ldx(Size.W, 2, 1, 76), ldx(Size.B, 0, 2, 0), exit());
        edge("xdp data_meta read without check", XDP, ldx(Size.W, 2, 1, 8), ldx(Size.B, 0, 2, 0), exit());
        edge("xdp data_meta read after check against data", XDP, ldx(Size.W, 2, 1, 8), ldx(Size.W, 3, 1, 0), movr(4, 2), add(4, 4),
                jmpr(JumpOp.JGT, 4, 3, 2), ldx(Size.W, 0, 2, 0), exit(), mov(0, 2), exit());
        edge("xdp variable packet offset after bounds check", XDP, concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 5),
                ldx(Size.B, 5, 2, 0), alu(AluOp.AND, 5, 7), alur(AluOp.ADD, 2, 5), ldx(Size.B, 0, 2, 0), exit(), mov(0, 2), exit()));
        edge("xdp variable packet offset re-checked", XDP, concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 8),
                ldx(Size.B, 5, 2, 0), alu(AluOp.AND, 5, 7), alur(AluOp.ADD, 2, 5), movr(4, 2), add(4, 1), jmpr(JumpOp.JGT, 4, 3, 2),
                ldx(Size.B, 0, 2, 0), exit(), mov(0, 2), exit()));

        // map values
        edge("map value write without null check", SF, lookup(HASH, st(Size.DW, 0, 0, 1), mov(0, 0), exit()));
        edge("map value read at a negative offset", SF, lookup(HASH, jeq(0, 0, 2), ldx(Size.B, 0, 0, -1), exit(), mov(0, 0), exit()));
        edge("map value write past value_size", SF, lookup(ARRAY, jeq(0, 0, 1), st(Size.W, 0, 6, 1), mov(0, 0), exit()));
        // Linux knows an array key only from STACK_ZERO bytes or a spilled constant of exactly key_size in an
        // 8-byte-aligned slot (get_constant_map_key); an immediate stored at fp-4 is just "misc" bytes to it
        edge("array lookup, key 1 stored as an immediate at fp-4, no null check", XDP, st(Size.W, 10, -4, 1), movr(2, 10), add(2, -4),
                lddwMap(1, ARRAY), call(Helper.MAP_LOOKUP_ELEM.id()), ldx(Size.DW, 0, 0, 0), mov(0, 2), exit());
        edge("array lookup, key 1 stored as an immediate at fp-8, no null check", XDP, st(Size.W, 10, -8, 1), movr(2, 10), add(2, -8),
                lddwMap(1, ARRAY), call(Helper.MAP_LOOKUP_ELEM.id()), ldx(Size.DW, 0, 0, 0), mov(0, 2), exit());
        edge("array lookup, key 1 spilled from a register at fp-8, no null check", XDP, mov(1, 1), stx(Size.W, 10, -8, 1), movr(2, 10),
                add(2, -8), lddwMap(1, ARRAY), call(Helper.MAP_LOOKUP_ELEM.id()), ldx(Size.DW, 0, 0, 0), mov(0, 2), exit());
        edge("array lookup, key 1 spilled as 8 bytes, no null check", XDP, mov(1, 1), stx(Size.DW, 10, -8, 1), movr(2, 10),
                add(2, -8), lddwMap(1, ARRAY), call(Helper.MAP_LOOKUP_ELEM.id()), ldx(Size.DW, 0, 0, 0), mov(0, 2), exit());
        edge("hash map value used on the null branch", XDP, lookup(HASH, jne(0, 0, 1), ldx(Size.DW, 0, 0, 0), mov(0, 2), exit()));
        edge("array map value with a constant in-range key, no null check", XDP, lookup(ARRAY, ldx(Size.DW, 0, 0, 0), mov(0, 2), exit()));
        edge("array map value with a constant out-of-range key, no null check", XDP, st(Size.W, 10, -4, 4), movr(2, 10), add(2, -4),
                lddwMap(1, ARRAY), call(Helper.MAP_LOOKUP_ELEM.id()), ldx(Size.DW, 0, 0, 0), mov(0, 2), exit());
        edge("map value last byte", SF, lookup(ARRAY, jeq(0, 0, 2), ldx(Size.B, 0, 0, 7), exit(), mov(0, 0), exit()));
        edge("map value null check with jne", XDP, lookup(ARRAY, jne(0, 0, 2), mov(0, 2), exit(), ldx(Size.DW, 0, 0, 0), exit()));
        edge("map value used after the null branch", XDP, lookup(ARRAY, jne(0, 0, 1), ldx(Size.DW, 0, 0, 0), mov(0, 2), exit()));
        edge("pointer to the context stored into a map value", SF, concat(new Instruction[] {movr(6, 1)},
                lookup(HASH, jeq(0, 0, 1), stx(Size.DW, 0, 0, 6), mov(0, 0), exit())));
        edge("map value pointer stored into its own value", SF, lookup(HASH, jeq(0, 0, 1), stx(Size.DW, 0, 0, 0), mov(0, 0), exit()));
        edge("map value returned", SF, lookup(HASH, exit()));
        edge("global data past its end", SF, new Instruction.LoadImm64(1, io.bpf4j.isa.Pseudo.MAP_VALUE, GLOBALS, 12),
                ldx(Size.DW, 0, 1, 0), exit());

        // context
        edge("socket filter misaligned read of len", SF, ldx(Size.W, 0, 1, 2), exit());
        edge("socket filter 8-byte read of len", SF, ldx(Size.DW, 0, 1, 0), exit());
        edge("xdp writes data", XDP, st(Size.W, 1, 0, 0), mov(0, 0), exit());
        edge("xdp reads rx_queue_index", XDP, ldx(Size.W, 0, 1, 16), exit());
        edge("xdp reads past xdp_md", XDP, ldx(Size.W, 0, 1, 24), exit());
        edge("xdp reads at a negative context offset", XDP, ldx(Size.W, 0, 1, -4), exit());
        edge("tc writes tc_classid", TC, mov(2, 5), stx(Size.W, 1, 40, 2), mov(0, 0), exit());
        edge("tc writes len", TC, mov(2, 5), stx(Size.W, 1, 0, 2), mov(0, 0), exit());
        edge("tc writes a scalar into cb[4]", TC, mov(2, 5), stx(Size.W, 1, 64, 2), mov(0, 0), exit());
        edge("tc writes past cb", TC, mov(2, 5), stx(Size.W, 1, 68, 2), mov(0, 0), exit());
        edge("context pointer returned", XDP, movr(0, 1), exit());

        // the stack's limits
        edge("write at the bottom of the frame", SF, st(Size.DW, 10, -512, 0), mov(0, 0), exit());
        edge("write one byte below the frame", SF, st(Size.B, 10, -513, 0), mov(0, 0), exit());
        edge("combined stack of exactly 512", SF, st(Size.DW, 10, -256, 0), callLocal(1), exit(), st(Size.DW, 10, -256, 0), mov(0, 0), exit());
        edge("combined stack of three frames over 512", SF, st(Size.DW, 10, -200, 0), callLocal(1), exit(),
                st(Size.DW, 10, -200, 0), callLocal(1), exit(), st(Size.DW, 10, -200, 0), mov(0, 0), exit());

        // tail-call register rules
        edge("tail call with a scalar as context", TC, concat(new Instruction[] {mov(1, 0)}, concat(tailCall, mov(0, 0), exit())));
        edge("tail call with a scalar as the map", TC, mov(2, 0), mov(3, 0), call(Helper.TAIL_CALL.id()), mov(0, 0), exit());
        edge("tail call through a hash map", TC, lddwMap(2, HASH), mov(3, 0), call(Helper.TAIL_CALL.id()), mov(0, 0), exit());
        edge("tail call index never written", TC, lddwMap(2, PROG_ARRAY), call(Helper.TAIL_CALL.id()), mov(0, 0), exit());
        edge("tail call with an unknown scalar index", TC, ldx(Size.W, 3, 1, 48), lddwMap(2, PROG_ARRAY), call(Helper.TAIL_CALL.id()), mov(0, 0), exit());
        edge("tail call with an offset context", TC, concat(new Instruction[] {add(1, 4)}, concat(tailCall, mov(0, 0), exit())));
        edge("xdp tail call", XDP, concat(tailCall, mov(0, 2), exit()));
        for (int r = 2; r <= 5; r++) edge("R" + r + " after a tail call", TC, concat(tailCall, movr(0, r), exit()));
        edge("R6 survives a tail call", TC, concat(new Instruction[] {mov(6, 1)}, concat(tailCall, movr(0, 6), exit())));
        edge("stack survives a tail call", TC, concat(new Instruction[] {st(Size.DW, 10, -8, 1)}, concat(tailCall, ldx(Size.DW, 0, 10, -8), exit())));
        edge("tail call in a subprogram, 240 bytes of callers' stack", TC,
                concat(new Instruction[] {st(Size.DW, 10, -240, 0), callLocal(2), mov(0, 0), exit()}, concat(tailCall, mov(0, 0), exit())));
        edge("tail call in a subprogram, 248 bytes of callers' stack", TC,
                concat(new Instruction[] {st(Size.DW, 10, -248, 0), callLocal(2), mov(0, 0), exit()}, concat(tailCall, mov(0, 0), exit())));
        edge("tail call in a subprogram, no callers' stack", TC,
                concat(new Instruction[] {callLocal(2), mov(0, 0), exit()}, concat(tailCall, mov(0, 0), exit())));
        edge("tail call two frames down, 128 + 128 bytes above", TC, st(Size.DW, 10, -128, 0), callLocal(2), mov(0, 0), exit(),
                st(Size.DW, 10, -128, 0), callLocal(2), mov(0, 0), exit(), lddwMap(2, PROG_ARRAY), mov(3, 0), call(Helper.TAIL_CALL.id()), mov(0, 0), exit());

        // a helper writing into the stack: a variable length makes Linux check the range as a read
        Instruction[] variableLength = {movr(6, 1), mov(2, 0), movr(3, 10), add(3, -64), ldx(Size.W, 4, 6, 0), alu(AluOp.AND, 4, 63),
                add(4, 1), movr(1, 6), call(Helper.SKB_LOAD_BYTES.id()), mov(0, 0), exit()};
        edge("skb_load_bytes with a variable length into unwritten stack", TC, variableLength);
        List<Instruction> prefilled = new ArrayList<>();
        for (int off = -64; off < 0; off += 8) prefilled.add(st(Size.DW, 10, off, 0));
        prefilled.addAll(List.of(variableLength));
        edge("skb_load_bytes with a variable length into written stack", TC, prefilled.toArray(Instruction[]::new));
        edge("skb_load_bytes with a constant length into unwritten stack", TC, movr(6, 1), mov(2, 0), movr(3, 10), add(3, -64),
                mov(4, 64), movr(1, 6), call(Helper.SKB_LOAD_BYTES.id()), ldx(Size.DW, 0, 10, -8), exit());

        edge("xdp_load_bytes into the stack", XDP, mov(2, 0), movr(3, 10), add(3, -16), mov(4, 8), call(Helper.XDP_LOAD_BYTES.id()),
                mov(0, 2), exit());
        edge("xdp_load_bytes into unwritten stack, then read", XDP, mov(2, 0), movr(3, 10), add(3, -16), mov(4, 8),
                call(Helper.XDP_LOAD_BYTES.id()), ldx(Size.DW, 0, 10, -16), exit());
        edge("xdp_store_bytes from unwritten stack", XDP, mov(2, 0), movr(3, 10), add(3, -16), mov(4, 8),
                call(Helper.XDP_STORE_BYTES.id()), mov(0, 0), exit());
        edge("xdp_store_bytes from written stack", XDP, st(Size.DW, 10, -16, 7), mov(2, 0), movr(3, 10), add(3, -16), mov(4, 8),
                call(Helper.XDP_STORE_BYTES.id()), mov(0, 0), exit());
        edge("stale packet pointer dereferenced after xdp_adjust_head", XDP, ldx(Size.W, 2, 1, 0), movr(6, 2), mov(2, 0),
                call(Helper.XDP_ADJUST_HEAD.id()), ldx(Size.B, 0, 6, 0), exit());

        stackFacts();

        // the stack depth Linux counts includes reads (of unwritten stack, privileged) through a pointer copy
        edge("combined stack over 512 through a deep read", SF, movr(8, 10), add(8, -504), ldx(Size.B, 7, 8, 0), callLocal(2),
                mov(0, 0), exit(), st(Size.DW, 10, -16, 0), mov(0, 0), exit());
        edge("tail call in a subprogram below a 320-byte read", TC, movr(6, 1), movr(8, 10), add(8, -320), ldx(Size.B, 7, 8, 0),
                movr(1, 6), callLocal(2), mov(0, 0), exit(), lddwMap(2, PROG_ARRAY), mov(3, 0), call(Helper.TAIL_CALL.id()), mov(0, 0), exit());
        // pointer plus an unsigned 32-bit scalar: Linux checks the signed minimum at the addition, the access later
        edge("frame pointer plus skb->len, not dereferenced", TC, ldx(Size.W, 9, 1, 0), movr(8, 10), add(8, -16), alur(AluOp.ADD, 9, 8),
                mov(0, 0), exit());

        pointerRules(pktHeader);

        // return values
        edge("xdp returns an out-of-range action", XDP, mov(0, 100), exit());
        edge("xdp returns -1", XDP, mov(0, -1), exit());
        edge("xdp returns an unknown scalar", XDP, call(Helper.GET_PRANDOM_U32.id()), exit());
        edge("tc returns the frame pointer", TC, movr(0, 10), exit());
        edge("socket filter returns a 32-bit half of a pointer", SF, mov32r(0, 10), exit());
    }
    /**
     * Linux's rules for ALU operations and comparisons on pointers (adjust_ptr_min_max_vals,
     * adjust_reg_min_max_vals, check_cond_jmp_op, sanitize_ptr_alu): only += and -= with a scalar in any mode,
     * pointer − pointer and pointer comparisons only with CAP_PERFMON, and without CAP_PERFMON (Spectre v1) no
     * register offsets on pointers other than stack and map values, no arithmetic out of the object, one shape
     * per instruction on every path.
     */
    private static void pointerRules(Instruction[] pktHeader) {
        // 1. operators other than += and -=, either operand a pointer, every mode
        edge("pointer OR a constant", SF, alu(AluOp.OR, 1, 1), mov(0, 0), exit());
        edge("pointer XOR a constant", SF, alu(AluOp.XOR, 1, 1), mov(0, 0), exit());
        edge("pointer shifted left", SF, alu(AluOp.LSH, 1, 1), mov(0, 0), exit());
        edge("pointer shifted right", SF, movr(2, 10), alu(AluOp.RSH, 2, 3), mov(0, 0), exit());
        edge("pointer divided", SF, movr(2, 10), alu(AluOp.DIV, 2, 2), mov(0, 0), exit());
        edge("pointer modulo", SF, movr(2, 10), alu(AluOp.MOD, 2, 7), mov(0, 0), exit());
        edge("pointer negated", SF, movr(2, 10), alu(AluOp.NEG, 2, 0), movr(0, 2), exit());
        edge("pointer byte-swapped", SF, movr(2, 10), new Instruction.Endian(io.bpf4j.isa.EndianOp.TO_BE, 2, 64), mov(0, 0), exit());
        edge("scalar AND the frame pointer", SF, mov(1, 5), alur(AluOp.AND, 1, 10), mov(0, 0), exit());
        edge("scalar multiplied by a pointer", SF, mov(2, 5), alur(AluOp.MUL, 2, 1), mov(0, 0), exit());
        edge("pointer AND an unknown scalar", SF, ldx(Size.W, 2, 1, 0), alur(AluOp.AND, 1, 2), mov(0, 0), exit());
        edge("pointer AND a bounded scalar", SF, ldx(Size.W, 2, 1, 0), alu(AluOp.AND, 2, 7), alur(AluOp.AND, 1, 2), mov(0, 0), exit());
        edge("pointer plus pointer", SF, movr(2, 10), alur(AluOp.ADD, 2, 1), mov(0, 0), exit());
        edge("pointer OR pointer", SF, movr(2, 10), alur(AluOp.OR, 2, 1), mov(0, 0), exit());
        edge("32-bit pointer minus a constant", SF, movr(2, 10), alu32(AluOp.SUB, 2, 8), mov(0, 0), exit());
        edge("32-bit scalar minus a pointer", SF, mov(2, 8), Instruction.Alu.reg(false, AluOp.SUB, 2, 10), mov(0, 0), exit());
        edge("32-bit pointer minus pointer", SF, movr(2, 10), Instruction.Alu.reg(false, AluOp.SUB, 2, 1), mov(0, 0), exit());
        edge("32-bit pointer AND a constant", SF, movr(2, 10), alu32(AluOp.AND, 2, 8), mov(0, 0), exit());
        edge("pointer sign-extended", SF, movr(2, 10), Instruction.Alu.reg(true, AluOp.MOVSX32, 3, 2), mov(0, 0), exit());
        edge("pointer AND then dereferenced", SF, movr(2, 10), alu(AluOp.AND, 2, -8), ldx(Size.DW, 0, 2, 0), exit());
        edge("map value AND a constant", SF, lookup(HASH, jeq(0, 0, 1), alu(AluOp.AND, 0, 4), mov(0, 0), exit()));

        // 2. pointer − pointer
        edge("data - data_meta", XDP, ldx(Size.W, 2, 1, 8), ldx(Size.W, 3, 1, 0), alur(AluOp.SUB, 3, 2), mov(0, 0), exit());
        edge("frame pointer minus its copy", SF, movr(2, 10), add(2, -8), movr(3, 10), alur(AluOp.SUB, 3, 2), mov(0, 0), exit());
        edge("map value minus map value", SF, lookup(HASH, jeq(0, 0, 2), movr(1, 0), alur(AluOp.SUB, 1, 0), mov(0, 0), exit()));

        // 3. comparisons involving pointers
        edge("data_meta compared with 0", XDP, ldx(Size.W, 2, 1, 8), jeq(2, 0, 1), mov(0, 1), mov(0, 2), exit());
        edge("frame pointer compared with 0", SF, jeq(10, 0, 1), mov(0, 1), mov(0, 2), exit());
        edge("frame pointer equal to 0 leads to a bad read", SF, jeq(10, 0, 2), mov(0, 0), exit(), ldx(Size.W, 0, 1, 1000), exit());
        edge("context compared with a constant", SF, jmp(JumpOp.JGT, 1, 100, 1), mov(0, 1), mov(0, 2), exit());
        edge("packet pointer compared with 0", XDP, ldx(Size.W, 2, 1, 0), jne(2, 0, 1), mov(0, 1), mov(0, 2), exit());
        edge("checked map value compared with 0 again", SF, lookup(HASH, jeq(0, 0, 3), jeq(0, 0, 1), mov(0, 0), exit(), mov(0, 0), exit()));
        edge("checked map value equal to 0 leads to a bad read", SF, lookup(HASH, jeq(0, 0, 3), jne(0, 0, 1), ldx(Size.DW, 0, 9, 0), mov(0, 0), exit()));
        edge("map value or null compared with 1", SF, lookup(HASH, jeq(0, 1, 1), mov(0, 0), mov(0, 0), exit()));
        edge("map value or null jmp32 null check", SF, lookup(HASH, new Instruction.Jump(true, JumpOp.JEQ, 0, io.bpf4j.isa.Source.IMM, 0, 1, 0),
                ldx(Size.DW, 0, 0, 0), mov(0, 0), exit()));
        edge("map pointer compared with 0", SF, lddwMap(1, HASH), jeq(1, 0, 1), mov(0, 1), mov(0, 2), exit());
        edge("scalar compared with the frame pointer", SF, mov(2, 0), jmpr(JumpOp.JEQ, 2, 10, 1), mov(0, 1), mov(0, 2), exit());
        edge("context compared with the frame pointer", SF, jmpr(JumpOp.JGT, 1, 10, 1), mov(0, 1), mov(0, 2), exit());
        edge("packet pointer equal to another packet pointer", XDP, concat(pktHeader, jmpr(JumpOp.JEQ, 4, 2, 1), mov(0, 1), mov(0, 2), exit()));
        edge("packet pointer compared with a packet pointer", XDP, concat(pktHeader, jmpr(JumpOp.JGT, 4, 2, 1), mov(0, 1), mov(0, 2), exit()));
        edge("packet end compared with 0", XDP, ldx(Size.W, 3, 1, 4), jeq(3, 0, 1), mov(0, 1), mov(0, 2), exit());
        edge("packet length check the allowed way", XDP, concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 2), ldx(Size.W, 0, 2, 0), exit(),
                mov(0, 2), exit()));

        // 4. Spectre v1 (bypass_spec_v1 = CAP_PERFMON): what Linux cannot mask it refuses
        edge("packet pointer plus a constant register", XDP, concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 4), mov(5, 4), alur(AluOp.ADD, 2, 5),
                ldx(Size.B, 0, 2, 0), exit(), mov(0, 2), exit()));
        edge("packet pointer minus a bounded register", XDP, concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 5), ldx(Size.B, 5, 2, 0), alu(AluOp.AND, 5, 3),
                alur(AluOp.SUB, 4, 5), ldx(Size.B, 0, 4, -1), exit(), mov(0, 2), exit()));
        edge("context plus a constant register", SF, mov(2, 4), alur(AluOp.ADD, 1, 2), ldx(Size.W, 0, 1, 0), exit());
        edge("map value plus a bounded register", SF, lookup(HASH, jeq(0, 0, 5), ldx(Size.W, 1, 0, 0), alu(AluOp.AND, 1, 7),
                alur(AluOp.ADD, 0, 1), ldx(Size.B, 0, 0, 0), exit(), mov(0, 0), exit()));
        edge("map value plus a register into its last byte", SF, lookup(HASH, jeq(0, 0, 6), ldx(Size.W, 1, 0, 0), alu(AluOp.AND, 1, 1),
                add(1, 6), alur(AluOp.ADD, 0, 1), ldx(Size.B, 0, 0, 0), exit(), mov(0, 0), exit()));
        edge("map value plus a register past its end", SF, lookup(HASH, jeq(0, 0, 6), ldx(Size.W, 1, 0, 0), alu(AluOp.AND, 1, 15),
                add(1, 8), alur(AluOp.ADD, 0, 1), mov(0, 0), exit(), mov(0, 0), exit()));
        edge("map value plus a constant past its end", SF, lookup(HASH, jeq(0, 0, 3), add(0, 8), mov(0, 0), exit(), mov(0, 0), exit()));
        edge("map value minus a constant register", SF, lookup(HASH, jeq(0, 0, 5), add(0, 4), mov(1, 2), alur(AluOp.SUB, 0, 1),
                ldx(Size.B, 0, 0, 0), exit(), mov(0, 0), exit()));
        edge("map value plus a register with mixed signs", SF, lookup(HASH, jeq(0, 0, 6), ldx(Size.W, 1, 0, 0), alu(AluOp.AND, 1, 7),
                add(1, -2), alur(AluOp.ADD, 0, 1), mov(0, 0), exit(), mov(0, 0), exit()));
        edge("stack pointer plus a constant register", SF, movr(2, 10), mov(3, -8), alur(AluOp.ADD, 2, 3), st(Size.DW, 2, 0, 1),
                ldx(Size.DW, 0, 10, -8), exit());
        edge("stack pointer plus a bounded register", SF, ldx(Size.W, 3, 1, 0), alu(AluOp.AND, 3, 7), movr(2, 10), add(2, -16),
                alur(AluOp.ADD, 2, 3), mov(0, 0), exit());
        edge("stack pointer minus a register", SF, movr(2, 10), mov(3, 8), alur(AluOp.SUB, 2, 3), st(Size.DW, 2, 0, 1), mov(0, 0), exit());
        edge("stack pointer minus a constant", SF, movr(2, 10), alu(AluOp.SUB, 2, 8), st(Size.DW, 2, 0, 1), mov(0, 0), exit());
        edge("ringbuf memory compared with 0 again", SF, lddwMap(1, RINGBUF), mov(2, 8), mov(3, 0), call(Helper.RINGBUF_RESERVE.id()),
                jeq(0, 0, 6), jne(0, 0, 1), ldx(Size.W, 0, 1, 1000), movr(1, 0), mov(2, 0), call(Helper.RINGBUF_DISCARD.id()), mov(0, 0), exit());
        edge("stack pointer moved out of the frame by a register", SF, movr(2, 10), mov(3, 8), alur(AluOp.ADD, 2, 3), mov(0, 0), exit());
        edge("stack pointer below the frame", SF, movr(2, 10), add(2, -520), mov(0, 0), exit());
        edge("stack pointer at the frame's top", SF, movr(2, 10), add(2, -8), add(2, 8), mov(0, 0), exit());
        edge("scalar register plus the frame pointer", SF, mov(2, -8), alur(AluOp.ADD, 2, 10), st(Size.DW, 2, 0, 1), mov(0, 0), exit());
        // the same instruction adds to different stack offsets on two paths
        edge("one instruction adds to two stack offsets", SF, ldx(Size.W, 4, 1, 0), movr(2, 10), add(2, -8), jeq(4, 0, 1), add(2, -8),
                mov(3, -8), alur(AluOp.ADD, 2, 3), st(Size.DW, 2, 0, 1), mov(0, 0), exit());
        edge("one instruction adds a pointer and a scalar", SF, ldx(Size.W, 4, 1, 0), movr(2, 10), jeq(4, 0, 1), mov(2, 7),
                mov(3, -8), alur(AluOp.ADD, 2, 3), mov(0, 0), exit());
        edge("one instruction adds to two maps", SF, concat(lookup(HASH, jeq(0, 0, 14), movr(6, 0)), st(Size.W, 10, -4, 0), movr(2, 10), add(2, -4),
                lddwMap(1, ARRAY), call(Helper.MAP_LOOKUP_ELEM.id()), jeq(0, 0, 5), ldx(Size.W, 4, 6, 0), jeq(4, 0, 1), movr(0, 6),
                mov(3, 4), alur(AluOp.ADD, 0, 3), mov(0, 0), exit()));
        edge("one instruction adds two constants to a map value", SF, lookup(HASH, jeq(0, 0, 7), ldx(Size.W, 4, 0, 0), mov(3, 4), jeq(4, 0, 1),
                mov(3, 2), alur(AluOp.ADD, 0, 3), ldx(Size.B, 0, 0, 0), exit(), mov(0, 0), exit()));
        edge("one instruction adds two ranges to a map value", SF, lookup(HASH, jeq(0, 0, 8), ldx(Size.W, 4, 0, 0), movr(3, 4),
                alu(AluOp.AND, 3, 3), jeq(4, 0, 1), alu(AluOp.AND, 3, 1), alur(AluOp.ADD, 0, 3), ldx(Size.B, 0, 0, 0), exit(), mov(0, 0), exit()));
        // the wider range first, the narrower one on the branch explored later: Linux stops pruning on scalars once an
        // instruction was sanitized (explore_alu_limits), so the second path still reaches the addition
        edge("one instruction adds a wide, then a narrow range to a map value", SF, lookup(HASH, jeq(0, 0, 12), ldx(Size.W, 4, 0, 0),
                movr(3, 4), alu(AluOp.AND, 3, 1), mov(5, 0), mov(6, 0), mov(7, 0), jeq(4, 0, 2), movr(3, 4), alu(AluOp.AND, 3, 3),
                alur(AluOp.ADD, 0, 3), ldx(Size.B, 0, 0, 0), exit(), mov(0, 0), exit()));
        edge("one instruction adds a narrow, then a wide range to a map value", SF, lookup(HASH, jeq(0, 0, 12), ldx(Size.W, 4, 0, 0),
                movr(3, 4), alu(AluOp.AND, 3, 3), mov(5, 0), mov(6, 0), mov(7, 0), jeq(4, 0, 2), movr(3, 4), alu(AluOp.AND, 3, 1),
                alur(AluOp.ADD, 0, 3), ldx(Size.B, 0, 0, 0), exit(), mov(0, 0), exit()));
        for (int periods = 1; periods <= 4; periods++) {
            edge("a narrow range reaches a map value addition after a wide one, " + periods + " padded jumps", SF, prunedNarrowPath(periods));
        }
    }

    /**
     * The wide register offset ([0,3]) takes a padded path to the addition, the narrow one ([0,1]) jumps straight to
     * it later: a checkpoint the wide path leaves just before the addition covers the narrow path unless scalars
     * must match exactly, as Linux requires once an instruction was sanitized (explore_alu_limits). Each period is
     * a jump and eight moves, so some padding makes the wide path save a state right before the addition.
     */
    private static Instruction[] prunedNarrowPath(int periods) {
        List<Instruction> tail = new ArrayList<>();
        tail.add(ldx(Size.W, 4, 0, 0));
        tail.add(movr(3, 4));
        tail.add(alu(AluOp.AND, 3, 3));
        int padding = periods * 9;
        tail.add(jeq(4, 0, padding)); // r4 == 0: narrow path, straight to the narrowing below
        for (int p = 0; p < periods; p++) {
            for (int i = 0; i < 8; i++) tail.add(mov(5 + i % 3, i));
            tail.add(ja(p == periods - 1 ? 1 : 0)); // the last one jumps over the narrowing to the addition
        }
        tail.add(alu(AluOp.AND, 3, 1));
        tail.add(alur(AluOp.ADD, 0, 3));
        tail.add(ldx(Size.B, 0, 0, 0));
        tail.add(exit());
        tail.add(mov(0, 0));
        tail.add(exit());
        List<Instruction> all = new ArrayList<>();
        all.add(jeq(0, 0, tail.size() - 2));
        all.addAll(tail);
        return lookup(HASH, all.toArray(Instruction[]::new));
    }

    /**
     * main → f1 → … → f(n-1): {@code n} frames. With {@code deadLast} the last call sits on a branch no path
     * takes, so only the static call-graph check sees it.
     */
    private static Instruction[] callChain(int n, boolean deadLast) {
        List<Instruction> l = new ArrayList<>();
        for (int f = 0; f < n - 1; f++) {
            boolean last = f == n - 2;
            if (last && deadLast) {
                // r1 = 0; if r1 == 0 goto +1; call next; r0 = 0; exit
                l.add(mov(1, 0));
                l.add(jeq(1, 0, 1));
                l.add(callLocal(2));
                l.add(mov(0, 0));
                l.add(exit());
            } else {
                l.add(callLocal(2));
                l.add(mov(0, 0));
                l.add(exit());
            }
        }
        l.add(mov(0, 0));
        l.add(exit());
        return l.toArray(Instruction[]::new);
    }

}
