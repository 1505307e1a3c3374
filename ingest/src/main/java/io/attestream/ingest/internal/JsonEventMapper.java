package io.attestream.ingest.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventRules;
import io.attestream.schemas.EventRules.Violation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Maps the gateway's JSON shape of an event onto the Avro {@link AuditEvent} schema, driven by the schema itself
 * (so new fields and payload types need no code here). The shape, documented in docs/http-api.md:
 * nullable fields are the plain value or {@code null} (may be omitted), the {@code payload} union is an object with
 * exactly one key naming the branch ({@code {"AgentAction": {...}}}), fixed-size digests are lowercase or uppercase
 * hex, enums are their symbols, {@code timestamp-micros} is an ISO-8601 instant or an integer of microseconds, uuids
 * are canonical 8-4-4-4-12 strings. Unknown fields are rejected (nothing is silently dropped).
 *
 * <p>Every problem is reported with its field path in the style of {@link EventRules} ({@code payload.EvalResult.value},
 * {@code controls[0]}); the schema rules of {@link EventRules} are checked on the mapped event too.
 */
public final class JsonEventMapper {
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Schema SCHEMA = AuditEvent.getClassSchema();
    // Datum readers and writers cache schema resolution; one per thread rather than one per event.
    private static final ThreadLocal<GenericDatumWriter<GenericRecord>> WRITER =
            ThreadLocal.withInitial(() -> new GenericDatumWriter<>(SCHEMA, GenericData.get()));
    private static final ThreadLocal<SpecificDatumReader<AuditEvent>> READER =
            ThreadLocal.withInitial(() -> new SpecificDatumReader<>(AuditEvent.class));

    /**
     * The outcome of mapping one JSON event: an event with its Avro binary body (the event was decoded from that
     * body, so framing it needs no second encoding), or the violations that prevented it.
     */
    public record Result(AuditEvent event, byte[] avroBody, List<Violation> violations) {
        public Result {
            violations = List.copyOf(violations);
            if ((event == null) == violations.isEmpty()) {
                throw new IllegalArgumentException("exactly one of event and violations");
            }
        }

        public boolean ok() {
            return event != null;
        }
    }

    private JsonEventMapper() {
    }

