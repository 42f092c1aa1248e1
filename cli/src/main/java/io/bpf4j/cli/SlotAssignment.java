package io.bpf4j.cli;

import io.bpf4j.abi.MapType;
import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code --set MAP[INDEX]=PROG} option: put program PROG into slot INDEX of prog array MAP (an empty PROG
 * empties the slot). Checked against the object, so a typo is a usage error naming what exists.
 *
 * @param map     the prog array's name
 * @param index   the slot
 * @param program the program's name, or null to empty the slot
 */
record SlotAssignment(String map, int index, String program) {
    private static final Pattern SYNTAX = Pattern.compile("([^\\[\\]=]+)\\[(\\d+)\\]=(.*)");

    /** Parses the option's text (syntax only; see {@link #check}). */
    static SlotAssignment parse(String text) {
        Matcher m = SYNTAX.matcher(text);
        if (!m.matches()) {
            throw CliException.usage("--set " + text + ": expected MAP[INDEX]=PROG, e.g. --set stages[4]=policy (or stages[4]= to empty slot 4)");
        }
        long index;
        try {
            index = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
            index = Long.MAX_VALUE;
        }
        if (index > Integer.MAX_VALUE) throw CliException.usage("--set " + text + ": slot index " + m.group(2) + " is too large");
        String prog = m.group(3).strip();
        return new SlotAssignment(m.group(1).strip(), (int) index, prog.isEmpty() ? null : prog);
    }

    /** Checks that the map is a prog array of the object with that slot, and the program exists. */
    SlotAssignment check(ObjectSpec spec) {
        MapSpec m = ObjectFiles.map(spec, map);
        if (m.definition().type() != MapType.PROG_ARRAY) {
            throw CliException.usage("--set " + this + ": " + map + " is a " + ObjectFiles.lower(m.definition().type())
                    + " map, not a prog array; --set fills prog-array slots (the object's prog arrays: "
                    + ObjectFiles.names(spec.maps().stream().filter(x -> x.definition().type() == MapType.PROG_ARRAY).map(MapSpec::name).toList()) + ")");
        }
        if (index >= m.definition().maxEntries()) {
            throw CliException.usage("--set " + this + ": " + map + " has " + m.definition().maxEntries() + " slots (0.."
                    + (m.definition().maxEntries() - 1) + "), so there is no slot " + index);
        }
        if (program != null) ObjectFiles.program(spec, program);
        return this;
    }

    @Override
    public String toString() {
        return map + "[" + index + "]=" + (program == null ? "" : program);
    }
}
