package io.bpf4j.linux;

import io.bpf4j.abi.ProgramType;

/**
 * The kernel's description of a loaded program ({@code struct bpf_prog_info} from BPF_OBJ_GET_INFO_BY_FD).
 *
 * @param tag             the kernel's tag of the program (hex), as bpftool shows it
 * @param xlatedLength    bytes of the verifier-rewritten program
 * @param jitedLength     bytes of JIT-compiled machine code (0 when interpreted)
 * @param mapCount        how many maps the program uses
 * @param runTimeNanos    total run time, counted only while BPF_ENABLE_STATS is on
 * @param runCount        runs counted while stats are on
 * @param verifiedInsns   instructions the verifier processed (Linux 5.16+)
 */
public record ProgramInfo(int id, ProgramType type, int typeId, String name, String tag, int xlatedLength,
                          int jitedLength, int mapCount, long runTimeNanos, long runCount, int verifiedInsns) {}
