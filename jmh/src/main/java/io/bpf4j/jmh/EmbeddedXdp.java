package io.bpf4j.jmh;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.maps.ProgArray;
import io.bpf4j.runtime.BpfRuntime;
import io.bpf4j.runtime.Engine;
import io.bpf4j.runtime.Executable;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.Program;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.RuntimeOptions;
import io.bpf4j.runtime.VerifyMode;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;
import io.bpf4j.verifier.ProgramRejectedException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * One of {@link XdpPrograms} loaded into a {@link BpfRuntime} (verified, prog array filled, Linux's tail call
 * limit of 33) and run on the same packet run after run, as the runtime's XDP test run does per repeat: begin an
 * invocation, register the {@code xdp_md} context and the packet, point {@code data}/{@code data_end}/
 * {@code data_meta} at the packet, run. The context and packet regions are made once; nothing is allocated per run.
 */
final class EmbeddedXdp implements AutoCloseable {
    static final int XDP_DATA = 0, XDP_DATA_END = 4, XDP_DATA_META = 8, XDP_MD_SIZE = 24;

    private final BpfRuntime runtime;
    final Program program;
    private final ProgramImage image;
    private final Executable executable;
    private final Invocation invocation;
    private final Region context;
    private final Region packet;
    private final int packetLength;

    /**
     * Loads with bpf4j's verifier in privileged mode (as the kernel verifies them for root). Should the verifier
     * refuse one (the kernel accepts them all), says so on stdout and loads without verification, so that a
     * verifier bug does not hide the engines' numbers.
     */
    static EmbeddedXdp create(XdpPrograms which, Engine engine) {
        try {
            return new EmbeddedXdp(which, engine, VerifyMode.PRIVILEGED);
        } catch (ProgramRejectedException e) {
            System.out.println("# NOTE bpf4j's verifier rejected " + which + " (the kernel accepts it): " + e.getMessage() + " -- running it unverified");
            return new EmbeddedXdp(which, engine, VerifyMode.NONE);
        }
    }

    private EmbeddedXdp(XdpPrograms which, Engine engine, VerifyMode verify) {
        runtime = BpfRuntime.builder().engine(engine).cpus(1).verify(verify).tailCallLimit(RuntimeOptions.LINUX_TAIL_CALL_LIMIT).build();
        if (which == XdpPrograms.TAIL_SELF_33) {
            BpfMap self = runtime.createMap(new MapDefinition("self", MapType.PROG_ARRAY, 4, 4, 1));
            @SuppressWarnings("unchecked") ProgArray<Program> slots = (ProgArray<Program>) self;
            program = runtime.load("self", ProgramType.XDP, which.code(), List.of(self));
            slots.update(0, program);
        } else if (which.isTailCall()) {
            BpfMap chain = runtime.createMap(new MapDefinition("chain", MapType.PROG_ARRAY, 4, 4, XdpPrograms.CHAIN_PROGRAMS));
            @SuppressWarnings("unchecked") ProgArray<Program> slots = (ProgArray<Program>) chain;
            Program first = null;
            for (int k = 0; k < XdpPrograms.CHAIN_PROGRAMS; k++) {
                Program p = runtime.load("chain_" + k, ProgramType.XDP, XdpPrograms.chainLink(k), List.of(chain));
                slots.update(k, p);
                if (k == 0) first = p;
            }
            program = which == XdpPrograms.TAIL_CHAIN_33 ? first
                    : runtime.load("single", ProgramType.XDP, which.code(), List.of(chain));
        } else {
            program = runtime.load(which.name().toLowerCase(), ProgramType.XDP, which.code(), List.of());
        }
        image = program.image();
        executable = image.prepared(engine);
        invocation = new Invocation(runtime.options());
        byte[] bytes = which.packet();
        packetLength = bytes.length;
        MemorySegment buffer = MemorySegment.ofArray(new long[(bytes.length + 7) / 8]).asSlice(0, bytes.length);
        MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
        packet = Region.of(RegionKind.PACKET, "packet", buffer, true);
        context = Region.context("xdp_md", MemorySegment.ofArray(new long[XDP_MD_SIZE / 8]), XDP_DATA, XDP_DATA_END, XDP_DATA_META);
    }

    /** One run: what the benchmark times. */
    long run() {
        Invocation inv = invocation;
        inv.begin();
        inv.enter(image);
        long ctx = inv.memory().register(context);
        long data = inv.memory().register(packet);
        context.setPointer(XDP_DATA, data);
        context.setPointer(XDP_DATA_END, data + packetLength);
        context.setPointer(XDP_DATA_META, data);
        return executable.run(inv, ctx);
    }

    /** Successful tail calls of the last run. */
    int tailCalls() {
        return invocation.tailCalls();
    }

    /** Instructions the last run executed (all tail-call targets included), as the engine counts them. */
    long executedInstructions() {
        return invocation.executedInstructions();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
