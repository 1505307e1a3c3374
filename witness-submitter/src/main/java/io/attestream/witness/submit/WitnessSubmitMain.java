package io.attestream.witness.submit;

import picocli.CommandLine;

/** Runs {@link WitnessSubmitCommand} alone: {@code java -cp ... io.attestream.witness.submit.WitnessSubmitMain ...}. */
public final class WitnessSubmitMain {
    private WitnessSubmitMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new WitnessSubmitCommand()).execute(args));
    }
}
