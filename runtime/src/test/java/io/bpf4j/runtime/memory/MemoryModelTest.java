package io.bpf4j.runtime.memory;

import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.Programs;
import io.bpf4j.runtime.interpreter.Interpreter;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.bpf4j.runtime.Programs.code;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Programs can touch their regions and nothing else; every refusal names pc, instruction, address and region. */
class MemoryModelTest {

    private static ExecutionException fault(ProgramImage image, byte[] memory) {
        try {
            Programs.run(image, new Invocation(), memory);
        } catch (ExecutionException e) {
            assertThat(e.reason()).isEqualTo(ExecutionException.Reason.MEMORY_FAULT);
            assertThat(e.getCause()).isInstanceOf(MemoryFault.class);
            return e;
        }
        throw new AssertionError("expected a memory fault");
    }

    @Test
    void theWholeStackFrameIsUsableAndNotOneByteMore() {
        assertThat(Programs.run(Programs.image("edges", code("""
                stdw [%r10-512], 3
                stdw [%r10-8], 4
                ldxdw %r0, [%r10-512]
                ldxdw %r1, [%r10-8]
                add %r0, %r1
                exit
                """)))).isEqualTo(7);
        ExecutionException above = fault(Programs.image("above", code("mov %r0, 0\nldxb %r0, [%r10]\nexit")), null);
        assertThat(above).hasMessageStartingWith("program 'above' pc 1 (71 a0 00 00 00 00 00 00: r0 = *(u8 *)(r10 + 0x0)): read of 1 byte at 0x")
                .hasMessageEndingWith("00000200: out of bounds of stack 'frame 0' (512 bytes, read-write) at region #0: offset 512 + 1 > length 512");
        ExecutionException below = fault(Programs.image("below", code("stw [%r10-516], 1\nexit")), null);
        assertThat(below).hasMessageContaining("pc 0").hasMessageContaining("write of 4 bytes at").hasMessageContaining("out of bounds of stack 'frame 0' (512 bytes, read-write) at region #0: offset -4 is before its start");
    }

    @Test
    void aReadStraddlingTheEndOfARegionFaults() {
        ProgramImage straddle = Programs.image("straddle", code("ldxw %r0, [%r1+2]\nexit"));
        assertThat(Programs.run(straddle, new Invocation(), new byte[] {1, 2, 3, 4, 5, 6})).isEqualTo(0x0605_0403L);
        assertThat(fault(straddle, new byte[] {1, 2, 3, 4, 5}))
                .hasMessageContaining("read of 4 bytes").hasMessageContaining("out of bounds of caller memory 'input' (5 bytes, read-write)")
                .hasMessageContaining("offset 2 + 4 > length 5");
    }

    @Test
    void loadsOfEverySizeAndOffsetReadTheRegionsBytesAndNothingPastIt() {
        // loads read a long[]-backed region's words directly (AddressSpace.load*): a slice in the middle of its array,
        // with other bytes around it, must read exactly its own bytes and fault one byte past either end, as a
        // byte[]-backed region (read through its segment) and a read-only one do
        MemorySegment words = MemorySegment.ofArray(new long[6]);
        for (int i = 0; i < 48; i++) words.set(ValueLayout.JAVA_BYTE, i, (byte) (0x80 + i * 5));
        byte[] bytes = new byte[27];
        MemorySegment.copy(words, ValueLayout.JAVA_BYTE, 5, bytes, 0, 27);
        Region[] regions = {
                Region.of(RegionKind.MAP_VALUE, "slice", words.asSlice(5, 27), true),
                Region.of(RegionKind.MAP_VALUE, "bytes", MemorySegment.ofArray(bytes.clone()), true),
                Region.of(RegionKind.MAP_VALUE, "read-only", words.asSlice(5, 27).asReadOnly(), false),
                Region.of(RegionKind.MAP_VALUE, "short", words.asSlice(5, 3), true)};
        AddressSpace mem = new Invocation().begin().memory();
        for (Region region : regions) {
            long base = mem.register(region);
            int length = region.length();
            for (int size : new int[] {1, 2, 4, 8}) {
                for (long o = -1; o <= length; o++) {
                    long address = base + o;
                    if (o >= 0 && o + size <= length) {
                        long expected = 0;
                        for (int b = size - 1; b >= 0; b--) expected = expected << 8 | (bytes[(int) o + b] & 0xffL);
                        assertThat(mem.load(address, size)).as("%s: %d bytes at %d", region, size, o).isEqualTo(expected);
                    } else {
                        assertThatThrownBy(() -> mem.load(address, size)).as("%s: %d bytes at %d", region, size, o)
                                .isInstanceOf(MemoryFault.class);
                    }
                }
            }
        }
    }

