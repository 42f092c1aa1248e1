package io.bpf4j.object;

/**
 * The object's parts do not fit together: a relocation names a symbol that is not defined, a call lands
 * outside any function, a prog array slot names something that is not a program. The file is well formed,
 * its contents cannot be linked.
 */
public class LinkException extends MalformedObjectException {
    public LinkException(String file, String section, String location, String problem) {
        super(file, section, location, problem);
    }
}
