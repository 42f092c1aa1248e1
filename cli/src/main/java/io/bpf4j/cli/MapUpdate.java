package io.bpf4j.cli;

import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;
import io.bpf4j.object.MapSpec;
import io.bpf4j.object.ObjectSpec;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code --update MAP[KEY]=VALUE} option: write one entry before the run, key and value in hex in the map's own
 * layout (little-endian numbers), as {@code bpftool map update ... key hex ... value hex ...} takes them.
 */
record MapUpdate(String map, byte[] key, byte[] value) {
    private static final Pattern SYNTAX = Pattern.compile("([^\\[\\]=]+)\\[([^\\]]*)\\]=(.*)");

    static MapUpdate parse(String text) {
        Matcher m = SYNTAX.matcher(text);
        if (!m.matches()) {
            throw CliException.usage("--update " + text + ": expected MAP[KEY]=VALUE with key and value in hex, e.g. --update 'rules[06 00 00 17]=01 00 00 00'");
        }
        return new MapUpdate(m.group(1).strip(), Hex.parse("--update " + text + ": the key", m.group(2)), Hex.parse("--update " + text + ": the value", m.group(3)));
    }

    /** Checks the map exists, takes updates, and the sizes are the map's. */
    MapUpdate check(ObjectSpec spec, String text) {
        MapSpec m = ObjectFiles.map(spec, map);
        MapDefinition d = m.definition();
        if (d.type() == MapType.PROG_ARRAY) {
            throw CliException.usage("--update " + text + ": " + map + " is a prog array; fill its slots with --set " + map + "[INDEX]=PROG");
        }
        if (key.length != d.keySize()) {
            throw CliException.usage("--update " + text + ": " + map + " has " + d.keySize() + "-byte keys, the key given has " + key.length + " bytes");
        }
        if (value.length != d.valueSize()) {
            throw CliException.usage("--update " + text + ": " + map + " has " + d.valueSize() + "-byte values, the value given has " + value.length + " bytes");
        }
        return this;
    }
}
