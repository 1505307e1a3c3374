package io.attestream.cli;

import io.attestream.chainer.ChainerCommand;
import io.attestream.cli.demo.DemoCommand;
import io.attestream.cli.privacy.EraseCommand;
import io.attestream.cli.privacy.ExportCommand;
import io.attestream.cli.privacy.KeystoreCommand;
import io.attestream.cli.report.ReportCommand;
import io.attestream.deploy.chdb.ChdbServerMain;
import io.attestream.deploy.stack.StackCommand;
import io.attestream.dev.tsa.TsaCommand;
import io.attestream.drift.DriftCommand;
import io.attestream.ingest.gateway.GatewayCommand;
import io.attestream.sink.SinkCommand;
import io.attestream.verifier.CheckProofCommand;
import io.attestream.verifier.ProveCommand;
import io.attestream.verifier.VerifyCommand;
import io.attestream.witness.WitnessCommand;
import io.attestream.witness.submit.WitnessSubmitCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code attestream} command: one entry point, a subcommand per pipeline stage and tool. */
@Command(name = "attestream", mixinStandardHelpOptions = true, versionProvider = AttestreamMain.Version.class,
        description = "Tamper-evident audit pipeline for AI agents: Kafka, hash chains, signed checkpoints, ClickHouse.",
        subcommands = {DemoCommand.class, ReportCommand.class, StackCommand.class, SchemasCommand.class, ChainerCommand.class, DriftCommand.class, SinkCommand.class,
            GatewayCommand.class, VerifyCommand.class, ProveCommand.class, CheckProofCommand.class, KeygenCommand.class, TsaCommand.class, WitnessCommand.class,
            WitnessSubmitCommand.class, ChdbServerMain.class, EraseCommand.class, ExportCommand.class,
            KeystoreCommand.class, HoldCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the command failed (the message says why)",
            "2:invalid command line",
            "3:a check found a problem (verification failure, service not running, incompatible schema)"})
public final class AttestreamMain {

    private AttestreamMain() {
    }

    /** Builds the command line; tests run commands through this without exiting the JVM. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(AttestreamMain.class);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getColorScheme().errorText("error: " + message(e)));
            if (Boolean.getBoolean("attestream.debug")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cli;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    private static String message(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.toString() : message;
    }

    /** Reads the version Maven wrote into the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = AttestreamMain.class.getPackage().getImplementationVersion();
            return new String[] {"attestream " + (version == null ? "(development build)" : version)};
        }
    }
}
