package io.attestream.chainer;

import picocli.CommandLine;

/** Runs the chainer alone: {@code java -cp ... io.attestream.chainer.ChainerMain --config FILE}. */
public final class ChainerMain {
    private ChainerMain() {
    }

    /** Wires only: parses the command line, runs {@link ChainerCommand}, exits with its code. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ChainerCommand()).execute(args));
    }
}
