package io.bpf4j.tests;

import io.bpf4j.isa.text.ConformanceCase;
import io.bpf4j.runtime.conformance.ConformancePlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conformance plugin end to end through {@link ConformancePlugin#run}, driven the way the suite's runner
 * drives it: memory as the first argument, the program on stdin, both formatted exactly as the runner does.
 */
class ConformancePluginTest {

    record Outcome(int status, String out, String err) {}

    static Outcome plugin(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.US_ASCII));
        int status = ConformancePlugin.run(args, in, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** How a runner passes the memory and options. */
    enum Style {
        /** ../shared/conformance/README.md: the memory argument only when the test has memory. */
        README,
        /** bpf_conformance's runner: always the memory (empty when none), then its plugin options (here empty). */
        BPF_CONFORMANCE_RUNNER
    }

    @ParameterizedTest
    @EnumSource(Style.class)
    void everyConformanceFilePassesThroughThePlugin(Style style) {
        List<String> failures = new ArrayList<>();
        List<ConformanceCase> cases = ConformanceSuite.cases();
        assertThat(cases).hasSize(ConformanceSuite.EXPECTED_FILES);
        for (ConformanceCase c : cases) {
            byte[] memory = c.memory();
            String[] args = switch (style) {
                case README -> memory.length == 0 ? new String[0] : new String[] {ConformanceSuite.runnerHex(memory)};
                case BPF_CONFORMANCE_RUNNER -> new String[] {ConformanceSuite.runnerHex(memory), ""};
            };
            Outcome o = plugin(ConformanceSuite.runnerHex(c.program().encode()) + "\n", args);
            long expected = c.expectedResult().orElseThrow();
            if (o.status() != 0) {
                failures.add(c.name() + ": exit " + o.status() + ": " + o.err());
            } else if (!o.err().isEmpty()) {
                failures.add(c.name() + ": wrote to stderr on success: " + o.err());
            } else if (Long.parseUnsignedLong(o.out().strip(), 16) != expected) {
                failures.add(c.name() + ": printed " + o.out().strip() + ", expected " + Long.toHexString(expected));
            }
        }
        System.out.println("conformance plugin (interpreter, " + style + " arguments): " + (cases.size() - failures.size()) + "/" + cases.size() + " passed");
        assertThat(failures).isEmpty();
    }

    @Test
    void printsR0AsHexAndExitsZero() {
        // mov r0, -2 ; exit
        Outcome o = plugin("b7  00  00  00  fe  ff  ff  ff  95  00  00  00  00  00  00  00  \n");
        assertThat(o.status()).isZero();
        assertThat(o.out()).isEqualTo("fffffffffffffffe" + System.lineSeparator());
        assertThat(o.err()).isEmpty();
    }

    @Test
    void readsMemoryFromTheFirstArgument() {
        // ldxb r0, [r1+1] ; exit
        Outcome o = plugin("71  10  01  00  00  00  00  00  95  00  00  00  00  00  00  00  \n", "aa  bb  cc  ");
        assertThat(o.status()).isZero();
        assertThat(o.out().strip()).isEqualTo("bb");
    }

    @Test
    @Timeout(20)
    void anEndlessLoopFailsWithOneLineInsteadOfHanging() {
        // ja -1
        Outcome o = plugin("05  00  ff  ff  00  00  00  00  95  00  00  00  00  00  00  00  \n", "--budget", "100000");
        assertThat(o.status()).isNotZero();
        // the runner reads the message from stdout; stderr has the same line for logs
        assertThat(o.out().strip()).contains("pc 0").contains("instruction budget of 100000 exhausted").doesNotContain("\n");
        assertThat(o.err()).isEqualTo(o.out());
    }

    @Test
    @Timeout(60)
    void anEndlessLoopStopsWithTheDefaultBudgetToo() {
        Outcome o = plugin("05  00  ff  ff  00  00  00  00  95  00  00  00  00  00  00  00  \n");
        assertThat(o.status()).isNotZero();
        assertThat(o.err()).contains("instruction budget of 33000000 exhausted");
    }

    @Test
    void anOutOfBoundsReadFailsNamingPcAddressAndRegion() {
        // ldxdw r0, [r1+8] with 4 bytes of memory
        Outcome o = plugin("79  10  08  00  00  00  00  00  95  00  00  00  00  00  00  00  \n", "01  02  03  04  ");
        assertThat(o.status()).isNotZero();
        assertThat(o.err().strip()).contains("pc 0").contains("79 10 08 00 00 00 00 00").contains("read of 8 bytes at 0x")
                .contains("out of bounds of caller memory 'input' (4 bytes, read-write)");
        assertThat(o.err().strip().lines().count()).isEqualTo(1);
    }

    @Test
    void optionsMayArriveAsOneStringAfterAnEmptyMemoryArgument() {
        Outcome o = plugin("05 00 ff ff 00 00 00 00 95 00 00 00 00 00 00 00\n", "", "--budget 1000");
        assertThat(o.status()).isNotZero();
        assertThat(o.out()).contains("instruction budget of 1000 exhausted");
        Outcome ok = plugin("71 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00\n", "2a  ", "");
        assertThat(ok.status()).isZero();
        assertThat(ok.out().strip()).isEqualTo("2a");
        assertThat(plugin("95 00 00 00 00 00 00 00\n", "01", "02").out()).contains("unexpected argument '02': the memory was already given");
    }

    @Test
    void badInputFailsWithAOneLineMessage() {
        assertThat(plugin("").err()).contains("no program on stdin");
        assertThat(plugin("b7 00 00\n").err()).contains("not a whole number of 8-byte instructions");
        assertThat(plugin("zz\n").err()).contains("program on stdin: byte 0 'zz' is not two hex digits");
        assertThat(plugin("95 00 00 00 00 00 00 00\n", "--elf").err()).contains("--elf");
        assertThat(plugin("95 00 00 00 00 00 00 00\n", "--frobnicate").err()).contains("unknown option --frobnicate");
        // call 1000: an unknown helper is refused at load, naming pc and instruction
        Outcome unknown = plugin("85 00 00 00 e8 03 00 00 95 00 00 00 00 00 00 00\n");
        assertThat(unknown.status()).isNotZero();
        assertThat(unknown.err()).contains("pc 0").contains("85 00 00 00 e8 03 00 00: call 0x3e8").contains("unknown helper #1000");
    }

    @Test
    void readsOnlyTheFirstLineSoAnOpenStdinCannotHangIt() {
        InputStream neverEnds = new InputStream() {
            private final byte[] line = "b7 00 00 00 07 00 00 00 95 00 00 00 00 00 00 00\n".getBytes(StandardCharsets.US_ASCII);
            private int i;

            @Override
            public int read() {
                if (i < line.length) return line[i++];
                throw new AssertionError("the plugin read past the program line");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (i >= line.length) throw new AssertionError("the plugin read past the program line");
                int n = Math.min(len, line.length - i);
                System.arraycopy(line, i, b, off, n);
                i += n;
                return n;
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = ConformancePlugin.run(new String[0], neverEnds, new PrintStream(out, true), new PrintStream(new ByteArrayOutputStream()));
        assertThat(status).isZero();
        assertThat(out.toString().strip()).isEqualTo("7");
    }
}
