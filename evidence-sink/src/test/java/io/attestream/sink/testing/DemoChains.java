package io.attestream.sink.testing;

import static java.util.Objects.requireNonNull;

import io.attestream.chain.ChainedEvent;
import io.attestream.chain.CheckpointRecord;
import io.attestream.events.ActionStatus;
import io.attestream.events.AgentAction;
import io.attestream.events.ApprovalDecision;
import io.attestream.events.AuditEvent;
import io.attestream.events.ChangeKind;
import io.attestream.events.Decision;
import io.attestream.events.EvalResult;
import io.attestream.events.EvaluatorKind;
import io.attestream.events.HumanOverride;
import io.attestream.events.IncidentRecord;
import io.attestream.events.IncidentStatus;
import io.attestream.events.Operation;
import io.attestream.events.OverrideAction;
import io.attestream.events.PolicyChange;
import io.attestream.events.RecordedBy;
import io.attestream.events.RiskDecision;
import io.attestream.events.RiskTier;
import io.attestream.events.RiskTreatment;
import io.attestream.events.Severity;
import io.attestream.events.Sha256;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.LogId;
import io.attestream.integrity.LogState;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.ConfluentWireFormat;
import io.attestream.schemas.wire.SpecificRecordCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Realistic pipeline output without running the chainer: per agent, a deterministic mix of audit events, chained
 * with the integrity library (real hashes) and checkpointed with real Ed25519-signed notes, written to the chained
 * and checkpoint topics exactly as the chainer's contracts say; plus a few dead letters and drift alerts.
 */
public final class DemoChains {
    /** Subject-less schema of the demo drift alerts (the drift detector's own schema is not needed here). */
    public static final Schema DRIFT_ALERT_SCHEMA = new Schema.Parser().parse("{\"type\":\"record\","
            + "\"name\":\"DemoDriftAlert\",\"namespace\":\"io.attestream.drift\",\"fields\":["
            + "{\"name\":\"tenant\",\"type\":\"string\"},{\"name\":\"agentId\",\"type\":\"string\"},"
            + "{\"name\":\"metric\",\"type\":\"string\"},{\"name\":\"baseline\",\"type\":\"double\"},"
            + "{\"name\":\"observed\",\"type\":\"double\"},{\"name\":\"severity\",\"type\":\"string\"}]}");
    /** Start of the demo timeline. */
    public static final Instant T0 = Instant.parse("2026-11-02T08:00:00Z");

    private final Map<String, LogState> states = new HashMap<>();
    private final Map<String, List<String>> eventIds = new HashMap<>();
    private final Map<String, Long> counts = new HashMap<>();
    private final SigningKey key = SigningKey.fromSeed("attestream-demo", new byte[32]);
    private final Random random;
    private final SchemaRegistryClient registry;
    private final int eventSchemaId;
    private final byte[] eventFingerprint;
    private final int chainedSchemaId;
    private final int checkpointSchemaId;
    private final SpecificRecordCodec<ChainedEvent> chainedCodec;
    private final SpecificRecordCodec<CheckpointRecord> checkpointCodec;
    private long checkpoints;

    public DemoChains(SchemaRegistryClient registry, long seed) {
        this.registry = requireNonNull(registry, "registry");
        this.random = new Random(seed);
        this.eventSchemaId = registry.register(Topics.valueSubject(Topics.EVENTS), AuditEventCodec.currentSchema());
        this.eventFingerprint = AuditEventCodec.fingerprint(AuditEventCodec.currentSchema());
        this.chainedSchemaId = registry.register(Topics.valueSubject(Topics.CHAINED), ChainedEvent.getClassSchema());
        this.checkpointSchemaId = registry.register(Topics.valueSubject(Topics.CHECKPOINTS),
                CheckpointRecord.getClassSchema());
        this.chainedCodec = new SpecificRecordCodec<>(registry, ChainedEvent.class, ChainedEvent.getClassSchema());
        this.checkpointCodec = new SpecificRecordCodec<>(registry, CheckpointRecord.class,
                CheckpointRecord.getClassSchema());
    }

