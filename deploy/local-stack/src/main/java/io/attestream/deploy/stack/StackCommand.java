package io.attestream.deploy.stack;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream stack up | down | status | fetch}: the embedded local stack from the command
 * line. Exit codes: 0 success (for {@code status}: every service runs and answers), 1 failure
 * (message on stderr names the service and the option to change), 2 usage error, 3 ({@code status}
 * only) some service is not running.
 */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = "Run Kafka (KRaft), the schema registry and the ClickHouse front as local child processes.",
        subcommands = {StackCommand.Up.class, StackCommand.Down.class, StackCommand.Status.class,
                StackCommand.Fetch.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:a service failed (see message)", "2:usage error",
                "3:status: not every service is running"})
public final class StackCommand implements Runnable {
    /** Exit code of {@code status} when some service is not running. */
    public static final int EXIT_NOT_RUNNING = 3;

    @Spec
    private CommandSpec spec;

    /**
     * Runs the command alone (the {@code attestream} CLI registers it as a subcommand instead).
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new StackCommand()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options every subcommand shares. */
    static final class Common {
        @Option(names = "--dir", paramLabel = "DIR", description = "Stack directory: data, PID files, logs, "
                + "endpoints.properties (key " + StackConfig.STACK_DIR_CONFIG + ", default ./.attestream).")
        Path dir = StackConfig.DEFAULT_STACK_DIR;

        @Option(names = "--cache-dir", paramLabel = "DIR", description = "Download cache (key "
                + StackConfig.CACHE_DIR_CONFIG + ", default $" + StackConfig.CACHE_ENV + " or ~/.cache/attestream).")
        Path cacheDir;

        @Option(names = "--kafka-port", paramLabel = "PORT", description = "Kafka client port (key "
                + StackConfig.KAFKA_PORT_CONFIG + ", default ${DEFAULT-VALUE}).")
        int kafkaPort = StackConfig.DEFAULT_KAFKA_PORT;

        @Option(names = "--kafka-controller-port", paramLabel = "PORT", description = "KRaft controller port (key "
                + StackConfig.KAFKA_CONTROLLER_PORT_CONFIG + ", default ${DEFAULT-VALUE}).")
        int kafkaControllerPort = StackConfig.DEFAULT_KAFKA_CONTROLLER_PORT;

        @Option(names = "--registry-port", paramLabel = "PORT", description = "Schema registry port (key "
                + StackConfig.REGISTRY_PORT_CONFIG + ", default ${DEFAULT-VALUE}).")
        int registryPort = StackConfig.DEFAULT_REGISTRY_PORT;

        @Option(names = "--registry-management-port", paramLabel = "PORT", description = "Registry health/metrics "
                + "port (key " + StackConfig.REGISTRY_MANAGEMENT_PORT_CONFIG + ", default ${DEFAULT-VALUE}).")
        int registryManagementPort = StackConfig.DEFAULT_REGISTRY_MANAGEMENT_PORT;

        @Option(names = "--clickhouse-port", paramLabel = "PORT", description = "ClickHouse HTTP port (key "
                + StackConfig.CLICKHOUSE_PORT_CONFIG + ", default ${DEFAULT-VALUE}).")
        int clickHousePort = StackConfig.DEFAULT_CLICKHOUSE_PORT;

        @Option(names = "--registry-java", paramLabel = "JAVA", description = "Java home or java executable for "
                + "the registry (key " + StackConfig.REGISTRY_JAVA_CONFIG + "; default: newest JDK >= 21 found).")
        Path registryJava;

        @Option(names = "--clickhouse-password", paramLabel = "PASSWORD", description = "Password of ClickHouse user "
                + "'default', applied when the users file is first written (key "
                + StackConfig.CLICKHOUSE_DEFAULT_PASSWORD_CONFIG + ", default empty).")
        String clickHousePassword = "";

        @Option(names = "--auditor-password", paramLabel = "PASSWORD", description = "Password of read-only user "
                + "'auditor', applied when the users file is first written (key "
                + StackConfig.CLICKHOUSE_AUDITOR_PASSWORD_CONFIG + ", default ${DEFAULT-VALUE}).")
        String auditorPassword = StackConfig.DEFAULT_AUDITOR_PASSWORD;

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long 'up' waits for each service "
                + "(key " + StackConfig.START_TIMEOUT_CONFIG + ", default ${DEFAULT-VALUE}).")
        long timeoutSeconds = StackConfig.DEFAULT_START_TIMEOUT.toSeconds();