    @Test
    void pointerArithmeticCannotReachANeighbouringRegion() {
        // r1 + 2^32 changes the region index, not the offset: another region at offset 0, or none
        ProgramImage far = Programs.image("far", code("lddw %r2, 0x100000000\nadd %r1, %r2\nldxb %r0, [%r1]\nexit"));
        assertThat(fault(far, new byte[8])).hasMessageContaining("no region #9 in this invocation");
        ProgramImage negative = Programs.image("negative", code("ldxb %r0, [%r1-1]\nexit"));
        assertThat(fault(negative, new byte[8])).hasMessageContaining("out of bounds of caller memory 'input' (8 bytes, read-write) at region #8: offset -1 is before its start");
    }

    @Test
    void nullPlainNumbersAndFunctionPointersAreNotMemory() {
        assertThat(fault(Programs.image("null", code("mov %r1, 0\nldxdw %r0, [%r1]\nexit")), null)).hasMessageContaining("null pointer");
        assertThat(fault(Programs.image("number", code("mov %r1, 4096\nldxdw %r0, [%r1]\nexit")), null)).hasMessageContaining("not a pointer");
        ProgramImage fn = Programs.image("fn", code(new io.bpf4j.isa.Instruction.LoadImm64(1, io.bpf4j.isa.Pseudo.FUNC, 1, 0),
                "ldxb %r0, [%r1]\nexit\nmov %r0, 0\nexit"));
        assertThat(fault(fn, null)).hasMessageContaining("a function pointer is not memory");
    }

    @Test
    void aPointerFromAnEarlierInvocationIsDangling() {
        MemorySegment shared = MemorySegment.ofArray(new long[1]);
        ProgramImage keep = Programs.image("keep", code("mov %r2, %r10\nadd %r2, -8\nstxdw [%r1], %r2\nmov %r0, 0\nexit"));
        ProgramImage use = Programs.image("use", code("ldxdw %r2, [%r1]\nldxdw %r0, [%r2]\nexit"));
        Invocation inv = new Invocation();
        inv.begin();
        keep.prepared(Interpreter.INSTANCE).run(inv, inv.memory().register(Region.of(RegionKind.CONTEXT, "ctx", shared, true)));
        int firstGeneration = inv.memory().generation();
        inv.begin();
        long ctx = inv.memory().register(Region.of(RegionKind.CONTEXT, "ctx", shared, true));
        assertThatThrownBy(() -> use.prepared(Interpreter.INSTANCE).run(inv, ctx))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("pc 1")
                .hasMessageContaining("dangling pointer: region #0 of generation " + firstGeneration + " belongs to an earlier invocation");
    }

    @Test
    void aReturnedFramesStackIsNoLongerAddressable() {
        ProgramImage leak = Programs.image("leak", code("""
                call local sub
                ldxdw %r0, [%r0]
                exit
                sub:
                stdw [%r10-8], 1
                mov %r0, %r10
                add %r0, -8
                exit
                """));
        assertThat(fault(leak, null)).hasMessageContaining("pc 1").hasMessageContaining("stack frame 1 is not live");
    }

