package io.attestream.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventRules.Violation;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class JsonEventMapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode sample(EventType type) {
        return JsonEventMapper.toJson(SampleEvents.of(type, "acme", "refund-bot", type.ordinal()));
    }

    private static final JsonFactory STRICT = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private static JsonEventMapper.Streamed stream(JsonFactory factory, String json, String extra,
                                                   Function<String, JsonNode> whenAbsent) throws IOException {
        try (JsonParser parser = factory.createParser(json.getBytes(StandardCharsets.UTF_8))) {
            return JsonEventMapper.mapCommon(parser, extra, whenAbsent);
        }
    }

    /** A copy of {@code node} with the members of every object in reverse order. */
    private static JsonNode reversed(JsonNode node) {
        if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> members = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                members.add(0, it.next());
            }
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            members.forEach(m -> out.set(m.getKey(), reversed(m.getValue())));
            return out;
        }
        if (node.isArray()) {
            var out = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> out.add(reversed(item)));
            return out;
        }
        return node;
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

    @Test
    void streamingPathTakesMembersInAnyOrder() throws IOException {
        for (AuditEvent event : SampleEvents.oneOfEach("acme", "refund-bot")) {
            JsonNode json = reversed(JsonEventMapper.toJson(event));
            JsonEventMapper.Streamed s = stream(STRICT, json.toString(), null, name -> null);
            assertThat(s).isNotNull();
            assertThat(s.avroBody()).isEqualTo(JsonEventMapper.map(json).avroBody());
            assertThat(s.event()).isEqualTo(event);
        }
    }

    @Test
    void streamingPathAddsAbsentTopLevelFieldsAndReturnsTheExtraMember() throws IOException {
        ObjectNode json = sample(EventType.AGENT_ACTION);
        json.remove("eventId");
        json.put("subject", "alice");
        String id = "5d0c2a4e-7d8b-4f7e-9a3e-1c2b3d4e5f60";
        JsonEventMapper.Streamed s = stream(STRICT, json.toString(), "subject",
                name -> name.equals("eventId") ? JsonNodeFactory.instance.textNode(id) : null);
        assertThat(s.extra()).isEqualTo("alice");
        assertThat(s.event().getEventId().toString()).isEqualTo(id);
        json.remove("subject");
        json.put("eventId", id);
        assertThat(s.avroBody()).isEqualTo(JsonEventMapper.map(json).avroBody());
    }

    @Test
    void streamingPathLeavesEveryRefusalToTheTreePath() throws Exception {
        ObjectNode json = sample(EventType.EVAL_RESULT);
        String text = json.toString();
        assertThat(stream(STRICT, text, null, name -> null)).isNotNull();
        // a duplicate member even where the parser does not detect it, trailing tokens, a second extra member,
        // an extra member that is not a string, an unknown member, a missing required field, an EventRules violation
        String duplicate = text.replaceFirst("\\{", "{\"tenant\":\"other\",");
        assertThat(stream(new JsonFactory(), duplicate, null, name -> null)).isNull();
        assertThat(stream(STRICT, duplicate, null, name -> null)).isNull();
        assertThat(stream(STRICT, text + " {}", null, name -> null)).isNull();
        assertThat(stream(STRICT, text + " x", null, name -> null)).isNull();
        String twoSubjects = text.replaceFirst("\\{", "{\"subject\":\"a\",\"subject\":\"b\",");
        assertThat(stream(new JsonFactory(), twoSubjects, "subject", name -> null)).isNull();
        assertThat(stream(STRICT, json.deepCopy().put("subject", 1).toString(), "subject", name -> null)).isNull();
        assertThat(stream(STRICT, json.deepCopy().put("subject", "a").toString(), null, name -> null)).isNull();
        ObjectNode missing = json.deepCopy();
        missing.remove("tenant");
        assertThat(stream(STRICT, missing.toString(), null, name -> null)).isNull();
        String infinite = text.replaceFirst("\"value\":[^,}]*", "\"value\":1e400");
        assertThat(JsonEventMapper.map(JSON.readTree(infinite)).violations()).extracting(Violation::path)
                .containsExactly("payload.EvalResult.value");
        assertThat(stream(STRICT, infinite, null, name -> null)).isNull();
        assertThat(stream(STRICT, "[1]", null, name -> null)).isNull();
    }

    /**
     * The gateway streams with a parser that does not look for duplicate members (its per-object name sets cost 8 %
     * of a request): mapCommon finds them itself, at every depth, and leaves the event to the tree path.
     */
    @Test
    void streamingPathFindsDuplicateMembersItselfAtEveryDepth() throws Exception {
        JsonFactory lenient = new JsonFactory();
        ObjectNode eval = sample(EventType.EVAL_RESULT);
        String evalText = eval.toString();
        assertThat(stream(lenient, evalText, null, name -> null)).isNotNull();
        // a field of a nested record given twice, the same or another value
        String nested = evalText.replaceFirst("\"value\":", "\"value\":0.5,\"value\":");
        assertThat(JSON.readTree(nested).at("/payload/EvalResult/value").isNumber()).isTrue();
        assertThat(stream(lenient, nested, null, name -> null)).isNull();
        // a union written with two branch members
        String twoBranches = evalText.replaceFirst("\"payload\":\\{", "\"payload\":{\"EvalResult\":{},");
        assertThat(stream(lenient, twoBranches, null, name -> null)).isNull();
        // a key of a map given twice
        ObjectNode action = sample(EventType.AGENT_ACTION);
        ((ObjectNode) action.at("/payload/AgentAction")).putObject("attributes").put("k", "a");
        String actionText = action.toString();
        assertThat(stream(lenient, actionText, null, name -> null)).isNotNull();
        String twoKeys = actionText.replace("\"attributes\":{\"k\":\"a\"}", "\"attributes\":{\"k\":\"a\",\"k\":\"b\"}");
        assertThat(twoKeys).isNotEqualTo(actionText);
        assertThat(stream(lenient, twoKeys, null, name -> null)).isNull();
        // a top-level field and the extra member, each twice (as above, with the lenient parser)
        assertThat(stream(lenient, evalText.replaceFirst("\\{", "{\"tenant\":\"acme\","), null, name -> null)).isNull();
        assertThat(stream(lenient, evalText.replaceFirst("\\{", "{\"subject\":\"a\",\"subject\":\"a\","), "subject",
                name -> null)).isNull();
    }
}
