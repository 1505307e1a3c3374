package io.attestream.ingest.internal;

import io.attestream.events.AuditEvent;
import io.attestream.events.RecordedBy;
import io.attestream.schemas.EventRules;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What spans and log records share when they become events: attribute lookup, and the envelope (tenant, agent,
 * version, controls, recordedBy) resolved the same way for {@code /v1/traces} and {@code /v1/logs}. The tables
 * are in docs/http-api.md ("OTLP ingest").
 */
final class OtlpEnvelope {
    /** Resource attribute naming the tenant (else the API key's tenant when it names exactly one). */
    static final String TENANT_ATTRIBUTE = "attestream.tenant";
    /** Span, log or resource attribute: an array of control ids the event evidences (AuditEvent.controls). */
    static final String CONTROLS_ATTRIBUTE = "attestream.controls";

    private OtlpEnvelope() {
    }

    /** The envelope fields of one item, or the reason they cannot be resolved. */
    record Resolved(String tenant, String agent, String version, List<String> controls, String reason) {
        static Resolved rejected(String reason) {
            return new Resolved(null, null, null, null, reason);
        }
    }

    static Resolved resolve(Map<String, AnyValue> resource, Map<String, AnyValue> item, String keyTenant) {
        String tenant = text(resource, TENANT_ATTRIBUTE);
        if (tenant == null) {
            tenant = keyTenant;
        }
        if (tenant == null) {
            return Resolved.rejected("no resource attribute " + TENANT_ATTRIBUTE
                    + " and the API key covers every tenant");
        }
        String agent = first(item, resource, "gen_ai.agent.id", "gen_ai.agent.name", "service.name");
        if (agent == null) {
            return Resolved.rejected("no gen_ai.agent.id, gen_ai.agent.name or service.name");
        }
        String version = first(item, resource, "gen_ai.agent.version", "service.version");
        if (version == null) {
            return Resolved.rejected("no agent version (service.version or gen_ai.agent.version)");
        }
        AnyValue controls = item.containsKey(CONTROLS_ATTRIBUTE) ? item.get(CONTROLS_ATTRIBUTE)
                : resource.get(CONTROLS_ATTRIBUTE);
        List<String> ids = new ArrayList<>();
        if (controls != null) {
            if (controls.getValueCase() != AnyValue.ValueCase.ARRAY_VALUE) {
                return Resolved.rejected(CONTROLS_ATTRIBUTE + " must be an array of strings");
            }
            for (AnyValue v : controls.getArrayValue().getValuesList()) {
                if (v.getValueCase() != AnyValue.ValueCase.STRING_VALUE) {
                    return Resolved.rejected(CONTROLS_ATTRIBUTE + " must be an array of strings");
                }
                ids.add(v.getStringValue());
            }
        }
        return new Resolved(tenant, agent, version, ids, null);
    }

    /** The builder of an event with the resolved envelope; the caller sets eventId, times, ids and payload. */
    static AuditEvent.Builder event(Resolved envelope, UUID eventId, long unixNanos, String host, String sdk) {
        long micros = unixNanos / 1_000;
        return AuditEvent.newBuilder()
                .setEventId(eventId)
                .setTenant(envelope.tenant())
                .setAgentId(envelope.agent())
                .setAgentVersion(envelope.version())
                .setControls(envelope.controls())
                .setOccurredAt(Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1_000))
                .setRecordedBy(RecordedBy.newBuilder().setHost(host).setSdk(sdk).setSdkVersion("0.1.0").build());
    }

    /** The first producer-side rule {@code event} breaks, as a reason, or null. */
    static String violation(AuditEvent event) {
        List<EventRules.Violation> violations = EventRules.violations(event);
        return violations.isEmpty() ? null : violations.get(0).path() + " " + violations.get(0).message();
    }

    static Map<String, AnyValue> attributes(List<KeyValue> list) {
        Map<String, AnyValue> out = new LinkedHashMap<>();
        for (KeyValue kv : list) {
            out.putIfAbsent(kv.getKey(), kv.getValue());
        }
        return out;
    }

    /** A scalar attribute as text (strings, integers, booleans, doubles), or null when absent or empty. */
    static String text(Map<String, AnyValue> attrs, String key) {
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

    static Long number(Map<String, AnyValue> attrs, String key) {
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

    static String first(Map<String, AnyValue> item, Map<String, AnyValue> resource, String... keys) {
        for (String key : keys) {
            String v = text(item, key);
            if (v == null) {
                v = text(resource, key);
            }
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}
