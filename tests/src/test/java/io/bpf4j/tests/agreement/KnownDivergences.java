package io.bpf4j.tests.agreement;

import java.util.List;
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

    static final boolean STRICT = Boolean.getBoolean("bpf4j.agreement.strict");

    /**
     * None left: the six of issue #6 are fixed (1–4 pointer rules and Spectre v1, 5 a helper's variable length
     * checked as a read, 6 array keys known as get_constant_map_key knows them). A new one goes here with the
     * kernel rule bpf4j misses, until it is fixed.
     */
    static final List<KnownDivergences> ALL = List.of();

    boolean matches(Judgement j) {
        return (mode == null || mode == j.mode()) && kernelMessage.matcher(j.kernel().message()).find() && cause.test(j);
    }

    static KnownDivergences explain(Judgement j) {
        if (STRICT) return null;
        for (KnownDivergences k : ALL) if (k.matches(j)) return k;
        return null;
    }
}
