package io.bpf4j.verifier;

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
import java.util.List;
import java.util.Map;

import static io.bpf4j.verifier.Asm.*;

/**
 * Small programs with the verdict and message Linux gives them (without CAP_PERFMON unless a case says
 * privileged). Data, so that the kernel-agreement tests can run the same list against bpf(2).
 */
public final class VerifierCorpus {
    private VerifierCorpus() {}

    /**
     * One case: {@code message} is null for programs that must be accepted; {@code privileged} says whether Linux's
     * CAP_PERFMON mode applies; {@code stackRounding} is the frame rounding (16 = Linux with its x86-64 JIT).
     */
    public record Case(String name, ProgramType type, Instructions program, boolean privileged, String message, int stackRounding) {
        public boolean accepted() {
            return message == null;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    public static final int HASH = 1, PROG_ARRAY = 2, ARRAY = 3, RINGBUF = 4, GLOBALS = 5;

    /** The maps every case may name, by handle. */
    public static final Map<Integer, MapDefinition> MAPS = Map.of(
            HASH, new MapDefinition("hash", MapType.HASH, 4, 8, 16),
            PROG_ARRAY, new MapDefinition("jmp_table", MapType.PROG_ARRAY, 4, 4, 8),
            ARRAY, new MapDefinition("array", MapType.ARRAY, 4, 8, 4),
            RINGBUF, new MapDefinition("events", MapType.RINGBUF, 0, 0, 4096),
            GLOBALS, new MapDefinition(".bss", MapType.ARRAY, 4, 16, 1));

    private static final List<Case> CASES = new ArrayList<>();

    private static void accept(String name, ProgramType type, Instruction... p) {
        CASES.add(new Case(name, type, prog(p), false, null, 32));
    }

    private static void reject(String name, ProgramType type, String msg, Instruction... p) {
        CASES.add(new Case(name, type, prog(p), false, msg, 32));
    }

    private static void acceptPrivileged(String name, ProgramType type, Instruction... p) {
        CASES.add(new Case(name, type, prog(p), true, null, 32));
    }

    private static void rounding16(String name, String msg, Instruction... p) {
        CASES.add(new Case(name, ProgramType.SCHED_CLS, prog(p), false, msg, 16));
    }

    public static List<Case> cases() {
        return List.copyOf(CASES);
    }

    private static final ProgramType SF = ProgramType.SOCKET_FILTER, TC = ProgramType.SCHED_CLS, XDP = ProgramType.XDP;

    static {
        // ---- registers and exit
        accept("return constant", SF, mov(0, 0), exit());
        reject("exit with R0 never written", SF, "R0 !read_ok", exit());
        reject("read of a register never written", SF, "R6 !read_ok", movr(0, 6), exit());
        reject("write to the frame pointer", SF, "frame pointer is read only", mov(10, 0), mov(0, 0), exit());
        reject("pointer as return value", SF, "R0 leaks addr as return value", movr(0, 10), exit());
        acceptPrivileged("pointer as return value, privileged", SF, movr(0, 10), exit());
        reject("constant shift by the width", SF, "invalid shift 64", mov(0, 1), alu(AluOp.LSH, 0, 64), exit());
        reject("division by constant zero", SF, "div by zero", mov(0, 1), alu(AluOp.DIV, 0, 0), exit());

        // ---- structure
        reject("jump past the end", SF, "jump out of range from insn 0 to 6", ja(5), mov(0, 0), exit());
        reject("unreachable instruction", SF, "unreachable insn 2", mov(0, 0), exit(), mov(0, 1), exit());
        reject("falls off the end", SF, "last insn is not an exit or jmp", mov(0, 0));
        reject("jump into lddw", SF, "jump into the middle of ldimm64 insn 1",
                jeq(1, 0, 1), lddw(0, 1), mov(0, 0), exit());

        // ---- stack (the seed's rule: only what this program wrote)
        reject("read of stack never written", SF, "invalid read from stack R10 off=-8 size=8",
                ldx(Size.DW, 0, 10, -8), exit());
        acceptPrivileged("read of stack never written, privileged", SF, ldx(Size.DW, 0, 10, -8), exit());
        reject("read of an unwritten slot below a written one", SF, "invalid read from stack off -8+0 size 8",
                st(Size.DW, 10, -16, 0), ldx(Size.DW, 0, 10, -8), exit());
        accept("write then read stack", SF, st(Size.DW, 10, -8, 7), ldx(Size.DW, 0, 10, -8), exit());
        reject("partial read of a partially written slot", SF, "invalid read from stack off -8+4 size 8",
                st(Size.W, 10, -8, 1), ldx(Size.DW, 0, 10, -8), exit());
        reject("write above the frame", SF, "invalid write to stack R10 off=8 size=8",
                stx(Size.DW, 10, 8, 1), mov(0, 0), exit());
        reject("write below the frame", SF, "invalid write to stack R10 off=-520 size=8",
                stx(Size.DW, 10, -520, 1), mov(0, 0), exit());
        reject("misaligned spill", SF, "misaligned stack access off 0+0+-12 size 8",
                stx(Size.DW, 10, -12, 1), mov(0, 0), exit());
        accept("spill and fill the context", SF, stx(Size.DW, 10, -8, 1), ldx(Size.DW, 2, 10, -8),
                ldx(Size.W, 0, 2, 0), exit());
        reject("partial fill of a spilled pointer", SF, "invalid size of register fill",
                stx(Size.DW, 10, -8, 1), ldx(Size.W, 0, 10, -8), exit());
        reject("corrupting a spilled pointer", SF, "attempt to corrupt spilled pointer on stack",
                stx(Size.DW, 10, -8, 1), st(Size.W, 10, -8, 0), mov(0, 0), exit());

        // Linux spills a scalar only at an 8-byte-aligned offset (fp-12 would be plain data: StackModelTest)
        accept("a bounded scalar spilled in 4 bytes keeps its bounds", SF, lookup(HASH,
                jeq(0, 0, 8), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.AND, 0, 7), stx(Size.W, 10, -16, 0),
                ldx(Size.W, 1, 10, -16), alur(AluOp.ADD, 6, 1), ldx(Size.B, 0, 6, 0), exit(), mov(0, 0), exit()));
        reject("a narrow spill read back wider is only data", SF,
                "math between map_value pointer and register with unbounded min value is not allowed",
                lookup(HASH, jeq(0, 0, 9), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.AND, 0, 7),
                        st(Size.DW, 10, -16, 0), stx(Size.W, 10, -12, 0), ldx(Size.DW, 1, 10, -16),
                        alur(AluOp.ADD, 6, 1), ldx(Size.B, 0, 6, 0), exit(), mov(0, 0), exit()));

