package io.bpf4j.verifier;

import io.bpf4j.abi.AttachType;
import io.bpf4j.abi.ContextLayout;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.isa.Instructions;

import java.util.Map;
import java.util.Objects;

/**
 * One program to verify.
 *
 * @param name        the program's name (for messages)
 * @param program     the linked instructions (subprograms appended, as the loader produces them)
 * @param type        the program type: decides the context layout, the helpers allowed and packet access
 * @param attachType  the expected attach type, or null
 * @param maps        the maps the program's lddw instructions name, by the handle in the lddw's immediate
 * @param context     the context layout; null means the layout of {@code type} (use
 *                    {@link ContextLayout#rawMemory} with {@link ProgramType#UNSPEC} to embed)
 * @param lineInfo    source lines by pc, from BTF or the caller (may be empty)
 * @param options     how to verify
 */
public record VerificationRequest(String name, Instructions program, ProgramType type, AttachType attachType,
                                  Map<Integer, MapDefinition> maps, ContextLayout context, Map<Integer, String> lineInfo,
                                  VerificationOptions options) {
    public VerificationRequest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(type, "type");
        maps = Map.copyOf(maps == null ? Map.of() : maps);
        lineInfo = Map.copyOf(lineInfo == null ? Map.of() : lineInfo);
        options = options == null ? VerificationOptions.DEFAULT : options;
    }

    public static VerificationRequest of(String name, Instructions program, ProgramType type) {
        return new VerificationRequest(name, program, type, null, Map.of(), null, Map.of(), VerificationOptions.DEFAULT);
    }

    public VerificationRequest withMaps(Map<Integer, MapDefinition> m) {
        return new VerificationRequest(name, program, type, attachType, m, context, lineInfo, options);
    }

    public VerificationRequest withOptions(VerificationOptions o) {
        return new VerificationRequest(name, program, type, attachType, maps, context, lineInfo, o);
    }

    public VerificationRequest withContext(ContextLayout c) {
        return new VerificationRequest(name, program, type, attachType, maps, c, lineInfo, options);
    }

    public VerificationRequest withAttachType(AttachType a) {
        return new VerificationRequest(name, program, type, a, maps, context, lineInfo, options);
    }

    public VerificationRequest withLineInfo(Map<Integer, String> l) {
        return new VerificationRequest(name, program, type, attachType, maps, context, l, options);
    }
}
