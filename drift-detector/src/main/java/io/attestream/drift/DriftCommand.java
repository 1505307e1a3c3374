package io.attestream.drift;

import io.attestream.events.AuditEvent;
import io.attestream.events.BaselinePinned;
import io.attestream.events.RecordedBy;
import io.attestream.runtime.KafkaClientKeys;
import io.attestream.runtime.LoadedConfig;
import io.attestream.runtime.StageOptions;
import io.attestream.schemas.EventRules;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.AuditEventSerializer;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attestream drift --config FILE [--set KEY=VALUE]...}: runs the drift detector until SIGTERM;
 * {@code attestream drift baseline pin ...}: records a pinned baseline as a BaselinePinned audit event. Keys:
 * {@link DriftConfig} and drift-detector/README.md.
 */
@Command(name = "drift", mixinStandardHelpOptions = true,
        description = "Run the drift detector: windowed statistical comparison of agents' eval metrics; alerts go to "
                + "the alerts topic and into the chain. Runs until SIGTERM.",
        subcommands = DriftCommand.Baseline.class,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped on request (SIGTERM)",
            "1:failed: bad configuration value (the message names the key), Kafka, registry or processing error",
            "2:invalid command line"})
public final class DriftCommand implements Callable<Integer> {
    /** Stopped on request. */
    public static final int EXIT_OK = 0;
    /** Failed. */
    public static final int EXIT_FAILED = 1;

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
            spec.commandLine().getOut().println(DriftConfig.configDef().toRst());
            return EXIT_OK;
        }
        DriftConfig config;
        try {
            LoadedConfig loaded = DriftConfig.loader().load(options.sources());
            loaded.log();
            config = new DriftConfig(loaded.values());
        } catch (ConfigException e) {
            err.println("drift: invalid configuration: " + e.getMessage());
            return EXIT_FAILED;
        }
        DriftApp app = new DriftApp(config);
        Thread hook = new Thread(app::stop, "drift-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (app.run()) {
                return EXIT_OK;
            }
            err.println("drift: failed (see the log)");
            return EXIT_FAILED;
        } catch (DriftException e) {
            err.println("drift: " + e.getMessage());
            return EXIT_FAILED;
        } catch (ConfigException e) {
            err.println("drift: invalid configuration: " + e.getMessage());
            return EXIT_FAILED;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it stops the app itself.
            }
        }
    }

    /** {@code attestream drift baseline ...}. */
    @Command(name = "baseline", mixinStandardHelpOptions = true, subcommands = Pin.class,
            description = "Manage drift baselines.")
    public static final class Baseline implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return 2;
        }
    }

    /**
     * {@code attestream drift baseline pin}: writes a BaselinePinned audit event for the agent into the chain input;
     * once chained, the detector compares every later window of the agent's other versions with the pinned version's
     * last undrifted window.
     */
    @Command(name = "pin", mixinStandardHelpOptions = true,
            description = "Pin an approved agent version's distribution as the drift baseline (recorded as an audit "
                    + "event in the chain).",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:the BaselinePinned event was written (acks=all)",
                "1:failed: configuration, registry or Kafka error (the message says which)",
                "2:invalid command line",
                "3:the event breaks the catalogue's rules (the message names the field)"})
    public static final class Pin implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Mixin
        private StageOptions options = new StageOptions();

        @Option(names = "--tenant", required = true, description = "Tenant of the agent.")
        private String tenant;

        @Option(names = "--agent", required = true, description = "Agent id.")
        private String agentId;

        @Option(names = "--agent-version", required = true, description = "The approved agent version to pin.")
        private String version;

        @Option(names = "--suite", required = true, description = "Eval suite.")
        private String suite;

        @Option(names = "--metric", description = "Metric; every metric of the suite if omitted.")
        private String metric;

        @Option(names = "--by", required = true, description = "Who pins (recorded in the event).")
        private String pinnedBy;

        @Option(names = "--reason", description = "Why, e.g. a change ticket.")
        private String reason;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            DriftConfig config;
            try {
                config = new DriftConfig(DriftConfig.loader().load(options.sources()).values());
            } catch (ConfigException e) {
                err.println("drift baseline pin: invalid configuration: " + e.getMessage());
                return EXIT_FAILED;
            }
            AuditEvent event = pinEvent(tenant, agentId, version, suite, metric, pinnedBy, reason, Instant.now());
            List<EventRules.Violation> violations = EventRules.violations(event);
            if (!violations.isEmpty()) {
                err.println("drift baseline pin: " + violations);
                return 3;
            }
            Properties p = new Properties();
            p.putAll(KafkaClientKeys.forClient(config.passThrough(), StreamsConfig.PRODUCER_PREFIX));
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    String.join(",", config.getList(DriftConfig.BOOTSTRAP_SERVERS_CONFIG)));
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            String topic = config.getString(DriftConfig.EVENTS_TOPIC_CONFIG);
            try (KafkaProducer<String, AuditEvent> producer = new KafkaProducer<>(p, new StringSerializer(),
                    new AuditEventSerializer(new SchemaRegistryClient(config.registryConfig()), true))) {
                RecordMetadata m = producer.send(new ProducerRecord<>(topic, Topics.agentKey(tenant, agentId), event))
                        .get();
                spec.commandLine().getOut().println("pinned " + tenant + "/" + agentId + " " + suite
                        + (metric == null ? "" : "/" + metric) + " to version " + version + ": event "
                        + event.getEventId() + " at " + m.topic() + "/" + m.partition() + "@" + m.offset());
                return EXIT_OK;
            } catch (ExecutionException e) {
                err.println("drift baseline pin: cannot write to " + topic + ": " + e.getCause());
                return EXIT_FAILED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return EXIT_FAILED;
            } catch (RuntimeException e) {
                err.println("drift baseline pin: " + e.getMessage());
                return EXIT_FAILED;
            }
        }
    }

    /** The BaselinePinned audit event the pin command writes (also used by tests). */
    public static AuditEvent pinEvent(String tenant, String agentId, String version, String suite, String metric,
            String pinnedBy, String reason, Instant at) {
        BaselinePinned pin = BaselinePinned.newBuilder().setSuite(suite).setMetric(metric)
                .setBaselineAgentVersion(version).setPinnedBy(pinnedBy).setReason(reason).build();
        return AuditEvent.newBuilder().setEventId(UUID.randomUUID()).setTenant(tenant).setAgentId(agentId)
                .setAgentVersion(version).setOccurredAt(at)
                .setRecordedBy(new RecordedBy("cli", "attestream-drift-detector", "0.1.0")).setControls(List.of())
                .setPayload(pin).build();
    }
}
