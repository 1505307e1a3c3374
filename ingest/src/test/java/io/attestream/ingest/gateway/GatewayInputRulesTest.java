package io.attestream.ingest.gateway;

import static io.attestream.ingest.gateway.GatewayTestSupport.event;
import static io.attestream.ingest.gateway.GatewayTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The gateway's input rules (docs/http-api.md, "Input rules"): Unicode, content type, byte order mark. */
class GatewayInputRulesTest {
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private static MockProducer<String, byte[]> producer() {
        return new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    }

    /** An AgentAction event of acme/refund-bot whose inlinePayload is the JSON string literal {@code literal}. */
    private static String actionWithInlinePayload(String literal) throws Exception {
        ObjectNode event = (ObjectNode) GatewayTestSupport.JSON.readTree(event("acme", "refund-bot", 0));
        ((ObjectNode) event.get("payload").get("AgentAction")).put("inlinePayload", "@@INLINE@@");
        return event.toString().replace("\"@@INLINE@@\"", literal);
    }

    private static JsonNode onlyError(HttpResponse<String> r) throws Exception {
        JsonNode errors = json(r).get("events").get(0).get("errors");
        assertThat(errors).hasSize(1);
        return errors.get(0);
    }

    @Test
    void loneSurrogatesInTheChainKeyAre400NamingTheFieldAndNeverMergeTwoAgents() throws Exception {
        MockProducer<String, byte[]> mock = producer();
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            String base = event("acme", "refund-bot", 0);
            for (String escape : new String[] {"\\ud800", "\\udfff", "\\ud800x"}) {
                HttpResponse<String> r = gw.post("k-acme", base.replace("\"agentId\":\"refund-bot\"",
                        "\"agentId\":\"agent-" + escape + "\""));
                assertThat(r.statusCode()).as(escape).isEqualTo(400);
                assertThat(onlyError(r).get("path").textValue()).isEqualTo("agentId");
                assertThat(onlyError(r).get("message").textValue()).contains("lone UTF-16 surrogate");
            }
            assertThat(mock.history()).isEmpty();
        }
    }

    @Test
    void loneSurrogateInsideThePayloadIs400WithItsPath() throws Exception {
        MockProducer<String, byte[]> mock = producer();
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            HttpResponse<String> r = gw.post("k-acme", actionWithInlinePayload("\"x\\udc00y\""));

            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(onlyError(r).get("path").textValue()).isEqualTo("payload.AgentAction.inlinePayload");
            assertThat(onlyError(r).get("message").textValue()).contains("\\udc00").contains("character 1");
            assertThat(mock.history()).isEmpty();
        }
    }

    @Test
    void surrogatePairsAndUtf8OutsideTheBmpAreAcceptedAndStoredExactly() throws Exception {
        MockProducer<String, byte[]> mock = producer();
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            assertThat(gw.post("k-acme", actionWithInlinePayload("\"a\\ud83d\\ude00b\"")).statusCode())
                    .isEqualTo(202);
            assertThat(gw.post("k-acme", actionWithInlinePayload("\"a\uD83D\uDE00b\"")).statusCode())
                    .isEqualTo(202);
            byte[] emoji = "a\uD83D\uDE00b".getBytes(StandardCharsets.UTF_8);
            assertThat(mock.history()).hasSize(2).allSatisfy(record -> assertThat(indexOf(record.value(), emoji))
                    .isNotNegative());
        }
    }

    @Test
    void malformedUtf8Is400NamingTheFieldItIsIn() throws Exception {
        MockProducer<String, byte[]> mock = producer();
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            // 0xC3 0x28: a lead byte without continuation; 0xED 0xA0 0x80: U+D800 encoded as if it were a character.
            for (byte[] bad : new byte[][] {{(byte) 0xC3, 0x28}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                    {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}}) {
                String[] halves = actionWithInlinePayload("\"x@@BAD@@y\"").split("@@BAD@@");
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                body.write(halves[0].getBytes(StandardCharsets.UTF_8));
                body.write(bad);
                body.write(halves[1].getBytes(StandardCharsets.UTF_8));

                HttpResponse<String> r = gw.post("k-acme", "application/json", body.toByteArray());

                assertThat(r.statusCode()).isEqualTo(400);
                assertThat(onlyError(r).get("path").textValue()).isEqualTo("payload.AgentAction.inlinePayload");
                assertThat(onlyError(r).get("message").textValue()).startsWith("not valid UTF-8 (byte offset");
            }
            assertThat(mock.history()).isEmpty();
        }
    }

    @Test
    void contentTypeMustBeJsonOrNdjsonInUtf8ElseItIs415() throws Exception {
        MockProducer<String, byte[]> mock = producer();
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            byte[] one = event("acme", "refund-bot", 0).getBytes(StandardCharsets.UTF_8);
            for (String refused : new String[] {"text/plain", "application/x-www-form-urlencoded",
                    "application/ndjson", "application/jsonl", "application/json; charset=iso-8859-1",
                    "application/json-seq", null}) {
                HttpResponse<String> r = gw.post("k-acme", refused, one);
                assertThat(r.statusCode()).as(String.valueOf(refused)).isEqualTo(415);
                assertThat(json(r).get("error").textValue()).contains("application/json")
                        .contains("application/x-ndjson");
            }
            assertThat(mock.history()).isEmpty();
            for (String accepted : new String[] {"application/json", "Application/JSON; charset=UTF-8",
                    "application/json;charset=\"utf-8\"", "application/x-ndjson", "application/x-ndjson; charset=utf-8"}) {
                assertThat(gw.post("k-acme", accepted, one).statusCode()).as(accepted).isEqualTo(202);
            }
            assertThat(gw.post(null, "text/plain", one).statusCode()).as("authentication first").isEqualTo(401);
        }
    }

    @Test
    void byteOrderMarkIsRefusedInASingleEventAndInEveryNdjsonLineAlike() throws Exception {
        MockProducer<String, byte[]> mock = producer();
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            byte[] one = event("acme", "refund-bot", 0).getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> single = gw.post("k-acme", "application/json", concat(BOM, one));
            assertThat(single.statusCode()).isEqualTo(400);
            assertThat(onlyError(single).get("path").textValue()).isEqualTo("$");
            assertThat(onlyError(single).get("message").textValue()).contains("byte order mark");

            String line = event("acme", "refund-bot", 1) + "\n";
            byte[] batch = concat(line.getBytes(StandardCharsets.UTF_8), line.getBytes(StandardCharsets.UTF_8), BOM,
                    line.getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> r = gw.post("k-acme", "application/x-ndjson", batch);
            assertThat(r.statusCode()).isEqualTo(400);
            JsonNode events = json(r).get("events");
            assertThat(events.get(0).get("status").intValue()).isEqualTo(424);
            assertThat(events.get(2).get("status").intValue()).isEqualTo(400);
            assertThat(events.get(2).get("errors").get(0).get("message").textValue()).contains("byte order mark");
            assertThat(mock.history()).isEmpty();

            // U+FEFF inside a string is an ordinary character.
            assertThat(gw.post("k-acme", actionWithInlinePayload("\"\uFEFFquoted\"")).statusCode()).isEqualTo(202);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
