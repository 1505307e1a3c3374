package io.attestream.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventRules.Violation;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonEventMapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode sample(EventType type) {
        return JsonEventMapper.toJson(SampleEvents.of(type, "acme", "refund-bot", type.ordinal()));
    }

    private static List<String> paths(JsonEventMapper.Result result) {
        return result.violations().stream().map(Violation::path).toList();
    }

    @Test
    void everyPayloadTypeRoundTripsThroughTheGatewayJsonShape() {
        for (AuditEvent event : SampleEvents.oneOfEach("acme", "refund-bot")) {
            ObjectNode json = JsonEventMapper.toJson(event);
            JsonEventMapper.Result back = JsonEventMapper.map(json);
            assertThat(back.violations()).isEmpty();
            assertThat(back.event()).isEqualTo(event);
        }
    }

    @Test
    void writesDigestsAsHexTimestampsAsIsoAndPayloadAsNamedBranch() {
        ObjectNode json = sample(EventType.AGENT_ACTION);
        assertThat(json.get("occurredAt").textValue()).isEqualTo("2026-11-01T09:00:00.123456Z");
        assertThat(json.get("payload").fieldNames().next()).isEqualTo("AgentAction");
        assertThat(json.at("/payload/AgentAction/inputDigest").textValue()).matches("[0-9a-f]{64}");
        assertThat(json.at("/payload/AgentAction/operation").textValue()).isEqualTo("EXECUTE_TOOL");
    }

    @Test
    void acceptsTimestampsAsIntegerMicros() {
        ObjectNode json = sample(EventType.EVAL_RESULT);
        json.put("occurredAt", 1_793_523_600_123_456L);
        JsonEventMapper.Result r = JsonEventMapper.map(json);
        assertThat(r.ok()).isTrue();
        assertThat(r.event().getOccurredAt().toString()).isEqualTo("2026-11-01T09:00:00.123456Z");
    }

    @Test
    void reportsWrongDigestWithItsExactPath() {
        ObjectNode json = sample(EventType.AGENT_ACTION);
        ((ObjectNode) json.at("/payload/AgentAction")).put("inputDigest", "abc");
        assertThat(paths(JsonEventMapper.map(json))).containsExactly("payload.AgentAction.inputDigest");
    }

    @Test
    void reportsUnknownMissingAndMistypedFieldsTogether() {
        ObjectNode json = sample(EventType.EVAL_RESULT);
        json.put("colour", "red");
        json.remove("agentVersion");
        ((ObjectNode) json.at("/payload/EvalResult")).put("value", "high");
        ((ObjectNode) json.at("/payload/EvalResult")).put("evaluatorKind", "ROBOT");
        assertThat(paths(JsonEventMapper.map(json))).containsExactlyInAnyOrder("colour", "agentVersion",
                "payload.EvalResult.value", "payload.EvalResult.evaluatorKind");
    }

    @Test
    void rejectsUnknownPayloadTypeAndAmbiguousPayload() throws Exception {
        ObjectNode json = sample(EventType.EVAL_RESULT);
        json.set("payload", JSON.readTree("{\"Gossip\": {}}"));
        assertThat(paths(JsonEventMapper.map(json))).containsExactly("payload.Gossip");
        json.set("payload", JSON.readTree("{\"EvalResult\": {}, \"AgentAction\": {}}"));
        assertThat(paths(JsonEventMapper.map(json))).containsExactly("payload");
    }

    @Test
    void rejectsMalformedUuidAndNonIsoTimestamp() {
        ObjectNode json = sample(EventType.RISK_DECISION);
        json.put("eventId", "not-a-uuid");
        json.put("occurredAt", "yesterday");
        assertThat(paths(JsonEventMapper.map(json))).containsExactlyInAnyOrder("eventId", "occurredAt");
    }

    @Test
    void appliesEventRulesAfterTheSchema() {
        ObjectNode json = sample(EventType.HUMAN_OVERRIDE);
        json.put("traceId", "XYZ");
        json.putArray("controls").add("not-a-control");
        assertThat(paths(JsonEventMapper.map(json))).containsExactlyInAnyOrder("traceId", "controls[0]");
    }

    @Test
    void nullableFieldsMayBeOmittedButRequiredOnesMayNotBeNull() {
        ObjectNode json = sample(EventType.POLICY_CHANGE);
        json.remove("traceId");
        json.remove("spanId");
        json.remove("sessionId");
        json.remove("controls");
        assertThat(JsonEventMapper.map(json).ok()).isTrue();
        json.putNull("tenant");
        assertThat(paths(JsonEventMapper.map(json))).containsExactly("tenant");
    }
}
