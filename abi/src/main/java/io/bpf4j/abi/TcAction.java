package io.bpf4j.abi;

/** tc verdicts ({@code TC_ACT_*} in {@code linux/pkt_cls.h}). */
public enum TcAction {
    UNSPEC(-1), OK(0), RECLASSIFY(1), SHOT(2), PIPE(3), STOLEN(4), QUEUED(5), REPEAT(6), REDIRECT(7), TRAP(8);

    private final int code;

    TcAction(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static TcAction ofCode(long code) {
        for (TcAction a : values()) if (a.code == (int) code && (int) code == code) return a;
        return null;
    }
}
