package io.bpf4j.linux;

import java.util.Objects;

/**
 * A program's debug information for BPF_PROG_LOAD: the loaded BTF and the program's {@code bpf_func_info} and
 * {@code bpf_line_info} records (from .BTF.ext, instruction offsets already relative to this program). With
 * it the kernel's verifier log shows source lines, and bpf2bpf calls with BTF-typed arguments verify.
 *
 * @param funcInfo           raw records, {@code funcInfoRecordSize} bytes each (8 in today's .BTF.ext), or null
 * @param lineInfo           raw records, {@code lineInfoRecordSize} bytes each (16), or null
 */
public record ProgramBtf(KernelBtf btf, byte[] funcInfo, int funcInfoRecordSize, byte[] lineInfo,
                         int lineInfoRecordSize) {
    public ProgramBtf {
        Objects.requireNonNull(btf, "btf");
        funcInfo = funcInfo == null ? null : funcInfo.clone();
        lineInfo = lineInfo == null ? null : lineInfo.clone();
        check(funcInfo, funcInfoRecordSize, "func_info");
        check(lineInfo, lineInfoRecordSize, "line_info");
    }

    private static void check(byte[] records, int size, String what) {
        if (records == null) return;
        if (size <= 0 || records.length % size != 0) {
            throw new IllegalArgumentException(what + ": " + records.length + " bytes is not a whole number of "
                    + size + "-byte records");
        }
    }

    int funcInfoCount() {
        return funcInfo == null ? 0 : funcInfo.length / funcInfoRecordSize;
    }

    int lineInfoCount() {
        return lineInfo == null ? 0 : lineInfo.length / lineInfoRecordSize;
    }

    byte[] funcInfoUnsafe() {
        return funcInfo;
    }

    byte[] lineInfoUnsafe() {
        return lineInfo;
    }
}
