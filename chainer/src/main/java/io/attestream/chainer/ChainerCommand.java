package io.attestream.chainer;

import io.attestream.integrity.IntegrityException;
import io.attestream.runtime.LoadedConfig;
import io.attestream.runtime.StageOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream chainer [--config FILE] [--set KEY=VALUE]...}: runs one chainer instance until SIGTERM. Keys and
 * defaults: {@link ChainerConfig} and chainer/README.md; sources and precedence: {@link StageOptions}.
 */
@Command(name = "chainer", mixinStandardHelpOptions = true,
        description = "Run the chainer: sequence, hash-chain and checkpoint every agent's events (Kafka Streams, "
                + "exactly-once). Runs until SIGTERM.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped on request (SIGTERM)",
            "1:failed: bad configuration value, unreadable key, Kafka or processing error (the message says which)",
            "2:invalid command line",
            "3:start-up check found a problem: the re-key topic's partition count differs from the input topic's"})
public final class ChainerCommand implements Callable<Integer> {
    /** Stopped on request. */
    public static final int EXIT_OK = 0;
    /** Failed. */
    public static final int EXIT_FAILED = 1;
    /** A start-up check found a problem. */
    public static final int EXIT_CHECK = 3;

    @Spec
    private CommandSpec spec;

    @Mixin
    private StageOptions options = new StageOptions();

    @Option(names = "--print-config", description = "Print every configuration key with its default and exit.")
    private boolean printConfig;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (printConfig) {
            spec.commandLine().getOut().println(ChainerConfig.configDef().toRst());
            return EXIT_OK;
        }
        ChainerConfig config;
        try {
            LoadedConfig loaded = ChainerConfig.loader().load(options.sources());
            loaded.log();
            config = new ChainerConfig(loaded.values());
        } catch (ConfigException e) {
            err.println("chainer: invalid configuration: " + e.getMessage());
            return EXIT_FAILED;
        }
        ChainerApp app = new ChainerApp(config);
        Thread hook = new Thread(app::stop, "chainer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            ChainerApp.Outcome outcome = app.run();
            switch (outcome) {
                case STOPPED:
                    return EXIT_OK;
                case CHECK_FAILED:
                    return EXIT_CHECK;
                default:
                    err.println("chainer: failed (see the log)");
                    return EXIT_FAILED;
            }
        } catch (ChainerException | IntegrityException e) {
            err.println("chainer: " + e.getMessage());
            return EXIT_FAILED;
        } catch (ConfigException e) {
            err.println("chainer: invalid configuration: " + e.getMessage());
            return EXIT_FAILED;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it stops the app itself.
            }
        }
    }
}
