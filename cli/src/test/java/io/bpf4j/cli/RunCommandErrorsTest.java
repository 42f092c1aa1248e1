package io.bpf4j.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input to 'bpf4j run': each is one line on stderr and exit code 2, checked before anything runs. */
class RunCommandErrorsTest {
    static final String FIREWALL = InspectCommandsTest.FIREWALL;

    private static void usageError(String expected, String... args) {
        Cli.Result r = Cli.run(args);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("bpf4j run: " + expected + "\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void badHex() {
        usageError("--data-hex: 'z' at position 3 is not a hex digit (give bytes like 0a1b2c or \"0a 1b 2c\")",
                "run", FIREWALL, "--prog", "xdp_entry", "--data-hex", "00z1");
        usageError("--ctx-hex: 3 hex digits is not a whole number of bytes (each byte is two digits)",
                "run", FIREWALL, "--prog", "xdp_entry", "--data-hex", "00", "--ctx-hex", "abc");
    }

    @Test
    void aPacketProgramNeedsAPacket() {
        usageError("--prog xdp_entry is a xdp program: give it a packet with --data-hex HEX, --data FILE or --pcap FILE",
                "run", FIREWALL, "--prog", "xdp_entry");
    }

    @Test
    void inputsExcludeEachOther() {
        Cli.Result r = Cli.run("run", FIREWALL, "--prog", "xdp_entry", "--data-hex", "00", "--pcap", Cli.example("traffic.pcap"));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("bpf4j run: --data-hex=HEX, --pcap=FILE are mutually exclusive (specify only one) (see 'bpf4j run --help')\n");
    }

    @Test
    void missingFiles() {
        usageError("--pcap nope.pcap: no such file (check the path; the sample capture is examples/traffic.pcap)",
                "run", FIREWALL, "--prog", "xdp_entry", "--pcap", "nope.pcap");
        usageError("--data nope.bin: no such file (check the path)", "run", FIREWALL, "--prog", "xdp_entry", "--data", "nope.bin");
    }

    @Test
    void unknownProgramAndMap() {
        usageError("firewall.o has no program 'nope'; its programs are parse_ipv4, parse_ipv6, parse_tcp, parse_udp, parse_icmp, policy, xdp_entry, policy_v2 (see 'bpf4j progs firewall.o')",
                "run", FIREWALL, "--prog", "nope", "--data-hex", "00");
        usageError("firewall.o has no map 'nope'; its maps are stages, flow, stats, rules, blocked_v4 (see 'bpf4j maps firewall.o')",
                "run", FIREWALL, "--prog", "xdp_entry", "--data-hex", "00", "--dump-map", "nope");
    }

    @Test
    void setOnAMapThatIsNotAProgArray() {
        usageError("--set flow[0]=policy: flow is a percpu_array map, not a prog array; --set fills prog-array slots (the object's prog arrays: stages)",
                "run", FIREWALL, "--prog", "xdp_entry", "--data-hex", "00", "--set", "flow[0]=policy");
    }

    @Test
    void updatesAreCheckedAgainstTheMap() {
        usageError("--update rules[0600]=01000000: rules has 4-byte keys, the key given has 2 bytes",
                "run", FIREWALL, "--prog", "xdp_entry", "--data-hex", "00", "--update", "rules[0600]=01000000");
        usageError("--update stages[00000000]=01000000: stages is a prog array; fill its slots with --set stages[INDEX]=PROG",
                "run", FIREWALL, "--prog", "xdp_entry", "--data-hex", "00", "--update", "stages[00000000]=01000000");
        usageError("--update rules: expected MAP[KEY]=VALUE with key and value in hex, e.g. --update 'rules[06 00 00 17]=01 00 00 00'",
                "run", FIREWALL, "--prog", "xdp_entry", "--data-hex", "00", "--update", "rules");
    }

    @Test
    void kernelOnlyAndRuntimeOnlyOptions() {
        usageError("--trace needs bpf4j's runtime, which sees every tail call; the kernel's test run does not report them (drop --kernel)",
                "run", FIREWALL, "--prog", "xdp_entry", "--data-hex", "00", "--kernel", "--trace");
        usageError("--out goes with --pcap (a capture to run)", "run", FIREWALL, "--prog", "xdp_entry", "--data-hex", "00", "--out", "x.pcap");
        usageError("--tail-call-limit 31: must be 32 (the seed) or 33 (Linux since 5.17)",
                "run", FIREWALL, "--prog", "xdp_entry", "--data-hex", "00", "--tail-call-limit", "31");
    }

    @Test
    void theProgIsRequired() {
        Cli.Result r = Cli.run("run", FIREWALL, "--data-hex", "00");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("bpf4j run: Missing required option: '--prog=NAME' (see 'bpf4j run --help')\n");
    }
}
