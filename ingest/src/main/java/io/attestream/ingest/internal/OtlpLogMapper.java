package io.attestream.ingest.internal;

import static io.attestream.ingest.internal.OtlpEnvelope.attributes;
import static io.attestream.ingest.internal.OtlpEnvelope.text;

import io.attestream.events.ApprovalDecision;
import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
import io.attestream.events.HumanOverride;
import io.attestream.events.IncidentRecord;
import io.attestream.events.PolicyChange;
import io.attestream.events.RiskDecision;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Maps one OTLP log record that is an OpenTelemetry <em>event</em> onto an {@code AuditEvent}: the GenAI
 * {@code gen_ai.evaluation.result} event (semconv {@value OtlpSpanMapper#SEMCONV_VERSION}) becomes an EvalResult,
 * and the documented {@code attestream.*} events become the human-oversight and governance payloads
 * ({@link #EVENTS}). The event name is the record's {@code event_name}, else its {@code event.name} attribute.
 *
 * <p>Payload fields come from attributes named {@code attestream.<prefix>.<field_in_snake_case>} (for example
 * {@code attestream.override.target_event_id}), typed by the payload's Avro schema: strings; numbers; enum
 * symbols (case-insensitive); arrays of strings; SHA-256 digests as 64 hex characters; timestamps as RFC 3339
 * text or integer Unix nanoseconds. A required field without its attribute, or a value of the wrong type,
 * rejects the record with a reason naming the attribute: nothing is guessed. The table is in docs/http-api.md.
 */
public final class OtlpLogMapper {
    /** The OTel GenAI evaluation event. */
    public static final String EVALUATION_EVENT = "gen_ai.evaluation.result";

    /** An event name this gateway maps, the payload it becomes, and the attribute prefix of its fields. */
    public record Mapped(String eventName, Schema payload, String prefix) {
        /** The attribute carrying {@code field}. */
        public String attribute(Schema.Field field) {
            return "attestream." + prefix + "." + snake(field.name());
        }
    }

    /** Every event name served, in the order of docs/http-api.md. */
    public static final List<Mapped> EVENTS = List.of(
            new Mapped(EVALUATION_EVENT, EvalResult.getClassSchema(), "eval"),
            new Mapped("attestream.human_override", HumanOverride.getClassSchema(), "override"),
            new Mapped("attestream.approval", ApprovalDecision.getClassSchema(), "approval"),
            new Mapped("attestream.policy_change", PolicyChange.getClassSchema(), "change"),
            new Mapped("attestream.incident", IncidentRecord.getClassSchema(), "incident"),
            new Mapped("attestream.risk_decision", RiskDecision.getClassSchema(), "risk"));

    /**
     * GenAI semconv attributes of the evaluation event and the EvalResult field each fills (when the
     * {@code attestream.eval.*} attribute of that field is absent).
     */
    public static final Map<String, String> EVALUATION_SEMCONV = semconv();

    private static final HexFormat HEX = HexFormat.of();

    private OtlpLogMapper() {
    }

    private static Map<String, String> semconv() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("evalName", "gen_ai.evaluation.name");
        m.put("value", "gen_ai.evaluation.score.value");
        m.put("label", "gen_ai.evaluation.score.label");
        m.put("explanation", "gen_ai.evaluation.explanation");
        m.put("responseId", "gen_ai.response.id");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The event of a log record, or the reason it cannot be one. */
    public record Result(AuditEvent event, String reason) {
        static Result rejected(String reason) {
            return new Result(null, reason);
        }
    }

    /**
     * @param resource  the resource attributes of the record's ResourceLogs
     * @param scope     the record's instrumentation scope
     * @param log       the log record
     * @param keyTenant the API key's tenant, or null when the key covers every tenant
     * @param host      the gateway host, for {@code recordedBy}
     */
    public static Result map(List<KeyValue> resource, InstrumentationScope scope, LogRecord log, String keyTenant,
                             String host) {
        Map<String, AnyValue> res = attributes(resource);
        Map<String, AnyValue> attrs = attributes(log.getAttributesList());
        String name = !log.getEventName().isEmpty() ? log.getEventName() : text(attrs, "event.name");
        String ref = "log record" + (name == null ? "" : " '" + name + "'")
                + (log.getSpanId().size() == 8 ? " of span " + HEX.formatHex(log.getSpanId().toByteArray()) : "");
        if (name == null) {
            return Result.rejected(ref + ": no event name (event_name or attribute event.name): not an event this"
                    + " gateway maps");
        }
        Mapped mapped = EVENTS.stream().filter(m -> m.eventName().equals(name)).findFirst().orElse(null);
        if (mapped == null) {
            return Result.rejected(ref + ": event name is not one of " + EVENTS.stream().map(Mapped::eventName)
                    .toList());
        }
        OtlpEnvelope.Resolved envelope = OtlpEnvelope.resolve(res, attrs, keyTenant);
        if (envelope.reason() != null) {
            return Result.rejected(ref + ": " + envelope.reason());
        }
        long time = log.getTimeUnixNano() != 0 ? log.getTimeUnixNano() : log.getObservedTimeUnixNano();
        if (time == 0) {
            return Result.rejected(ref + ": neither time_unix_nano nor observed_time_unix_nano is set");
        }
        Map<String, AnyValue> fields = new LinkedHashMap<>(attrs);
        if (mapped.payload().equals(EvalResult.getClassSchema())) {
            evaluationDefaults(mapped, fields, scope);
        }
        SpecificRecordBase payload;
        try {
            payload = payload(mapped, fields);
        } catch (IllegalArgumentException e) {
            return Result.rejected(ref + ": " + e.getMessage());
        }
        UUID eventId;
        String given = text(attrs, "attestream.event_id");
        if (given != null) {
            try {
                eventId = UUID.fromString(given);
            } catch (IllegalArgumentException e) {
                return Result.rejected(ref + ": attestream.event_id '" + given + "' is not a UUID");
            }
        } else {
            eventId = contentId(resource, scope, log);
        }
        AuditEvent.Builder event = OtlpEnvelope.event(envelope, eventId, time, host, "attestream-gateway-otlp")
                .setSessionId(text(attrs, "gen_ai.conversation.id"))
                .setPayload(payload);
        if (log.getTraceId().size() == 16) {
            event.setTraceId(HEX.formatHex(log.getTraceId().toByteArray()));
        }
        if (log.getSpanId().size() == 8) {
            event.setSpanId(HEX.formatHex(log.getSpanId().toByteArray()));
        }
        AuditEvent built = event.build();
        String violation = OtlpEnvelope.violation(built);
        return violation == null ? new Result(built, null) : Result.rejected(ref + ": " + violation);
    }

    /**
     * A log record has no id of its own: without {@code attestream.event_id} the eventId is a name-based UUID of
     * the resource, scope and record bytes, so an exporter's retry of the same record is chained once. Two
     * records identical in every byte, timestamps included, are one event.
     */
    private static UUID contentId(List<KeyValue> resource, InstrumentationScope scope, LogRecord log) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            for (KeyValue kv : resource) {
                kv.writeDelimitedTo(bytes);
            }
            scope.writeDelimitedTo(bytes);
            log.writeDelimitedTo(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return UUID.nameUUIDFromBytes(bytes.toByteArray());
    }

    private static void evaluationDefaults(Mapped mapped, Map<String, AnyValue> fields, InstrumentationScope scope) {
        for (Map.Entry<String, String> e : EVALUATION_SEMCONV.entrySet()) {
            Schema.Field field = mapped.payload().getField(e.getKey());
            if (field != null && fields.containsKey(e.getValue())) {
                fields.putIfAbsent(mapped.attribute(field), fields.get(e.getValue()));
            }
        }
        Schema.Field suite = mapped.payload().getField("suite");
        fields.putIfAbsent(mapped.attribute(suite), AnyValue.newBuilder().setStringValue(
                scope.getName().isEmpty() ? EVALUATION_EVENT : scope.getName()).build());
        // OTel evaluation events do not say what kind of evaluator scored: UNKNOWN, the schema's "not stated"
        fields.putIfAbsent(mapped.attribute(mapped.payload().getField("evaluatorKind")),
                AnyValue.newBuilder().setStringValue("UNKNOWN").build());
        AnyValue evalName = fields.get(mapped.attribute(mapped.payload().getField("evalName")));
        if (evalName != null) {
            fields.putIfAbsent(mapped.attribute(mapped.payload().getField("metric")), evalName);
        }
    }

    private static SpecificRecordBase payload(Mapped mapped, Map<String, AnyValue> attrs) {
        SpecificRecordBase record = (SpecificRecordBase) SpecificData.get().newRecord(null, mapped.payload());
        for (Schema.Field field : mapped.payload().getFields()) {
            String key = mapped.attribute(field);
            Schema type = field.schema();
            boolean nullable = type.isNullable();
            if (type.getType() == Schema.Type.UNION) {
                type = type.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst()
                        .orElseThrow();
            }
            AnyValue value = attrs.get(key);
            if (value == null || value.getValueCase() == AnyValue.ValueCase.VALUE_NOT_SET) {
                if (nullable) {
                    record.put(field.pos(), null);
                } else if (field.hasDefaultValue()) {
                    record.put(field.pos(), SpecificData.get().getDefaultValue(field));
                } else {
                    throw new IllegalArgumentException("required attribute " + key + " is missing"
                            + (mapped.eventName().equals(EVALUATION_EVENT) && EVALUATION_SEMCONV.containsKey(
                                    field.name()) ? " (or " + EVALUATION_SEMCONV.get(field.name()) + ")" : ""));
                }
                continue;
            }
            record.put(field.pos(), convert(key, type, value));
        }
        return record;
    }

    private static Object convert(String key, Schema type, AnyValue v) {
        switch (type.getType()) {
            case STRING: {
                if (v.getValueCase() != AnyValue.ValueCase.STRING_VALUE) {
                    throw new IllegalArgumentException(key + " must be a string");
                }
                return v.getStringValue();
            }
            case DOUBLE: {
                if (v.getValueCase() == AnyValue.ValueCase.DOUBLE_VALUE) {
                    return v.getDoubleValue();
                }
                if (v.getValueCase() == AnyValue.ValueCase.INT_VALUE) {
                    return (double) v.getIntValue();
                }
                throw new IllegalArgumentException(key + " must be a number");
            }
            case LONG: {
                if (type.getLogicalType() instanceof LogicalTypes.TimestampMicros) {
                    return instant(key, v);
                }
                if (v.getValueCase() != AnyValue.ValueCase.INT_VALUE) {
                    throw new IllegalArgumentException(key + " must be an integer");
                }
                return v.getIntValue();
            }
            case ENUM: {
                if (v.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
                    String symbol = v.getStringValue().toUpperCase(Locale.ROOT);
                    if (type.getEnumSymbols().contains(symbol)) {
                        return SpecificData.get().createEnum(symbol, type);
                    }
                }
                throw new IllegalArgumentException(key + " must be one of " + type.getEnumSymbols());
            }
            case FIXED: {
                byte[] bytes = null;
                if (v.getValueCase() == AnyValue.ValueCase.STRING_VALUE
                        && v.getStringValue().length() == type.getFixedSize() * 2) {
                    try {
                        bytes = HEX.parseHex(v.getStringValue());
                    } catch (IllegalArgumentException e) {
                        bytes = null;
                    }
                }
                if (bytes == null) {
                    throw new IllegalArgumentException(key + " must be " + type.getFixedSize() * 2
                            + " hex characters");
                }
                return SpecificData.get().createFixed(null, bytes, type);
            }
            case ARRAY: {
                if (v.getValueCase() != AnyValue.ValueCase.ARRAY_VALUE
                        || type.getElementType().getType() != Schema.Type.STRING) {
                    throw new IllegalArgumentException(key + " must be an array of strings");
                }
                List<String> out = new ArrayList<>();
                for (AnyValue e : v.getArrayValue().getValuesList()) {
                    if (e.getValueCase() != AnyValue.ValueCase.STRING_VALUE) {
                        throw new IllegalArgumentException(key + " must be an array of strings");
                    }
                    out.add(e.getStringValue());
                }
                return out;
            }
            default:
                throw new IllegalArgumentException(key + ": field type " + type.getType() + " is not mapped");
        }
    }

    private static Instant instant(String key, AnyValue v) {
        if (v.getValueCase() == AnyValue.ValueCase.INT_VALUE) {
            long nanos = v.getIntValue();
            return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                    Math.floorMod(nanos, 1_000_000_000L) / 1_000 * 1_000);
        }
        if (v.getValueCase() == AnyValue.ValueCase.STRING_VALUE) {
            try {
                Instant t = java.time.OffsetDateTime.parse(v.getStringValue()).toInstant();
                return t.minusNanos(t.getNano() % 1_000);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(key + " '" + v.getStringValue() + "' is not an RFC 3339 time");
            }
        }
        throw new IllegalArgumentException(key + " must be RFC 3339 text or integer Unix nanoseconds");
    }

    static String snake(String camel) {
        StringBuilder out = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