    /** Maps {@code node} onto an {@link AuditEvent} and checks {@link EventRules}. */
    public static Result map(JsonNode node) {
        requireNonNull(node, "node");
        List<Violation> errors = new ArrayList<>();
        Object generic = convert(node, SCHEMA, "", errors);
        if (!errors.isEmpty()) {
            return new Result(null, null, errors);
        }
        byte[] body = encode((GenericRecord) generic);
        AuditEvent event;
        try {
            event = READER.get().read(null, DecoderFactory.get().binaryDecoder(body, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Violation> rules = EventRules.violations(event);
        return rules.isEmpty() ? new Result(event, body, List.of()) : new Result(null, null, rules);
    }

    private static byte[] encode(GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(512);
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            WRITER.get().write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The gateway JSON of {@code event}: the inverse of {@link #map} (timestamps as ISO-8601, digests as lowercase
     * hex). Used for documentation examples and round-trip tests.
     */
    public static ObjectNode toJson(AuditEvent event) {
        requireNonNull(event, "event");
        GenericRecord generic = toGeneric(event);
        return (ObjectNode) write(generic, SCHEMA);
    }

    private static GenericRecord toGeneric(AuditEvent event) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(512);
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<AuditEvent>(AuditEvent.class).write(event, encoder);
            encoder.flush();
            return new GenericDatumReader<GenericRecord>(SCHEMA)
                    .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode write(Object value, Schema schema) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (value == null) {
            return f.nullNode();
        }
        switch (schema.getType()) {
            case RECORD: {
                ObjectNode node = f.objectNode();
                GenericRecord record = (GenericRecord) value;
                for (Schema.Field field : schema.getFields()) {
                    node.set(field.name(), write(record.get(field.pos()), field.schema()));
                }
                return node;
            }
            case UNION: {
                List<Schema> branches = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL)
                        .toList();
                Schema branch = schema.getTypes().get(GenericData.get().resolveUnion(schema, value));
                if (branches.size() == 1) {
                    return write(value, branch);
                }
                ObjectNode node = f.objectNode();
                node.set(branch.getName(), write(value, branch));
                return node;
            }
            case STRING:
                return f.textNode(value.toString());
            case LONG: {
                LogicalType logical = schema.getLogicalType();
                long v = (Long) value;
                if (logical != null && "timestamp-micros".equals(logical.getName())) {
                    return f.textNode(Instant.EPOCH.plus(v, ChronoUnit.MICROS).toString());
                }
                return f.numberNode(v);
            }
            case INT:
                return f.numberNode((Integer) value);
            case DOUBLE:
                return f.numberNode((Double) value);
            case FLOAT:
                return f.numberNode((Float) value);
            case BOOLEAN:
                return f.booleanNode((Boolean) value);
            case ENUM:
                return f.textNode(value.toString());
            case FIXED:
                return f.textNode(HexFormat.of().formatHex(((GenericData.Fixed) value).bytes()));
            case BYTES: {
                ByteBuffer b = ((ByteBuffer) value).duplicate();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                return f.textNode(HexFormat.of().formatHex(bytes));
            }
            case ARRAY: {
                ArrayNode node = f.arrayNode();
                for (Object item : (List<?>) value) {
                    node.add(write(item, schema.getElementType()));
                }
                return node;
            }
            case MAP: {
                ObjectNode node = f.objectNode();
                ((Map<?, ?>) value).forEach((k, v) -> node.set(k.toString(), write(v, schema.getValueType())));
                return node;
            }
            default:
                throw new IllegalArgumentException("unsupported schema type " + schema.getType());
        }
    }

    private static String child(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static Object convert(JsonNode node, Schema schema, String path, List<Violation> errors) {
        String where = path.isEmpty() ? "$" : path;
        switch (schema.getType()) {
            case RECORD:
                return record(node, schema, path, errors);
            case UNION:
                return union(node, schema, path, errors);
            case NULL:
                if (!node.isNull()) {
                    errors.add(new Violation(where, "must be null"));
                }
                return null;
            case STRING:
                return string(node, schema, where, errors);
            case LONG:
                return longValue(node, schema, where, errors);
            case INT:
                if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                    errors.add(new Violation(where, "must be a 32-bit integer"));
                    return null;
                }
                return node.intValue();
            case DOUBLE:
                if (!node.isNumber()) {
                    errors.add(new Violation(where, "must be a number"));
                    return null;
                }
                return node.doubleValue();
            case FLOAT:
                if (!node.isNumber()) {
                    errors.add(new Violation(where, "must be a number"));
                    return null;
                }
                return node.floatValue();
            case BOOLEAN:
                if (!node.isBoolean()) {
                    errors.add(new Violation(where, "must be true or false"));
                    return null;
                }
                return node.booleanValue();
            case ENUM:
                if (!node.isTextual() || !schema.hasEnumSymbol(node.textValue())) {
                    errors.add(new Violation(where, "must be one of " + schema.getEnumSymbols()));
                    return null;
                }
                return new GenericData.EnumSymbol(schema, node.textValue());
            case FIXED:
                byte[] fixed = hex(node, schema.getFixedSize(), where, errors);
                return fixed == null ? null : new GenericData.Fixed(schema, fixed);
            case BYTES:
                byte[] bytes = hex(node, -1, where, errors);
                return bytes == null ? null : ByteBuffer.wrap(bytes);
            case ARRAY:
                if (!node.isArray()) {
                    errors.add(new Violation(where, "must be an array"));
                    return null;
                }
                List<Object> items = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    items.add(convert(node.get(i), schema.getElementType(), path + "[" + i + "]", errors));
                }
                return items;
            case MAP:
                if (!node.isObject()) {
                    errors.add(new Violation(where, "must be an object"));
                    return null;
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    map.put(e.getKey(), convert(e.getValue(), schema.getValueType(), child(path, e.getKey()), errors));
                }
                return map;
            default:
                errors.add(new Violation(where, "unsupported schema type " + schema.getType()));
                return null;
        }
    }

    private static Object record(JsonNode node, Schema schema, String path, List<Violation> errors) {
        if (!node.isObject()) {
            errors.add(new Violation(path.isEmpty() ? "$" : path, "must be a JSON object"));
            return null;
        }
        GenericData.Record record = new GenericData.Record(schema);
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (schema.getField(name) == null) {
                errors.add(new Violation(child(path, name), "unknown field"));
            }
        }
        for (Schema.Field field : schema.getFields()) {
            JsonNode value = node.get(field.name());
            String fieldPath = child(path, field.name());
            if (value == null) {
                if (field.hasDefaultValue()) {
                    record.put(field.pos(), GenericData.get().getDefaultValue(field));
                } else if (nullable(field.schema())) {
                    record.put(field.pos(), null);
                } else {
                    errors.add(new Violation(fieldPath, "is required"));
                }
                continue;
            }
            record.put(field.pos(), convert(value, field.schema(), fieldPath, errors));
        }
        return record;
    }

