package io.bpf4j.jmh;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.Pseudo;
import io.bpf4j.isa.text.Assembler;

import java.util.ArrayList;
import java.util.List;

/**
 * The XDP programs that are run on bpf4j's engines and on the kernel (BPF_PROG_TEST_RUN) by
 * {@link KernelComparisonBenchmark}, with their packets. Every program passes the kernel's verifier and bpf4j's.
 * Written in llvm-objdump's syntax ({@link Assembler}); r1 = {@code struct xdp_md *}.
 */
public enum XdpPrograms {
    /** {@code r0 = XDP_PASS; exit}: what a run costs when the program does nothing (the baseline). */
    EMPTY(64, """
            r0 = 0x2
            exit
            """),
    /**
     * 1000 iterations of a 64-bit hash mix (mul, xor, shifts, add), seeded from the packet's first 8 bytes:
     * dispatch and ALU only.
     */
    HASH_LOOP_1000(64, """
            r2 = *(u32 *)(r1 + 0x0)
            r3 = *(u32 *)(r1 + 0x4)
            r0 = 0x0
            r4 = r2
            r4 += 0x8
            if r4 > r3 goto out
            r0 = *(u64 *)(r2 + 0x0)
            r3 = 0x3e8
            """ + Text.HASH_MIX_LOOP + """
            out:
            r0 &= 0x3
            exit
            """),
    /**
     * An Internet-style checksum over a 1 KiB packet: 256 u32 words summed into 64 bits, each read after a
     * data_end check (a bounded loop, as clang emits it), then folded to 16 bits and complemented.
     */
    CHECKSUM_1K(1024, """
            r2 = *(u32 *)(r1 + 0x0)
            r3 = *(u32 *)(r1 + 0x4)
            r0 = 0x0
            r4 = 0x0
            loop:
            r5 = r2
            r5 += r4
            r6 = r5
            r6 += 0x4
            if r6 > r3 goto fold
            r7 = *(u32 *)(r5 + 0x0)
            r0 += r7
            r4 += 0x4
            if r4 < 0x400 goto loop
            fold:
            r1 = r0
            r1 >>= 0x20
            r0 <<= 0x20
            r0 >>= 0x20
            r0 += r1
            r1 = r0
            r1 >>= 0x10
            r0 &= 0xffff
            r0 += r1
            r1 = r0
            r1 >>= 0x10
            r0 &= 0xffff
            r0 += r1
            r1 = r0
            r1 >>= 0x10
            r0 &= 0xffff
            r0 += r1
            r0 ^= 0xffff
            exit
            """),
    /**
     * Parses a 64-byte Ethernet/IPv4/TCP packet with data_end checks (ethertype, version, ihl, protocol, a
     * variable-length IP header, TCP port 80, SYN flag), hashing addresses and ports: XDP_PASS or XDP_TX by the
     * hash, XDP_DROP for anything else.
     */
    PARSE_64(64, Text.PARSE),
    /**
     * Prefixes of {@link #PARSE_64}, each ending with {@code r0 = XDP_TX; exit}, to split the parse's cost; not part of
     * the standard run ({@code XdpCpuTime jit EMPTY PARSE_PREFIX_CTX PARSE_PREFIX_ETHERTYPE PARSE_PREFIX_IPV4
     * PARSE_64}). This one reads {@code data} and {@code data_end} and makes the bounds check: no packet access.
     */
    PARSE_PREFIX_CTX(64, prefix(Text.PARSE, 6)),
    /** {@link #PARSE_PREFIX_CTX} and the first packet load: the ethertype check. */
    PARSE_PREFIX_ETHERTYPE(64, prefix(Text.PARSE, 9)),
    /** Up to the IPv4 protocol check: three packet loads at constant offsets (of the parse's eight). */
    PARSE_PREFIX_IPV4(64, prefix(Text.PARSE, 18)),
    /**
     * {@link #HASH_LOOP_1000}'s loop without the context and packet loads before it (r0 starts at 0), for the
     * interpreter: C2 compiles its dispatch loop from the switch's profile, and those three loads per run change that
     * compilation (see docs/PERFORMANCE.md); not part of the standard run.
     */
    HASH_LOOP_NO_LOADS(64, """
            r0 = 0x0
            r3 = 0x3e8
            """ + Text.HASH_MIX_LOOP + """
            r0 &= 0x3
            exit
            """),
    /**
     * The first of {@value #CHAIN_PROGRAMS} programs: program k tail-calls slot k + 1 of a prog array with
     * {@value #CHAIN_PROGRAMS} slots, so one run makes 33 tail calls (Linux's limit, {@code MAX_TAIL_CALL_CNT});
     * the last one's tail call (slot 34) is out of range and falls through to {@code r0 = XDP_PASS; exit}.
     */
    TAIL_CHAIN_33(64, null),
    /**
     * One program that tail-calls itself through slot 0 of a one-slot prog array: 33 tail calls (34 runs of the
     * same code), then the limit makes the 34th fall through. The shape of the measurement in
     * ../shared/notes/linux-semantics.md (1.15 ns per hop on this kernel).
     */
    TAIL_SELF_33(64, null),
    /** One program of the chain's shape whose tail call is out of range: the chain without its 33 hops. */
    TAIL_SINGLE(64, null);

