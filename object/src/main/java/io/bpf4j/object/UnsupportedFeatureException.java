package io.bpf4j.object;

import io.bpf4j.BpfException;

/**
 * The object is well formed but uses something bpf4j does not implement yet (CO-RE relocations, extern
 * kconfig/ksym variables, arena maps...). The message names the program and instruction, or the section and
 * symbol, so the user knows exactly which construct to avoid.
 */
public class UnsupportedFeatureException extends BpfException {
    private final String file;
    private final String program;
    private final int pc;
    private String stage;

    public UnsupportedFeatureException(String file, String program, int pc, String problem) {
        super(MalformedObjectException.describe(file, null, program == null ? null
                : "program " + program + (pc >= 0 ? " at pc " + pc : ""), problem));
        this.file = file;
        this.program = program;
        this.pc = pc;
    }

    /** The loading stage that found the construct, or null; the message names it after the file. */
    public String stage() {
        return stage;
    }

    UnsupportedFeatureException atStage(String name) {
        if (stage == null) stage = name;
        return this;
    }

    @Override
    public String getMessage() {
        String m = super.getMessage();
        if (stage == null || file == null || !m.startsWith(file + ": ")) return m;
        return file + ": " + stage + ": " + m.substring(file.length() + 2);
    }

    public String file() {
        return file;
    }

    /** The program that uses the feature, or null when it is not one program's. */
    public String program() {
        return program;
    }

    /** The instruction (slot index in the linked program) that uses the feature, or -1. */
    public int pc() {
        return pc;
    }
}
