package io.attestream.ingest.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.Topics;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.ConfluentWireFormat;
import io.attestream.sealing.FieldPath;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * {@code POST /v1/traces}: OTLP/HTTP with binary protobuf ({@code application/x-protobuf}, optionally gzip), the
 * GenAI spans mapped by {@link OtlpSpanMapper} onto AgentAction events, sent to Kafka like {@code /v1/events}.
 * Answers 200 with an {@code ExportTraceServiceResponse} once Kafka acknowledged every mapped span; spans that
 * cannot be mapped or are outside the key's scope are counted in {@code partial_success.rejected_spans} with a
 * message (never dropped silently). 401 without a valid key, 415 for other content types (OTLP/JSON is not
 * served yet), 400 for a body that is not an ExportTraceServiceRequest, 413 over the body limit, 503 with
 * Retry-After when Kafka did not acknowledge (exporters retry; retried spans keep their eventId).
 */
public final class OtlpTracesHandler implements HttpHandler {
    private final ApiKeys keys;
    private final List<FieldPath> personal;
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final int schemaId;
    private final EventsHandler.Limits limits;
    private final String host;
    private final MeterRegistry meters;

    public OtlpTracesHandler(ApiKeys keys, Producer<String, byte[]> producer, String topic, int schemaId,
                             EventsHandler.Limits limits, String host, MeterRegistry meters) {
        this(keys, producer, topic, schemaId, limits, host, meters, List.of());
    }

    /**
     * @param personal the fields marked personal (seal.fields): a span with content in one of them is rejected, since
     *     a span names no data subject to seal it under (send such steps to /v1/events with a subject)
     */
    public OtlpTracesHandler(ApiKeys keys, Producer<String, byte[]> producer, String topic, int schemaId,
                             EventsHandler.Limits limits, String host, MeterRegistry meters, List<FieldPath> personal) {
        this.personal = List.copyOf(personal);
        this.keys = requireNonNull(keys, "keys");
        this.producer = requireNonNull(producer, "producer");
        this.topic = requireNonNull(topic, "topic");
        this.schemaId = schemaId;
        this.limits = requireNonNull(limits, "limits");
        this.host = requireNonNull(host, "host");
        this.meters = requireNonNull(meters, "meters");
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        int status;
        try {
            status = serve(exchange);
        } finally {
            exchange.close();
        }
        meters.counter("attestream.gateway.otlp.requests", "status", Integer.toString(status)).increment();
    }

    private int serve(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            return text(exchange, 405, "use POST");
        }
        Optional<ApiKeys.Scope> scope = keys.lookup(EventsHandler.apiKey(exchange));
        if (scope.isEmpty()) {
            return text(exchange, 401, "a valid API key is required (Authorization: Bearer KEY or X-Api-Key)");
        }
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.split(";")[0].strip().toLowerCase(Locale.ROOT).equals("application/x-protobuf")) {
            return text(exchange, 415, "Content-Type must be application/x-protobuf (OTLP/HTTP binary); got "
                    + (type == null ? "none" : "'" + type + "'"));
        }
        byte[] body = readBody(exchange);
        if (body == null) {
            return text(exchange, 413, "request body larger than " + limits.maxBodyBytes() + " bytes");
        }
        ExportTraceServiceRequest request;
        try {
            request = ExportTraceServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            return text(exchange, 400, "not an OTLP ExportTraceServiceRequest: " + e.getMessage());
        }
        String keyTenant = "*".equals(scope.get().tenant()) ? null : scope.get().tenant();
        List<AuditEvent> mapped = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (ResourceSpans rs : request.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span span : ss.getSpansList()) {
                    OtlpSpanMapper.Result r = OtlpSpanMapper.map(rs.getResource().getAttributesList(), span,
                            keyTenant, host);
                    if (r.event() == null) {
                        reasons.add(r.reason());
                    } else if (!personal.isEmpty() && personal.stream().anyMatch(f -> f.isSetIn(r.event()))) {
                        reasons.add("span " + r.event().getEventId() + " has content in a field marked personal "
                                + "(seal.fields) and a span names no data subject: send it to /v1/events with a "
                                + "\"subject\"");
                    } else if (!scope.get().covers(r.event().getTenant(), r.event().getAgentId())) {
                        reasons.add("API key '" + scope.get().name() + "' may not write events of "
                                + r.event().getTenant() + "/" + r.event().getAgentId());
                    } else {
                        mapped.add(r.event());
                    }
                }
            }
        }
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try {
            for (AuditEvent e : mapped) {
                acks.add(producer.send(new ProducerRecord<>(topic, Topics.agentKey(e.getTenant(), e.getAgentId()),
                        ConfluentWireFormat.frame(schemaId, AuditEventCodec.encodeBody(e)))));
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.ackTimeoutMillis());
            for (Future<RecordMetadata> f : acks) {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            exchange.getResponseHeaders().set("Retry-After", Integer.toString(limits.retryAfterSeconds()));
            return text(exchange, 503, "Kafka did not acknowledge every span; retry the request: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return text(exchange, 503, "interrupted while waiting for Kafka");
        }
        meters.counter("attestream.gateway.otlp.spans", "result", "accepted").increment(mapped.size());
        meters.counter("attestream.gateway.otlp.spans", "result", "rejected").increment(reasons.size());
        ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
        if (!reasons.isEmpty()) {
            String message = reasons.size() + " span(s) rejected: " + String.join("; ",
                    reasons.subList(0, Math.min(5, reasons.size()))) + (reasons.size() > 5 ? "; ..." : "");
            response.setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(reasons.size())
                    .setErrorMessage(message));
        }
        byte[] out = response.build().toByteArray();
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        }
        return 200;
    }

    private static int text(HttpExchange exchange, int status, String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
        return status;
    }

    /** The (gunzipped) body, or null over the limit: the limit applies to the uncompressed size too. */
    private byte[] readBody(HttpExchange exchange) throws IOException {
        String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
        InputStream raw = exchange.getRequestBody();
        try (InputStream in = encoding != null && encoding.strip().equalsIgnoreCase("gzip") ? new GZIPInputStream(raw)
                : raw) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] chunk = new byte[16384];
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (buf.size() + n > limits.maxBodyBytes()) {
                    return null;
                }
                buf.write(chunk, 0, n);
            }
            return buf.toByteArray();
        }
    }
}
