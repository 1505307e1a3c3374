package io.attestream.witness;

import picocli.CommandLine;

/** Runs {@link WitnessCommand} alone: {@code java -cp ... io.attestream.witness.WitnessMain --key ... --dir ... --log ...}. */
public final class WitnessMain {
    private WitnessMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new WitnessCommand()).execute(args));
    }
}
