package io.attestream.witness.submit;

import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.IntegrityException;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.witness.WitnessClient;
import io.attestream.witness.WitnessException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code attestream witness-submit}: runs the {@link SubmitterStage} until SIGTERM/SIGINT. */
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

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT", description = "Kafka.")
    private String bootstrap;

    @Option(names = "--registry-url", required = true, paramLabel = "URL",
            description = "Confluent-compatible schema registry (ChainedEvent and CheckpointRecord decode through it).")
    private String registryUrl;

    @Option(names = "--witness", required = true, paramLabel = "URL=COSIGNER_VKEY_FILE",
            description = "A witness: its submission prefix and the file of its cosigner vkey (`attestream witness "
                    + "--print-vkey`). Repeatable.")
    private List<String> witnessOptions = new ArrayList<>();

    @Option(names = "--chained-topic", defaultValue = Topics.CHAINED, paramLabel = "TOPIC",
            description = "Chained events, read committed (default: ${DEFAULT-VALUE}).")
    private String chainedTopic;

    @Option(names = "--checkpoints-topic", defaultValue = Topics.CHECKPOINTS,
            paramLabel = "TOPIC", description = "Checkpoints, read committed (default: ${DEFAULT-VALUE}).")
    private String checkpointsTopic;

    @Option(names = "--cosignatures-topic", defaultValue = Topics.CHECKPOINT_COSIGNATURES,
            paramLabel = "TOPIC", description = "Where cosignatures go; the sink lands the default one (default: "
                    + "${DEFAULT-VALUE}).")
    private String cosignaturesTopic;

    @Option(names = "--timeout-ms", defaultValue = "10000", paramLabel = "MS",
            description = "Connect and request timeout per witness call (default: ${DEFAULT-VALUE}).")
    private long timeoutMs;

    @Option(names = "--min-backoff-ms", defaultValue = "1000", paramLabel = "MS",
            description = "First retry delay after a witness was unavailable (default: ${DEFAULT-VALUE}).")
    private long minBackoffMs;

    @Option(names = "--max-backoff-ms", defaultValue = "60000", paramLabel = "MS",
            description = "Largest retry delay (doubling from the first) (default: ${DEFAULT-VALUE}).")
    private long maxBackoffMs;

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
        if (timeoutMs < 1 || minBackoffMs < 1 || maxBackoffMs < minBackoffMs) {
            throw new ParameterException(spec.commandLine(), "need --timeout-ms >= 1 and 1 <= --min-backoff-ms <= "
                    + "--max-backoff-ms");
        }
        if (snapshotIntervalMs < 0) {
            throw new ParameterException(spec.commandLine(), "--snapshot-interval-ms must not be negative");
        }
        Path state = "none".equals(stateDir) ? null : Path.of(stateDir);
        List<WitnessClient> witnesses;
        try {
            witnesses = parseWitnesses(witnessOptions, Duration.ofMillis(timeoutMs));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IntegrityException e) {
            err.println("witness-submit: " + e.getMessage());
            return 1;
        }
        SubmitterStage.StageTopics topics;
        try {
            topics = new SubmitterStage.StageTopics(chainedTopic, checkpointsTopic, cosignaturesTopic);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        SubmitterStage stage;
        try {
            stage = new SubmitterStage(bootstrap, SchemaRegistryClient.forUrl(registryUrl), topics, witnesses,
                    Duration.ofMillis(minBackoffMs), Duration.ofMillis(maxBackoffMs), Clock.systemUTC(), state,
                    Duration.ofMillis(snapshotIntervalMs));
        } catch (WitnessException | KafkaException e) {
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
            stage.close();
            stopped.countDown();
        }
    }
}
