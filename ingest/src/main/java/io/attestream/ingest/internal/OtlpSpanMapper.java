package io.attestream.ingest.internal;

import static io.attestream.ingest.internal.OtlpEnvelope.attributes;
import static io.attestream.ingest.internal.OtlpEnvelope.first;
import static io.attestream.ingest.internal.OtlpEnvelope.number;
import static io.attestream.ingest.internal.OtlpEnvelope.text;

import io.attestream.events.ActionStatus;
import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.events.Operation;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Maps one OTLP span of the OpenTelemetry GenAI semantic conventions (pinned: semconv v1.37.0, GenAI status
 * "development") onto an {@code AuditEvent} with an {@code AgentAction} payload. The mapping table is in
 * docs/http-api.md ("OTLP ingest"). A span that cannot be mapped yields a reason, never a guessed event.
 */
public final class OtlpSpanMapper {
    /** The GenAI semantic-conventions release this mapping follows. */
    public static final String SEMCONV_VERSION = "1.37.0";
    /** Resource attribute naming the tenant (else the API key's tenant when it names exactly one). */
    public static final String TENANT_ATTRIBUTE = OtlpEnvelope.TENANT_ATTRIBUTE;
    /** Span attribute overriding the action status, e.g. {@code DENIED} for a tool call a policy refused. */
    public static final String STATUS_ATTRIBUTE = "attestream.action.status";

    private static final HexFormat HEX = HexFormat.of();

    private OtlpSpanMapper() {
    }

    /** The event of a span, or the reason it cannot be one. */
    public record Result(AuditEvent event, String reason) {
        static Result rejected(String reason) {
            return new Result(null, reason);
        }
    }

    /**
     * @param resource      the resource attributes of the span's ResourceSpans
     * @param span          the span
     * @param keyTenant     the API key's tenant, or null when the key covers every tenant
     * @param host          the gateway host, for {@code recordedBy}
     */
    public static Result map(List<KeyValue> resource, Span span, String keyTenant, String host) {
        Map<String, AnyValue> res = attributes(resource);
        Map<String, AnyValue> attrs = attributes(span.getAttributesList());
        String spanRef = "span " + HEX.formatHex(span.getSpanId().toByteArray()) + " '" + span.getName() + "'";
        String op = text(attrs, "gen_ai.operation.name");
        if (op == null) {
            return Result.rejected(spanRef + ": no gen_ai.operation.name (not a GenAI span)");
        }
        OtlpEnvelope.Resolved envelope = OtlpEnvelope.resolve(res, attrs, keyTenant);
        if (envelope.reason() != null) {
            return Result.rejected(spanRef + ": " + envelope.reason());
        }
        if (span.getTraceId().size() != 16 || span.getSpanId().size() != 8) {
            return Result.rejected(spanRef + ": trace id must be 16 bytes and span id 8 bytes");
        }
        ActionStatus status;
        try {
            status = status(attrs, span.getStatus());
        } catch (IllegalArgumentException e) {
            return Result.rejected(spanRef + ": " + e.getMessage());
        }
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("otel.span.name", span.getName());
        putIfPresent(extra, "gen_ai.tool.call.id", text(attrs, "gen_ai.tool.call.id"));
        putIfPresent(extra, "gen_ai.response.id", text(attrs, "gen_ai.response.id"));
        if (!span.getStatus().getMessage().isEmpty()) {
            extra.put("otel.status_message", span.getStatus().getMessage());
        }
        AgentAction action = AgentAction.newBuilder()
                .setOperation(operation(op))
                .setToolName(text(attrs, "gen_ai.tool.name"))
                .setModel(first(attrs, Map.of(), "gen_ai.response.model", "gen_ai.request.model"))
                .setProvider(first(attrs, res, "gen_ai.provider.name", "gen_ai.system"))
                .setStatus(status)
                .setErrorType(text(attrs, "error.type"))
                .setLatencyMicros(span.getEndTimeUnixNano() >= span.getStartTimeUnixNano()
                        ? (span.getEndTimeUnixNano() - span.getStartTimeUnixNano()) / 1_000 : null)
                .setInputTokens(number(attrs, "gen_ai.usage.input_tokens"))
                .setOutputTokens(number(attrs, "gen_ai.usage.output_tokens"))
                .setAttributes(extra)
                .build();
        byte[] traceId = span.getTraceId().toByteArray();
        byte[] spanId = span.getSpanId().toByteArray();
        // The same span re-sent by an exporter's retry gets the same eventId, so the chainer keeps it once.
        UUID eventId = UUID.nameUUIDFromBytes(ByteBuffer.allocate(24).put(traceId).put(spanId).array());
        AuditEvent event = OtlpEnvelope.event(envelope, eventId, span.getStartTimeUnixNano(), host,
                        "attestream-gateway-otlp")
                .setTraceId(HEX.formatHex(traceId))
                .setSpanId(HEX.formatHex(spanId))
                .setSessionId(text(attrs, "gen_ai.conversation.id"))
                .setPayload(action)
                .build();
        String violation = OtlpEnvelope.violation(event);
        return violation == null ? new Result(event, null) : Result.rejected(spanRef + ": " + violation);
    }

    private static Operation operation(String op) {
        switch (op) {
            case "invoke_agent": return Operation.INVOKE_AGENT;
            case "create_agent": return Operation.CREATE_AGENT;
            case "execute_tool": return Operation.EXECUTE_TOOL;
            case "chat": return Operation.CHAT;
            case "text_completion": return Operation.TEXT_COMPLETION;
            case "generate_content": return Operation.GENERATE_CONTENT;
            case "embeddings": return Operation.EMBEDDINGS;
            default: return Operation.OTHER;
        }
    }

    private static ActionStatus status(Map<String, AnyValue> attrs, Status status) {
        String override = text(attrs, STATUS_ATTRIBUTE);
        if (override != null) {
            try {
                return ActionStatus.valueOf(override.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(STATUS_ATTRIBUTE + " '" + override + "' is not one of OK, ERROR,"
                        + " TIMEOUT, CANCELLED, DENIED, UNKNOWN");
            }
        }
        if (status.getCode() == Status.StatusCode.STATUS_CODE_ERROR) {
            String type = text(attrs, "error.type");
            return type != null && type.toLowerCase(Locale.ROOT).contains("timeout") ? ActionStatus.TIMEOUT
                    : ActionStatus.ERROR;
        }
        return ActionStatus.OK;
    }

    private static void putIfPresent(Map<String, String> map, String key, String value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
