package io.attestream.witness.submit;

import static java.util.Objects.requireNonNull;

import io.attestream.chain.ChainedEvent;
import io.attestream.chain.CheckpointRecord;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.SpecificRecordCodec;
import io.attestream.witness.WitnessClient;
import io.attestream.witness.WitnessException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The witness-submitter stage: reads {@code attestream.events.chained} (entry hashes) and
 * {@code attestream.checkpoints} with {@code isolation.level=read_committed}, feeds a {@link CheckpointSubmitter},
 * and publishes each cosignature to {@code attestream.checkpoint-cosignatures} (key {@code <tenant>/<agentId>}).
 *
 * <p>With a state directory ({@link SubmitterState}) it snapshots, at most every {@code snapshotInterval} and
 * when it stops, the next offset of every input partition together with each log's tree suffix, pending
 * checkpoints and witness sizes, after its producer has flushed; a restart seeks to those offsets and restores
 * the logs, so it neither starts from zero nor loses its place. Without one, every start reads both topics from
 * the beginning, rebuilding each log's tree, and learns each witness's size from its 409 answer. Either way only
 * checkpoints a witness has not cosigned yet are sent (the newest one it has may be cosigned again, see
 * {@link CheckpointSubmitter}).
 */
public final class SubmitterStage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SubmitterStage.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final SpecificRecordCodec<ChainedEvent> chained;
    private final SpecificRecordCodec<CheckpointRecord> checkpoints;
    private final CheckpointSubmitter submitter;
    private final Clock clock;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<RuntimeException> publishFailures = new ArrayList<>();
    private final StageTopics topics;
    private final Path stateDir;
    private final Duration snapshotInterval;
    private volatile long recordsRead;

    /**
     * The topics of one deployment.
     *
     * @param chained the chained events (entry hashes), read committed
     * @param checkpoints the checkpoints, read committed
     * @param cosignatures where cosignatures go (the sink lands {@code attestream.checkpoint-cosignatures})
     */
    public record StageTopics(String chained, String checkpoints, String cosignatures) {
        /** The pipeline's standard topics ({@link io.attestream.schemas.Topics}). */
        public static final StageTopics STANDARD = new StageTopics(Topics.CHAINED,
                Topics.CHECKPOINTS, Topics.CHECKPOINT_COSIGNATURES);

        /** Validates. */
        public StageTopics {
            requireNonNull(chained, "chained");
            requireNonNull(checkpoints, "checkpoints");
            requireNonNull(cosignatures, "cosignatures");
            if (chained.equals(checkpoints) || cosignatures.equals(chained) || cosignatures.equals(checkpoints)) {
                throw new IllegalArgumentException("the chained, checkpoints and cosignatures topics must differ");
            }
        }
    }

    /**
     * Connects to Kafka and the registry (nothing is read until {@link #run}).
     *
     * @param bootstrapServers Kafka
     * @param registry the schema registry client (ChainedEvent and CheckpointRecord are Avro in wire format)
     * @param topics the topics
     * @param witnesses the witness clients, at least one
     * @param minBackoff first retry delay for an unavailable witness
     * @param maxBackoff largest retry delay
     * @param clock the clock for back-off
     */
    public SubmitterStage(String bootstrapServers, SchemaRegistryClient registry, StageTopics topics,
            List<WitnessClient> witnesses, Duration minBackoff, Duration maxBackoff, Clock clock) {
        this(bootstrapServers, registry, topics, witnesses, minBackoff, maxBackoff, clock, null, Duration.ZERO);
    }

    /**
     * Connects to Kafka and the registry (nothing is read until {@link #run}), with durable state.
     *
     * @param bootstrapServers Kafka
     * @param registry the schema registry client
     * @param topics the topics
     * @param witnesses the witness clients, at least one
     * @param minBackoff first retry delay for an unavailable witness
     * @param maxBackoff largest retry delay
     * @param clock the clock for back-off and snapshots
     * @param stateDir where the position is kept ({@link SubmitterState}), or null to read from the beginning on
     *     every start
     * @param snapshotInterval least time between two snapshots while running (one more is written on stop)
     */
    public SubmitterStage(String bootstrapServers, SchemaRegistryClient registry, StageTopics topics,
            List<WitnessClient> witnesses, Duration minBackoff, Duration maxBackoff, Clock clock, Path stateDir,
            Duration snapshotInterval) {
        requireNonNull(bootstrapServers, "bootstrapServers");
        this.stateDir = stateDir;
        this.snapshotInterval = requireNonNull(snapshotInterval, "snapshotInterval");
        if (snapshotInterval.isNegative()) {
            throw new IllegalArgumentException("snapshot interval must not be negative, got " + snapshotInterval);
        }
        this.topics = requireNonNull(topics, "topics");
        requireNonNull(registry, "registry");
        this.clock = requireNonNull(clock, "clock");
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "attestream-witness-submitter");
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "attestream-witness-submitter");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.chained = new SpecificRecordCodec<>(registry, ChainedEvent.class, ChainedEvent.getClassSchema());
        this.checkpoints = new SpecificRecordCodec<>(registry, CheckpointRecord.class,
                CheckpointRecord.getClassSchema());
        this.submitter = new CheckpointSubmitter(witnesses, this::publish, minBackoff, maxBackoff);
        ensureOutputTopic(bootstrapServers);
    }

    private void ensureOutputTopic(String bootstrapServers) {
        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(a)) {
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            if (names.contains(topics.cosignatures())) {
                return;
            }
            int partitions = names.contains(topics.checkpoints()) ? admin.describeTopics(List.of(topics.checkpoints()))
                    .allTopicNames().get(30, TimeUnit.SECONDS).get(topics.checkpoints()).partitions().size() : 1;
            admin.createTopics(List.of(new NewTopic(topics.cosignatures(), Optional.of(partitions),
                    Optional.empty()))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new WitnessException("cannot create topic " + topics.cosignatures() + ": " + e.getCause(), e);
            }
        } catch (TimeoutException e) {
            throw new WitnessException("Kafka at " + bootstrapServers + " did not answer within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WitnessException("interrupted while checking topic " + topics.cosignatures(), e);
        }
    }

    private void publish(Attestation a) {
        producer.send(new ProducerRecord<>(topics.cosignatures(),
                Topics.agentKey(a.log().tenant(), a.log().agentId()).getBytes(StandardCharsets.UTF_8),
                a.toBytes()), (md, e) -> {
                    if (e != null) {
                        synchronized (publishFailures) {
                            publishFailures.add(new WitnessException("cannot publish the cosignature of "
                                    + a.cosignature().keyName() + " on " + a.log() + " at size "
                                    + a.checkpoint().treeSize() + ": " + e, e));
                        }
                    }
                });
        // Acknowledged before the next request goes out: the witness then holds at most one cosignature (its newest,
        // which a restart has it make again) that Kafka does not. Flushing once per batch instead could lose an
        // older cosignature on a kill, since a restarted submitter skips what the witness already holds.
        producer.flush();
        synchronized (publishFailures) {
            if (!publishFailures.isEmpty()) {
                throw publishFailures.get(0);
            }
        }
    }

    /**
     * Runs until {@link #stop}: assigns every partition of both input topics from the beginning and loops
     * poll, feed, submit.
     *
     * @throws WitnessException when the cosignature topic cannot be written (the stage stops: a cosignature
     *     must not be lost silently)
     */
    public void run() {
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : List.of(topics.chained(), topics.checkpoints())) {
            List<PartitionInfo> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (parts == null || parts.isEmpty()) {
                throw new WitnessException("topic " + topic + " does not exist: start the chainer (it creates its "
                        + "output topics) before the witness submitter");
            }
            for (PartitionInfo pi : parts) {
                all.add(new TopicPartition(topic, pi.partition()));
            }
        }
        consumer.assign(all);
        Optional<SubmitterState.Snapshot> saved = stateDir == null ? Optional.empty() : SubmitterState.read(stateDir);
        if (saved.isPresent()) {
            resume(saved.get(), all);
        } else {
            consumer.seekToBeginning(all);
            LOG.info("witness-submitter reading {} partitions of {} and {} from the beginning{}", all.size(),
                    topics.chained(), topics.checkpoints(), stateDir == null ? "" : " (no state in " + stateDir + " yet)");
        }
        long lastReport = 0;
        long lastSnapshot = clock.millis();
        boolean changed = false;
        while (running.get()) {
            try {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    feed(r);
                    recordsRead++;
                    changed = true;
                }
            } catch (WakeupException e) {
                if (running.get()) {
                    throw e;
                }
                break;
            }
            changed |= submitter.work(clock.instant(), 500) > 0;
            producer.flush();
            synchronized (publishFailures) {
                if (!publishFailures.isEmpty()) {
                    throw publishFailures.get(0);
                }
            }
            long now = clock.millis();
            if (stateDir != null && changed && now - lastSnapshot >= snapshotInterval.toMillis()) {
                try {
                    snapshot(all);
                } catch (WakeupException e) {
                    if (running.get()) {
                        throw e;
                    }
                    break;
                }
                lastSnapshot = now;
                changed = false;
            }
            if (now - lastReport > 30_000) {
                lastReport = now;
                LOG.info("witness-submitter: {}", counters());
            }
        }
        if (stateDir != null) {
            // Stopped between iterations: everything fed was worked on and flushed above.
            producer.flush();
            synchronized (publishFailures) {
                if (!publishFailures.isEmpty()) {
                    throw publishFailures.get(0);
                }
            }
            snapshot(all);
        }
    }

    private void resume(SubmitterState.Snapshot s, List<TopicPartition> all) {
        if (!s.chainedTopic().equals(topics.chained()) || !s.checkpointsTopic().equals(topics.checkpoints())) {
            throw new WitnessException("the submitter state in " + stateDir + " is of topics " + s.chainedTopic()
                    + " and " + s.checkpointsTopic() + ", not " + topics.chained() + " and " + topics.checkpoints()
                    + ": give each deployment its own --state-dir");
        }
        submitter.restore(s.logs());
        List<TopicPartition> fromStart = new ArrayList<>();
        for (TopicPartition tp : all) {
            Long next = s.offsets().getOrDefault(tp.topic(), Map.of()).get(tp.partition());
            if (next == null) {
                fromStart.add(tp);
            } else {
                consumer.seek(tp, next);
            }
        }
        if (!fromStart.isEmpty()) {
            consumer.seekToBeginning(fromStart);
        }
        LOG.info("witness-submitter resuming from {}: {} log(s), offsets {}{}", stateDir.resolve(SubmitterState.FILE),
                s.logs().size(), s.offsets(), fromStart.isEmpty() ? "" : ", from the beginning: " + fromStart);
    }

    private void snapshot(List<TopicPartition> all) {
        Map<String, Map<Integer, Long>> offsets = new java.util.LinkedHashMap<>();
        for (TopicPartition tp : all) {
            offsets.computeIfAbsent(tp.topic(), k -> new java.util.LinkedHashMap<>()).put(tp.partition(),
                    consumer.position(tp, Duration.ofSeconds(30)));
        }
        SubmitterState.write(stateDir, new SubmitterState.Snapshot(topics.chained(), topics.checkpoints(), offsets,
                submitter.snapshot()));
    }

    private void feed(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return;
        }
        if (r.topic().equals(topics.chained())) {
            ChainedEvent ce = chained.decode(r.value()).value();
            submitter.entry(LogId.of(ce.getTenant(), ce.getAgentId()), ce.getSeq(), Hash.of(ce.getHash().bytes()));
        } else {
            CheckpointRecord cp = checkpoints.decode(r.value()).value();
            submitter.checkpoint(SignedCheckpoint.parse(cp.getNote()));
        }
    }

    /**
     * The submitter's counters.
     *
     * @return see {@link CheckpointSubmitter#counters()}
     */
    public Map<String, Long> counters() {
        Map<String, Long> m = new java.util.HashMap<>(submitter.counters());
        m.put("records-read", recordsRead);
        return m;
    }

    /** Makes {@link #run} return after its current iteration (callable from any thread). */
    public void stop() {
        running.set(false);
        consumer.wakeup();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
        consumer.close(Duration.ofSeconds(10));
    }
}
