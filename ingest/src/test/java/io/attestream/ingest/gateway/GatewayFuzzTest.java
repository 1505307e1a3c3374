package io.attestream.ingest.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventRules;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.ConfluentWireFormat;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Throws malformed JSON, wrong types, huge strings, deep nesting, invalid UTF-8 and random bytes at a running
 * gateway: every certainly-invalid input gets a 4xx, no input gets a 5xx or kills the server, and every record
 * that reaches the topic decodes and satisfies the event rules.
 */
class GatewayFuzzTest {
    private static final MockProducer<String, byte[]> PRODUCER =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private static final GatewayTestSupport GATEWAY = new GatewayTestSupport(PRODUCER, Map.of(
            GatewayConfig.MAX_BODY_BYTES_CONFIG, 1 << 20, GatewayConfig.MAX_EVENT_BYTES_CONFIG, 64 * 1024));
    private static final AtomicInteger ACCEPTED = new AtomicInteger();

    @AfterContainer
    static void topicHoldsOnlyValidEventsAndServerIsUp() throws Exception {
        try {
            assertThat(GATEWAY.get("/health").statusCode()).isEqualTo(200);
            List<ProducerRecord<String, byte[]>> sent = PRODUCER.history();
            assertThat(sent).hasSize(ACCEPTED.get());
            for (ProducerRecord<String, byte[]> record : sent) {
                AuditEvent event = new SpecificDatumReader<AuditEvent>(AuditEventCodec.currentSchema(),
                        AuditEventCodec.currentSchema()).read(null, DecoderFactory.get().binaryDecoder(
                        ConfluentWireFormat.body(record.value()), null));
                assertThat(EventRules.violations(event)).isEmpty();
                assertThat(record.key()).isEqualTo(event.getTenant() + "/" + event.getAgentId());
            }
        } finally {
            GATEWAY.close();
        }
    }

    private static int post(byte[] body, boolean ndjson) throws Exception {
        HttpResponse<String> r = GATEWAY.post("k-acme", ndjson ? "application/x-ndjson" : "application/json", body);
        assertThat(r.statusCode()).as(r.body()).isLessThan(500);
        if (r.statusCode() == 202) {
            ACCEPTED.addAndGet(GatewayTestSupport.json(r).get("accepted").intValue());
        }
        return r.statusCode();
    }

    private static void assert4xx(byte[] body, boolean ndjson) throws Exception {
        assertThat(post(body, ndjson)).isBetween(400, 499);
    }

    @Property(tries = 100)
    void randomBytesGet4xx(@ForAll("bytes") byte[] body, @ForAll boolean ndjson) throws Exception {
        assert4xx(body, ndjson);
    }

    @Property(tries = 80)
    void truncatedJsonGets4xx(@ForAll("valid") String event, @ForAll("fraction") double cut) throws Exception {
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        int length = (int) (bytes.length * cut);
        byte[] part = new byte[length];
        System.arraycopy(bytes, 0, part, 0, length);
        assert4xx(part, false);
    }

    @Property(tries = 150)
    void wrongTypesGet4xxOrAValidEvent(@ForAll("valid") String event, @ForAll("index") int which,
                                       @ForAll("jsonValue") JsonNode replacement) throws Exception {
        ObjectNode root = (ObjectNode) GatewayTestSupport.JSON.readTree(event);
        List<ObjectNode> parents = new ArrayList<>();
        List<String> names = new ArrayList<>();
        collect(root, parents, names);
        int i = Math.floorMod(which, names.size());
        JsonNode old = parents.get(i).get(names.get(i));
        parents.get(i).set(names.get(i), replacement);
        int status = post(root.toString().getBytes(StandardCharsets.UTF_8), false);
        // A null field may be nullable of any type: only replacements of typed values are certainly wrong.
        if (!old.isNull() && old.getNodeType() != replacement.getNodeType() && !replacement.isNull()
                && !(old.isNumber() && replacement.isNumber())
                // Timestamps are an ISO-8601 string or integer micros: both are the right type.
                && !(names.get(i).endsWith("At") && replacement.isIntegralNumber())) {
            assertThat(status).as(names.get(i) + " = " + replacement).isBetween(400, 499);
        }
    }

