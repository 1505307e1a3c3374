package io.attestream.witness.submit;

import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.IntegrityException;
import io.attestream.runtime.HealthServer;
import io.attestream.runtime.LoadedConfig;
import io.attestream.runtime.StageMetrics;
import io.attestream.runtime.StageOptions;
import io.attestream.schemas.registry.RegistryClientConfig;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.witness.WitnessClient;
import io.attestream.witness.WitnessException;
import java.io.PrintWriter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code attestream witness-submit}: runs the {@link SubmitterStage} until SIGTERM/SIGINT. Sources and precedence:
 * {@link StageOptions} (the flags below are {@code --set}-level aliases of {@link WitnessSubmitConfig} keys).
 */
@Command(name = "witness-submit", mixinStandardHelpOptions = true,
        description = {"Submit every committed checkpoint to the configured C2SP witnesses with a consistency proof "
                + "and publish their cosignatures to attestream.checkpoint-cosignatures (the sink lands them in "
                + "checkpoint_attestations)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped on request",
            "1:failed (Kafka, registry, witness key file, or the cosignature topic cannot be written)",
            "2:invalid command line"})
public final class WitnessSubmitCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private StageOptions options = new StageOptions();

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka (= " + WitnessSubmitConfig.BOOTSTRAP_SERVERS_CONFIG + ").")
    private String bootstrap;

    @Option(names = "--registry-url", paramLabel = "URL",
            description = "Confluent-compatible schema registry (ChainedEvent and CheckpointRecord decode through it; "
                    + "= schema.registry.url).")
    private String registryUrl;

    @Option(names = "--witness", paramLabel = "URL=COSIGNER_VKEY_FILE",
            description = "A witness: its submission prefix and the file of its cosigner vkey (`attestream witness "
                    + "--print-vkey`). Repeatable (= " + WitnessSubmitConfig.WITNESSES_CONFIG + ").")
    private List<String> witnessOptions = new ArrayList<>();

    @Option(names = "--chained-topic", paramLabel = "TOPIC",
            description = "Chained events, read committed (= " + WitnessSubmitConfig.CHAINED_TOPIC_CONFIG + ").")
    private String chainedTopic;

    @Option(names = "--checkpoints-topic", paramLabel = "TOPIC",
            description = "Checkpoints, read committed (= " + WitnessSubmitConfig.CHECKPOINTS_TOPIC_CONFIG + ").")
    private String checkpointsTopic;

    @Option(names = "--cosignatures-topic", paramLabel = "TOPIC",
            description = "Where cosignatures go (= " + WitnessSubmitConfig.COSIGNATURES_TOPIC_CONFIG + ").")
    private String cosignaturesTopic;

    @Option(names = "--timeout-ms", paramLabel = "MS",
            description = "Connect and request timeout per witness call (= " + WitnessSubmitConfig.TIMEOUT_MS_CONFIG
                    + ").")
    private String timeoutMs;

    @Option(names = "--min-backoff-ms", paramLabel = "MS",
            description = "First retry delay (= " + WitnessSubmitConfig.MIN_BACKOFF_MS_CONFIG + ").")
    private String minBackoffMs;

    @Option(names = "--max-backoff-ms", paramLabel = "MS",
            description = "Largest retry delay (= " + WitnessSubmitConfig.MAX_BACKOFF_MS_CONFIG + ").")
    private String maxBackoffMs;

    @Option(names = "--state-dir", required = true, paramLabel = "DIR",
            description = "Where the stage keeps its position (created when missing): the next offset of every input "
                    + "partition and each log's tree suffix, pending checkpoints and witness sizes, replaced "
                    + "atomically (submitter.state). A restart resumes there instead of reading both topics from the "
                    + "beginning. 'none': keep nothing, read from the beginning on every start.")
    private String stateDir;

    @Option(names = "--snapshot-interval-ms", defaultValue = "5000", paramLabel = "MS",
            description = "Least time between two state snapshots while running; one more is written on stop "
                    + "(default: ${DEFAULT-VALUE}). Work after the last snapshot is redone after a kill.")
    private long snapshotIntervalMs;

    private final CountDownLatch stopped = new CountDownLatch(1);

    /**
     * Parses {@code --witness} values.
     *
     * @param options {@code URL=FILE} values
     * @param timeout the client timeout
     * @return one client per value
     * @throws IllegalArgumentException when a value is malformed
     * @throws io.attestream.integrity.KeyException when a key file is unreadable or not a cosigner vkey
     */
    static List<WitnessClient> parseWitnesses(List<String> options, Duration timeout) {
        List<WitnessClient> out = new ArrayList<>();
        for (String o : options) {
            int eq = o.lastIndexOf('=');
            if (eq <= 0 || eq == o.length() - 1) {
                throw new IllegalArgumentException("--witness must be URL=COSIGNER_VKEY_FILE, got '" + o + "'");
            }
            URI uri = URI.create(o.substring(0, eq));
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                throw new IllegalArgumentException("--witness URL must be http(s)://..., got '" + uri + "'");
            }
            out.add(new WitnessClient(uri, CosignerKey.read(Path.of(o.substring(eq + 1))), timeout));
        }
        return out;
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        WitnessSubmitConfig config;
        try {
            options.setIfAbsent(WitnessSubmitConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            options.setIfAbsent(RegistryClientConfig.URL_CONFIG, registryUrl);
            options.setIfAbsent(WitnessSubmitConfig.WITNESSES_CONFIG,
                    witnessOptions.isEmpty() ? null : String.join(",", witnessOptions));
            options.setIfAbsent(WitnessSubmitConfig.CHAINED_TOPIC_CONFIG, chainedTopic);
            options.setIfAbsent(WitnessSubmitConfig.CHECKPOINTS_TOPIC_CONFIG, checkpointsTopic);
            options.setIfAbsent(WitnessSubmitConfig.COSIGNATURES_TOPIC_CONFIG, cosignaturesTopic);
            options.setIfAbsent(WitnessSubmitConfig.TIMEOUT_MS_CONFIG, timeoutMs);
            options.setIfAbsent(WitnessSubmitConfig.MIN_BACKOFF_MS_CONFIG, minBackoffMs);
            options.setIfAbsent(WitnessSubmitConfig.MAX_BACKOFF_MS_CONFIG, maxBackoffMs);
            LoadedConfig loaded = WitnessSubmitConfig.loader().load(options.sources());
            loaded.log();
            config = new WitnessSubmitConfig(loaded.values());
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), "invalid configuration: " + e.getMessage());
        }
        if (snapshotIntervalMs < 0) {
            throw new ParameterException(spec.commandLine(), "--snapshot-interval-ms must not be negative");
        }
        Path state = "none".equals(stateDir) ? null : Path.of(stateDir);
        List<WitnessClient> witnesses;
        try {
            witnesses = parseWitnesses(config.getList(WitnessSubmitConfig.WITNESSES_CONFIG),
                    Duration.ofMillis(config.getLong(WitnessSubmitConfig.TIMEOUT_MS_CONFIG)));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IntegrityException e) {
            err.println("witness-submit: " + e.getMessage());
            return 1;
        }
        SubmitterStage.StageTopics topics;
        try {
            topics = new SubmitterStage.StageTopics(config.getString(WitnessSubmitConfig.CHAINED_TOPIC_CONFIG),
                    config.getString(WitnessSubmitConfig.CHECKPOINTS_TOPIC_CONFIG),
                    config.getString(WitnessSubmitConfig.COSIGNATURES_TOPIC_CONFIG));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        SubmitterStage stage;
        HealthServer health;
        try {
            stage = new SubmitterStage(config.clientProps(), new SchemaRegistryClient(config.registryConfig()), topics,
                    witnesses, Duration.ofMillis(config.getLong(WitnessSubmitConfig.MIN_BACKOFF_MS_CONFIG)),
                    Duration.ofMillis(config.getLong(WitnessSubmitConfig.MAX_BACKOFF_MS_CONFIG)), Clock.systemUTC(),
                    state, Duration.ofMillis(snapshotIntervalMs));
        } catch (WitnessException | KafkaException e) {
            err.println("witness-submit: " + e.getMessage());
            return 1;
        }
        try {
            PrometheusMeterRegistry meters = StageMetrics.newRegistry();
            stage.bindMetrics(meters);
            health = HealthServer.start(config, meters, stage::readiness, HealthServer.alwaysLive());
        } catch (ConfigException e) {
            stage.close();
            err.println("witness-submit: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stage.stop();
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "witness-submit-shutdown"));
        err.println("witness-submit: submitting checkpoints to " + witnesses.stream()
                .map(w -> w.witnessKey().name()).toList() + (state == null ? ", no state (reading from the beginning)"
                        : ", state in " + state));
        err.flush();
        try {
            stage.run();
            err.println("witness-submit: stopped, " + new java.util.TreeMap<>(stage.counters()));
            err.flush();
            return 0;
        } catch (RuntimeException e) {
            err.println("witness-submit: " + e.getMessage());
            return 1;
        } finally {
            if (health != null) {
                health.close();
            }
            stage.close();
            stopped.countDown();
        }
    }
}
