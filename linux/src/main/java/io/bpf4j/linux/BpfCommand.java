package io.bpf4j.linux;

/**
 * The bpf(2) commands bpf4j issues ({@code enum bpf_cmd} in {@code include/uapi/linux/bpf.h}), each with the
 * size of the {@code union bpf_attr} prefix it uses.
 *
 * <p>The size passed to bpf(2) covers the fields bpf4j writes and no more: a kernel older than the header
 * rejects a larger attr whose tail is non-zero (E2BIG), and accepts any prefix that holds the fields it knows.
 */
enum BpfCommand {
    MAP_CREATE(0, 72),
    MAP_LOOKUP_ELEM(1, 32),
    MAP_UPDATE_ELEM(2, 32),
    MAP_DELETE_ELEM(3, 32),
    MAP_GET_NEXT_KEY(4, 32),
    PROG_LOAD(5, 144),
    PROG_TEST_RUN(10, 80),
    OBJ_GET_INFO_BY_FD(15, 16),
    BTF_LOAD(18, 32),
    MAP_LOOKUP_AND_DELETE_ELEM(21, 32),
    MAP_FREEZE(22, 32),
    ENABLE_STATS(32, 8);

    private final int number;
    private final int attrSize;

    BpfCommand(int number, int attrSize) {
        this.number = number;
        this.attrSize = attrSize;
    }

    int number() {
        return number;
    }

    /** Bytes of {@code union bpf_attr} this command reads. */
    int attrSize() {
        return attrSize;
    }

    /** The uapi name, e.g. {@code BPF_MAP_CREATE}. */
    String uapiName() {
        return "BPF_" + name();
    }
}