    /** Programs in the chain: 33 tail calls. */
    public static final int CHAIN_PROGRAMS = 34;

    private final int packetBytes;
    private final String asm;

    XdpPrograms(int packetBytes, String asm) {
        this.packetBytes = packetBytes;
        this.asm = asm;
    }

    /** Program texts more than one constant uses (a nested class: enum constants cannot name the enum's own fields). */
    private static final class Text {
        /** 1000 rounds (r3 counts down from 1000) of the 64-bit hash mix into r0. */
        static final String HASH_MIX_LOOP = """
            loop:
            r4 = r3
            r4 *= 0x45d9f3b
            r0 ^= r4
            r0 <<= 0x5
            r0 += r3
            r4 >>= 0xd
            r0 ^= r4
            r3 += -0x1
            if r3 != 0x0 goto loop
            """;

        static final String PARSE = """
            r2 = *(u32 *)(r1 + 0x0)
            r3 = *(u32 *)(r1 + 0x4)
            r0 = 0x1
            r4 = r2
            r4 += 0x22
            if r4 > r3 goto out
            r5 = *(u16 *)(r2 + 0xc)
            r5 = be16 r5
            if r5 != 0x800 goto out
            r5 = *(u8 *)(r2 + 0xe)
            r6 = r5
            r6 >>= 0x4
            if r6 != 0x4 goto out
            r5 &= 0xf
            r5 <<= 0x2
            if r5 < 0x14 goto out
            r6 = *(u8 *)(r2 + 0x17)
            if r6 != 0x6 goto out
            r7 = r2
            r7 += 0xe
            r7 += r5
            r8 = r7
            r8 += 0x14
            if r8 > r3 goto out
            r9 = *(u16 *)(r7 + 0x2)
            r9 = be16 r9
            if r9 != 0x50 goto out
            r6 = *(u32 *)(r2 + 0x1a)
            r6 = be32 r6
            r4 = *(u32 *)(r2 + 0x1e)
            r4 = be32 r4
            r6 ^= r4
            r4 = *(u16 *)(r7 + 0x0)
            r4 = be16 r4
            r6 ^= r4
            r4 = *(u8 *)(r7 + 0xd)
            r4 &= 0x12
            if r4 != 0x2 goto out
            r0 = r6
            r0 >>= 0x3
            r0 &= 0x1
            r0 += 0x2
            out:
            exit
            """;
    }

    /** The first {@code lines} lines of {@code asm}, then {@code r0 = XDP_TX; exit} (and the {@code out} label). */
    private static String prefix(String asm, int lines) {
        return String.join("\n", asm.lines().limit(lines).toList()) + "\nr0 = 0x3\nout:\nexit\n";
    }

    public boolean isTailCall() {
        return asm == null;
    }

    /** The program's code; tail-call programs reference the prog array as map index 0 ({@code MAP_IDX}). */
    public Instructions code() {
        if (this == TAIL_CHAIN_33) return chainLink(0);
        if (this == TAIL_SINGLE) return chainLink(CHAIN_PROGRAMS - 1);
        if (this == TAIL_SELF_33) return chainLink(-1);
        return Assembler.assemble(name().toLowerCase() + ".s", asm);
    }

    /** Program k of the chain: {@code bpf_tail_call(ctx, &chain, k + 1); return XDP_PASS;} (k = -1: slot 0). */
    public static Instructions chainLink(int k) {
        List<Instruction> code = new ArrayList<>();
        code.add(new Instruction.LoadImm64(2, Pseudo.MAP_IDX, 0, 0));
        code.addAll(Assembler.assemble("chain_" + k + ".s", "r3 = " + (k + 1) + "\ncall 0xc\nr0 = 0x2\nexit\n").list());
        return Instructions.of(code);
    }

    /** The packet every engine and the kernel run on. */
    public byte[] packet() {
        byte[] p = new byte[packetBytes];
        if (this == CHECKSUM_1K || this == HASH_LOOP_1000) {
            for (int i = 0; i < p.length; i++) p[i] = (byte) (i * 7 + 3);
            return p;
        }
        // Ethernet: dst, src, ethertype IPv4
        for (int i = 0; i < 12; i++) p[i] = (byte) (0x10 + i);
        p[12] = 0x08;
        p[13] = 0x00;
        // IPv4: version 4, ihl 5, total length 50, ttl 64, protocol TCP, 10.0.0.1 -> 10.0.0.2
        p[14] = 0x45;
        p[16] = 0;
        p[17] = 50;
        p[22] = 64;
        p[23] = 6;
        p[26] = 10; p[27] = 0; p[28] = 0; p[29] = 1;
        p[30] = 10; p[31] = 0; p[32] = 0; p[33] = 2;
        // TCP: sport 12345, dport 80, data offset 5, SYN
        p[34] = 0x30; p[35] = 0x39;
        p[36] = 0x00; p[37] = 0x50;
        p[46] = 0x50;
        p[47] = 0x02;
        return p;
    }
}
