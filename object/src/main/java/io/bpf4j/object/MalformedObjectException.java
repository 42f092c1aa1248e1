package io.bpf4j.object;

import io.bpf4j.BpfException;

/**
 * An object file that is not a well-formed BPF ELF object: truncated, corrupt, of the wrong class, byte order
 * or machine, with offsets outside the file or its section, or with BTF, maps or code that contradict
 * themselves. The message names the file, the section and the symbol or offset, as do the accessors.
 */
public class MalformedObjectException extends BpfException {
    private final String file;
    private final String section;
    private final String location;
    private String stage;

    /**
     * @param file     the file name as given to the reader
     * @param section  the section the problem is in, or null when it is in the ELF header
     * @param location a symbol, offset or record inside the section (e.g. "symbol jmp_table", "offset 0x48"),
     *                 or null
     * @param problem  what is wrong
     */
    public MalformedObjectException(String file, String section, String location, String problem) {
        this(file, section, location, problem, null);
    }

    public MalformedObjectException(String file, String section, String location, String problem, Throwable cause) {
        super(describe(file, section, location, problem), cause);
        this.file = file;
        this.section = section;
        this.location = location;
    }

    static String describe(String file, String section, String location, String problem) {
        StringBuilder sb = new StringBuilder(file == null ? "<object>" : file);
        if (section != null) sb.append(": section ").append(section.isEmpty() ? "<unnamed>" : section);
        if (location != null) sb.append(": ").append(location);
        return sb.append(": ").append(problem).toString();
    }

    /**
     * The loading stage that found the problem ("load BTF maps", "link programs"...; see {@code ObjectReader}), or null
     * when the exception did not come from reading an object. The message names it after the file.
     */
    public String stage() {
        return stage;
    }

    /** Records the stage once, as the reader's pipeline passes the exception up. */
    MalformedObjectException atStage(String name) {
        if (stage == null) stage = name;
        return this;
    }

    @Override
    public String getMessage() {
        String m = super.getMessage();
        if (stage == null || file == null || !m.startsWith(file + ": ")) return m;
        return file + ": " + stage + ": " + m.substring(file.length() + 2);
    }

    /** The file name given to the reader. */
    public String file() {
        return file;
    }

    /** The section the problem is in, or null for the ELF header. */
    public String section() {
        return section;
    }

    /** The symbol, offset or record the problem is at, or null. */
    public String location() {
        return location;
    }
}
