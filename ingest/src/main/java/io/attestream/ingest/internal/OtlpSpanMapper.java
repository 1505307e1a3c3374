package io.attestream.ingest.internal;

import io.attestream.events.ActionStatus;
import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.events.Operation;
import io.attestream.events.RecordedBy;
import io.attestream.schemas.EventRules;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.ByteBuffer;
import java.time.Instant;
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
    public static final String TENANT_ATTRIBUTE = "attestream.tenant";
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
        String tenant = text(res, TENANT_ATTRIBUTE);
        if (tenant == null) {
            tenant = keyTenant;
        }
        if (tenant == null) {
            return Result.rejected(spanRef + ": no resource attribute " + TENANT_ATTRIBUTE
                    + " and the API key covers every tenant");
        }
        String agent = first(attrs, res, "gen_ai.agent.id", "gen_ai.agent.name", "service.name");
        if (agent == null) {
            return Result.rejected(spanRef + ": no gen_ai.agent.id, gen_ai.agent.name or service.name");
        }
        String version = first(attrs, res, "gen_ai.agent.version", "service.version");
        if (version == null) {
            return Result.rejected(spanRef + ": no agent version (service.version or gen_ai.agent.version)");
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
        long startMicros = span.getStartTimeUnixNano() / 1_000;
        AuditEvent event = AuditEvent.newBuilder()
                .setEventId(eventId)
                .setTenant(tenant)
                .setAgentId(agent)
                .setAgentVersion(version)
                .setOccurredAt(Instant.ofEpochSecond(startMicros / 1_000_000, (startMicros % 1_000_000) * 1_000))
                .setRecordedBy(RecordedBy.newBuilder().setHost(host).setSdk("attestream-gateway-otlp")
                        .setSdkVersion("0.1.0").build())
                .setTraceId(HEX.formatHex(traceId))
                .setSpanId(HEX.formatHex(spanId))
                .setSessionId(text(attrs, "gen_ai.conversation.id"))
                .setPayload(action)
                .build();
        List<EventRules.Violation> violations = EventRules.violations(event);
        if (!violations.isEmpty()) {
            return Result.rejected(spanRef + ": " + violations.get(0).path() + " " + violations.get(0).message());
        }
        return new Result(event, null);
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

    private static Map<String, AnyValue> attributes(List<KeyValue> list) {
        Map<String, AnyValue> out = new LinkedHashMap<>();
        for (KeyValue kv : list) {
            out.putIfAbsent(kv.getKey(), kv.getValue());
        }
        return out;
    }

    private static String text(Map<String, AnyValue> attrs, String key) {
        AnyValue v = attrs.get(key);
        if (v == null) {
            return null;
        }
        switch (v.getValueCase()) {
            case STRING_VALUE: return v.getStringValue().isEmpty() ? null : v.getStringValue();
            case INT_VALUE: return Long.toString(v.getIntValue());
            case BOOL_VALUE: return Boolean.toString(v.getBoolValue());
            case DOUBLE_VALUE: return Double.toString(v.getDoubleValue());
            default: return null;
        }
    }

    private static Long number(Map<String, AnyValue> attrs, String key) {
        AnyValue v = attrs.get(key);
        if (v == null) {
            return null;
        }
        if (v.getValueCase() == AnyValue.ValueCase.INT_VALUE) {
            return v.getIntValue();
        }
        if (v.getValueCase() == AnyValue.ValueCase.DOUBLE_VALUE) {
            return (long) v.getDoubleValue();
        }
        return null;
    }

    private static String first(Map<String, AnyValue> span, Map<String, AnyValue> resource, String... keys) {
        for (String key : keys) {
            String v = text(span, key);
            if (v == null) {
                v = text(resource, key);
            }
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static void putIfPresent(Map<String, String> map, String key, String value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