    @Property(tries = 40)
    void hugeStringsGet4xx(@ForAll("valid") String event, @ForAll("identifierField") String field,
                           @ForAll("hugeLength") int length) throws Exception {
        ObjectNode root = (ObjectNode) GatewayTestSupport.JSON.readTree(event);
        root.put(field, "x".repeat(length));
        assert4xx(root.toString().getBytes(StandardCharsets.UTF_8), false);
    }

    @Property(tries = 40)
    void deepNestingGets4xx(@ForAll("depth") int depth, @ForAll boolean arrays) throws Exception {
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        String body = "{\"tenant\":" + open.repeat(depth) + "1" + close.repeat(depth) + "}";
        assert4xx(body.getBytes(StandardCharsets.UTF_8), false);
    }

    @Property(tries = 60)
    void invalidUtf8Gets4xx(@ForAll("valid") String event, @ForAll("index") int where,
                            @ForAll("badUtf8") byte[] bad) throws Exception {
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        // Inside the value of "agentVersion", so the JSON structure stays intact.
        int at = event.indexOf("\"agentVersion\":\"") + "\"agentVersion\":\"".length();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, at);
        out.write(bad);
        out.write(bytes, at, bytes.length - at);
        assert4xx(out.toByteArray(), Math.floorMod(where, 2) == 0);
    }

    @Property(tries = 30)
    void batchesMixingValidAndBrokenLinesSendNothing(@ForAll("valid") String good, @ForAll("bytes") byte[] junk)
            throws Exception {
        int before = PRODUCER.history().size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(good.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
        out.write(new String(junk, StandardCharsets.ISO_8859_1).replace('\n', ' ')
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write('\n');
        out.write(good.getBytes(StandardCharsets.UTF_8));
        assert4xx(out.toByteArray(), true);
        assertThat(PRODUCER.history()).hasSize(before);
    }

    private static void collect(ObjectNode node, List<ObjectNode> parents, List<String> names) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            parents.add(node);
            names.add(e.getKey());
            if (e.getValue().isObject()) {
                collect((ObjectNode) e.getValue(), parents, names);
            }
        }
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(4096)
                .filter(b -> !new String(b, StandardCharsets.ISO_8859_1).isBlank());
    }

    @Provide
    Arbitrary<String> valid() {
        return Arbitraries.integers().between(0, 1000).map(n -> GatewayTestSupport.event("acme", "bot-" + (n % 5), n));
    }

    @Provide
    Arbitrary<Double> fraction() {
        return Arbitraries.doubles().between(0.01, 0.99);
    }

    @Provide
    Arbitrary<Integer> index() {
        return Arbitraries.integers().between(0, 1000);
    }

    @Provide
    Arbitrary<String> identifierField() {
        return Arbitraries.of("tenant", "agentId", "agentVersion", "eventId", "traceId");
    }

    @Provide
    Arbitrary<Integer> hugeLength() {
        return Arbitraries.integers().between(201, 200_000);
    }

    @Provide
    Arbitrary<Integer> depth() {
        return Arbitraries.integers().between(17, 50_000);
    }

    @Provide
    Arbitrary<byte[]> badUtf8() {
        return Arbitraries.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xFF}, new byte[] {(byte) 0x80},
                new byte[] {(byte) 0xE2, (byte) 0x82}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80});
    }

    @Provide
    Arbitrary<JsonNode> jsonValue() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Arbitrary<JsonNode> text = Arbitraries.strings().ofMaxLength(80).map(f::textNode);
        Arbitrary<JsonNode> number = Arbitraries.longs().map(f::numberNode);
        Arbitrary<JsonNode> decimal = Arbitraries.doubles().map(f::numberNode);
        Arbitrary<JsonNode> bool = Arbitraries.of(true, false).map(f::booleanNode);
        Arbitrary<JsonNode> array = Arbitraries.strings().ofMaxLength(10).list().ofMaxSize(3).map(l -> {
            ArrayNode a = f.arrayNode();
            l.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> object = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8)
                .map(k -> f.objectNode().put(k, 1));
        return Arbitraries.oneOf(text, number, decimal, bool, array, object, Arbitraries.just(f.nullNode()));
    }
}
