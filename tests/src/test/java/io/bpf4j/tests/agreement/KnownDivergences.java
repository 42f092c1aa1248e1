package io.bpf4j.tests.agreement;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Disagreements where bpf4j accepts what the kernel refuses for a memory-safety reason that are understood and
 * reported to the verifier's owner, each with the kernel rule bpf4j does not follow yet. They are listed in every
 * report; any other such disagreement fails the test. With {@code -Dbpf4j.agreement.strict=true} none is
 * tolerated (the target: zero).
 *
 * @param mode          the mode it happens in, or null for both
 * @param kernelMessage what the kernel says (a regular expression, found anywhere in its message)
 * @param cause         a check that this rule, and not something else, made bpf4j accept (most: always true)
 * @param rule          the kernel rule bpf4j misses, and why it matters
 */
record KnownDivergences(Mode mode, Pattern kernelMessage, Predicate<Judgement> cause, String rule) {
    KnownDivergences(Mode mode, Pattern kernelMessage, String rule) {
        this(mode, kernelMessage, j -> true, rule);
    }

    /**
     * bpf4j accepts the program only because it takes an array lookup for non-NULL: with the same maps declared as
     * hash maps (whose lookups are always maybe-NULL, and otherwise verified alike) bpf4j refuses it.
     */
    static boolean onlyThroughArrayNullElision(Judgement j) {
        Map<Integer, MapDefinition> asHash = new TreeMap<>();
        boolean anyArray = false;
        for (Map.Entry<Integer, MapDefinition> e : j.program().maps().entrySet()) {
            MapDefinition d = e.getValue();
            if (d.type() == MapType.ARRAY) {
                anyArray = true;
                d = new MapDefinition(d.name(), MapType.HASH, d.keySize(), d.valueSize(), d.maxEntries(), 0, null);
            }
            asHash.put(e.getKey(), d);
        }
        if (!anyArray) return false;
        AgreementProgram p = j.program();
        AgreementProgram variant = new AgreementProgram(p.corpus(), p.name(), p.type(), p.attachType(), p.program(), asHash, null, p.lineInfo());
        return !AgreementHarness.accepts(variant, j.mode().bpf4jOptions());
    }

    static final boolean STRICT = Boolean.getBoolean("bpf4j.agreement.strict");

    /**
     * The kernel refused at a helper call that writes into memory named by R3 (bpf_skb_load_bytes,
     * bpf_xdp_load_bytes) whose length in R4 is not a constant: Linux then checks the whole range as a read.
     */
    static boolean atHelperWithVariableLength(Judgement j) {
        java.util.regex.Matcher m = Pattern.compile("rejected at pc (\\d+): invalid read from stack R3 off ").matcher(j.kernel().message());
        if (!m.find()) return false;
        int pc = Integer.parseInt(m.group(1));
        if (pc >= j.program().program().slotCount() || j.program().program().isSecondHalf(pc)) return false;
        return j.program().program().at(pc) instanceof io.bpf4j.isa.Instruction.Call c
                && (c.imm() == io.bpf4j.abi.Helper.SKB_LOAD_BYTES.id() || c.imm() == io.bpf4j.abi.Helper.XDP_LOAD_BYTES.id());
    }

    static final List<KnownDivergences> ALL = List.of(
            new KnownDivergences(Mode.UNPRIVILEGED, Pattern.compile("invalid read from stack R3 off"), KnownDivergences::atHelperWithVariableLength,
                    "check_mem_size_reg(): when a helper's size argument is not a constant, Linux drops the helper's"
                            + " \"uninitialised memory\" allowance and checks the whole range as a read, so that the program"
                            + " initialises everything the helper might only partly fill (without CAP_PERFMON that is every"
                            + " byte up to the size's maximum); bpf4j lets bpf_skb_load_bytes write into unwritten stack whatever"
                            + " the length"),
            new KnownDivergences(null, Pattern.compile(""), KnownDivergences::onlyThroughArrayNullElision,
                    "get_constant_map_key(): Linux 6.18 treats an array lookup as non-NULL only when it knows the key from"
                            + " STACK_ZERO bytes or from a spilled constant of exactly key_size in an 8-byte-aligned slot; bpf4j"
                            + " (since 44edafb) also trusts a constant stored by an immediate at an unaligned offset (`*(u32 *)(r10 - 4) = 2`,"
                            + " unknown bytes to Linux) and an 8-byte spill read as a 4-byte key, so it accepts a dereference without"
                            + " the NULL check, or a register written only off the NULL branch, that Linux refuses. (Attributed by"
                            + " verifying the program again with its array maps declared as hash maps: bpf4j then refuses it.) The lookup cannot fail at run time (the key is in range), but"
                            + " Linux refuses the program"));

    boolean matches(Judgement j) {
        return (mode == null || mode == j.mode()) && kernelMessage.matcher(j.kernel().message()).find() && cause.test(j);
    }

    static KnownDivergences explain(Judgement j) {
        if (STRICT) return null;
        for (KnownDivergences k : ALL) if (k.matches(j)) return k;
        return null;
    }
}