    @Test
    void readOnlyRegionsRefuseWritesAndHandlesRefuseEverything() {
        Invocation inv = new Invocation().begin();
        long ro = inv.memory().register(Region.copyOf(RegionKind.PACKET, "pkt", new byte[16], false));
        long handle = inv.memory().register(Region.handle("counters", new Object()));
        assertThat(inv.memory().load64(ro)).isZero();
        assertThatThrownBy(() -> inv.memory().store8(ro + 3, 1)).isInstanceOf(MemoryFault.class)
                .hasMessageContaining("write of 1 byte").hasMessageContaining("forbidden by permissions of packet 'pkt' (16 bytes, read-only)");
        assertThatThrownBy(() -> inv.memory().load8(handle)).isInstanceOf(MemoryFault.class)
                .hasMessageContaining("an object handle is not memory: object handle 'counters'");
    }

    @Test
    void misalignedAtomicsFaultCleanly() {
        ProgramImage misaligned = Programs.image("misaligned", code("mov %r2, 1\nlock add [%r10-12], %r2\nexit"));
        assertThat(fault(misaligned, null)).hasMessageContaining("pc 1").hasMessageContaining("atomic read-modify-write of 8 bytes")
                .hasMessageContaining("misaligned atomic access at offset 500");
        // byte[]-backed memory has no alignment at all: atomics fault, plain access works
        Invocation inv = new Invocation().begin();
        long bytes = inv.memory().register(Region.of(RegionKind.CALLER_MEMORY, "bytes", MemorySegment.ofArray(new byte[16]), true));
        inv.memory().store32(bytes + 1, 5);
        assertThat(inv.memory().load32(bytes + 1)).isEqualTo(5);
        assertThatThrownBy(() -> inv.memory().fetchAdd64(bytes, 1)).isInstanceOf(MemoryFault.class).hasMessageContaining("not 8-byte aligned memory");
    }

    @Test
    void atomicsOnSharedMemoryAreReallyAtomicAcrossThreads() throws Exception {
        MemorySegment shared = MemorySegment.ofArray(new long[2]);
        // 20000 times: lock add [r1], 1 ; lock add32 [r1+8], 3 ; lock fetch xor [r1+12]
        ProgramImage adder = Programs.image("adder", code("""
                mov %r6, 20000
                mov %r2, 1
                mov %r3, 3
                loop:
                lock add [%r1], %r2
                lock add32 [%r1+8], %r3
                sub %r6, 1
                jne %r6, 0, loop
                mov %r0, 0
                exit
                """));
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            Future<?>[] done = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                done[t] = pool.submit(() -> {
                    Invocation inv = new Invocation().begin();
                    long r1 = inv.memory().register(Region.of(RegionKind.MAP_VALUE, "shared", shared, true));
                    start.await();
                    return adder.prepared(Interpreter.INSTANCE).run(inv, r1);
                });
            }
            start.countDown();
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(shared.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(threads * 20000L);
        assertThat(shared.get(ValueLayout.JAVA_INT, 8)).isEqualTo(threads * 20000 * 3);
    }

    @Test
    void mapValueRegionsAreLiveViewsOfTheirStorage() {
        MemorySegment value = MemorySegment.ofArray(new long[1]);
        Invocation inv = new Invocation().begin();
        long r1 = inv.memory().register(Region.of(RegionKind.MAP_VALUE, "v", value, true));
        Programs.image("write", code("stdw [%r1], 0x1234\nmov %r0, 0\nexit")).prepared(Interpreter.INSTANCE).run(inv, r1);
        assertThat(value.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x1234);
    }

    @Test
    void helpersGetTheSameChecks() {
        Invocation inv = new Invocation().begin();
        long a = inv.memory().register(Region.allocate(RegionKind.MAP_VALUE, "v", 8));
        inv.memory().write(a, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        assertThat(inv.memory().read(a + 4, 4)).containsExactly(5, 6, 7, 8);
        assertThatThrownBy(() -> inv.memory().read(a + 4, 5)).isInstanceOf(MemoryFault.class).hasMessageContaining("read of 5 bytes");
        assertThatThrownBy(() -> inv.memory().check(a, -1, Access.READ)).isInstanceOf(MemoryFault.class).hasMessageContaining("size -1 is not a valid length");
        assertThat(inv.memory().regionAt(a).kind()).isEqualTo(RegionKind.MAP_VALUE);
        assertThat(AddressSpace.format(a)).matches("0x[0-9a-f]{4}_0008_00000000");
    }
}