        Instruction[] varIndex = {call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.AND, 0, 8), movr(2, 10), add(2, -16),
                alur(AluOp.ADD, 2, 0)};
        reject("variable stack index", SF, "R2 variable stack access prohibited for !root, var_off=(0x0; 0x8) off=-16",
                concat(varIndex, st(Size.DW, 2, 0, 1), mov(0, 0), exit()));
        CASES.add(new Case("variable stack index, privileged", SF, prog(concat(varIndex, st(Size.DW, 2, 0, 1),
                ldx(Size.DW, 0, 2, 0), exit())), true, null, 32));
        CASES.add(new Case("variable stack index past the frame, privileged", SF, prog(concat(varIndex, st(Size.DW, 2, 8, 1),
                mov(0, 0), exit())), true, "invalid variable-offset write to stack R2 var_off=(0x0; 0x8) off=8 size=8", 32));

        // ---- context
        accept("socket filter reads len", SF, ldx(Size.W, 0, 1, 0), exit());
        accept("socket filter narrow read of mark", SF, ldx(Size.B, 0, 1, 9), exit());
        reject("socket filter writes len", SF, "invalid bpf_context access off=0 size=4",
                st(Size.W, 1, 0, 1), mov(0, 0), exit());
        reject("socket filter writes mark", SF, "invalid bpf_context access off=8 size=4",
                mov(2, 5), stx(Size.W, 1, 8, 2), mov(0, 0), exit());
        accept("socket filter writes cb[0]", SF, mov(2, 5), stx(Size.W, 1, 48, 2), mov(0, 0), exit());
        reject("socket filter reads data", SF, "invalid bpf_context access off=76 size=4", ldx(Size.W, 0, 1, 76), exit());
        accept("tc writes mark", TC, mov(2, 5), stx(Size.W, 1, 8, 2), mov(0, 0), exit());
        reject("tc writes a pointer into cb", TC, "R10 leaks addr into ctx", stx(Size.DW, 1, 48, 10), mov(0, 0), exit());
        reject("read past the context", SF, "invalid bpf_context access off=192 size=4", ldx(Size.W, 0, 1, 192), exit());
        reject("read of modified context pointer", SF, "dereference of modified ctx ptr R1 off=8 disallowed",
                add(1, 8), ldx(Size.W, 0, 1, 0), exit());
        reject("xdp ingress_ifindex is read-only", XDP, "invalid bpf_context access off=12 size=4",
                st(Size.W, 1, 12, 0), mov(0, 0), exit());
        reject("xdp egress_ifindex outside devmap", XDP, "invalid bpf_context access off=20 size=4",
                ldx(Size.W, 0, 1, 20), exit());

