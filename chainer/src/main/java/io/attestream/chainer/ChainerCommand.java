package io.attestream.chainer;

import io.attestream.integrity.IntegrityException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream chainer --config FILE [--set KEY=VALUE]...}: runs one chainer instance until SIGTERM. Keys and
 * defaults: {@link ChainerConfig} and chainer/README.md.
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

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with the configuration.")
    private Path configFile;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "A configuration value; wins over --config. Repeatable.")
    private Map<String, String> overrides = new LinkedHashMap<>();

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
            config = new ChainerConfig(properties());
        } catch (ConfigException | IOException e) {
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
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it stops the app itself.
            }
        }
    }

    private Map<String, Object> properties() throws IOException {
        Map<String, Object> props = new HashMap<>();
        if (configFile != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            for (String k : p.stringPropertyNames()) {
                props.put(k, p.getProperty(k));
            }
        }
        props.putAll(overrides);
        return props;
    }
}
