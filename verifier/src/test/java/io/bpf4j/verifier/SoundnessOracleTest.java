package io.bpf4j.verifier;

import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.Helper;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.isa.JumpOp;
import io.bpf4j.isa.Semantics;
import io.bpf4j.isa.Source;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.bpf4j.verifier.Asm.exit;
import static io.bpf4j.verifier.Asm.mov;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The verifier's promise, checked by running what it accepts: random programs that pass are executed on concrete
 * inputs by a small reference machine that tracks which region every pointer points into and which stack bytes
 * were written. An accepted program must never read an unwritten register or stack byte, touch memory outside
 * its region, compare or return a pointer (default mode) — each would be a soundness bug.
 */
class SoundnessOracleTest {
    private static final int[] HELPERS = {Helper.MAP_LOOKUP_ELEM.id(), Helper.GET_PRANDOM_U32.id(), Helper.KTIME_GET_NS.id()};

    enum R { SCALAR, STACK, CTX, PKT, PKT_END, MAP_VALUE, MAP_PTR }

    /** A concrete value: a number, or a region and an offset into it. */
    record V(R region, long v) {
        static V num(long x) {
            return new V(R.SCALAR, x);
        }
    }

    static final class Violation extends RuntimeException {
        Violation(String m) {
            super(m);
        }
    }

    /** Runs {@code p}; throws {@link Violation} on anything the verifier should have refused. */
    /** Where each region would live, so that a privileged program may see pointers as numbers. */
    private static long addr(V v) {
        return switch (v.region()) {
            case SCALAR -> v.v();
            case STACK -> 0x1000_0000L + v.v();
            case CTX -> 0x2000_0000L + v.v();
            case PKT, PKT_END -> 0x3000_0000L + v.v();
            case MAP_VALUE -> 0x4000_0000L + v.v();
            case MAP_PTR -> 0x5000_0000L + v.v();
        };
    }

