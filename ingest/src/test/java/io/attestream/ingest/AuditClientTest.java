package io.attestream.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
import io.attestream.events.EvaluatorKind;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.ConfluentWireFormat;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditClientTest {
    private static final int SCHEMA_ID = 7;

    @TempDir
    Path dir;

    private static MockProducer<String, byte[]> producer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new StringSerializer(), new ByteArraySerializer());
    }

    private static AuditClientConfig config(Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", "localhost:1",
                AuditClientConfig.RECORDED_BY_HOST_CONFIG, "pod-1", AuditClientConfig.SPOOL_REPLAY_BACKOFF_MS_CONFIG,
                50L));
        props.putAll(extra);
        return new AuditClientConfig(props);
    }

    private static EvalResult eval(double value) {
        return EvalResult.newBuilder().setSuite("s").setEvalName("e").setMetric("accuracy").setValue(value)
                .setLabel(null).setDatasetVersion(null).setEvaluatorKind(EvaluatorKind.MODEL).setEvaluator(null)
                .build();
    }

    @Test
    void builderFillsEventIdTimeRecordedByAndDefaultControls() {
        try (AuditClient client = new AuditClient(config(Map.of()), producer(true), SCHEMA_ID)) {
            AuditEvent event = client.event("acme", "refund-bot", "1.4.2").evalResult(eval(0.9)).build();
            assertThat(event.getEventId()).isNotNull();
            assertThat(event.getOccurredAt()).isNotNull();
            assertThat(event.getRecordedBy().getHost()).isEqualTo("pod-1");
            assertThat(event.getRecordedBy().getSdk()).isEqualTo(AuditClient.SDK_NAME);
            assertThat(event.getControls()).isEqualTo(EventType.EVAL_RESULT.defaultControls());
            AuditEvent tagged = client.event("acme", "refund-bot", "1.4.2").controls(List.of("A.8.15"))
                    .evalResult(eval(0.9)).build();
            assertThat(tagged.getControls()).containsExactly("A.8.15");
        }
    }

    @Test
    void sendWritesConfluentFramedValueKeyedByAgentAndReturnsOffset() throws Exception {
        MockProducer<String, byte[]> mock = producer(true);
        try (AuditClient client = new AuditClient(config(Map.of()), mock, SCHEMA_ID)) {
            Ack ack = client.event("acme", "refund-bot", "1.4.2").evalResult(eval(0.5)).send().get();
            ProducerRecord<String, byte[]> sent = mock.history().get(0);
            assertThat(sent.topic()).isEqualTo(Topics.EVENTS);
            assertThat(sent.key()).isEqualTo("acme/refund-bot");
            assertThat(ConfluentWireFormat.schemaId(sent.value())).isEqualTo(SCHEMA_ID);
            assertThat(ack.topic()).isEqualTo(Topics.EVENTS);
            assertThat(ack.offset()).isGreaterThanOrEqualTo(0);
            assertThat(client.unacknowledged()).isZero();
        }
    }

    @Test
    void invalidEventIsRefusedWithFieldPathAndNothingIsSent() {
        MockProducer<String, byte[]> mock = producer(true);
        try (AuditClient client = new AuditClient(config(Map.of()), mock, SCHEMA_ID)) {
            assertThatThrownBy(() -> client.event("acme", "bot", "1").evalResult(eval(Double.NaN)).send())
                    .isInstanceOf(InvalidEventException.class).hasMessageContaining("payload.EvalResult.value");
            assertThatThrownBy(() -> client.event("acme", "bot", "1").traceId("nope").evalResult(eval(1)).build())
                    .isInstanceOf(InvalidEventException.class).hasMessageContaining("traceId");
            assertThat(mock.history()).isEmpty();
        }
    }

    @Test
    void fullBufferThrowsBufferFullExceptionAndQueuesNothing() {
        MockProducer<String, byte[]> mock = producer(false);
        try (AuditClient client = new AuditClient(config(Map.of(AuditClientConfig.BUFFER_MAX_EVENTS_CONFIG, 2)),
                mock, SCHEMA_ID)) {
            client.event("acme", "bot", "1").evalResult(eval(1)).send();
            client.event("acme", "bot", "1").evalResult(eval(1)).send();
            assertThatThrownBy(() -> client.event("acme", "bot", "1").evalResult(eval(1)).send())
                    .isInstanceOf(BufferFullException.class)
                    .hasMessageContaining(AuditClientConfig.BUFFER_MAX_EVENTS_CONFIG)
                    .satisfies(e -> assertThat(((BufferFullException) e).capacity()).isEqualTo(2));
            assertThat(mock.history()).hasSize(2);
            mock.completeNext();
            client.event("acme", "bot", "1").evalResult(eval(1)).send();
            assertThat(mock.history()).hasSize(3);
        }
    }

    @Test
    void withoutSpoolAFailedSendFailsTheFutureNamingTheEvent() {
        MockProducer<String, byte[]> mock = producer(false);
        try (AuditClient client = new AuditClient(config(Map.of()), mock, SCHEMA_ID)) {
            CompletableFuture<Ack> f = client.event("acme", "bot", "1").evalResult(eval(1)).send();
            mock.errorNext(new TimeoutException("broker down"));
            assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IngestException.class).hasMessageContaining("acme/bot");
            assertThat(client.unacknowledged()).isZero();
        }
    }

    @Test
    void withSpoolAFailedSendIsReplayedAndItsFutureCompletesOnTheAck() throws Exception {
        MockProducer<String, byte[]> mock = producer(false);
        Map<String, Object> spool = Map.of(AuditClientConfig.SPOOL_DIR_CONFIG, dir.toString());
        try (AuditClient client = new AuditClient(config(spool), mock, SCHEMA_ID)) {
            CompletableFuture<Ack> f = client.event("acme", "bot", "1").evalResult(eval(1)).send();
            await().until(() -> mock.history().size() == 1);
            mock.errorNext(new TimeoutException("broker down"));
            await().until(() -> mock.history().size() == 2);
            assertThat(f).isNotDone();
            assertThat(mock.history().get(1).value()).isEqualTo(mock.history().get(0).value());
            mock.completeNext();
            assertThat(f.get().eventId()).isNotNull();
            assertThat(client.unacknowledged()).isZero();
        }
    }

    @Test
    void spooledEventsOfADeadProcessAreReplayedInOrderByTheNextClient() {
        Map<String, Object> spool = Map.of(AuditClientConfig.SPOOL_DIR_CONFIG, dir.toString());
        MockProducer<String, byte[]> first = producer(false);
        AuditClient dead = new AuditClient(config(spool), first, SCHEMA_ID);
        for (int i = 0; i < 3; i++) {
            dead.send(SampleEvents.of(EventType.AGENT_ACTION, "acme", "bot", i));
        }
        await().until(() -> first.history().size() == 3);
        first.completeNext();
        // The process dies without closing: no flush, the two unacknowledged events are only on disk.
        MockProducer<String, byte[]> second = producer(true);
        try (AuditClient next = new AuditClient(config(spool), second, SCHEMA_ID)) {
            await().until(() -> second.history().size() == 2);
            assertThat(second.history()).extracting(ProducerRecord::value).containsExactly(
                    first.history().get(1).value(), first.history().get(2).value());
            await().until(() -> next.unacknowledged() == 0);
        }
        try (AuditClient again = new AuditClient(config(spool), producer(true), SCHEMA_ID)) {
            assertThat(again.unacknowledged()).as("nothing replayed twice").isZero();
        }
    }

    @Test
    void rejectsOverridingAcksOrIdempotence() {
        assertThatThrownBy(() -> config(Map.of("producer.acks", "1"))).hasMessageContaining("producer.acks");
        assertThatThrownBy(() -> new AuditClientConfig(Map.of())).hasMessageContaining("bootstrap.servers");
        Map<String, Object> producer = config(Map.of("producer.linger.ms", 20)).producerConfig();
        assertThat(producer).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                .containsEntry("linger.ms", 20);
    }

    @Test
    void sendAfterCloseIsRefused() {
        AuditClient client = new AuditClient(config(Map.of()), producer(true), SCHEMA_ID);
        client.close();
        assertThatThrownBy(() -> client.send(SampleEvents.of(EventType.AGENT_ACTION, "a", "b", 1)))
                .isInstanceOf(IllegalStateException.class);
    }
}