        @Option(names = "--no-witness", description = "Do not run the stack's witness (key "
                + StackConfig.WITNESS_CONFIG + "; default: run it).")
        boolean noWitness;

        @Option(names = "--witness-port", paramLabel = "PORT", description = "The witness's HTTP port (key "
                + StackConfig.WITNESS_PORT_CONFIG + ", default ${DEFAULT-VALUE}).")
        int witnessPort = StackConfig.DEFAULT_WITNESS_PORT;

        @Option(names = "--witness-log-key", paramLabel = "VKEY_FILE", description = "Checkpoint vkey of the logs "
                + "the witness cosigns, repeatable (key " + StackConfig.WITNESS_LOG_KEYS_CONFIG + "; default: the "
                + "demo chainer's <dir>/demo/keys/attestream-demo.vkey, created when missing). Read when the "
                + "witness starts: run 'down' then 'up' to change it.")
        List<Path> witnessLogKeys = new java.util.ArrayList<>();

        StackConfig config() {
            StackConfig.Builder b = StackConfig.builder(dir)
                    .kafkaPort(kafkaPort).kafkaControllerPort(kafkaControllerPort)
                    .registryPort(registryPort).registryManagementPort(registryManagementPort)
                    .clickHousePort(clickHousePort).registryJava(registryJava)
                    .clickHouseDefaultPassword(clickHousePassword).clickHouseAuditorPassword(auditorPassword)
                    .startTimeout(Duration.ofSeconds(timeoutSeconds))
                    .witness(!noWitness).witnessPort(witnessPort).witnessLogKeys(witnessLogKeys);
            if (cacheDir != null) {
                b.cacheDir(cacheDir);
            }
            return b.build();
        }
    }

    /** Base of the subcommands: builds the stack, maps failures to exit code 1. */
    abstract static class Sub implements Callable<Integer> {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Override
        public final Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                LocalStack stack = new LocalStack(common.config(), line -> {
                    out.println(line);
                    out.flush();
                });
                return run(stack, out);
            } catch (StackException | IllegalArgumentException e) {
                err.println("attestream stack " + spec.name() + ": " + e.getMessage());
                err.flush();
                return 1;
            }
        }

        abstract int run(LocalStack stack, PrintWriter out);
    }

    /** {@code up}. */
    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Start every service that is not running and wait until all answer; print the endpoints "
                    + "and write them to <dir>/endpoints.properties. Running twice is harmless.")
    static final class Up extends Sub {
        @Override
        int run(LocalStack stack, PrintWriter out) {
            StackEndpoints endpoints = stack.up();
            out.println(endpoints.describe());
            if (stack.config().witness()) {
                java.util.Map<String, String> w = io.attestream.deploy.stack.internal.WitnessService
                        .endpointProperties(stack.config());
                out.println("witness     " + w.get(StackEndpoints.WITNESS_URL_KEY) + "  (cosigner vkey: "
                        + w.get(StackEndpoints.WITNESS_VKEY_KEY) + ")");
            }
            return 0;
        }
    }

    /** {@code down}. */
    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Stop the services (SIGTERM, kill after 30 s); data stays in <dir>.")
    static final class Down extends Sub {
        @Override
        int run(LocalStack stack, PrintWriter out) {
            stack.down();
            return 0;
        }
    }

    /** {@code status}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Say which services run. Exit 0 when all run and answer, 3 otherwise.")
    static final class Status extends Sub {
        @Override
        int run(LocalStack stack, PrintWriter out) {
            List<ServiceStatus> all = stack.status();
            boolean allUp = true;
            for (ServiceStatus s : all) {
                out.printf(Locale.ROOT, "%-11s %-14s %-8s %-9s %s%n", s.service(),
                        s.state().name().toLowerCase(Locale.ROOT), s.pid() > 0 ? Long.toString(s.pid()) : "-",
                        s.rssBytes() > 0 ? (s.rssBytes() >> 20) + " MiB" : "-", s.endpoint());
                allUp &= s.state() == ServiceStatus.State.RUNNING;
            }
            return allUp ? 0 : EXIT_NOT_RUNNING;
        }
    }

    /** {@code fetch}. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download and cache everything the stack needs (registry distribution, libchdb); start nothing.")
    static final class Fetch extends Sub {
        @Override
        int run(LocalStack stack, PrintWriter out) {
            stack.fetch();
            out.println("cache ready in " + stack.config().cacheDir());
            return 0;
        }
    }
}
