package io.attestream.sink;

import io.attestream.runtime.LoadedConfig;
import io.attestream.runtime.StageOptions;
import io.attestream.sink.internal.ClickHouseStore;
import io.attestream.sink.internal.Ddl;
import io.attestream.sink.internal.RetentionPruner;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream sink}: run the evidence sink, print its DDL, or check chain status in ClickHouse.
 *
 * <p>Exit codes: 0 ok; 1 failed (ClickHouse gone past retry.timeout.ms, a record that cannot be landed); 2 usage or
 * configuration error; 3 {@code status} found agents whose stored chain has missing seqs or more than one row for a
 * seq.
 */
@Command(name = "sink", mixinStandardHelpOptions = true,
        description = "Land chained events, checkpoints, dead letters, drift alerts and schemas in ClickHouse.",
        subcommands = {SinkCommand.Run.class, SinkCommand.PrintDdl.class, SinkCommand.Status.class,
            SinkCommand.Prune.class, SinkCommand.DeclarePolicy.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:failed", "2:usage or configuration error", "3:status found missing seqs or duplicate rows"})
public final class SinkCommand implements Runnable {
    /** Exit code: a check found a problem. */
    public static final int EXIT_PROBLEM = 3;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: run, ddl, status, prune or policy");
    }

    /**
     * Options naming where things are; each maps to a config key at {@code --set} level. Sources and precedence:
     * {@link StageOptions}.
     */
    static final class Connection {
        @CommandLine.Mixin
        StageOptions options = new StageOptions();

        @Option(names = "--bootstrap-servers", description = "= " + SinkConfig.BOOTSTRAP_SERVERS_CONFIG)
        String bootstrapServers;

        @Option(names = "--registry-url", description = "= " + SinkConfig.REGISTRY_URL_CONFIG)
        String registryUrl;

        @Option(names = "--clickhouse-url", description = "= " + SinkConfig.CLICKHOUSE_URL_CONFIG)
        String clickHouseUrl;

        @Option(names = "--clickhouse-user", description = "= " + SinkConfig.CLICKHOUSE_USER_CONFIG)
        String clickHouseUser;

        @Option(names = "--database", description = "= " + SinkConfig.CLICKHOUSE_DATABASE_CONFIG)
        String database;

        LoadedConfig load() {
            options.setIfAbsent(SinkConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            options.setIfAbsent(SinkConfig.REGISTRY_URL_CONFIG, registryUrl);
            options.setIfAbsent(SinkConfig.CLICKHOUSE_URL_CONFIG, clickHouseUrl);
            options.setIfAbsent(SinkConfig.CLICKHOUSE_USER_CONFIG, clickHouseUser);
            options.setIfAbsent(SinkConfig.CLICKHOUSE_DATABASE_CONFIG, database);
            return SinkConfig.loader().load(options.sources());
        }
    }

    /** {@code attestream sink run}. */
    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run the sink until SIGTERM or Ctrl-C.")
    static final class Run implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            SinkConfig config;
            try {
                LoadedConfig loaded = connection.load();
                loaded.log();
                config = new SinkConfig(loaded.values());
            } catch (ConfigException e) {
                spec.commandLine().getErr().println("configuration error: " + e.getMessage());
                return 2;
            }
            CountDownLatch done = new CountDownLatch(1);
            try (EvidenceSink sink = new EvidenceSink(config)) {
                Thread hook = new Thread(() -> {
                    sink.stop();
                    try {
                        done.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "evidence-sink-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                spec.commandLine().getOut().println("evidence sink running; Ctrl-C stops it after the batch in hand");
                spec.commandLine().getOut().flush();
                sink.run();
                return 0;
            } catch (SinkException e) {
                spec.commandLine().getErr().println("sink failed: " + e.getMessage());
                return 1;
            } catch (ConfigException e) {
                spec.commandLine().getErr().println("configuration error: " + e.getMessage());
                return 2;
            } finally {
                done.countDown();
            }
        }
    }

    /** {@code attestream sink ddl}. */
    @Command(name = "ddl", mixinStandardHelpOptions = true,
            description = "Print the DDL migrations, for one server or a cluster.")
    static final class PrintDdl implements Callable<Integer> {
        @Option(names = "--database", defaultValue = "attestream", description = "Database (default ${DEFAULT-VALUE}).")
        String database;

        @Option(names = "--cluster", defaultValue = "", description = "Cluster name for replicated local tables"
                + " + Distributed; empty for one server.")
        String cluster;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            for (Ddl.Migration m : Ddl.migrations(database, cluster)) {
                out.println("-- " + m.name() + " (sha256 " + m.checksum() + ")");
                m.statements().forEach(s -> out.println(s + ";\n"));
            }
            out.flush();
            return 0;
        }
    }

    /** {@code attestream sink status}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Print chain status per agent from ClickHouse; exit 3 when a stored chain has missing seqs"
                    + " or more than one row for a seq.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            SinkConfig config;
            try {
                config = storeConfig(connection);
            } catch (ConfigException e) {
                spec.commandLine().getErr().println("configuration error: " + e.getMessage());
                return 2;
            }
            PrintWriter out = spec.commandLine().getOut();
            int[] problems = {0, 0};
            String db = config.getString(SinkConfig.CLICKHOUSE_DATABASE_CONFIG);
            try (ClickHouseStore store = store(config)) {
                out.printf("%-12s %-20s %10s %10s %8s %10s %10s %12s%n", "tenant", "agent", "events", "latest_seq",
                        "missing", "duplicates", "checkpoint", "age_s");
                // events = distinct seqs; missing = (latest_seq + 1) - events; duplicates = rows beyond one per seq.
                store.query("SELECT tenant, agent_id, events, latest_seq, missing_seqs, duplicate_rows,"
                        + " checkpoint_size, checkpoint_age_s FROM " + db + ".chain_status ORDER BY tenant, agent_id",
                        rs -> {
                            out.printf("%-12s %-20s %10d %10d %8d %10d %10d %12s%n", rs.getString(1), rs.getString(2),
                                    rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7),
                                    rs.getString(8));
                            if (rs.getLong(5) != 0) {
                                problems[0]++;
                            }
                            if (rs.getLong(6) != 0) {
                                problems[1]++;
                            }
                        });
            } catch (SinkException e) {
                spec.commandLine().getErr().println("status failed: " + e.getMessage());
                return 1;
            }
            out.flush();
            if (problems[0] > 0 || problems[1] > 0) {
                spec.commandLine().getErr().println(problems[0] + " agent(s) with missing seqs, " + problems[1]
                        + " agent(s) with more than one row for a seq (run attestream verify: it names each one)");
                return EXIT_PROBLEM;
            }
            return 0;
        }
    }

    /** The writer connection of {@code status}, {@code prune} and {@code policy}: no Kafka, no registry needed. */
    static SinkConfig storeConfig(Connection connection) {
        Map<String, Object> props = connection.load().values();
        props.putIfAbsent(SinkConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.putIfAbsent(SinkConfig.REGISTRY_URL_CONFIG, "http://unused");
        return new SinkConfig(props);
    }

    static ClickHouseStore store(SinkConfig config) {
        return new ClickHouseStore(config.getString(SinkConfig.CLICKHOUSE_URL_CONFIG),
                config.getString(SinkConfig.CLICKHOUSE_USER_CONFIG),
                config.getPassword(SinkConfig.CLICKHOUSE_PASSWORD_CONFIG).value(),
                config.getString(SinkConfig.CLICKHOUSE_DATABASE_CONFIG), config.clickHouseDriverProperties(),
                config.clickHouseInsertClient());
    }

    /** {@code attestream sink prune}. */
    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = "Blank the payload (event_bytes, free-text typed columns) of entries older than their"
                    + " retention policy's max_days, except those a legal hold in force covers; chain columns and"
                    + " checkpoints are never touched. Each run is recorded in retention_prunings.")
    static final class Prune implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection;

        @Option(names = "--dry-run", description = "Count what would be pruned; change nothing.")
        boolean dryRun;

        @Option(names = "--now", paramLabel = "INSTANT", description = "Judge cutoffs and holds at this ISO-8601"
                + " instant instead of the current time (tests, a catch-up run).")
        Instant now;

        @Option(names = "--run-by", defaultValue = "${sys:user.name}", description = "Who runs it, recorded"
                + " (default: the OS user).")
        String runBy;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            SinkConfig config;
            try {
                config = storeConfig(connection);
            } catch (ConfigException e) {
                spec.commandLine().getErr().println("configuration error: " + e.getMessage());
                return 2;
            }
            PrintWriter out = spec.commandLine().getOut();
            try (ClickHouseStore store = store(config)) {
                RetentionPruner.Result r = RetentionPruner.prune(store,
                        config.getString(SinkConfig.CLICKHOUSE_CLUSTER_CONFIG),
                        now != null ? now : Instant.now(), dryRun, runBy);
                out.printf(Locale.ROOT, "%s %d event(s) and %d typed row(s) in %.1f s (%.0f events/s);"
                        + " %d policy(ies), %d hold(s) in force; run %s%n", dryRun ? "would prune" : "pruned",
                        r.events(), r.typedRows(), r.millis() / 1000.0,
                        r.millis() == 0 ? 0.0 : r.events() * 1000.0 / r.millis(), r.policies().size(), r.holds().size(),
                        r.runId());
                r.holds().forEach(h -> out.println("  held: " + h.describe()));
            } catch (SinkException e) {
                spec.commandLine().getErr().println("prune failed: " + e.getMessage());
                return 1;
            }
            out.flush();
            return 0;
        }
    }

    /** {@code attestream sink policy}. */
    @Command(name = "policy", mixinStandardHelpOptions = true,
            description = "Declare a retention policy for a tenant and event type (a new row of"
                    + " retention_policies; the row declared last for a tenant and type is in force).")
    static final class DeclarePolicy implements Callable<Integer> {
        @CommandLine.Mixin
        Connection connection;

        @Option(names = "--tenant", required = true, description = "Tenant, or * for every tenant.")
        String tenant;

        @Option(names = "--event-type", required = true, description = "Event type (payload record name, e.g."
                + " AgentAction), or * for every type.")
        String eventType;

        @Option(names = "--min-days", required = true, description = "Entries younger than this keep their payload.")
        int minDays;

        @Option(names = "--max-days", required = true, description = "Entries chained longer ago are pruned.")
        int maxDays;

        @Option(names = "--by", required = true, description = "Who declares it (recorded).")
        String by;

        @Option(names = "--reason", defaultValue = "", description = "Why (recorded), e.g. the policy document.")
        String reason;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            SinkConfig config;
            try {
                config = storeConfig(connection);
                new RetentionPruner.Policy(tenant, eventType, minDays, maxDays, 0, by);
            } catch (ConfigException | IllegalArgumentException e) {
                spec.commandLine().getErr().println("configuration error: " + e.getMessage());
                return 2;
            }
            try (ClickHouseStore store = store(config)) {
                RetentionPruner.declare(store, tenant, eventType, minDays, maxDays, by, reason);
            } catch (SinkException e) {
                spec.commandLine().getErr().println("policy failed: " + e.getMessage());
                return 1;
            }
            spec.commandLine().getOut().println("declared retention policy " + tenant + "/" + eventType + ": "
                    + minDays + ".." + maxDays + " days");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
