package io.bpf4j.cli.pcap;

import io.bpf4j.BpfException;

/** A capture file that cannot be read: the message names the file, the packet and the byte offset. */
public final class PcapFormatException extends BpfException {
    public PcapFormatException(String message) {
        super(message);
    }
}
