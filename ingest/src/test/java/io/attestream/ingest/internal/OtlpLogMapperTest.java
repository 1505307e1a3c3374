package io.attestream.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.events.ApprovalDecision;
import io.attestream.events.Decision;
import io.attestream.events.EvalResult;
import io.attestream.events.EvaluatorKind;
import io.attestream.events.RiskDecision;
import io.attestream.events.RiskTreatment;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** The mapping of OTel events (log records with an event name) onto AuditEvents, and its documentation. */
class OtlpLogMapperTest {
    private static final List<KeyValue> RESOURCE = List.of(kv("service.name", "refund-bot"),
            kv("service.version", "3.1"), kv("attestream.tenant", "acme"));
    private static final InstrumentationScope SCOPE = InstrumentationScope.newBuilder().setName("evals").build();

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static KeyValue kv(String key, double value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value)).build();
    }

    private static LogRecord event(String name, KeyValue... attributes) {
        return LogRecord.newBuilder().setEventName(name).setTimeUnixNano(1_796_000_000_123_456_789L)
                .addAllAttributes(List.of(attributes)).build();
    }

    private static OtlpLogMapper.Result map(LogRecord log) {
        return OtlpLogMapper.map(RESOURCE, SCOPE, log, null, "gw-host");
    }

    @Test
    void aSemconvEvaluationEventWithoutAttestreamAttributesGetsDocumentedDefaults() {
        OtlpLogMapper.Result r = map(event("gen_ai.evaluation.result", kv("gen_ai.evaluation.name", "Faithfulness"),
                kv("gen_ai.evaluation.score.value", 0.4)));
        assertThat(r.reason()).isNull();
        EvalResult eval = (EvalResult) r.event().getPayload();
        assertThat(eval.getSuite()).isEqualTo("evals");
        assertThat(eval.getMetric()).isEqualTo("Faithfulness");
        assertThat(eval.getEvaluatorKind()).isEqualTo(EvaluatorKind.UNKNOWN);
        assertThat(eval.getLabel()).isNull();
        assertThat(r.event().getOccurredAt().toString()).isEqualTo("2026-11-30T00:53:20.123456Z");
        assertThat(r.event().getRecordedBy().getHost()).isEqualTo("gw-host");
    }

    @Test
    void anEventNameInTheEventNameAttributeIsAcceptedLikeTheRecordField() {
        LogRecord log = LogRecord.newBuilder().setTimeUnixNano(1).addAttributes(kv("event.name",
                        "attestream.risk_decision")).addAttributes(kv("attestream.risk.risk_id", "R-9"))
                .addAttributes(kv("attestream.risk.treatment", "accept"))
                .addAttributes(kv("attestream.risk.rationale", "low impact"))
                .addAttributes(kv("attestream.risk.owner", "ciso")).build();
        RiskDecision risk = (RiskDecision) map(log).event().getPayload();
        assertThat(risk.getTreatment()).isEqualTo(RiskTreatment.ACCEPT);
        assertThat(risk.getLinkedChangeId()).isNull();
    }

    @Test
    void missingRequiredWrongTypedOrUnknownValuesAreRejectedWithTheAttributeNamed() {
        assertThat(map(event("gen_ai.evaluation.result", kv("gen_ai.evaluation.score.value", 1.0))).reason())
                .contains("required attribute attestream.eval.eval_name is missing (or gen_ai.evaluation.name)");
        assertThat(map(event("attestream.approval", kv("attestream.approval.request_id", "q"),
                kv("attestream.approval.requested_action", "refund"), kv("attestream.approval.approver", "a"),
                kv("attestream.approval.decision", "MAYBE"), kv("attestream.approval.risk_tier", "LOW"))).reason())
                .contains("attestream.approval.decision must be one of [APPROVED, REJECTED, ESCALATED, EXPIRED,"
                        + " UNKNOWN]");
        assertThat(map(event("attestream.approval", kv("attestream.approval.request_id", "q"),
                kv("attestream.approval.requested_action", "refund"), kv("attestream.approval.approver", "a"),
                kv("attestream.approval.decision", "approved"), kv("attestream.approval.risk_tier", "LOW"),
                kv("attestream.approval.shown_digest", "abc"))).reason())
                .contains("attestream.approval.shown_digest must be 64 hex characters");
        assertThat(map(event("gen_ai.evaluation.result", kv("gen_ai.evaluation.name", "x"),
                kv("gen_ai.evaluation.score.value", "high"))).reason())
                .contains("attestream.eval.value must be a number");
        assertThat(map(event("app.started")).reason()).contains("event name is not one of");
        assertThat(map(LogRecord.newBuilder().setTimeUnixNano(1).build()).reason()).contains("no event name");
        assertThat(map(LogRecord.newBuilder().setEventName("attestream.incident").build()).reason())
                .contains("neither time_unix_nano nor observed_time_unix_nano");
        assertThat(OtlpLogMapper.map(List.of(kv("service.name", "x"), kv("service.version", "1")), SCOPE,
                event("attestream.incident"), null, "h").reason()).contains("no resource attribute attestream.tenant");
    }

    @Test
    void theEventIdIsStableForARetryGivenByAttestreamEventIdOrElseTheContent() {
        LogRecord log = event("attestream.approval", kv("attestream.approval.request_id", "q"),
                kv("attestream.approval.requested_action", "refund"), kv("attestream.approval.approver", "a"),
                kv("attestream.approval.decision", "approved"), kv("attestream.approval.risk_tier", "low"));
        assertThat(map(log).event().getEventId()).isEqualTo(map(log).event().getEventId());
        assertThat(((ApprovalDecision) map(log).event().getPayload()).getDecision()).isEqualTo(Decision.APPROVED);
        LogRecord later = log.toBuilder().setTimeUnixNano(log.getTimeUnixNano() + 1).build();
        assertThat(map(later).event().getEventId()).isNotEqualTo(map(log).event().getEventId());
        UUID given = UUID.randomUUID();
        LogRecord withId = log.toBuilder().addAttributes(kv("attestream.event_id", given.toString())).build();
        assertThat(map(withId).event().getEventId()).isEqualTo(given);
        assertThat(map(log.toBuilder().addAttributes(kv("attestream.event_id", "nope")).build()).reason())
                .contains("is not a UUID");
    }

    @Test
    void docsHttpApiListsEveryAttributeOfEveryMappedEvent() throws Exception {
        String text = Files.readString(Path.of("..", "docs", "http-api.md"));
        for (OtlpLogMapper.Mapped m : OtlpLogMapper.EVENTS) {
            assertThat(text).as("event name").contains("`" + m.eventName() + "`");
            for (Schema.Field f : m.payload().getFields()) {
                assertThat(text).as(m.eventName() + " field " + f.name()).contains("`" + m.attribute(f) + "`");
            }
        }
        for (String semconv : OtlpLogMapper.EVALUATION_SEMCONV.values()) {
            assertThat(text).contains("`" + semconv + "`");
        }
    }
}
