package io.bpf4j.jit;

import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.runtime.ProgramImage;
import io.bpf4j.runtime.memory.AddressSpace;
import io.bpf4j.verifier.VerificationResult;
import io.bpf4j.verifier.VerificationResult.AccessFact;

import java.util.Map;

/**
 * How each load and store of a program is compiled, from what the verifier proved about it
 * ({@link VerificationResult#access()}); an unverified program, and every access the verifier did not prove to one
 * region, keeps the checked access through the {@link AddressSpace}.
 *
 * <ul>
 *   <li>{@link #FRAME}: a load or store through r10 at a constant offset of the current frame, in bounds and aligned to
 *       its size (the verifier's strict stack alignment): compiled to an element of the frame's backing {@code long[]}
 *       ({@link AddressSpace#frameWords}, resolved once per method call from r10 and checked to be the top of a live
 *       frame). Sound only because r10 is never written (checked here for the whole program), so r10 is the frame
 *       pointer of the function's own frame for as long as the method runs, and the offset is a constant inside it.</li>
 *   <li>{@link #PACKET}, {@link #CONTEXT}, {@link #OTHER}: an access the verifier proved to stay in one packet, the
 *       context, or a map value or ring-buffer record: compiled to a segment access through a region cached in locals
 *       per method call and kind, taken only when the address's upper 32 bits (generation and region index) equal the
 *       cached region's; a miss resolves the region again ({@link AddressSpace#cacheableRegion}), any exception of the
 *       segment redoes the access through the address space. Exact whatever the facts say: the facts only decide
 *       which accesses share a cache.</li>
 * </ul>
 * Atomics always take the checked path.
 */
final class AccessPlan {
    static final byte CHECKED = 0, FRAME = 1, PACKET = 2, CONTEXT = 3, OTHER = 4;
    /** Cached region kinds, {@link #PACKET} to {@link #OTHER}. */
    static final int CACHES = 3;

    final byte[] kind;
    /** Per pc: inside a loop (between a backward jump and its target), where reading a region's words pays off. */
    final boolean[] inLoop;
    final int memoryAccesses;
    final int direct;

    private AccessPlan(byte[] kind, boolean[] inLoop, int memoryAccesses, int direct) {
        this.kind = kind;
        this.inLoop = inLoop;
        this.memoryAccesses = memoryAccesses;
        this.direct = direct;
    }

    static AccessPlan of(ProgramImage image) {
        Instructions code = image.instructions();
        byte[] kind = new byte[code.slotCount()];
        VerificationResult verified = image.verification();
        Map<Integer, AccessFact> facts = verified == null ? Map.of() : verified.access();
        boolean r10Written = writesR10(code);
        int accesses = 0, direct = 0;
        for (Instructions.At at : code) {
            Instruction insn = at.instruction();
            if (!(insn instanceof Instruction.Load || insn instanceof Instruction.Store || insn instanceof Instruction.Atomic)) continue;
            accesses++;
            AccessFact fact = facts.get(at.pc());
            if (fact == null || insn instanceof Instruction.Atomic) continue;
            int base, offset, size;
            if (insn instanceof Instruction.Load l) {
                base = l.src();
                offset = l.offset();
                size = l.size().bytes();
            } else {
                Instruction.Store s = (Instruction.Store) insn;
                base = s.dst();
                offset = s.offset();
                size = s.size().bytes();
            }
            if (fact.size() != size) continue;
            byte k = switch (fact.region()) {
                case STACK -> base == 10 && !r10Written && fact.fixedOffset() && fact.minOffset() == offset
                        && offset >= -AddressSpace.FRAME_SIZE && offset <= -size && (offset & (size - 1)) == 0 ? FRAME : CHECKED;
                case PACKET, PACKET_META -> PACKET;
                case CONTEXT -> CONTEXT;
                case MAP_VALUE, RINGBUF_MEM -> OTHER;
                case MIXED -> CHECKED;
            };
            kind[at.pc()] = k;
            if (k != CHECKED) direct++;
        }
        boolean[] inLoop = new boolean[code.slotCount()];
        for (Instructions.At at : code) {
            if (at.instruction() instanceof Instruction.Jump j && j.target(at.pc()) <= at.pc()) {
                for (int pc = Math.max(0, j.target(at.pc())); pc <= at.pc(); pc++) inLoop[pc] = true;
            }
        }
        return new AccessPlan(kind, inLoop, accesses, direct);
    }

    /** True when some instruction may write r10 (never in a verified program; then no access counts as a frame access). */
    private static boolean writesR10(Instructions code) {
        for (Instructions.At at : code) {
            boolean writes = switch (at.instruction()) {
                case Instruction.Alu a -> a.dst() == 10;
                case Instruction.Endian e -> e.dst() == 10;
                case Instruction.Load l -> l.dst() == 10;
                case Instruction.LoadImm64 l -> l.dst() == 10;
                case Instruction.Atomic a -> a.src() == 10 && a.fetch() && a.op() != io.bpf4j.isa.AtomicOp.CMPXCHG;
                default -> false;
            };
            if (writes) return true;
        }
        return false;
    }
}
