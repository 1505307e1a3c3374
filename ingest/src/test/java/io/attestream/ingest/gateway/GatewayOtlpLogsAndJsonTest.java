package io.attestream.ingest.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
import io.attestream.events.HumanOverride;
import io.attestream.events.IncidentRecord;
import io.attestream.events.IncidentStatus;
import io.attestream.events.Operation;
import io.attestream.events.OverrideAction;
import io.attestream.events.PolicyChange;
import io.attestream.schemas.wire.ConfluentWireFormat;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.internal.otlp.logs.LogsRequestMarshaler;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/logs} with the real OpenTelemetry Java SDK's OTLP/HTTP log exporter, and OTLP/JSON on both
 * signals encoded by the SDK's own OTLP/JSON marshalers (the ones its JSON logging exporters use), gzip included.
 */
class GatewayOtlpLogsAndJsonTest {
    private static final Resource RESOURCE = Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), "refund-bot",
            AttributeKey.stringKey("service.version"), "1.4.2",
            AttributeKey.stringKey("attestream.tenant"), "acme"));

    private static MockProducer<String, byte[]> producer() {
        return new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    }

    private static List<AuditEvent> events(MockProducer<String, byte[]> mock) {
        List<AuditEvent> out = new ArrayList<>();
        for (ProducerRecord<String, byte[]> r : mock.history()) {
            byte[] v = r.value();
            try {
                out.add(new SpecificDatumReader<>(AuditEvent.class).read(null, DecoderFactory.get().binaryDecoder(
                        Arrays.copyOfRange(v, ConfluentWireFormat.HEADER_SIZE, v.length), null)));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** Emits the log records of the test through {@code logger}: one of every kind the test checks. */
    private static void emitOversightEvents(Logger logger, Tracer tracer) {
        Span chat = tracer.spanBuilder("chat").startSpan();
        try (Scope ignored = chat.makeCurrent()) {
            logger.logRecordBuilder().setEventName("gen_ai.evaluation.result")
                    .setAttribute(AttributeKey.stringKey("gen_ai.evaluation.name"), "Relevance")
                    .setAttribute(AttributeKey.doubleKey("gen_ai.evaluation.score.value"), 0.83)
                    .setAttribute(AttributeKey.stringKey("gen_ai.evaluation.score.label"), "relevant")
                    .setAttribute(AttributeKey.stringKey("gen_ai.evaluation.explanation"), "answers the question")
                    .setAttribute(AttributeKey.stringKey("gen_ai.response.id"), "chatcmpl-42")
                    .setAttribute(AttributeKey.stringKey("attestream.eval.evaluator_kind"), "model")
                    .setContext(Context.current()).emit();
        }
        chat.end();
        logger.logRecordBuilder().setEventName("attestream.human_override")
                .setAttribute(AttributeKey.stringKey("attestream.override.operator"), "alice@acme")
                .setAttribute(AttributeKey.stringKey("attestream.override.action"), "HALT")
                .setAttribute(AttributeKey.stringKey("attestream.override.reason"), "refund over limit")
                .setAttribute(AttributeKey.stringArrayKey("attestream.controls"), List.of("A.8.15"))
                .emit();
        logger.logRecordBuilder().setEventName("attestream.policy_change")
                .setAttribute(AttributeKey.stringKey("attestream.change.kind"), "prompt")
                .setAttribute(AttributeKey.stringKey("attestream.change.object_id"), "refund-system-prompt")
                .setAttribute(AttributeKey.stringKey("attestream.change.to_version"), "v8")
                .setAttribute(AttributeKey.stringKey("attestream.change.author"), "bob@acme")
                .setAttribute(AttributeKey.stringKey("attestream.change.diff_digest"), "ab".repeat(32))
                .setAttribute(AttributeKey.stringKey("attestream.change.effective_at"), "2026-12-01T10:00:00Z")
                .emit();
        logger.logRecordBuilder().setEventName("attestream.incident")
                .setAttribute(AttributeKey.stringKey("attestream.incident.incident_id"), "INC-7")
                .setAttribute(AttributeKey.stringKey("attestream.incident.severity"), "high")
                .setAttribute(AttributeKey.stringKey("attestream.incident.status_to"), "contained")
                .setAttribute(AttributeKey.stringKey("attestream.incident.summary"), "wrong refunds")
                .setAttribute(AttributeKey.stringArrayKey("attestream.incident.related_event_ids"), List.of("e1", "e2"))
                .emit();
        // Rejected, with reasons: a plain log line, and an override without its required operator.
        logger.logRecordBuilder().setBody("starting worker").emit();
        logger.logRecordBuilder().setEventName("attestream.human_override")
                .setAttribute(AttributeKey.stringKey("attestream.override.action"), "HALT")
                .setAttribute(AttributeKey.stringKey("attestream.override.reason"), "r").emit();
    }

    private static void assertOversightEvents(List<AuditEvent> events) {
        assertThat(events).hasSize(4).allSatisfy(e -> {
            assertThat(e.getTenant()).isEqualTo("acme");
            assertThat(e.getAgentId()).isEqualTo("refund-bot");
            assertThat(e.getAgentVersion()).isEqualTo("1.4.2");
        });
        AuditEvent evalEvent = events.stream().filter(e -> e.getPayload() instanceof EvalResult).findFirst()
                .orElseThrow();
        EvalResult eval = (EvalResult) evalEvent.getPayload();
        assertThat(eval.getEvalName()).isEqualTo("Relevance");
        assertThat(eval.getMetric()).isEqualTo("Relevance");
        assertThat(eval.getSuite()).isEqualTo("otlp-logs-test");
        assertThat(eval.getValue()).isEqualTo(0.83);
        assertThat(eval.getLabel()).isEqualTo("relevant");
        assertThat(eval.getEvaluatorKind().name()).isEqualTo("MODEL");
        assertThat(eval.getSchema().getField("explanation")).as("EvalResult of this release has explanation")
                .isNotNull();
        assertThat(eval.get("explanation")).hasToString("answers the question");
        assertThat(eval.get("responseId")).hasToString("chatcmpl-42");
        assertThat(evalEvent.getSpanId()).hasSize(16);
        assertThat(evalEvent.getTraceId()).hasSize(32);
        HumanOverride override = events.stream().map(AuditEvent::getPayload).filter(HumanOverride.class::isInstance)
                .map(HumanOverride.class::cast).findFirst().orElseThrow();
        assertThat(override.getOperator()).isEqualTo("alice@acme");
        assertThat(override.getAction()).isEqualTo(OverrideAction.HALT);
        assertThat(events.stream().filter(e -> e.getPayload() instanceof HumanOverride).findFirst().orElseThrow()
                .getControls()).containsExactly("A.8.15");
        PolicyChange change = events.stream().map(AuditEvent::getPayload).filter(PolicyChange.class::isInstance)
                .map(PolicyChange.class::cast).findFirst().orElseThrow();
        assertThat(change.getKind().name()).isEqualTo("PROMPT");
        assertThat(change.getDiffDigest().bytes()).hasSize(32);
        assertThat(change.getEffectiveAt()).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
        IncidentRecord incident = events.stream().map(AuditEvent::getPayload).filter(IncidentRecord.class::isInstance)
                .map(IncidentRecord.class::cast).findFirst().orElseThrow();
        assertThat(incident.getStatusTo()).isEqualTo(IncidentStatus.CONTAINED);
        assertThat(incident.getStatusFrom()).isNull();
        assertThat(incident.getRelatedEventIds()).containsExactly("e1", "e2");
    }

    @Test
    void openTelemetryEventsFromTheSdkLogExporterBecomeEvalResultsAndOversightEvents() throws Exception {
        MockProducer<String, byte[]> mock = producer();
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            OtlpHttpLogRecordExporter exporter = OtlpHttpLogRecordExporter.builder()
                    .setEndpoint("http://127.0.0.1:" + gw.gateway.port() + "/v1/logs").setCompression("gzip")
                    .addHeader("Authorization", "Bearer k-refund").build();
            SdkLoggerProvider logs = SdkLoggerProvider.builder().setResource(RESOURCE)
                    .addLogRecordProcessor(SimpleLogRecordProcessor.create(exporter)).build();
            SdkTracerProvider traces = SdkTracerProvider.builder().setResource(RESOURCE).build();
            emitOversightEvents(logs.get("otlp-logs-test"), traces.get("otlp-logs-test"));
            assertThat(logs.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
            logs.shutdown().join(10, TimeUnit.SECONDS);

            assertOversightEvents(events(mock));
            assertThat(gw.get("/metrics").body())
                    .contains("attestream_gateway_otlp_log_records_total{result=\"rejected\"} 2.0")
                    .contains("attestream_gateway_otlp_log_records_total{result=\"accepted\"} 4.0");
        }
    }

    @Test
    void otlpJsonFromTheSdkMarshalersIsServedOnBothSignalsWithPartialSuccessInJson() throws Exception {
        MockProducer<String, byte[]> mock = producer();
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            List<LogRecordData> logRecords = new ArrayList<>();
            SdkLoggerProvider logs = SdkLoggerProvider.builder().setResource(RESOURCE)
                    .addLogRecordProcessor(SimpleLogRecordProcessor.create(collect(logRecords))).build();
            List<SpanData> spans = new ArrayList<>();
            SdkTracerProvider traces = SdkTracerProvider.builder().setResource(RESOURCE)
                    .addSpanProcessor(SimpleSpanProcessor.create(collectSpans(spans))).build();
            emitOversightEvents(logs.get("otlp-logs-test"), traces.get("otlp-logs-test"));
            Tracer tracer = traces.get("otlp-json-test");
            tracer.spanBuilder("execute_tool refund_payment").setAttribute("gen_ai.operation.name", "execute_tool")
                    .setAttribute("gen_ai.tool.name", "refund_payment").startSpan().end();

            ByteArrayOutputStream logJson = new ByteArrayOutputStream();
            LogsRequestMarshaler.create(logRecords).writeJsonTo(logJson);
            HttpResponse<byte[]> r = post(gw, "/v1/logs", logJson.toByteArray(), true);
            assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode answer = GatewayTestSupport.JSON.readTree(r.body());
            assertThat(answer.at("/partialSuccess/rejectedLogRecords").asText()).isEqualTo("2");
            assertThat(answer.at("/partialSuccess/errorMessage").asText())
                    .contains("no event name").contains("required attribute attestream.override.operator is missing");
            assertOversightEvents(events(mock));

            ByteArrayOutputStream spanJson = new ByteArrayOutputStream();
            TraceRequestMarshaler.create(spans.stream().filter(s -> s.getName().startsWith("execute_tool")).toList())
                    .writeJsonTo(spanJson);
            assertThat(spanJson.toString(StandardCharsets.UTF_8)).as("the SDK writes ids as hex")
                    .containsPattern("\"traceId\":\"[0-9a-f]{32}\"");
            HttpResponse<byte[]> t = post(gw, "/v1/traces", spanJson.toByteArray(), false);
            assertThat(t.statusCode()).as(new String(t.body(), StandardCharsets.UTF_8)).isEqualTo(200);
            assertThat(new String(t.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
            AuditEvent tool = events(mock).get(4);
            assertThat(((AgentAction) tool.getPayload()).getOperation()).isEqualTo(Operation.EXECUTE_TOOL);
            assertThat(tool.getSpanId()).isEqualTo(spans.stream().filter(s -> s.getName().startsWith("execute_tool"))
                    .findFirst().orElseThrow().getSpanId());

            // The same JSON again (an exporter's retry): the same eventIds, so the chainer keeps each once.
            post(gw, "/v1/logs", logJson.toByteArray(), false);
            List<AuditEvent> all = events(mock);
            assertThat(all.subList(5, 9)).extracting(AuditEvent::getEventId)
                    .containsExactlyElementsOf(all.subList(0, 4).stream().map(AuditEvent::getEventId).toList());

            byte[] bad = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"AAECAwQFBgcICQoLDA0ODw==\"}]}]}]}"
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<byte[]> b = post(gw, "/v1/traces", bad, false);
            assertThat(b.statusCode()).isEqualTo(400);
            assertThat(new String(b.body(), StandardCharsets.UTF_8))
                    .contains("$.resourceSpans[0].scopeSpans[0].spans[0].traceId").contains("not hex");
        }
    }

    private static HttpResponse<byte[]> post(GatewayTestSupport gw, String path, byte[] json, boolean gzip)
            throws Exception {
        byte[] body = json;
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.port() + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer k-refund");
        if (gzip) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(out)) {
                z.write(json);
            }
            body = out.toByteArray();
            req.header("Content-Encoding", "gzip");
        }
        return gw.http.send(req.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static LogRecordExporter collect(List<LogRecordData> into) {
        return new LogRecordExporter() {
            @Override
            public CompletableResultCode export(Collection<LogRecordData> logs) {
                into.addAll(logs);
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
    }

    private static SpanExporter collectSpans(List<SpanData> into) {
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                into.addAll(spans);
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
    }
}
