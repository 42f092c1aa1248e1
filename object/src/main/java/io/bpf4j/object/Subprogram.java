package io.bpf4j.object;

/**
 * One function of a linked program: the program's own code (the first) or a subprogram appended by the
 * linker. The verifier and the JIT treat each as its own frame.
 *
 * @param name    the function symbol's name
 * @param startPc first slot in the linked program
 * @param endPc   one past its last slot
 */
public record Subprogram(String name, int startPc, int endPc) {
    public boolean contains(int pc) {
        return pc >= startPc && pc < endPc;
    }

    public int length() {
        return endPc - startPc;
    }
}
