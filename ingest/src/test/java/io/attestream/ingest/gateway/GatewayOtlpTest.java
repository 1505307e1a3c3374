package io.attestream.ingest.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.ByteString;
import io.attestream.events.ActionStatus;
import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.events.Operation;
import io.attestream.schemas.wire.ConfluentWireFormat;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/traces}: the real OpenTelemetry Java SDK and its OTLP/HTTP exporter against the gateway. */
class GatewayOtlpTest {
    private static final String TRACES = "/v1/traces";

    private static MockProducer<String, byte[]> producer() {
        return new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    }

    private static AuditEvent decode(ProducerRecord<String, byte[]> record) throws Exception {
        byte[] v = record.value();
        return new SpecificDatumReader<>(AuditEvent.class).read(null, DecoderFactory.get().binaryDecoder(
                Arrays.copyOfRange(v, ConfluentWireFormat.HEADER_SIZE, v.length), null));
    }

    @Test
    void genAiSpansFromTheOpenTelemetrySdkBecomeAgentActions() throws Exception {
        MockProducer<String, byte[]> mock = producer();
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                    .setEndpoint("http://127.0.0.1:" + gw.gateway.port() + "/v1/traces")
                    .addHeader("Authorization", "Bearer k-acme").build();
            SdkTracerProvider provider = SdkTracerProvider.builder()
                    .setResource(io.opentelemetry.sdk.resources.Resource.create(Attributes.of(
                            AttributeKey.stringKey("service.name"), "refund-bot",
                            AttributeKey.stringKey("service.version"), "1.4.2",
                            AttributeKey.stringKey("attestream.tenant"), "acme")))
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
            Tracer tracer = provider.get("gateway-otlp-test");
            io.opentelemetry.api.trace.Span agent = tracer.spanBuilder("invoke_agent refund-bot")
                    .setAttribute("gen_ai.operation.name", "invoke_agent")
                    .setAttribute("gen_ai.conversation.id", "conv-7").startSpan();
            tracer.spanBuilder("chat gpt-4o").setParent(io.opentelemetry.context.Context.current().with(agent))
                    .setAttribute("gen_ai.operation.name", "chat")
                    .setAttribute("gen_ai.provider.name", "openai")
                    .setAttribute("gen_ai.request.model", "gpt-4o")
                    .setAttribute("gen_ai.usage.input_tokens", 120L)
                    .setAttribute("gen_ai.usage.output_tokens", 33L).startSpan().end();
            tracer.spanBuilder("execute_tool refund_payment")
                    .setParent(io.opentelemetry.context.Context.current().with(agent))
                    .setAttribute("gen_ai.operation.name", "execute_tool")
                    .setAttribute("gen_ai.tool.name", "refund_payment")
                    .setAttribute("attestream.action.status", "DENIED").startSpan().end();
            tracer.spanBuilder("execute_tool lookup").setParent(io.opentelemetry.context.Context.current().with(agent))
                    .setAttribute("gen_ai.operation.name", "execute_tool")
                    .setAttribute("error.type", "timeout").startSpan().setStatus(StatusCode.ERROR, "took too long")
                    .end();
            tracer.spanBuilder("GET /health").startSpan().end();   // not GenAI: rejected, counted
            agent.end();
            assertThat(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
            provider.shutdown().join(10, TimeUnit.SECONDS);

            List<AuditEvent> events = mock.history().stream().map(r -> {
                try {
                    return decode(r);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
            assertThat(mock.history()).allSatisfy(r -> assertThat(r.key()).isEqualTo("acme/refund-bot"));
            assertThat(events).hasSize(4);
            AgentAction chat = action(events, Operation.CHAT);
            assertThat(chat.getModel()).isEqualTo("gpt-4o");
            assertThat(chat.getProvider()).isEqualTo("openai");
            assertThat(chat.getInputTokens()).isEqualTo(120L);
            assertThat(chat.getOutputTokens()).isEqualTo(33L);
            assertThat(chat.getStatus()).isEqualTo(ActionStatus.OK);
            assertThat(chat.getLatencyMicros()).isNotNull().isNotNegative();
            assertThat(action(events, Operation.INVOKE_AGENT).getStatus()).isEqualTo(ActionStatus.OK);
            List<AgentAction> tools = events.stream().map(e -> (AgentAction) e.getPayload())
                    .filter(a -> a.getOperation() == Operation.EXECUTE_TOOL).toList();
            assertThat(tools).extracting(AgentAction::getToolName, AgentAction::getStatus)
                    .containsExactlyInAnyOrder(tuple("refund_payment", ActionStatus.DENIED),
                            tuple(null, ActionStatus.TIMEOUT));
            AuditEvent invoke = events.stream().filter(e -> ((AgentAction) e.getPayload()).getOperation()
                    == Operation.INVOKE_AGENT).findFirst().orElseThrow();
            assertThat(invoke.getTenant()).isEqualTo("acme");
            assertThat(invoke.getAgentVersion()).isEqualTo("1.4.2");
            assertThat(invoke.getSessionId()).isEqualTo("conv-7");
            assertThat(invoke.getTraceId()).hasSize(32);
            assertThat(events).allSatisfy(e -> assertThat(e.getTraceId()).isEqualTo(invoke.getTraceId()));
            assertThat(gw.get("/metrics").body())
                    .contains("attestream_gateway_otlp_spans_total{result=\"rejected\"} 1.0");
        }
    }

    private static AgentAction action(List<AuditEvent> events, Operation op) {
        return events.stream().map(e -> (AgentAction) e.getPayload()).filter(a -> a.getOperation() == op)
                .findFirst().orElseThrow();
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static Span span(int id, KeyValue... attributes) {
        return Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[16])).setName("s" + id)
                .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) id}))
                .setStartTimeUnixNano(1_793_523_600_000_000_000L).setEndTimeUnixNano(1_793_523_600_002_000_000L)
                .addAllAttributes(List.of(attributes)).build();
    }

    private static byte[] request(String service, Span... spans) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attr("service.name", service))
                        .addAttributes(attr("service.version", "2.0")).addAttributes(attr("attestream.tenant", "acme")))
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))).build().toByteArray();
    }

    @Test
    void unmappableAndOutOfScopeSpansAreAPartialSuccessWithReasons() throws Exception {
        MockProducer<String, byte[]> mock = producer();
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            byte[] body = request("refund-bot", span(1, attr("gen_ai.operation.name", "chat")), span(2),
                    span(3, attr("gen_ai.operation.name", "execute_tool"), attr("gen_ai.agent.id", "triage")),
                    span(4, attr("gen_ai.operation.name", "chat"), attr("attestream.action.status", "MAYBE")));

            HttpResponse<byte[]> r = gw.postBytes(TRACES, "k-refund", "application/x-protobuf", body);

            assertThat(r.statusCode()).isEqualTo(200);
            ExportTraceServiceResponse answer = ExportTraceServiceResponse.parseFrom(r.body());
            assertThat(answer.getPartialSuccess().getRejectedSpans()).isEqualTo(3);
            assertThat(answer.getPartialSuccess().getErrorMessage()).contains("no gen_ai.operation.name")
                    .contains("may not write events of acme/triage").contains("attestream.action.status 'MAYBE'");
            assertThat(mock.history()).hasSize(1);
        }
    }

    @Test
    void aRetriedSpanKeepsItsEventIdAndOtherContentTypesOrKeysAreRefused() throws Exception {
        MockProducer<String, byte[]> mock = producer();
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of())) {
            byte[] body = request("refund-bot", span(9, attr("gen_ai.operation.name", "execute_tool")));
            assertThat(gw.postBytes(TRACES, "k-refund", "application/x-protobuf", body).statusCode()).isEqualTo(200);
            assertThat(gw.postBytes(TRACES, "k-refund", "application/x-protobuf", body).statusCode()).isEqualTo(200);
            assertThat(mock.history()).hasSize(2);
            assertThat(decode(mock.history().get(0)).getEventId())
                    .isEqualTo(decode(mock.history().get(1)).getEventId());

            byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
            assertThat(gw.postBytes(TRACES, "k-refund", "text/plain", json).statusCode()).isEqualTo(415);
            HttpResponse<byte[]> empty = gw.postBytes(TRACES, "k-refund", "application/json", json);
            assertThat(empty.statusCode()).isEqualTo(200);
            assertThat(new String(empty.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
            assertThat(empty.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(gw.postBytes(TRACES, null, "application/x-protobuf", body).statusCode()).isEqualTo(401);
            byte[] garbage = {(byte) 0xFF, 1, 2};
            assertThat(gw.postBytes(TRACES, "k-refund", "application/x-protobuf", garbage).statusCode()).isEqualTo(400);
            assertThat(mock.history()).hasSize(2);
        }
    }
}