    /** Creates the four topics with {@code partitions} partitions each (existing ones are kept). */
    public static void createTopics(String bootstrap, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            for (String t : List.of(Topics.CHAINED, Topics.CHECKPOINTS, Topics.DEAD_LETTER, Topics.DRIFT_ALERTS)) {
                try {
                    admin.createTopics(List.of(new NewTopic(t, partitions, (short) 1))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create " + t, e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** A producer for the demo topics. */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Events chained so far per {@code tenant/agent}. */
    public Map<String, Long> counts() {
        return Map.copyOf(counts);
    }

    /** Checkpoints produced so far. */
    public long checkpoints() {
        return checkpoints;
    }

    /**
     * Chains {@code perAgent} more events for each agent and sends them (and a checkpoint every
     * {@code checkpointEvery} events and at the end) in one go; waits until Kafka has them all.
     */
    public void produce(KafkaProducer<byte[], byte[]> producer, List<String> agents, int perAgent,
                        int checkpointEvery) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < perAgent; i++) {
            for (String agent : agents) {
                sent.add(sendEvent(producer, agent));
                if (state(agent).size() % checkpointEvery == 0 || i == perAgent - 1) {
                    sent.add(sendCheckpoint(producer, agent, checkpointEvery));
                }
            }
            if (sent.size() > 20_000) {
                await(sent);
            }
        }
        await(sent);
    }

    /** Sends {@code n} dead letters and {@code n} drift alerts for {@code agent}. */
    public void produceSideTopics(KafkaProducer<byte[], byte[]> producer, String agent, int n) {
        int driftId = registry.register(Topics.valueSubject(Topics.DRIFT_ALERTS), DRIFT_ALERT_SCHEMA);
        String[] ta = agent.split("/", 2);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ProducerRecord<byte[], byte[]> dlq = new ProducerRecord<>(Topics.DEAD_LETTER, null,
                    T0.plusSeconds(3600L * i).toEpochMilli(), utf8(agent), ("not avro " + i).getBytes(StandardCharsets.UTF_8));
            dlq.headers().add("attestream.error.reason", utf8(i % 2 == 0 ? "unknown schema id 99" : "corrupt Avro body"));
            dlq.headers().add("attestream.error.source", utf8(Topics.EVENTS + "-0@" + i));
            sent.add(producer.send(dlq));
            GenericRecord alert = new GenericData.Record(DRIFT_ALERT_SCHEMA);
            alert.put("tenant", ta[0]);
            alert.put("agentId", ta[1]);
            alert.put("metric", i % 2 == 0 ? "refusal_rate" : "tool_error_rate");
            alert.put("baseline", 0.02);
            alert.put("observed", 0.02 + 0.05 * (i + 1));
            alert.put("severity", i == n - 1 ? "HIGH" : "MEDIUM");
            sent.add(producer.send(new ProducerRecord<>(Topics.DRIFT_ALERTS, null,
                    T0.plusSeconds(3600L * 24 * i + 600).toEpochMilli(), utf8(agent),
                    ConfluentWireFormat.frame(driftId, generic(alert)))));
        }
        await(sent);
    }

    private LogState state(String agent) {
        return states.computeIfAbsent(agent, a -> {
            String[] ta = a.split("/", 2);
            return LogState.empty(LogId.of(ta[0], ta[1]));
        });
    }

    private Future<RecordMetadata> sendEvent(KafkaProducer<byte[], byte[]> producer, String agent) {
        String[] ta = agent.split("/", 2);
        LogState state = state(agent);
        long seq = state.size();
        AuditEvent event = event(ta[0], ta[1], seq);
        byte[] body = AuditEventCodec.encodeBody(event);
        // Chained 40 ms after it occurred (simulated chainer clock), hashed in entry format 2.
        Instant chainedAt = event.getOccurredAt().plusMillis(40);
        LogState.Appended a = state.append(ChronoUnit.MICROS.between(Instant.EPOCH, chainedAt), eventSchemaId,
                eventFingerprint, body);
        states.put(agent, a.state());
        eventIds.computeIfAbsent(agent, k -> new ArrayList<>()).add(event.getEventId().toString());
        counts.merge(agent, 1L, Long::sum);
        ChainedEvent ce = ChainedEvent.newBuilder()
                .setTenant(ta[0]).setAgentId(ta[1]).setSeq(seq)
                .setPrevHash(new Sha256(a.entry().previousHash().toBytes()))
                .setHash(new Sha256(a.entry().hash().toBytes()))
                .setSchemaId(eventSchemaId).setSchemaFingerprint(new Sha256(eventFingerprint))
                .setEventId(event.getEventId().toString()).setEventType(payloadName(event.getPayload()))
                .setAgentVersion(event.getAgentVersion()).setOccurredAt(event.getOccurredAt())
                .setChainedAt(chainedAt)
                .setEventBytes(ByteBuffer.wrap(ConfluentWireFormat.frame(eventSchemaId, body)))
                .setSourceTopic(Topics.EVENTS).setSourcePartition(0).setSourceOffset(seq)
                .setEntryVersion(a.entry().version())
                .build();
        // Record time left to the producer: simulated event times run ahead of the clock, and brokers reject
        // timestamps more than log.message.timestamp.after.max.ms in the future.
        return producer.send(new ProducerRecord<>(Topics.CHAINED, utf8(agent), chainedCodec.encode(chainedSchemaId, ce)));
    }

    private Future<RecordMetadata> sendCheckpoint(KafkaProducer<byte[], byte[]> producer, String agent,
                                                  int checkpointEvery) {
        String[] ta = agent.split("/", 2);
        LogState s = state(agent);
        Instant created = T0.plusSeconds(600L * (s.size() - 1)).plusSeconds(1);
        // Simulated events are ten minutes apart: N events take N * 10 minutes.
        Checkpoint.Cadence cadence = new Checkpoint.Cadence(checkpointEvery, 600_000L * checkpointEvery);
        SignedCheckpoint signed = SignedCheckpoint.sign(Checkpoint.forLog(s.head(), s.tree().root(), cadence, created),
                key);
        CheckpointRecord cp = CheckpointRecord.newBuilder()
                .setTenant(ta[0]).setAgentId(ta[1]).setTreeSize(s.size())
                .setRootHash(new Sha256(s.tree().root().toBytes())).setHeadSeq(s.size() - 1)
                .setHeadHash(new Sha256(s.head().hash().toBytes())).setNote(signed.text())
                .setKeyName(key.name()).setCreatedAt(created).setTrigger("count").setTimestamp(null)
                .build();
        checkpoints++;
        return producer.send(new ProducerRecord<>(Topics.CHECKPOINTS, utf8(agent),
                checkpointCodec.encode(checkpointSchemaId, cp)));
    }

    /** Event {@code seq} of an agent: a fixed mix of types, one minute apart, versions changing every 500. */
    private AuditEvent event(String tenant, String agentId, long seq) {
        int roll = random.nextInt(100);
        Object payload;
        if (roll < 70) {
            payload = AgentAction.newBuilder().setOperation(seq % 3 == 0 ? Operation.CHAT : Operation.EXECUTE_TOOL)
                    .setToolName(seq % 3 == 0 ? null : "refund_payment").setModel("gpt-4.1").setProvider("openai")
                    .setInputDigest(sha256("in" + seq)).setOutputDigest(sha256("out" + seq))
                    .setStatus(roll < 67 ? ActionStatus.OK : ActionStatus.ERROR).setLatencyMicros(900L + roll * 37)
                    .setInputTokens(300L + roll).setOutputTokens(40L + roll).setAttributes(Map.of()).build();
        } else if (roll < 80) {
            payload = EvalResult.newBuilder().setSuite(roll < 75 ? "safety-regression" : "refund-accuracy")
                    .setEvalName("case-" + (seq % 50)).setMetric(roll < 75 ? "refusal_rate" : "accuracy")
                    .setValue(roll < 75 ? 0.01 * (roll - 70) : 0.80 + 0.03 * (roll - 75))
                    .setLabel(roll == 79 ? "fail" : "pass").setDatasetVersion("2026.10")
                    .setEvaluatorKind(EvaluatorKind.MODEL).setEvaluator("judge-v3").build();
        } else if (roll < 85) {
            payload = HumanOverride.newBuilder().setOperator(roll < 83 ? "alice@example.com" : "bob@example.com")
                    .setAction(roll < 82 ? OverrideAction.HALT : OverrideAction.EDIT_OUTPUT)
                    .setReason("refund above limit").setTargetEventId(lastEventId(tenant, agentId))
                    .setTicket(roll == 84 ? null : "OPS-" + seq).build();
        } else if (roll < 90) {
            payload = ApprovalDecision.newBuilder().setRequestId("req-" + seq).setRequestedAction("refund_payment")
                    .setApprover("carol@example.com").setDecision(roll < 89 ? Decision.APPROVED : Decision.REJECTED)
                    .setRiskTier(RiskTier.HIGH).setReason(null).setShownDigest(sha256("shown" + seq)).build();
        } else if (roll < 94) {
            payload = PolicyChange.newBuilder().setKind(roll < 92 ? ChangeKind.PROMPT : ChangeKind.TOOL_PERMISSION)
                    .setObjectId(roll < 92 ? "prompt:refund-system" : "tool:refund_payment")
                    .setFromVersion(Long.toString(seq)).setToVersion(Long.toString(seq + 1))
                    .setDiffDigest(sha256("diff" + seq)).setAuthor("dave")
                    .setApprover(roll == 90 ? null : "erin").setChangeTicket(roll == 93 ? null : "CHG-" + seq)
                    .setEffectiveAt(null).build();
        } else if (roll < 97) {
            payload = IncidentRecord.newBuilder().setIncidentId("INC-" + agentId + "-" + (seq / 100))
                    .setSeverity(roll == 94 ? Severity.HIGH : Severity.MEDIUM)
                    .setStatusFrom(roll == 94 ? null : IncidentStatus.DETECTED)
                    .setStatusTo(roll == 94 ? IncidentStatus.DETECTED : IncidentStatus.CONTAINED)
                    .setSummary("duplicate refund issued").setRelatedEventIds(relatedIds(tenant, agentId)).build();
        } else {
            payload = RiskDecision.newBuilder().setRiskId("RISK-" + (seq % 7))
                    .setTreatment(roll == 97 ? RiskTreatment.ACCEPT : RiskTreatment.MITIGATE)
                    .setRationale("approval step above 100 EUR").setOwner("ciso").setLinkedChangeId("CHG-" + seq)
                    .build();
        }
        return AuditEvent.newBuilder()
                .setEventId(UUID.nameUUIDFromBytes((tenant + "/" + agentId + "/" + seq).getBytes(StandardCharsets.UTF_8)))
                .setTenant(tenant).setAgentId(agentId).setAgentVersion("1." + (seq / 500) + ".0")
                .setOccurredAt(T0.plus(Duration.ofMinutes(10 * seq)).plusNanos(123_000))
                .setRecordedBy(new RecordedBy("host-" + (seq % 3), "attestream-java", "0.1.0"))
                .setTraceId(String.format("%032x", seq + 1)).setSpanId(null).setSessionId("s-" + (seq / 20))
                .setControls(List.of()).setPayload(payload).build();
    }

    private String lastEventId(String tenant, String agentId) {
        List<String> ids = eventIds.get(tenant + "/" + agentId);
        return ids == null || ids.isEmpty() ? null : ids.get(ids.size() - 1);
    }

    private List<String> relatedIds(String tenant, String agentId) {
        List<String> ids = eventIds.get(tenant + "/" + agentId);
        if (ids == null || ids.isEmpty()) {
            return List.of();
        }
        return List.of(ids.get(ids.size() - 1), ids.get(Math.max(0, ids.size() - 3)));
    }

    private static String payloadName(Object payload) {
        return ((org.apache.avro.specific.SpecificRecord) payload).getSchema().getName();
    }

    private static Sha256 sha256(String text) {
        try {
            return new Sha256(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] generic(GenericRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void await(List<Future<RecordMetadata>> sent) {
        try {
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("produce failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        sent.clear();
    }
}
