package io.bpf4j.verifier;

/** What a register holds, in the verifier's eyes. The names are the ones Linux's verifier log prints. */
public enum RegType {
    NOT_INIT("?"),
    SCALAR("scalar"),
    PTR_TO_CTX("ctx"),
    CONST_PTR_TO_MAP("map_ptr"),
    PTR_TO_MAP_VALUE_OR_NULL("map_value_or_null"),
    PTR_TO_MAP_VALUE("map_value"),
    PTR_TO_STACK("fp"),
    PTR_TO_PACKET("pkt"),
    PTR_TO_PACKET_END("pkt_end"),
    PTR_TO_PACKET_META("pkt_meta"),
    /** Memory reserved in a ring buffer, or null. */
    PTR_TO_RINGBUF_MEM_OR_NULL("ringbuf_mem_or_null"),
    PTR_TO_RINGBUF_MEM("ringbuf_mem"),
    PTR_TO_FUNC("func"),
    PTR_TO_SOCK_COMMON_OR_NULL("sock_common_or_null"),
    PTR_TO_SOCK_COMMON("sock_common");

    private final String logName;

    RegType(String logName) {
        this.logName = logName;
    }

    /** The name in Linux's log, e.g. {@code fp} for a stack pointer. */
    public String logName() {
        return logName;
    }

    public boolean isPointer() {
        return this != NOT_INIT && this != SCALAR;
    }

    public boolean mayBeNull() {
        return this == PTR_TO_MAP_VALUE_OR_NULL || this == PTR_TO_RINGBUF_MEM_OR_NULL || this == PTR_TO_SOCK_COMMON_OR_NULL;
    }

    /** The type a may-be-null pointer has once a comparison proved it is not null. */
    public RegType nonNull() {
        return switch (this) {
            case PTR_TO_MAP_VALUE_OR_NULL -> PTR_TO_MAP_VALUE;
            case PTR_TO_RINGBUF_MEM_OR_NULL -> PTR_TO_RINGBUF_MEM;
            case PTR_TO_SOCK_COMMON_OR_NULL -> PTR_TO_SOCK_COMMON;
            default -> this;
        };
    }

    public boolean isPacket() {
        return this == PTR_TO_PACKET || this == PTR_TO_PACKET_META;
    }
}
