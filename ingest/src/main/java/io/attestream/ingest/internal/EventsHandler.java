package io.attestream.ingest.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventRules.Violation;
import io.attestream.schemas.Topics;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.ConfluentWireFormat;
import io.attestream.sealing.EventSealer;
import io.attestream.sealing.FieldPath;
import io.attestream.sealing.SealingException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/events}: authenticates, parses one JSON event or an NDJSON batch, maps each onto the Avro schema,
 * checks the key's scope, sends the batch to Kafka and answers 202 only once Kafka acknowledged every event.
 * Status precedence: 405, 401, 415, 413, 429, then per item 403 and 400 (a batch with any refused item sends
 * nothing), 503. Text rules (UTF-8, no lone surrogates, no byte order mark) are {@link TextRules}.
 */
public final class EventsHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(EventsHandler.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Member of a JSON event naming its data subject; taken out before mapping, never stored (docs/privacy.md). */
    public static final String SUBJECT = "subject";

    /** Limits and timings of the handler. */
    public record Limits(int maxBodyBytes, int maxEventBytes, int maxBatchEvents, int maxNestingDepth,
                         int maxInFlightEvents, int retryAfterSeconds, int ackTimeoutMillis) {
    }

    private final ApiKeys keys;
    private final EventSealer sealer;
    private final Producer<String, byte[]> producer;
    private final int schemaId;
    private final String topic;
    private final Limits limits;
    private final ObjectNode recordedBy;
    private final ObjectMapper json;
    /** The streaming path's parsers: the same limits, without duplicate detection (mapCommon finds duplicates). */
    private final JsonFactory streaming;
    private final ObjectMapper out = new ObjectMapper();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong lastKafkaFailure = new AtomicLong();
    private final AtomicLong lastKafkaSuccess = new AtomicLong();
    private final MeterRegistry meters;
    private final Timer latency;

    public EventsHandler(ApiKeys keys, Producer<String, byte[]> producer, String topic, int schemaId, Limits limits,
                         String host, MeterRegistry meters) {
        this(keys, producer, topic, schemaId, limits, host, meters, null);
    }

    /**
     * @param sealer seals the fields marked personal of each event on arrival (docs/privacy.md), under the subject
     *     named by the event's {@code "subject"} member; null: this gateway seals nothing and refuses a subject
     */
    public EventsHandler(ApiKeys keys, Producer<String, byte[]> producer, String topic, int schemaId, Limits limits,
                         String host, MeterRegistry meters, EventSealer sealer) {
        this.sealer = sealer;
        this.keys = requireNonNull(keys, "keys");
        this.producer = requireNonNull(producer, "producer");
        this.schemaId = schemaId;
        this.topic = requireNonNull(topic, "topic");
        this.limits = requireNonNull(limits, "limits");
        this.meters = requireNonNull(meters, "meters");
        this.recordedBy = NODES.objectNode().put("host", host).put("sdk", "attestream-gateway")
                .put("sdkVersion", "0.1.0");
        this.json = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        StreamReadConstraints constraints = StreamReadConstraints.builder()
                .maxNestingDepth(limits.maxNestingDepth()).maxStringLength(limits.maxEventBytes())
                .maxNumberLength(64).maxNameLength(1024).build();
        json.getFactory().setStreamReadConstraints(constraints);
        this.streaming = JsonFactory.builder().streamReadConstraints(constraints).build();
        this.latency = Timer.builder("attestream.gateway.request").description("POST /v1/events latency")
                .publishPercentileHistogram(false).register(meters);
        meters.gauge("attestream.gateway.in.flight.events", inFlight);
    }

    /** Whether the last Kafka interaction failed (for /health). */
    public boolean kafkaFailing() {
        return lastKafkaFailure.get() > lastKafkaSuccess.get();
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        int status;
        try {
            status = serve(exchange);
        } catch (RuntimeException e) {
            LOG.error("unexpected failure serving {}", exchange.getRequestURI(), e);
            status = send(exchange, 500, error("internal error: " + e.getClass().getSimpleName()));
        } finally {
            exchange.close();
        }
        latency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        meters.counter("attestream.gateway.requests", "status", Integer.toString(status)).increment();
    }

    private int serve(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "POST");
            return send(exchange, 405, error("use POST"));
        }
        Optional<ApiKeys.Scope> scope = keys.lookup(apiKey(exchange));
        if (scope.isEmpty()) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"attestream\"");
            return send(exchange, 401, error("a valid API key is required (Authorization: Bearer KEY or X-Api-Key)"));
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        Optional<Boolean> ndjson = mediaType(contentType);
        if (ndjson.isEmpty()) {
            return send(exchange, 415, error("Content-Type must be application/json (one event) or"
                    + " application/x-ndjson (one event per line), in UTF-8; got "
                    + (contentType == null ? "none" : "'" + contentType + "'")));
        }
        byte[] body = readBody(exchange);
        if (body == null) {
            return send(exchange, 413, error("request body larger than " + limits.maxBodyBytes() + " bytes"));
        }
        List<byte[]> lines = split(body, ndjson.get());
        if (lines.isEmpty()) {
            return send(exchange, 400, error("empty body: send one JSON event or NDJSON lines"));
        }
        if (lines.size() > limits.maxBatchEvents()) {
            return send(exchange, 413, error("batch of " + lines.size() + " events, at most "
                    + limits.maxBatchEvents()));
        }
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).length > limits.maxEventBytes()) {
                return send(exchange, 413, error("event " + i + " is " + lines.get(i).length
                        + " bytes, at most " + limits.maxEventBytes()));
            }
        }
        Item[] items = new Item[lines.size()];
        boolean forbidden = false;
        boolean invalid = false;
        boolean unsealable = false;
        for (int i = 0; i < items.length; i++) {
            items[i] = parse(lines.get(i), scope.get());
            forbidden |= items[i].status == 403;
            invalid |= items[i].status == 400;
            unsealable |= items[i].status == 503;
        }
        if (unsealable && !forbidden && !invalid) {
            // The key store failed: nothing of the request is sent (never an unsealed body); the client retries.
            for (Item item : items) {
                if (item.status == 0) {
                    item.status = 424;
                    item.message = "not sent: other events of this request could not be sealed";
                }
            }
            exchange.getResponseHeaders().set("Retry-After", Integer.toString(limits.retryAfterSeconds()));
            meters.counter("attestream.gateway.events", "result", "unavailable").increment(items.length);
            return send(exchange, 503, itemsBody(items, "the key store could not seal every event; retry the same "
                    + "events (same eventIds)"));
        }
        if (forbidden || invalid) {
            for (Item item : items) {
                if (item.status == 0 || item.status == 503) {
                    item.status = 424;
                    item.message = "not sent: other events of this request were refused";
                }
            }
            meters.counter("attestream.gateway.events", "result", "refused").increment(items.length);
            return send(exchange, forbidden ? 403 : 400, itemsBody(items, forbidden
                    ? "API key '" + scope.get().name() + "' does not cover every event's tenant/agent"
                    : "invalid events: nothing was sent"));
        }
        if (inFlight.addAndGet(items.length) > limits.maxInFlightEvents()) {
            inFlight.addAndGet(-items.length);
            exchange.getResponseHeaders().set("Retry-After", Integer.toString(limits.retryAfterSeconds()));
            meters.counter("attestream.gateway.events", "result", "throttled").increment(items.length);
            return send(exchange, 429, error("too many events waiting for Kafka (" + limits.maxInFlightEvents()
                    + "); retry the same events (same eventIds) after " + limits.retryAfterSeconds() + " s"));
        }
        try {
            return produce(exchange, items);
        } finally {
            inFlight.addAndGet(-items.length);
        }
    }

    private int produce(HttpExchange exchange, Item[] items) throws IOException {
        List<Future<RecordMetadata>> futures = new ArrayList<>(items.length);
        try {
            for (Item item : items) {
                AuditEvent e = item.event;
                futures.add(producer.send(new ProducerRecord<>(topic, Topics.agentKey(e.getTenant(),
                        e.getAgentId()), ConfluentWireFormat.frame(schemaId, item.avroBody))));
            }
        } catch (RuntimeException e) {
            LOG.warn("Kafka refused a send: {}", e.toString());
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.ackTimeoutMillis());
        boolean failed = false;
        for (int i = 0; i < items.length; i++) {
            if (i >= futures.size()) {
                failed |= fail(items[i], "Kafka unavailable: not sent");
                continue;
            }
            try {
                RecordMetadata meta = futures.get(i).get(Math.max(0, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
                items[i].status = 202;
                items[i].meta = meta;
            } catch (ExecutionException e) {
                failed |= fail(items[i], "Kafka did not acknowledge: " + e.getCause());
            } catch (TimeoutException e) {
                failed |= fail(items[i], "Kafka did not acknowledge within " + limits.ackTimeoutMillis() + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed |= fail(items[i], "interrupted while waiting for Kafka");
            }
        }
        int accepted = (int) Arrays.stream(items).filter(it -> it.status == 202).count();
        meters.counter("attestream.gateway.events", "result", "accepted").increment(accepted);
        if (failed) {
            lastKafkaFailure.set(System.nanoTime());
            meters.counter("attestream.gateway.events", "result", "unavailable").increment(items.length - accepted);
            exchange.getResponseHeaders().set("Retry-After", Integer.toString(limits.retryAfterSeconds()));
            return send(exchange, 503, itemsBody(items, "Kafka did not acknowledge every event; retry the events "
                    + "with status 503 with the same eventIds"));
        }
        lastKafkaSuccess.set(System.nanoTime());
        return send(exchange, 202, itemsBody(items, null));
    }

    private static boolean fail(Item item, String message) {
        item.status = 503;
        item.message = message;
        return true;
    }

    private Item parse(byte[] line, ApiKeys.Scope scope) {
        Item item = new Item();
        Optional<Violation> badText = TextRules.checkBytes(line);
        if (badText.isPresent()) {
            return item.invalid(List.of(badText.get()));
        }
        if (!TextRules.hasUnicodeEscape(line)) {
            Item streamed = parseStreaming(line, scope, item);
            if (streamed != null) {
                return streamed;
            }
        }
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (JsonProcessingException e) {
            return item.invalid(List.of(new Violation("$", "malformed JSON: " + e.getOriginalMessage())));
        } catch (IOException e) {
            return item.invalid(List.of(new Violation("$", "unreadable JSON: " + e.getMessage())));
        }
        if (node == null || !node.isObject()) {
            return item.invalid(List.of(new Violation("$", "must be a JSON object")));
        }
        ObjectNode event = (ObjectNode) node;
        Optional<Violation> surrogate = TextRules.checkSurrogates(line, event);
        if (surrogate.isPresent()) {
            return item.invalid(List.of(surrogate.get()));
        }
        JsonNode tenant = event.get("tenant");
        JsonNode agent = event.get("agentId");
        if (tenant != null && tenant.isTextual() && agent != null && agent.isTextual()
                && !scope.covers(tenant.textValue(), agent.textValue())) {
            item.status = 403;
            item.message = "API key '" + scope.name() + "' may not write events of " + tenant.textValue() + "/"
                    + agent.textValue();
            return item;
        }
        String subject = null;
        JsonNode subjectNode = event.remove(SUBJECT);
        if (subjectNode != null) {
            if (!subjectNode.isTextual() || subjectNode.textValue().isBlank()) {
                return item.invalid(List.of(new Violation(SUBJECT, "must be a non-empty string (the data subject of "
                        + "the personal content)")));
            }
            if (sealer == null) {
                return item.invalid(List.of(new Violation(SUBJECT, "given, but this gateway seals nothing (seal.fields "
                        + "is empty): seal in the producer, or do not name a subject")));
            }
            subject = subjectNode.textValue();
        }
        if (!event.has("eventId")) {
            event.put("eventId", UUID.randomUUID().toString());
        }
        if (!event.has("recordedBy")) {
            event.set("recordedBy", recordedBy.deepCopy());
        }
        JsonEventMapper.Result result = JsonEventMapper.map(event);
        if (!result.ok()) {
            JsonNode id = event.get("eventId");
            item.eventId = id.isTextual() ? id.textValue() : null;
            return item.invalid(result.violations());
        }
        return accepted(item, result.event(), result.avroBody(), subject);
    }

    /**
     * The common case without a tree: a valid event (JsonEventMapper.mapCommon) whose key scope and subject need no
     * message, answered as the tree path answers it; null when the line is left to the tree path, which then gives
     * every other answer (a line without a backslash-u escape cannot hold a lone surrogate, so the surrogate check of
     * the tree path has nothing to find).
     */
    private Item parseStreaming(byte[] line, ApiKeys.Scope scope, Item item) {
        JsonEventMapper.Streamed streamed;
        try (JsonParser parser = streaming.createParser(line)) {
            streamed = JsonEventMapper.mapCommon(parser, SUBJECT, this::whenAbsent);
        } catch (IOException e) {
            return null;
        }
        if (streamed == null || streamed.extra() != null && (streamed.extra().isBlank() || sealer == null)) {
            return null;
        }
        AuditEvent event = streamed.event();
        String tenant = event.getTenant().toString();
        String agent = event.getAgentId().toString();
        if (!scope.covers(tenant, agent)) {
            item.status = 403;
            item.message = "API key '" + scope.name() + "' may not write events of " + tenant + "/" + agent;
            return item;
        }
        return accepted(item, event, streamed.avroBody(), streamed.extra());
    }

    /** What the gateway adds to an event that lacks it: a random eventId and its own recordedBy. */
    private JsonNode whenAbsent(String field) {
        return switch (field) {
            case "eventId" -> NODES.textNode(UUID.randomUUID().toString());
            case "recordedBy" -> recordedBy;
            default -> null;
        };
    }

    /** Item of a mapped event: sealed when the gateway seals and the event has personal content. */
    private Item accepted(Item item, AuditEvent event, byte[] avroBody, String subject) {
        item.event = event;
        item.avroBody = avroBody;
        item.eventId = event.getEventId().toString();
        if (sealer != null && sealer.hasPersonalContent(item.event)) {
            if (subject == null) {
                return item.invalid(List.of(new Violation(SUBJECT, "is required: the event has content in a field "
                        + "marked personal (seal.fields " + sealer.fields().stream().map(FieldPath::path).toList()
                        + ")")));
            }
            try {
                item.event = sealer.seal(item.event, subject);
            } catch (SealingException e) {
                LOG.warn("cannot seal event {}: {}", item.eventId, e.getMessage());
                item.event = null;
                item.avroBody = null;
                item.status = 503;
                item.message = "cannot seal the event's personal fields (key store): " + e.getMessage();
                return item;
            }
            item.avroBody = AuditEventCodec.encodeBody(item.event);
        }
        return item;
    }

    private static final class Item {
        int status;
        String eventId;
        String message;
        List<Violation> errors = List.of();
        AuditEvent event;
        byte[] avroBody;
        RecordMetadata meta;

        Item invalid(List<Violation> violations) {
            status = 400;
            errors = violations;
            return this;
        }
    }

    /** The answer listing every item, written straight from the items (a request's answer has one entry per event). */
    private byte[] itemsBody(Item[] items, String message) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 96 * items.length);
        try (JsonGenerator g = out.getFactory().createGenerator(bytes)) {
            g.writeStartObject();
            if (message != null) {
                g.writeStringField("error", message);
            }
            g.writeNumberField("accepted", Arrays.stream(items).filter(i -> i.status == 202).count());
            g.writeArrayFieldStart("events");
            for (int i = 0; i < items.length; i++) {
                Item item = items[i];
                g.writeStartObject();
                g.writeNumberField("index", i);
                g.writeNumberField("status", item.status);
                if (item.eventId != null) {
                    g.writeStringField("eventId", item.eventId);
                }
                if (item.meta != null) {
                    g.writeStringField("topic", item.meta.topic());
                    g.writeNumberField("partition", item.meta.partition());
                    g.writeNumberField("offset", item.meta.offset());
                }
                if (item.message != null) {
                    g.writeStringField("message", item.message);
                }
                if (!item.errors.isEmpty()) {
                    g.writeArrayFieldStart("errors");
                    for (Violation v : item.errors) {
                        g.writeStartObject();
                        g.writeStringField("path", v.path());
                        g.writeStringField("message", v.message());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return bytes.toByteArray();
    }

    private static ObjectNode error(String message) {
        return NODES.objectNode().put("error", message);
    }

    private int send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        return send(exchange, status, out.writeValueAsBytes(body));
    }

    private static int send(HttpExchange exchange, int status, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
        return status;
    }

    /** The API key of a request: {@code Authorization: Bearer KEY}, else {@code X-Api-Key}; null if neither. */
    static String apiKey(HttpExchange exchange) {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).strip();
        }
        return exchange.getRequestHeaders().getFirst("X-Api-Key");
    }

    /**
     * Whether the body is NDJSON ({@code application/x-ndjson}) or one event ({@code application/json}); empty for
     * any other media type, a missing header, or a charset other than UTF-8. Parameters and case are ignored.
     */
    static Optional<Boolean> mediaType(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        String[] parts = contentType.split(";");
        String type = parts[0].strip().toLowerCase(Locale.ROOT);
        for (int i = 1; i < parts.length; i++) {
            String[] param = parts[i].strip().split("=", 2);
            if (param[0].strip().equalsIgnoreCase("charset") && (param.length < 2
                    || !param[1].strip().replace("\"", "").equalsIgnoreCase("utf-8"))) {
                return Optional.empty();
            }
        }
        if (type.equals("application/json")) {
            return Optional.of(false);
        }
        if (type.equals("application/x-ndjson")) {
            return Optional.of(true);
        }
        return Optional.empty();
    }

    /** The body, or null when it exceeds the limit. */
    private byte[] readBody(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        int max = limits.maxBodyBytes();
        try (InputStream in = exchange.getRequestBody()) {
            if (length != null) {
                try {
                    if (Long.parseLong(length.strip()) > max) {
                        return null;
                    }
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            ByteArrayOutputStream buf = new ByteArrayOutputStream(length == null ? 8192 : Integer.parseInt(
                    length.strip()));
            byte[] chunk = new byte[16384];
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (buf.size() + n > max) {
                    return null;
                }
                buf.write(chunk, 0, n);
            }
            return buf.toByteArray();
        }
    }

    /** One event (the whole body) or NDJSON lines; blank lines between NDJSON events are not events. */
    static List<byte[]> split(byte[] body, boolean ndjson) {
        List<byte[]> out = new ArrayList<>();
        if (!ndjson) {
            if (!isBlank(body, 0, body.length)) {
                out.add(body);
            }
            return out;
        }
        int from = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                if (!isBlank(body, from, i)) {
                    byte[] line = new byte[i - from];
                    System.arraycopy(body, from, line, 0, line.length);
                    out.add(line);
                }
                from = i + 1;
            }
        }
        return out;
    }

    private static boolean isBlank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n') {
                return false;
            }
        }
        return true;
    }
}
