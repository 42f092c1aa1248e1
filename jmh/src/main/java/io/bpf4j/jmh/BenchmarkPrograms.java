package io.bpf4j.jmh;

import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.text.ConformanceAssembler;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Executable;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The benchmarked programs, with their inputs and expected results, shared by the benchmarks and the
 * instruction counter ({@link #main}). r1 = the input memory, r2 = its length.
 */
public enum BenchmarkPrograms {
    /** {@code mov r0, 0; exit} without input: what one invocation costs beyond its instructions. */
    EMPTY("""
            mov %r0, 0
            exit
            """, 0),
    /** 10,000 iterations of 8 ALU/branch instructions (a hash mix): pure dispatch and arithmetic. */
    COMPUTE_LOOP("""
            mov %r0, 0
            mov %r3, 10000
            loop:
            mov %r4, %r3
            mul %r4, 0x45d9f3b
            xor %r0, %r4
            lsh %r0, 5
            add %r0, %r3
            rsh %r4, 13
            xor %r0, %r4
            sub %r3, 1
            jne %r3, 0, loop
            exit
            """, 0),
    /** Reads, increments and writes back every u64 of a 1 KiB buffer, summing the old values. */
    MEMORY_LOOP_1K("""
            mov %r0, 0
            mov %r3, 0
            loop:
            mov %r4, %r1
            add %r4, %r3
            ldxdw %r5, [%r4]
            add %r0, %r5
            add %r5, 1
            stxdw [%r4], %r5
            add %r3, 8
            jlt %r3, 1024, loop
            exit
            """, 1024),
    /** Parses a 64-byte Ethernet/IPv4/UDP packet with bounds checks, as an XDP filter would; returns a hash of the addresses. */
    PACKET_PARSE_64("""
            mov %r0, 0
            jlt %r2, 42, out
            ldxh %r3, [%r1+12]
            be16 %r3
            jne %r3, 0x0800, out
            ldxb %r4, [%r1+14]
            mov %r5, %r4
            rsh %r5, 4
            jne %r5, 4, out
            and %r4, 15
            lsh %r4, 2
            jlt %r4, 20, out
            mov %r6, %r4
            add %r6, 22
            jgt %r6, %r2, out
            ldxb %r5, [%r1+23]
            jne %r5, 17, out
            mov %r6, %r1
            add %r6, 14
            add %r6, %r4
            ldxh %r7, [%r6+2]
            be16 %r7
            jne %r7, 4789, out
            ldxw %r8, [%r1+26]
            be32 %r8
            ldxw %r9, [%r1+30]
            be32 %r9
            xor %r8, %r9
            mov %r0, %r8
            rsh %r0, 16
            xor %r0, %r8
            and %r0, 0xffff
            add %r0, 1
            out:
            exit
            """, 64);

    private final Instructions code;
    private final int memoryBytes;

    BenchmarkPrograms(String asm, int memoryBytes) {
        this.code = ConformanceAssembler.assemble(name(), asm);
        this.memoryBytes = memoryBytes;
    }

    public ProgramImage image() {
        return ProgramImage.load(name().toLowerCase(), code, HelperRegistry.empty());
    }

    /** Fresh input: the packet for the parse (IPv4/UDP to port 4789), counting bytes for the memory loop. */
    public MemorySegment input() {
        MemorySegment m = MemorySegment.ofArray(new long[Math.max(1, memoryBytes / 8)]).asSlice(0, memoryBytes);
        if (this == PACKET_PARSE_64) {
            byte[] p = new byte[64];
            p[12] = 0x08; // ethertype IPv4
            p[14] = 0x45; // version 4, ihl 5
            p[23] = 17; // UDP
            p[26] = 10; p[27] = 0; p[28] = 0; p[29] = 1; // 10.0.0.1
            p[30] = 10; p[31] = 0; p[32] = 0; p[33] = 2; // 10.0.0.2
            p[36] = 0x12; p[37] = (byte) 0xb5; // dst port 4789
            MemorySegment.copy(p, 0, m, ValueLayout.JAVA_BYTE, 0, 64);
        } else {
            for (int i = 0; i < memoryBytes; i++) m.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        return m;
    }

    public int memoryBytes() {
        return memoryBytes;
    }

    /** One invocation as the benchmarks run it: begin, register the input, run. */
    public static long invoke(Executable program, Invocation invocation, MemorySegment input) {
        invocation.begin();
        long r1 = input.byteSize() == 0 ? 0 : invocation.memory().register(Region.of(RegionKind.CALLER_MEMORY, "input", input, true));
        return program.run(invocation, r1, input.byteSize());
    }

    /** Instructions one invocation executes, counted by the engine. */
    public long instructionsPerRun(Engine engine) {
        Invocation inv = new Invocation(RuntimeOptions.DEFAULTS);
        invoke(image().prepared(engine), inv, input());
        return inv.executedInstructions();
    }

    /** Prints each program's executed instruction count (for docs/PERFORMANCE.md). */
    public static void main(String[] args) {
        for (BenchmarkPrograms p : values()) {
            System.out.println(p.name() + ": " + p.instructionsPerRun(io.bpf4j.runtime.interpreter.Interpreter.INSTANCE) + " instructions per run");
        }
    }
}