    static void run(Instructions p, ProgramType type, Random r, boolean privileged) {
        ContextLayout layout = ContextLayout.forProgramType(type);
        V[] regs = new V[11];
        regs[1] = new V(R.CTX, 0);
        regs[10] = new V(R.STACK, 512);
        byte[] stack = new byte[512];
        boolean[] written = new boolean[512];
        Map<Integer, V> spills = new HashMap<>();
        int pktLen = r.nextInt(80);
        byte[] mapValue = new byte[8];
        int pc = 0;
        for (int steps = 0; steps < 2_000_000; steps++) {
            Instruction insn = p.at(pc);
            switch (insn) {
                case Instruction.Alu a -> {
                    V src = a.source() == Source.REG ? read(regs, a.src()) : V.num(a.imm());
                    V dst = a.op() == AluOp.MOV ? null : read(regs, a.dst());
                    if (a.op() == AluOp.MOV) {
                        if (a.alu64() || src.region() == R.SCALAR) {
                            regs[a.dst()] = a.alu64() ? src : V.num(Semantics.alu(false, AluOp.MOV, 0, src.v()));
                        } else if (privileged) {
                            regs[a.dst()] = V.num(Semantics.alu(false, AluOp.MOV, 0, addr(src)));
                        } else {
                            throw new Violation("32-bit copy of a pointer");
                        }
                    } else if (dst.region() == R.SCALAR && src.region() == R.SCALAR) {
                        regs[a.dst()] = V.num(Semantics.alu(a.alu64(), a.op(), dst.v(), src.v()));
                    } else if (a.alu64() && (a.op() == AluOp.ADD || a.op() == AluOp.SUB) && src.region() == R.SCALAR) {
                        regs[a.dst()] = new V(dst.region(), a.op() == AluOp.ADD ? dst.v() + src.v() : dst.v() - src.v());
                    } else if (a.alu64() && a.op() == AluOp.ADD && dst.region() == R.SCALAR) {
                        regs[a.dst()] = new V(src.region(), dst.v() + src.v());
                    } else if (a.alu64() && a.op() == AluOp.SUB && samePacket(dst, src)) {
                        regs[a.dst()] = V.num(dst.v() - src.v());
                    } else if (privileged) {
                        regs[a.dst()] = V.num(Semantics.alu(a.alu64(), a.op(), addr(dst), addr(src)));
                    } else {
                        throw new Violation("arithmetic " + a.op() + " on " + dst.region() + " and " + src.region());
                    }
                    pc++;
                }
                case Instruction.Load l -> {
                    V base = read(regs, l.src());
                    long addr = base.v() + l.offset();
                    int size = l.size().bytes();
                    V val = switch (base.region()) {
                        case STACK -> {
                            check(addr, size, 512, "stack");
                            V spilled = spills.get((int) addr);
                            if (size == 8 && spilled != null) yield spilled;
                            for (int i = 0; i < size && !privileged; i++) {
                                if (!written[(int) addr + i]) throw new Violation("uninitialised stack byte " + (addr + i - 512));
                            }
                            for (int k = (int) (addr & ~7); k < addr + size; k += 8) {
                                if (spills.containsKey(k)) throw new Violation("partial read of a spilled pointer");
                            }
                            yield V.num(Semantics.extend(le(stack, (int) addr, size), l.size(), l.signExtend()));
                        }
                        case CTX -> {
                            ContextLayout.Access acc = layout.check((int) addr, size, false);
                            if (!acc.allowed() || base.v() != 0) throw new Violation("context read " + addr + "/" + size);
                            yield switch (acc.kind()) {
                                case PACKET_START, PACKET_META -> new V(R.PKT, 0);
                                case PACKET_END -> new V(R.PKT_END, pktLen);
                                default -> V.num(Semantics.extend(r.nextLong(), l.size(), l.signExtend()));
                            };
                        }
                        case PKT -> {
                            check(addr, size, pktLen, "packet");
                            yield V.num(r.nextInt(256));
                        }
                        case MAP_VALUE -> {
                            check(addr, size, 8, "map value");
                            yield V.num(Semantics.extend(le(mapValue, (int) addr, size), l.size(), l.signExtend()));
                        }
                        default -> throw new Violation("load through " + base.region());
                    };
                    regs[l.dst()] = val;
                    pc++;
                }
                case Instruction.Store s -> {
                    V base = read(regs, s.dst());
                    V val = s.source() == Source.REG ? read(regs, s.src()) : V.num(s.imm());
                    long addr = base.v() + s.offset();
                    int size = s.size().bytes();
                    switch (base.region()) {
                        case STACK -> {
                            check(addr, size, 512, "stack");
                            for (int k = (int) (addr & ~7); k < addr + size; k += 8) spills.remove(k);
                            for (int i = 0; i < size; i++) written[(int) addr + i] = true;
                            if (size == 8 && val.region() != R.SCALAR) spills.put((int) addr, val);
                            else if (val.region() != R.SCALAR) throw new Violation("partial pointer spill");
                            else putLe(stack, (int) addr, size, val.v());
                        }
                        case CTX -> {
                            if (!layout.check((int) addr, size, true).allowed() || base.v() != 0) throw new Violation("context write " + addr);
                            if (val.region() != R.SCALAR && !privileged) throw new Violation("pointer into context");
                        }
                        case PKT -> {
                            check(addr, size, pktLen, "packet");
                            if (val.region() != R.SCALAR && !privileged) throw new Violation("pointer into packet");
                        }
                        case MAP_VALUE -> {
                            check(addr, size, 8, "map value");
                            if (val.region() != R.SCALAR && !privileged) throw new Violation("pointer into map");
                            putLe(mapValue, (int) addr, size, addr(val));
                        }
                        default -> throw new Violation("store through " + base.region());
                    }
                    pc++;
                }
                case Instruction.LoadImm64 l -> {
                    regs[l.dst()] = new V(R.MAP_PTR, l.imm());
                    pc += 2;
                }
                case Instruction.Jump j -> {
                    if (j.op() == JumpOp.JA) {
                        pc = j.target(pc);
                        break;
                    }
                    V d = read(regs, j.dst());
                    V s = j.source() == Source.REG ? read(regs, j.src()) : V.num(j.imm());
                    boolean taken;
                    if (d.region() == R.SCALAR && s.region() == R.SCALAR) {
                        taken = Semantics.taken(j.jmp32(), j.op(), d.v(), s.v());
                    } else if (samePacket(d, s) && !j.jmp32()) {
                        taken = Semantics.taken(false, j.op(), d.v(), s.v());
                    } else if (d.region() != R.SCALAR && s.region() == R.SCALAR && s.v() == 0 && !j.jmp32()
                            && (j.op() == JumpOp.JEQ || j.op() == JumpOp.JNE)) {
                        taken = j.op() == JumpOp.JNE; // a pointer is never null
                    } else if (privileged) {
                        taken = Semantics.taken(j.jmp32(), j.op(), addr(d), addr(s));
                    } else {
                        throw new Violation("comparison of " + d.region() + " with " + s.region());
                    }
                    pc = taken ? j.target(pc) : pc + 1;
                }
                case Instruction.Call c -> {
                    V r0;
                    if (c.imm() == Helper.MAP_LOOKUP_ELEM.id()) {
                        V map = read(regs, 1), key = read(regs, 2);
                        if (map.region() != R.MAP_PTR || key.region() != R.STACK) throw new Violation("lookup arguments");
                        for (int i = 0; i < 4; i++) if (!written[(int) key.v() + i]) throw new Violation("uninitialised key");
                        r0 = r.nextBoolean() ? V.num(0) : new V(R.MAP_VALUE, 0);
                    } else {
                        r0 = V.num(r.nextLong() >>> (c.imm() == Helper.GET_PRANDOM_U32.id() ? 32 : 1));
                    }
                    for (int i = 1; i <= 5; i++) regs[i] = null;
                    regs[0] = r0;
                    pc++;
                }
                case Instruction.Exit e -> {
                    V r0 = read(regs, 0);
                    if (r0.region() != R.SCALAR && !privileged) throw new Violation("pointer returned");
                    return;
                }
                default -> throw new IllegalStateException("not generated: " + insn);
            }
            if (regs[10] == null || regs[10].region() != R.STACK || regs[10].v() != 512) throw new Violation("frame pointer changed");
        }
        throw new Violation("did not terminate");
    }

