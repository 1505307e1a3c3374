package io.attestream.sink;

import picocli.CommandLine;

/** Runs {@link SinkCommand} alone: {@code java -cp ... io.attestream.sink.SinkMain run --config sink.properties}. */
public final class SinkMain {
    private SinkMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SinkCommand()).execute(args));
    }
}
