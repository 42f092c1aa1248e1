package io.bpf4j.abi;

/** XDP verdicts ({@code enum xdp_action}). */
public enum XdpAction {
    ABORTED, DROP, PASS, TX, REDIRECT;

    public int code() {
        return ordinal();
    }

    /** The verdict for a return value, or null when it is not one. */
    public static XdpAction ofCode(long code) {
        return code >= 0 && code < values().length ? values()[(int) code] : null;
    }
}