    private static boolean nullable(Schema schema) {
        return schema.getType() == Schema.Type.UNION
                && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
    }

    private static Object union(JsonNode node, Schema schema, String path, List<Violation> errors) {
        String where = path.isEmpty() ? "$" : path;
        List<Schema> branches = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
        if (node.isNull()) {
            if (branches.size() < schema.getTypes().size()) {
                return null;
            }
            errors.add(new Violation(where, "must not be null"));
            return null;
        }
        if (branches.size() == 1) {
            return convert(node, branches.get(0), path, errors);
        }
        // A union of several types (the payload): one key names the branch.
        List<String> names = branches.stream().map(Schema::getName).toList();
        if (!node.isObject() || node.size() != 1) {
            errors.add(new Violation(where, "must be an object with exactly one key naming the type, one of " + names));
            return null;
        }
        String name = node.fieldNames().next();
        for (Schema branch : branches) {
            if (branch.getName().equals(name)) {
                return convert(node.get(name), branch, child(path, name), errors);
            }
        }
        errors.add(new Violation(child(path, name), "unknown type, expected one of " + names));
        return null;
    }

    private static Object string(JsonNode node, Schema schema, String where, List<Violation> errors) {
        if (!node.isTextual()) {
            errors.add(new Violation(where, "must be a string"));
            return null;
        }
        String text = node.textValue();
        LogicalType logical = schema.getLogicalType();
        if (logical != null && "uuid".equals(logical.getName()) && !UUID_TEXT.matcher(text).matches()) {
            errors.add(new Violation(where, "must be a UUID like 5d0c2a4e-7d8b-4f7e-9a3e-1c2b3d4e5f60"));
            return null;
        }
        return text;
    }

    private static Object longValue(JsonNode node, Schema schema, String where, List<Violation> errors) {
        LogicalType logical = schema.getLogicalType();
        boolean micros = logical != null && "timestamp-micros".equals(logical.getName());
        boolean millis = logical != null && "timestamp-millis".equals(logical.getName());
        if ((micros || millis) && node.isTextual()) {
            try {
                Instant instant = Instant.parse(node.textValue());
                return micros ? ChronoUnit.MICROS.between(Instant.EPOCH, instant) : instant.toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException e) {
                errors.add(new Violation(where, "must be an ISO-8601 instant like 2026-11-01T09:00:00.123456Z or an"
                        + " integer of " + (micros ? "microseconds" : "milliseconds") + " since the epoch"));
                return null;
            }
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            errors.add(new Violation(where, micros || millis
                    ? "must be an ISO-8601 instant or an integer of " + (micros ? "microseconds" : "milliseconds")
                            + " since the epoch"
                    : "must be a 64-bit integer"));
            return null;
        }
        return node.longValue();
    }

    private static byte[] hex(JsonNode node, int size, String where, List<Violation> errors) {
        String expect = size < 0 ? "an even number of hex characters" : (2 * size) + " hex characters";
        if (!node.isTextual()) {
            errors.add(new Violation(where, "must be a string of " + expect));
            return null;
        }
        String text = node.textValue();
        if ((size >= 0 && text.length() != 2 * size) || text.length() % 2 != 0) {
            errors.add(new Violation(where, "must be " + expect + ", got " + text.length() + " characters"));
            return null;
        }
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            errors.add(new Violation(where, "must be " + expect + " (0-9, a-f)"));
            return null;
        }
    }
}