    private static boolean samePacket(V a, V b) {
        return (a.region() == R.PKT || a.region() == R.PKT_END) && (b.region() == R.PKT || b.region() == R.PKT_END);
    }

    private static V read(V[] regs, int r) {
        if (regs[r] == null) throw new Violation("R" + r + " read before written");
        return regs[r];
    }

    private static void check(long addr, int size, int limit, String what) {
        if (addr < 0 || addr + size > limit) throw new Violation(what + " access at " + addr + " size " + size + " outside [0," + limit + ")");
    }

    private static long le(byte[] b, int at, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = v << 8 | (b[at + i] & 0xff);
        return v;
    }

    private static void putLe(byte[] b, int at, int size, long v) {
        for (int i = 0; i < size; i++) b[at + i] = (byte) (v >>> (8 * i));
    }

    /** Common openings, so random code runs with packet pointers or map values in registers. */
    private static List<Instruction> prefix(Random r, ProgramType type) {
        int dataOff = type == ProgramType.XDP ? 0 : 76, endOff = type == ProgramType.XDP ? 4 : 80;
        return switch (type == ProgramType.SOCKET_FILTER ? 2 + r.nextInt(2) : r.nextInt(4)) {
            case 0 -> List.of( // r2 = data, r3 = data_end, r4 = data + k, bounds check of random width
                    Asm.ldx(io.bpf4j.isa.Size.W, 2, 1, dataOff), Asm.ldx(io.bpf4j.isa.Size.W, 3, 1, endOff), Asm.movr(4, 2),
                    Asm.add(4, r.nextInt(20)), Asm.jmpr(r.nextBoolean() ? JumpOp.JGT : JumpOp.JGE, 4, 3, 1 + r.nextInt(3)),
                    Asm.ldx(io.bpf4j.isa.Size.values()[r.nextInt(4)], 5, 2, r.nextInt(24)),
                    r.nextBoolean() ? Asm.st(io.bpf4j.isa.Size.values()[r.nextInt(4)], 2, r.nextInt(24), 1)
                            : Asm.ldx(io.bpf4j.isa.Size.B, 0, 4, -r.nextInt(8)));
            case 1 -> List.of(
                    Asm.ldx(io.bpf4j.isa.Size.W, 2, 1, dataOff), Asm.ldx(io.bpf4j.isa.Size.W, 3, 1, endOff), Asm.movr(4, 2),
                    Asm.add(4, r.nextInt(20)), Asm.jmpr(r.nextBoolean() ? JumpOp.JLT : JumpOp.JLE, 3, 4, 1 + r.nextInt(3)),
                    Asm.ldx(io.bpf4j.isa.Size.values()[r.nextInt(4)], 5, 2, r.nextInt(24)));
            case 2 -> List.of( // r6 = map value or null, r7 = index below something
                    Asm.st(io.bpf4j.isa.Size.W, 10, -4, 0), Asm.movr(2, 10), Asm.add(2, -4), Asm.lddwMap(1, VerifierCorpus.HASH),
                    Asm.call(Helper.MAP_LOOKUP_ELEM.id()), Asm.movr(6, 0), Asm.call(Helper.GET_PRANDOM_U32.id()), Asm.movr(7, 0),
                    Asm.jmp(JumpOp.JGT, 7, r.nextInt(12), 4 + r.nextInt(2)), Asm.jeq(6, 0, 3 + r.nextInt(2)),
                    Asm.alur(AluOp.ADD, 6, 7), Asm.ldx(io.bpf4j.isa.Size.values()[r.nextInt(4)], 5, 6, r.nextInt(8)),
                    Asm.st(io.bpf4j.isa.Size.values()[r.nextInt(4)], 6, r.nextInt(4), 1));
            default -> List.of();
        };
    }

