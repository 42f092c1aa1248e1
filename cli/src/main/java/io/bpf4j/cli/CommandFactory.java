package io.bpf4j.cli;

import picocli.CommandLine;

/** Creates commands and hands each {@link BaseCommand} the streams it runs with. */
final class CommandFactory implements CommandLine.IFactory {
    private final Streams streams;
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    CommandFactory(Streams streams) {
        this.streams = streams;
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
        K k = fallback.create(cls);
        if (k instanceof BaseCommand c) c.streams = streams;
        return k;
    }
}
