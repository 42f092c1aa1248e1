package io.bpf4j.linux;

import io.bpf4j.isa.Instructions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A third opinion when bpf4j and the kernel disagree under the instruction-set contract: {@code
 * src/test/python/rfc_emulate.py}, a small RFC 9669 emulator that shares no code with bpf4j (nor a language).
 * Only consulted on a difference (rare), so its speed does not matter. Empty when python3 or the script is
 * missing or the program uses something the emulator does not implement — the difference then stays a
 * mismatch.
 */
final class RfcReference {
    static final Path SCRIPT = Path.of("src", "test", "python", "rfc_emulate.py");

    private RfcReference() {}

    static Optional<KernelIsaRunner.Ran> run(Instructions program, byte[] memory) {
        if (!Files.isRegularFile(SCRIPT) || memory.length == 0) return Optional.empty();
        HexFormat hex = HexFormat.of();
        try {
            Process p = new ProcessBuilder(List.of("python3", SCRIPT.toString(), DifferentialHarness.hex(program), hex.formatHex(memory), "memory"))
                    .redirectErrorStream(true).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            String[] out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip().split("\n");
            if (p.exitValue() != 0 || out.length != 2 || !out[0].startsWith("0x")) return Optional.empty();
            return Optional.of(new KernelIsaRunner.Ran(Long.parseUnsignedLong(out[0].substring(2), 16), hex.parseHex(out[1].strip())));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
