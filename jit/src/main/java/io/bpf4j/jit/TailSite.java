package io.bpf4j.jit;

import io.bpf4j.runtime.ProgramImage;

/**
 * One {@code bpf_tail_call} instruction's inline cache: the last target image and its compiled code, so that a hop
 * to the same program again costs one reference compare instead of an engine lookup. Shared by the threads that
 * run the program; the pair is immutable and published with one reference write, so a racing reader sees either
 * the old pair or the new one, both correct.
 */
final class TailSite {
    record Entry(ProgramImage image, CompiledCode code) {}

    Entry last;
}
