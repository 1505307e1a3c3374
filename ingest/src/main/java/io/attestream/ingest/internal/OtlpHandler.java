package io.attestream.ingest.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.Topics;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.ConfluentWireFormat;
import io.attestream.sealing.FieldPath;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
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
import java.util.zip.ZipException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * An OTLP/HTTP receiver: {@code POST /v1/traces} ({@link #traces}: GenAI spans mapped by {@link OtlpSpanMapper}
 * onto AgentAction events) and {@code POST /v1/logs} ({@link #logs}: OTel events mapped by {@link OtlpLogMapper}
 * onto EvalResult and the oversight/governance payloads), both in binary protobuf
 * ({@code application/x-protobuf}) and OTLP/JSON ({@code application/json}, {@link OtlpJson}), optionally gzip.
 * The events are sent to Kafka like {@code /v1/events} writes them.
 *
 * <p>Answers 200 with the signal's Export…ServiceResponse, in the request's encoding, once Kafka acknowledged every
 * mapped item; items that cannot be mapped or are outside the key's scope are counted in the partial success
 * ({@code rejected_spans} / {@code rejected_log_records}) with the first five reasons (never dropped silently).
 * 401 without a valid key, 415 for other content types, 400 for a body that is not the signal's request, 413 over
 * the body limit, 503 with Retry-After when Kafka did not acknowledge (exporters retry; retried items keep their
 * eventId).
 */
public final class OtlpHandler implements HttpHandler {
    /** Objects and arrays an OTLP request needs around attribute values (request, resource, scope, item, KV). */
    private static final int ENVELOPE_DEPTH = 10;

    /** The item of one signal, mapped: an event or the reason it is none. */
    record Mapped(AuditEvent event, String reason) {
    }

    /** What differs between traces and logs. */
    interface Signal {
        /** The word of the partial-success and error messages: "spans", "log records". */
        String items();

        /** The {@code signal} tag of the request counter: "traces", "logs". */
        String name();

        /** The counter of accepted and rejected items. */
        String itemCounter();

        Message.Builder newRequest();

        List<Mapped> map(Message request, String keyTenant, String host);

        Message response(int rejected, String message);
    }

    /** {@code /v1/traces}. */
    public static final Signal TRACES = new Signal() {
        @Override
        public String items() {
            return "spans";
        }

        @Override
        public String name() {
            return "traces";
        }

        @Override
        public String itemCounter() {
            return "attestream.gateway.otlp.spans";
        }

        @Override
        public Message.Builder newRequest() {
            return ExportTraceServiceRequest.newBuilder();
        }

        @Override
        public List<Mapped> map(Message request, String keyTenant, String host) {
            List<Mapped> out = new ArrayList<>();
            for (ResourceSpans rs : ((ExportTraceServiceRequest) request).getResourceSpansList()) {
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    for (Span span : ss.getSpansList()) {
                        OtlpSpanMapper.Result r = OtlpSpanMapper.map(rs.getResource().getAttributesList(), span,
                                keyTenant, host);
                        out.add(new Mapped(r.event(), r.reason()));
                    }
                }
            }
            return out;
        }

        @Override
        public Message response(int rejected, String message) {
            ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
            if (rejected > 0) {
                b.setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(rejected)
                        .setErrorMessage(message));
            }
            return b.build();
        }
    };

    /** {@code /v1/logs}. */
    public static final Signal LOGS = new Signal() {
        @Override
        public String items() {
            return "log records";
        }

        @Override
        public String name() {
            return "logs";
        }

        @Override
        public String itemCounter() {
            return "attestream.gateway.otlp.log.records";
        }

        @Override
        public Message.Builder newRequest() {
            return ExportLogsServiceRequest.newBuilder();
        }

        @Override
        public List<Mapped> map(Message request, String keyTenant, String host) {
            List<Mapped> out = new ArrayList<>();
            for (ResourceLogs rl : ((ExportLogsServiceRequest) request).getResourceLogsList()) {
                for (ScopeLogs sl : rl.getScopeLogsList()) {
                    for (LogRecord log : sl.getLogRecordsList()) {
                        OtlpLogMapper.Result r = OtlpLogMapper.map(rl.getResource().getAttributesList(),
                                sl.getScope(), log, keyTenant, host);
                        out.add(new Mapped(r.event(), r.reason()));
                    }
                }
            }
            return out;
        }

        @Override
        public Message response(int rejected, String message) {
            ExportLogsServiceResponse.Builder b = ExportLogsServiceResponse.newBuilder();
            if (rejected > 0) {
                b.setPartialSuccess(ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(rejected)
                        .setErrorMessage(message));
            }
            return b.build();
        }
    };

    private final Signal signal;
    private final List<FieldPath> personal;
    private final ApiKeys keys;
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final int schemaId;
    private final EventsHandler.Limits limits;
    private final String host;
    private final MeterRegistry meters;

    public OtlpHandler(Signal signal, ApiKeys keys, Producer<String, byte[]> producer, String topic, int schemaId,
                       EventsHandler.Limits limits, String host, MeterRegistry meters) {
        this(signal, keys, producer, topic, schemaId, limits, host, meters, List.of());
    }

    /**
     * @param personal the fields marked personal (seal.fields): a span or log record with content in one of them is
     *     rejected, since OTLP names no data subject to seal it under (send such steps to /v1/events with a subject)
     */
    public OtlpHandler(Signal signal, ApiKeys keys, Producer<String, byte[]> producer, String topic, int schemaId,
                       EventsHandler.Limits limits, String host, MeterRegistry meters, List<FieldPath> personal) {
        this.personal = List.copyOf(personal);
        this.signal = requireNonNull(signal, "signal");
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
        meters.counter("attestream.gateway.otlp.requests", "status", Integer.toString(status),
                "signal", signal.name()).increment();
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
        String media = type == null ? "" : type.split(";")[0].strip().toLowerCase(Locale.ROOT);
        boolean json;
        if (media.equals("application/x-protobuf")) {
            json = false;
        } else if (media.equals("application/json")) {
            json = true;
        } else {
            return text(exchange, 415, "Content-Type must be application/x-protobuf (OTLP/HTTP binary) or"
                    + " application/json (OTLP/JSON); got " + (type == null ? "none" : "'" + type + "'"));
        }
        byte[] body;
        try {
            body = readBody(exchange);
        } catch (ZipException e) {
            return text(exchange, 400, "Content-Encoding gzip, but the body is not gzip: " + e.getMessage());
        }
        if (body == null) {
            return text(exchange, 413, "request body larger than " + limits.maxBodyBytes() + " bytes");
        }
        Message request;
        try {
            request = json ? OtlpJson.parse(body, signal.newRequest(), ENVELOPE_DEPTH + limits.maxNestingDepth())
                    .build() : signal.newRequest().mergeFrom(body).build();
        } catch (InvalidProtocolBufferException | OtlpJson.BadRequest e) {
            return text(exchange, 400, "not an OTLP " + signal.newRequest().getDescriptorForType().getName()
                    + (json ? " in OTLP/JSON: " : ": ") + e.getMessage());
        }
        String keyTenant = "*".equals(scope.get().tenant()) ? null : scope.get().tenant();
        List<AuditEvent> accepted = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (Mapped m : signal.map(request, keyTenant, host)) {
            if (m.event() == null) {
                reasons.add(m.reason());
            } else if (personal.stream().anyMatch(f -> f.isSetIn(m.event()))) {
                reasons.add("event " + m.event().getEventId() + " has content in a field marked personal (seal.fields)"
                        + " and OTLP names no data subject: send it to /v1/events with a \"subject\"");
            } else if (!scope.get().covers(m.event().getTenant(), m.event().getAgentId())) {
                reasons.add("API key '" + scope.get().name() + "' may not write events of "
                        + m.event().getTenant() + "/" + m.event().getAgentId());
            } else {
                accepted.add(m.event());
            }
        }
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        try {
            for (AuditEvent e : accepted) {
                acks.add(producer.send(new ProducerRecord<>(topic, Topics.agentKey(e.getTenant(), e.getAgentId()),
                        ConfluentWireFormat.frame(schemaId, AuditEventCodec.encodeBody(e)))));
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.ackTimeoutMillis());
            for (Future<RecordMetadata> f : acks) {
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            exchange.getResponseHeaders().set("Retry-After", Integer.toString(limits.retryAfterSeconds()));
            return text(exchange, 503, "Kafka did not acknowledge every one of the " + signal.items()
                    + "; retry the request: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return text(exchange, 503, "interrupted while waiting for Kafka");
        }
        meters.counter(signal.itemCounter(), "result", "accepted").increment(accepted.size());
        meters.counter(signal.itemCounter(), "result", "rejected").increment(reasons.size());
        String message = reasons.isEmpty() ? "" : reasons.size() + " " + signal.items() + " rejected: "
                + String.join("; ", reasons.subList(0, Math.min(5, reasons.size())))
                + (reasons.size() > 5 ? "; ..." : "");
        Message response = signal.response(reasons.size(), message);
        byte[] out = json ? OtlpJson.write(response) : response.toByteArray();
        exchange.getResponseHeaders().set("Content-Type", json ? "application/json" : "application/x-protobuf");
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