        // ---- packets
        Instruction[] pktHeader = {ldx(Size.W, 2, 1, 0), ldx(Size.W, 3, 1, 4), movr(4, 2), add(4, 14)};
        accept("xdp packet read after bounds check", XDP, concat(pktHeader,
                jmpr(JumpOp.JGT, 4, 3, 2), ldx(Size.B, 0, 2, 13), exit(), mov(0, 2), exit()));
        accept("xdp packet read, bound written end > p", XDP, concat(pktHeader,
                jmpr(JumpOp.JGT, 3, 4, 2), mov(0, 2), exit(), ldx(Size.H, 0, 2, 12), exit()));
        reject("xdp packet read without bounds check", XDP, "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
                ldx(Size.W, 2, 1, 0), ldx(Size.B, 0, 2, 0), exit());
        reject("xdp packet read past the checked range", XDP, "invalid access to packet, off=14 size=1, R2(id=0,off=0,r=14)",
                concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 2), ldx(Size.B, 0, 2, 14), exit(), mov(0, 2), exit()));
        reject("xdp packet read on the wrong side", XDP, "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
                concat(pktHeader, jmpr(JumpOp.JGT, 4, 3, 1), mov(0, 2), ldx(Size.B, 0, 2, 0), exit()));
        // without CAP_PERFMON Linux cannot mask a register offset on a packet pointer (Spectre v1) and refuses it
        Instruction[] pktByRegister = {movr(6, 1), call(Helper.GET_PRANDOM_U32.id()),
                alu(AluOp.AND, 0, 15), ldx(Size.W, 2, 6, 0), ldx(Size.W, 3, 6, 4), movr(4, 2), alur(AluOp.ADD, 4, 0), movr(5, 4),
                add(5, 4), jmpr(JumpOp.JGT, 5, 3, 1), ldx(Size.W, 0, 4, 0), mov(0, 0), exit()};
        reject("packet pointer moved by a bounded register, then checked", XDP,
                "R4 has pointer with unsupported alu operation, pointer arithmetic with it prohibited for !root", pktByRegister);
        acceptPrivileged("packet pointer moved by a bounded register, then checked, privileged", XDP, pktByRegister);
        reject("pkt_end arithmetic", XDP, "R3 pointer arithmetic on pkt_end prohibited",
                ldx(Size.W, 3, 1, 4), add(3, 1), mov(0, 0), exit());
        accept("tc writes packet", TC, concat(new Instruction[] {ldx(Size.W, 2, 1, 76), ldx(Size.W, 3, 1, 80), movr(4, 2), add(4, 1)},
                jmpr(JumpOp.JGT, 4, 3, 1), st(Size.B, 2, 0, 0), mov(0, 0), exit()));

        // ---- maps
        accept("map lookup with null check", SF, lookup(HASH, jeq(0, 0, 1), ldx(Size.DW, 0, 0, 0), mov(0, 0), exit()));
        reject("map value read without null check", SF, "R0 invalid mem access 'map_value_or_null'",
                lookup(HASH, ldx(Size.DW, 0, 0, 0), mov(0, 0), exit()));
        reject("map value read past value_size", SF, "invalid access to map value, value_size=8 off=4 size=8",
                lookup(HASH, jeq(0, 0, 1), ldx(Size.DW, 0, 0, 4), mov(0, 0), exit()));
        reject("pointer stored into a map value", SF, "R10 leaks addr into map",
                lookup(HASH, jeq(0, 0, 1), stx(Size.DW, 0, 0, 10), mov(0, 0), exit()));
        reject("map key never written", SF, "invalid read from stack R2 off=-4 size=4",
                movr(2, 10), add(2, -4), lddwMap(1, HASH), call(Helper.MAP_LOOKUP_ELEM.id()), mov(0, 0), exit());
        reject("map key partly written", SF, "invalid read from stack R2 off -4+2 size 4",
                st(Size.H, 10, -4, 0), movr(2, 10), add(2, -4), lddwMap(1, HASH),
                call(Helper.MAP_LOOKUP_ELEM.id()), mov(0, 0), exit());
        // the bytes fp-2 and fp-1 were never written, but they share a slot with a spilled scalar (the 4-byte
        // store at fp-8): Linux 6.18 takes the whole slot as initialised (check_stack_range_initialized)
        accept("map key partly written, next to a spilled scalar", SF,
                st(Size.H, 10, -4, 0), st(Size.W, 10, -8, 0), movr(2, 10), add(2, -4), lddwMap(1, HASH),
                call(Helper.MAP_LOOKUP_ELEM.id()), mov(0, 0), exit());
        reject("lookup in a prog array", SF, "cannot pass map_type 3 into func bpf_map_lookup_elem#1",
                lookup(PROG_ARRAY, mov(0, 0), exit()));
        reject("arithmetic on a map pointer", SF, "R1 pointer arithmetic on map_ptr prohibited",
                lddwMap(1, HASH), add(1, 8), mov(0, 0), exit());
        reject("arithmetic on map_value_or_null", SF, "R0 pointer arithmetic on map_value_or_null prohibited, null-check it first",
                lookup(HASH, add(0, 8), mov(0, 0), exit()));
        accept("map value with variable index proven in bounds", SF, lookup(HASH,
                jeq(0, 0, 6), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.AND, 0, 7), alur(AluOp.ADD, 6, 0),
                ldx(Size.B, 0, 6, 0), exit(), mov(0, 0), exit()));
        reject("map value with variable index out of bounds", SF, "R6 pointer arithmetic of map value goes out of range, prohibited for !root",
                lookup(HASH, jeq(0, 0, 6), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.AND, 0, 15),
                        alur(AluOp.ADD, 6, 0), ldx(Size.B, 0, 6, 0), exit(), mov(0, 0), exit()));
        accept("global data through lddw map value", SF, new Instruction.LoadImm64(1, io.bpf4j.isa.Pseudo.MAP_VALUE, GLOBALS, 8),
                ldx(Size.DW, 0, 1, 0), exit());

        accept("array lookup with a constant key needs no null check (Linux 6.14+)", SF,
                lookup(ARRAY, ldx(Size.DW, 0, 0, 0), exit()));
        // a key Linux knows: a 4-byte spill at an 8-byte-aligned offset (get_constant_map_key)
        accept("array lookup with constant key 3", SF, st(Size.W, 10, -8, 3), movr(2, 10), add(2, -8), lddwMap(1, ARRAY),
                call(Helper.MAP_LOOKUP_ELEM.id()), ldx(Size.DW, 0, 0, 0), exit());
        reject("array lookup with a key past max_entries may fail", SF, "R0 invalid mem access 'map_value_or_null'",
                st(Size.W, 10, -4, 4), movr(2, 10), add(2, -4), lddwMap(1, ARRAY), call(Helper.MAP_LOOKUP_ELEM.id()),
                ldx(Size.DW, 0, 0, 0), exit());
        reject("array lookup with an unknown key may fail", SF, "R0 invalid mem access 'map_value_or_null'",
                call(Helper.GET_PRANDOM_U32.id()), stx(Size.W, 10, -4, 0), movr(2, 10), add(2, -4), lddwMap(1, ARRAY),
                call(Helper.MAP_LOOKUP_ELEM.id()), ldx(Size.DW, 0, 0, 0), exit());
        accept("null check on a copy settles the original", SF, lookup(HASH, movr(6, 0), jeq(6, 0, 1), ldx(Size.DW, 0, 0, 0), mov(0, 0), exit()));
        accept("a comparison narrows every copy of a scalar", SF, lookup(HASH,
                jeq(0, 0, 8), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), movr(1, 0), jmp(JumpOp.JGT, 1, 7, 3),
                alur(AluOp.ADD, 6, 0), ldx(Size.B, 0, 6, 0), exit(), mov(0, 0), exit()));

        // ---- pointers (default mode: Linux without CAP_PERFMON)
        reject("pointer comparison", SF, "R10 pointer comparison prohibited", jmpr(JumpOp.JEQ, 1, 10, 0), mov(0, 0), exit());
        acceptPrivileged("pointer comparison, privileged", SF, jmpr(JumpOp.JEQ, 1, 10, 0), mov(0, 0), exit());
        reject("32-bit arithmetic on a pointer", SF, "R1 32-bit pointer arithmetic prohibited", alu32(AluOp.ADD, 1, 1), mov(0, 0), exit());
        reject("pointer minus pointer", SF, "R1 pointer -= pointer prohibited", alur(AluOp.SUB, 1, 10), mov(0, 0), exit());
        acceptPrivileged("pointer minus pointer, privileged", SF, alur(AluOp.SUB, 1, 10), mov(0, 0), exit());
        reject("bitwise operation on a pointer", SF, "R1 bitwise operator &= on pointer prohibited", alu(AluOp.AND, 1, 1), mov(0, 0), exit());
        reject("multiplying a pointer", SF, "R1 pointer arithmetic with *= operator prohibited", alu(AluOp.MUL, 1, 2), mov(0, 0), exit());
        reject("32-bit copy of a pointer", SF, "R1 partial copy of pointer", mov32r(0, 1), exit());
        // without CAP_PERFMON the Spectre v1 check on the context pointer comes first
        reject("scalar minus pointer", SF, "R1 has pointer with unsupported alu operation, pointer arithmetic with it prohibited for !root",
                mov(0, 1), alur(AluOp.SUB, 0, 1), exit());
        CASES.add(new Case("scalar minus pointer, privileged", SF, prog(mov(0, 1), alur(AluOp.SUB, 0, 1), exit()), true,
                "R0 tried to subtract pointer from scalar", 32));
        reject("stack pointer out of the frame", SF, "R1 stack pointer arithmetic goes out of range, prohibited for !root; off=8",
                movr(1, 10), add(1, 8), mov(0, 0), exit());
        reject("pointer into a helper's scalar argument", TC, "R1 leaks addr into helper function",
                movr(1, 10), mov(2, 0), call(Helper.REDIRECT.id()), mov(0, 0), exit());

        // Linux subtracts pointers only with allow_ptr_leaks (CAP_PERFMON), even data_end - data
        reject("packet length as data_end - data (a distance, not an address)", XDP, "R3 pointer -= pointer prohibited",
                ldx(Size.W, 2, 1, 0), ldx(Size.W, 3, 1, 4), alur(AluOp.SUB, 3, 2), mov(0, 0), exit());
        acceptPrivileged("packet length as data_end - data, privileged", XDP,
                ldx(Size.W, 2, 1, 0), ldx(Size.W, 3, 1, 4), alur(AluOp.SUB, 3, 2), mov(0, 0), exit());
        reject("stack pointer minus context pointer", SF, "R2 pointer -= pointer prohibited",
                movr(2, 10), alur(AluOp.SUB, 2, 1), mov(0, 0), exit());
        accept("subprogram result ignored may leave R0 unset", SF, callLocal(2), mov(0, 0), exit(), mov(1, 0), exit());
        reject("subprogram result used though never set", SF, "R0 !read_ok", callLocal(1), exit(), mov(1, 0), exit());

        // ---- legacy packet loads and atomics
        accept("LD_ABS in a socket filter", SF, movr(6, 1), new Instruction.PacketLoad(Size.H, false, 0, 12), exit());
        reject("LD_ABS without the context in R6", SF, "at the time of BPF_LD_ABS|IND R6 != pointer to skb",
                mov(6, 0), new Instruction.PacketLoad(Size.H, false, 0, 12), exit());
        reject("LD_ABS in xdp", XDP, "BPF_LD_[ABS|IND] instructions not allowed for this program type",
                movr(6, 1), new Instruction.PacketLoad(Size.B, false, 0, 0), exit());
        accept("atomic add on the stack", SF, st(Size.DW, 10, -8, 0), mov(1, 1),
                new Instruction.Atomic(Size.DW, io.bpf4j.isa.AtomicOp.ADD, true, 10, 1, -8), movr(0, 1), exit());
        reject("atomic add on the context", TC, "BPF_ATOMIC stores into R1 ctx is not allowed", mov(2, 1),
                new Instruction.Atomic(Size.W, io.bpf4j.isa.AtomicOp.ADD, false, 1, 2, 48), mov(0, 0), exit());
        reject("misaligned atomic on a map value", SF, "misaligned value access off 0+0+5 size 8", lookup(HASH, jeq(0, 0, 2), mov(1, 1),
                new Instruction.Atomic(Size.DW, io.bpf4j.isa.AtomicOp.ADD, false, 0, 1, 5), mov(0, 0), exit()));
        reject("unknown signed offset on a map value", SF,
                "R0 has unknown scalar with mixed signed bounds, pointer arithmetic with it prohibited for !root",
                lookup(HASH, jeq(0, 0, 5), movr(6, 0), call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.ARSH, 0, 60), alur(AluOp.ADD, 6, 0),
                        mov(0, 0), exit()));
        reject("variable offset on the context", SF,
                "R1 has pointer with unsupported alu operation, pointer arithmetic with it prohibited for !root",
                movr(6, 1), call(Helper.GET_PRANDOM_U32.id()), alu(AluOp.AND, 0, 4), movr(1, 6), alur(AluOp.ADD, 1, 0), mov(0, 0), exit());
        reject("atomic on stack never written", SF, "invalid read from stack R10 off=-8 size=8", mov(1, 1),
                new Instruction.Atomic(Size.DW, io.bpf4j.isa.AtomicOp.ADD, false, 10, 1, -8), mov(0, 0), exit());

        // ---- helpers
        reject("helper arguments clobbered by a call", SF, "R1 !read_ok", call(Helper.KTIME_GET_NS.id()), movr(0, 1), exit());
        reject("helper not allowed for xdp", XDP, "program of this type cannot use helper bpf_skb_store_bytes#9",
                call(Helper.SKB_STORE_BYTES.id()), mov(0, 0), exit());
        reject("helper bpf4j does not implement", SF, "program of this type cannot use helper bpf_probe_read#4",
                call(Helper.PROBE_READ.id()), mov(0, 0), exit());
        reject("helper that does not exist", SF, "invalid func unknown#9999", call(9999), mov(0, 0), exit());
        reject("context expected", TC, "R1 type=scalar expected=ctx", mov(1, 0), mov(2, 0), call(Helper.SKB_LOAD_BYTES.id()), mov(0, 0), exit());
        accept("skb_load_bytes into the stack", TC, mov(2, 0), movr(3, 10), add(3, -8), mov(4, 8),
                call(Helper.SKB_LOAD_BYTES.id()), ldx(Size.DW, 0, 10, -8), exit());
        reject("xdp_adjust_head invalidates packet pointers", XDP, "R6 !read_ok",
                ldx(Size.W, 2, 1, 0), movr(6, 2), mov(2, 0), call(Helper.XDP_ADJUST_HEAD.id()), movr(0, 6), exit());
        // with CAP_PERFMON a stale packet pointer becomes an unknown scalar (mark_reg_invalid): readable, not a pointer
        acceptPrivileged("xdp_adjust_head leaves a stale packet pointer an unknown scalar, privileged", XDP,
                ldx(Size.W, 2, 1, 0), movr(6, 2), mov(2, 0), call(Helper.XDP_ADJUST_HEAD.id()), movr(0, 6), exit());
        CASES.add(new Case("stale packet pointer cannot be dereferenced, privileged", XDP, prog(ldx(Size.W, 2, 1, 0), movr(6, 2),
                mov(2, 0), call(Helper.XDP_ADJUST_HEAD.id()), ldx(Size.B, 0, 6, 0), exit()), true, "R6 invalid mem access 'scalar'", 32));
        accept("xdp_load_bytes into unwritten stack", XDP, mov(2, 0), movr(3, 10), add(3, -16), mov(4, 8),
                call(Helper.XDP_LOAD_BYTES.id()), ldx(Size.DW, 0, 10, -16), exit());
        reject("xdp_store_bytes from unwritten stack", XDP, "invalid read from stack R3 off=-16 size=8", mov(2, 0), movr(3, 10), add(3, -16), mov(4, 8),
                call(Helper.XDP_STORE_BYTES.id()), mov(0, 0), exit());
        accept("ringbuf reserve and submit", SF, lddwMap(1, RINGBUF), mov(2, 8), mov(3, 0), call(Helper.RINGBUF_RESERVE.id()),
                jeq(0, 0, 4), st(Size.DW, 0, 0, 1), movr(1, 0), mov(2, 0), call(Helper.RINGBUF_SUBMIT.id()), mov(0, 0), exit());
        reject("ringbuf reservation leaked", SF, "Unreleased reference id=1 alloc_insn=4", lddwMap(1, RINGBUF), mov(2, 8), mov(3, 0),
                call(Helper.RINGBUF_RESERVE.id()), mov(0, 0), exit());
        reject("ringbuf write past the reservation", SF, "invalid access to memory, mem_size=8 off=4 size=8", lddwMap(1, RINGBUF), mov(2, 8), mov(3, 0),
                call(Helper.RINGBUF_RESERVE.id()), jeq(0, 0, 4), st(Size.DW, 0, 4, 1), movr(1, 0), mov(2, 0),
                call(Helper.RINGBUF_SUBMIT.id()), mov(0, 0), exit());
        accept("bpf_loop with a callback", SF, mov(1, 10), lddwFunc(2, 6), mov(3, 0), mov(4, 0), call(Helper.LOOP.id()),
                mov(0, 0), exit(), mov(0, 0), exit());
        reject("bpf_loop callback returns 2", SF, "At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]",
                mov(1, 10), lddwFunc(2, 6), mov(3, 0), mov(4, 0), call(Helper.LOOP.id()), mov(0, 0), exit(), mov(0, 2), exit());

        accept("bpf_loop callback counting in the caller's stack", SF, st(Size.DW, 10, -8, 0), mov(1, 10), lddwFunc(2, 7),
                movr(3, 10), add(3, -8), mov(4, 0), call(Helper.LOOP.id()), ldx(Size.DW, 0, 10, -8), exit(),
                ldx(Size.DW, 1, 2, 0), add(1, 1), stx(Size.DW, 2, 0, 1), mov(0, 0), exit());
        reject("bpf_loop callback writing past the caller's slot", SF, "invalid write to stack R2 off=0 size=8",
                st(Size.DW, 10, -8, 0), mov(1, 10), lddwFunc(2, 7),
                movr(3, 10), add(3, -8), mov(4, 0), call(Helper.LOOP.id()), ldx(Size.DW, 0, 10, -8), exit(),
                ldx(Size.DW, 1, 2, 0), add(1, 1), stx(Size.DW, 2, 8, 1), mov(0, 0), exit());

        // ---- tail calls
        Instruction[] tailCall = {lddwMap(2, PROG_ARRAY), mov(3, 0), call(Helper.TAIL_CALL.id())};
        accept("tail call", TC, concat(tailCall, mov(0, 0), exit()));
        reject("tail call with the frame pointer as context", TC, "R1 type=fp expected=ctx",
                concat(new Instruction[] {movr(1, 10)}, concat(tailCall, mov(0, 0), exit())));
        reject("tail call through an array", TC, "expected prog array map for tail call",
                lddwMap(2, ARRAY), mov(3, 0), call(Helper.TAIL_CALL.id()), mov(0, 0), exit());
        reject("tail call index is a pointer", TC, "R3 leaks addr into helper function",
                lddwMap(2, PROG_ARRAY), movr(3, 10), call(Helper.TAIL_CALL.id()), mov(0, 0), exit());
        reject("R0 after a tail call", TC, "R0 !read_ok", concat(tailCall, exit()));
        reject("R1 after a tail call", TC, "R1 !read_ok", concat(tailCall, movr(0, 1), exit()));
        reject("tail call target reads registers it did not write", TC, "R6 !read_ok", movr(0, 6), exit());
        reject("tail call target reads stack it did not write", TC, "invalid read from stack R10 off=-8 size=8",
                ldx(Size.DW, 0, 10, -8), exit());
        accept("tail call target shares state through cb", TC, ldx(Size.W, 0, 1, 48), exit());

        // ---- loops and complexity
        accept("bounded loop", SF, mov(1, 0), add(1, 1), jmp(JumpOp.JLT, 1, 10, -2), mov(0, 0), exit());
        reject("infinite loop", SF, "infinite loop detected at insn 1", mov(0, 0), jeq(0, 0, -1), exit());

        // ---- bpf2bpf calls and stack depth
        accept("call a subprogram", SF, mov(1, 5), callLocal(1), exit(), movr(0, 1), exit());
        reject("subprogram reads a callee-saved register", SF, "R6 !read_ok", mov(6, 5), callLocal(1), exit(), movr(0, 6), exit());
        reject("subprogram returns its stack", SF, "cannot return stack pointer to the caller frame",
                callLocal(2), mov(0, 0), exit(), movr(0, 10), exit());
        accept("subprogram writes the caller's stack", SF, movr(1, 10), add(1, -8), callLocal(2), ldx(Size.DW, 0, 10, -8), exit(),
                st(Size.DW, 1, 0, 3), mov(0, 0), exit());
        reject("combined stack too large", SF, "combined stack size of 2 calls is 544. Too large",
                st(Size.DW, 10, -496, 0), callLocal(1), exit(), st(Size.DW, 10, -8, 0), mov(0, 0), exit());
        reject("tail call below 256 bytes of callers' stack", TC,
                "tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large",
                concat(new Instruction[] {st(Size.DW, 10, -256, 0), callLocal(2), mov(0, 0), exit()},
                        concat(tailCall, mov(0, 0), exit())));
        accept("tail call below 224 bytes of callers' stack", TC,
                concat(new Instruction[] {st(Size.DW, 10, -224, 0), callLocal(2), mov(0, 0), exit()},
                        concat(tailCall, mov(0, 0), exit())));
        rounding16("tail call below 240 bytes of callers' stack (JIT rounding)", null,
                concat(new Instruction[] {st(Size.DW, 10, -240, 0), callLocal(2), mov(0, 0), exit()},
                        concat(tailCall, mov(0, 0), exit())));
        rounding16("tail call below 256 bytes of callers' stack (JIT rounding)",
                "tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large",
                concat(new Instruction[] {st(Size.DW, 10, -256, 0), callLocal(2), mov(0, 0), exit()},
                        concat(tailCall, mov(0, 0), exit())));
        rounding16("combined stack 512 + 16 (JIT rounding)", "combined stack size of 2 calls is 528. Too large",
                st(Size.DW, 10, -512, 0), callLocal(1), exit(), st(Size.DW, 10, -8, 0), mov(0, 0), exit());
        reject("nine frames deep", SF, "the call stack of 9 frames is too deep", callChain(9, false));
        reject("nine frames in the call graph", SF, "the call stack of 8 frames is too deep !", callChain(9, true));
        accept("eight frames deep", SF, callChain(8, false));
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