    @Test
    void acceptedRandomProgramsNeverMisbehave() {
        check(false, 7, 20_000);
    }

    @Test
    void acceptedRandomProgramsNeverMisbehaveInPrivilegedMode() {
        check(true, 8, 20_000);
    }

    /** The same, long: half a million programs per mode, a fresh seed each run (printed to reproduce). */
    @Test
    @org.junit.jupiter.api.Tag("long")
    void longRun() {
        long seed = System.nanoTime();
        System.out.println("SoundnessOracleTest.longRun seed " + seed);
        check(false, seed, 500_000);
        check(true, seed + 1, 500_000);
    }

    private static void check(boolean privileged, long seed, int programs) {
        Random gen = new Random(seed);
        ProgramType[] types = {ProgramType.SOCKET_FILTER, ProgramType.SCHED_CLS, ProgramType.XDP};
        int accepted = 0, runs = 0, packetPrograms = 0, mapValuePrograms = 0;
        for (int i = 0; i < programs; i++) {
            ProgramType type = types[gen.nextInt(types.length)];
            List<Instruction> code = new ArrayList<>(prefix(gen, type));
            int slots = Instructions.of(code).slotCount();
            int len = slots + 3 + gen.nextInt(20);
            while (slots < len - 2) {
                Instruction insn = VerifierFuzzTest.random(gen, slots, len, HELPERS);
                if (insn instanceof Instruction.Atomic) continue;
                if (insn instanceof Instruction.LoadImm64 l && (l.imm() != VerifierCorpus.HASH || l.pseudo() != io.bpf4j.isa.Pseudo.MAP_FD)) continue;
                if (insn instanceof Instruction.Call call && call.kind() != io.bpf4j.isa.CallKind.HELPER) continue;
                code.add(insn);
                slots += insn.slots();
            }
            code.add(mov(0, 0));
            code.add(exit());
            Instructions p;
            try {
                p = Instructions.of(code);
            } catch (IllegalArgumentException e) {
                continue;
            }
            VerificationRequest req = VerificationRequest.of("oracle" + i, p, type).withMaps(VerifierCorpus.MAPS)
                    .withOptions(VerificationOptions.DEFAULT.withLogLevel(0).withComplexityLimit(50_000).withPrivileged(privileged));
            VerificationResult result;
            try {
                result = Verifier.verify(req);
            } catch (ProgramRejectedException e) {
                continue;
            }
            accepted++;
            if (result.access().values().stream().anyMatch(f -> f.region() == VerificationResult.Region.PACKET)) packetPrograms++;
            if (result.access().values().stream().anyMatch(f -> f.region() == VerificationResult.Region.MAP_VALUE)) mapValuePrograms++;
            for (int k = 0; k < 20; k++) {
                runs++;
                try {
                    run(p, type, new Random(i * 31L + k), privileged);
                } catch (Violation v) {
                    fail("accepted program " + i + " (" + type + ") misbehaved: " + v.getMessage() + "\n"
                            + io.bpf4j.isa.text.Disassembler.listing(p));
                }
            }
        }
        assertThat(accepted).as("accepted programs").isGreaterThan(100);
        assertThat(packetPrograms).as("accepted programs reading or writing the packet").isGreaterThan(10);
        assertThat(mapValuePrograms).as("accepted programs reading or writing a map value").isGreaterThan(10);
        assertThat(runs).isGreaterThan(2000);
    }
}
