package io.attestream.ingest.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
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
    private static final Schema SCHEMA = AuditEvent.getClassSchema();
    // Datum readers and writers cache schema resolution; one per thread rather than one per event.
    private static final ThreadLocal<GenericDatumWriter<GenericRecord>> WRITER =
            ThreadLocal.withInitial(() -> new GenericDatumWriter<>(SCHEMA, GenericData.get()));
    private static final ThreadLocal<SpecificDatumReader<AuditEvent>> READER =
            ThreadLocal.withInitial(() -> new SpecificDatumReader<>(AuditEvent.class));
    private static final ThreadLocal<Codec> CODEC = ThreadLocal.withInitial(Codec::new);
    /** What mapping needs of each record and union schema reachable from {@link #SCHEMA}, computed once. */
    private static final Map<Schema, Shape> SHAPES = shapes(SCHEMA);

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
        Object generic = convert(node, SCHEMA, Path.ROOT, errors);
        if (!errors.isEmpty()) {
            return new Result(null, null, errors);
        }
        Codec codec = CODEC.get();
        byte[] body = codec.encode((GenericRecord) generic);
        AuditEvent event = codec.decode(body);
        List<Violation> rules = EventRules.violations(event);
        return rules.isEmpty() ? new Result(event, body, List.of()) : new Result(null, null, rules);
    }

    /**
     * The outcome of {@link #mapCommon}: the event, its Avro binary body (the event was decoded from it) and the string
     * value of the extra top-level member, null when the event had none.
     */
    public record Streamed(AuditEvent event, byte[] avroBody, String extra) {
        public Streamed {
            requireNonNull(event, "event");
            requireNonNull(avroBody, "avroBody");
        }
    }

    /**
     * Maps the JSON event that {@code parser} reads straight from its tokens, without a tree and without a generic
     * record, for the common case only: a valid event, the whole input one JSON object. Anything else (any violation
     * of the shape or of {@link EventRules}, trailing tokens, a parse error) gives null, and the caller MUST then map
     * the same input with {@link #map(JsonNode)}, which reports it; whenever this method gives an event, its body is
     * the body {@link #map(JsonNode)} gives for the tree of the same input (pinned by JsonEventMapperCorpusTest).
     *
     * @param parser positioned before the event's first token, closed by the caller; it need not detect duplicate
     *     members (a field, map key, union branch or extra member given twice at any depth gives null here, and the
     *     tree path's parser refuses it)
     * @param extra a top-level member that is not a schema field but taken out by the caller (the gateway's subject):
     *     its value, which must be a string, is returned; null: none
     * @param whenAbsent the value of a top-level field the event does not have (as the gateway adds eventId and
     *     recordedBy to the tree), or null: the field's default applies
     */
    public static Streamed mapCommon(JsonParser parser, String extra, Function<String, JsonNode> whenAbsent) {
        requireNonNull(parser, "parser");
        requireNonNull(whenAbsent, "whenAbsent");
        try {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Object[] root = readRecord(parser, SCHEMA, extra, whenAbsent);
            if (parser.nextToken() != null) {
                return null;
            }
            Codec codec = CODEC.get();
            byte[] body = codec.write(root);
            AuditEvent event = codec.decode(body);
            if (!EventRules.violations(event).isEmpty()) {
                return null;
            }
            return new Streamed(event, body, (String) root[root.length - 1]);
        } catch (Uncommon | IOException e) {
            return null;
        }
    }

    /** Thrown (without a stack trace) where the streaming path meets a shape it leaves to the tree path. */
    private static final class Uncommon extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Uncommon INSTANCE = new Uncommon();

        private Uncommon() {
            super("left to the tree path", null, false, false);
        }
    }

    /** The value of a JSON null in a union. */
    private static final Object NULL = new Object();

    /** A value of a union of several non-null types, with the index of its branch in the union. */
    private record Branch(int index, Object value) {
    }

    private static Uncommon uncommon() {
        return Uncommon.INSTANCE;
    }

    /**
     * One record's field values by position (null: absent), read from the tokens after its START_OBJECT up to its
     * END_OBJECT. For the event itself ({@code extra} or {@code whenAbsent} given) one more slot holds the extra
     * member's value.
     */
    private static Object[] readRecord(JsonParser p, Schema schema, String extra,
                                       Function<String, JsonNode> whenAbsent) throws IOException {
        Shape shape = shape(schema);
        Schema.Field[] fields = shape.fields();
        boolean root = whenAbsent != null;
        Object[] values = new Object[fields.length + (root ? 1 : 0)];
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String name = p.currentName();
            Schema.Field field = schema.getField(name);
            p.nextToken();
            if (field == null) {
                if (!root || !name.equals(extra) || values[fields.length] != null
                        || p.currentToken() != JsonToken.VALUE_STRING) {
                    throw uncommon();
                }
                values[fields.length] = p.getText();
                continue;
            }
            if (values[field.pos()] != null) {
                throw uncommon();
            }
            values[field.pos()] = read(p, field.schema());
        }
        for (int i = 0; i < fields.length; i++) {
            if (values[i] != null) {
                continue;
            }
            JsonNode given = root ? whenAbsent.apply(fields[i].name()) : null;
            if (given != null) {
                try (JsonParser q = given.traverse()) {
                    q.nextToken();
                    values[i] = read(q, fields[i].schema());
                }
            } else if (shape.absent()[i] == null) {
                throw uncommon();
            }
        }
        return values;
    }

    /** The value of {@code schema} whose first token is the parser's current token; Uncommon for anything else. */
    private static Object read(JsonParser p, Schema schema) throws IOException {
        JsonToken t = p.currentToken();
        switch (schema.getType()) {
            case RECORD:
                if (t != JsonToken.START_OBJECT) {
                    throw uncommon();
                }
                return readRecord(p, schema, null, null);
            case UNION:
                return readUnion(p, schema);
            case NULL:
                if (t != JsonToken.VALUE_NULL) {
                    throw uncommon();
                }
                return NULL;
            case STRING: {
                if (t != JsonToken.VALUE_STRING) {
                    throw uncommon();
                }
                String text = p.getText();
                LogicalType logical = schema.getLogicalType();
                if (logical != null && "uuid".equals(logical.getName()) && !isUuidText(text)) {
                    throw uncommon();
                }
                return text;
            }
            case LONG:
                return readLong(p, schema);
            case INT:
                if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
                    throw uncommon();
                }
                return p.getIntValue();
            case DOUBLE:
                return readNumber(p, false);
            case FLOAT:
                return readNumber(p, true);
            case BOOLEAN:
                if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                    throw uncommon();
                }
                return t == JsonToken.VALUE_TRUE;
            case ENUM:
                if (t != JsonToken.VALUE_STRING || !schema.hasEnumSymbol(p.getText())) {
                    throw uncommon();
                }
                return schema.getEnumOrdinal(p.getText());
            case FIXED:
                return readHex(p, schema.getFixedSize());
            case BYTES:
                return readHex(p, -1);
            case ARRAY: {
                if (t != JsonToken.START_ARRAY) {
                    throw uncommon();
                }
                List<Object> items = new ArrayList<>();
                Schema element = schema.getElementType();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(p, element));
                }
                return items;
            }
            case MAP: {
                if (t != JsonToken.START_OBJECT) {
                    throw uncommon();
                }
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() != JsonToken.END_OBJECT) {
                    String key = p.currentName();
                    p.nextToken();
                    if (map.put(key, read(p, schema.getValueType())) != null) {
                        throw uncommon();
                    }
                }
                return map;
            }
            default:
                throw uncommon();
        }
    }

    private static Object readUnion(JsonParser p, Schema schema) throws IOException {
        Shape shape = shape(schema);
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            if (!shape.hasNull()) {
                throw uncommon();
            }
            return NULL;
        }
        List<Schema> branches = shape.branches();
        if (branches.size() == 1) {
            return read(p, branches.get(0));
        }
        if (p.currentToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME) {
            throw uncommon();
        }
        int b = shape.names().indexOf(p.currentName());
        if (b < 0) {
            throw uncommon();
        }
        p.nextToken();
        Object value = read(p, branches.get(b));
        if (p.nextToken() != JsonToken.END_OBJECT) {
            throw uncommon();
        }
        return new Branch(shape.indices()[b], value);
    }

    private static Object readLong(JsonParser p, Schema schema) throws IOException {
        LogicalType logical = schema.getLogicalType();
        boolean micros = logical != null && "timestamp-micros".equals(logical.getName());
        boolean millis = logical != null && "timestamp-millis".equals(logical.getName());
        JsonToken t = p.currentToken();
        if ((micros || millis) && t == JsonToken.VALUE_STRING) {
            try {
                return epochUnits(p.getText(), micros);
            } catch (DateTimeParseException | ArithmeticException e) {
                throw uncommon();
            }
        }
        if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw uncommon();
        }
        return p.getLongValue();
    }

    /**
     * A double or float as the tree's number nodes give it: integers converted from their int, long or BigInteger
     * value, other numbers from the parser's double.
     */
    private static Object readNumber(JsonParser p, boolean asFloat) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            return asFloat ? (Object) (float) d : (Object) d;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw uncommon();
        }
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            BigInteger big = p.getBigIntegerValue();
            return asFloat ? (Object) big.floatValue() : (Object) big.doubleValue();
        }
        if (p.getNumberType() == JsonParser.NumberType.INT) {
            int i = p.getIntValue();
            return asFloat ? (Object) (float) i : (Object) (double) i;
        }
        long l = p.getLongValue();
        return asFloat ? (Object) (float) l : (Object) (double) l;
    }

    private static byte[] readHex(JsonParser p, int size) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw uncommon();
        }
        String text = p.getText();
        if ((size >= 0 && text.length() != 2 * size) || text.length() % 2 != 0) {
            throw uncommon();
        }
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw uncommon();
        }
    }

    /** Writes {@code value}, as read by {@link #read}, in Avro binary as the generic writer writes the same value. */
    private static void write(Object value, Schema schema, BinaryEncoder e) throws IOException {
        switch (schema.getType()) {
            case RECORD -> {
                Object[] values = (Object[]) value;
                Shape shape = shape(schema);
                Schema.Field[] fields = shape.fields();
                for (int i = 0; i < fields.length; i++) {
                    if (values[i] == null) {
                        e.writeFixed(shape.absent()[i]);
                    } else {
                        write(values[i], fields[i].schema(), e);
                    }
                }
            }
            case UNION -> {
                Shape shape = shape(schema);
                if (value == NULL) {
                    e.writeIndex(shape.nullIndex());
                } else if (value instanceof Branch branch) {
                    e.writeIndex(branch.index());
                    write(branch.value(), schema.getTypes().get(branch.index()), e);
                } else {
                    e.writeIndex(shape.indices()[0]);
                    write(value, shape.branches().get(0), e);
                }
            }
            case NULL -> e.writeNull();
            case STRING -> e.writeString((String) value);
            case LONG -> e.writeLong((Long) value);
            case INT -> e.writeInt((Integer) value);
            case DOUBLE -> e.writeDouble((Double) value);
            case FLOAT -> e.writeFloat((Float) value);
            case BOOLEAN -> e.writeBoolean((Boolean) value);
            case ENUM -> e.writeEnum((Integer) value);
            case FIXED -> e.writeFixed((byte[]) value);
            case BYTES -> e.writeBytes((byte[]) value);
            case ARRAY -> {
                List<?> items = (List<?>) value;
                e.writeArrayStart();
                e.setItemCount(items.size());
                for (Object item : items) {
                    e.startItem();
                    write(item, schema.getElementType(), e);
                }
                e.writeArrayEnd();
            }
            case MAP -> {
                Map<?, ?> map = (Map<?, ?>) value;
                e.writeMapStart();
                e.setItemCount(map.size());
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    e.startItem();
                    e.writeString((String) entry.getKey());
                    write(entry.getValue(), schema.getValueType(), e);
                }
                e.writeMapEnd();
            }
            default -> throw new IllegalStateException("unsupported schema type " + schema.getType());
        }
    }

    /**
     * One thread's Avro encoder, decoder and output buffer: the encoder's 2 KiB buffer and the decoder are reused
     * rather than allocated for every event.
     */
    private static final class Codec {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        // Configured once: after a flush its buffer is empty, so the next event reuses it as it is. Replaced after a
        // failed write, whose bytes may still sit in the buffer.
        private BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        private BinaryDecoder decoder;

        /** What writes one event's body. */
        private interface BodyWriter {
            void writeTo(BinaryEncoder encoder) throws IOException;
        }

        byte[] encode(GenericRecord record) {
            return body(e -> WRITER.get().write(record, e));
        }

        /** The body of the event {@link #mapCommon} read. */
        byte[] write(Object[] root) {
            return body(e -> JsonEventMapper.write(root, SCHEMA, e));
        }

        private byte[] body(BodyWriter writer) {
            boolean written = false;
            try {
                out.reset();
                writer.writeTo(encoder);
                encoder.flush();
                written = true;
                return out.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                if (!written) {
                    encoder = EncoderFactory.get().binaryEncoder(out, null);
                }
            }
        }

        AuditEvent decode(byte[] body) {
            try {
                decoder = DecoderFactory.get().binaryDecoder(body, decoder);
                return READER.get().read(null, decoder);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * A field path in {@link EventRules} style ({@code payload.EvalResult.value}, {@code controls[0]}), built into a
     * string only when a violation names it.
     */
    private static final class Path {
        static final Path ROOT = new Path(null, null, -1);
        private final Path parent;
        private final String name;
        private final int index;

        private Path(Path parent, String name, int index) {
            this.parent = parent;
            this.name = name;
            this.index = index;
        }

        Path child(String childName) {
            return new Path(this, childName, -1);
        }

        Path item(int i) {
            return new Path(this, null, i);
        }

        /** The path, {@code $} for the event itself. */
        String where() {
            return parent == null ? "$" : toString();
        }

        @Override
        public String toString() {
            if (parent == null) {
                return "";
            }
            String up = parent.toString();
            if (name == null) {
                return up + "[" + index + "]";
            }
            return up.isEmpty() ? name : up + "." + name;
        }
    }

    /**
     * A record's fields with their defaults and nullability (and, for {@link #mapCommon}, the Avro encoding of each
     * field when it is absent, null when it is required), or a union's non-null branches with their indices in the
     * union and the index of its null branch (-1: none).
     */
    private record Shape(Schema.Field[] fields, Object[] defaults, boolean[] nullable, byte[][] absent,
                         List<Schema> branches, List<String> names, boolean hasNull, int[] indices, int nullIndex) {
    }

    private static Map<Schema, Shape> shapes(Schema root) {
        Map<Schema, Shape> out = new IdentityHashMap<>();
        collect(root, out);
        return out;
    }

    private static void collect(Schema schema, Map<Schema, Shape> out) {
        if (out.containsKey(schema)) {
            return;
        }
        switch (schema.getType()) {
            case RECORD -> {
                out.put(schema, shapeOf(schema));
                schema.getFields().forEach(f -> collect(f.schema(), out));
            }
            case UNION -> {
                out.put(schema, shapeOf(schema));
                schema.getTypes().forEach(t -> collect(t, out));
            }
            case ARRAY -> collect(schema.getElementType(), out);
            case MAP -> collect(schema.getValueType(), out);
            default -> {
            }
        }
    }

    private static Shape shapeOf(Schema schema) {
        if (schema.getType() == Schema.Type.RECORD) {
            List<Schema.Field> fields = schema.getFields();
            Object[] defaults = new Object[fields.size()];
            boolean[] nullable = new boolean[fields.size()];
            byte[][] absent = new byte[fields.size()][];
            for (int i = 0; i < defaults.length; i++) {
                Schema.Field field = fields.get(i);
                defaults[i] = field.hasDefaultValue() ? GenericData.get().getDefaultValue(field) : null;
                nullable[i] = nullable(field.schema());
                if (field.hasDefaultValue() || nullable[i]) {
                    absent[i] = encodeAlone(defaults[i], field.schema());
                }
            }
            return new Shape(fields.toArray(Schema.Field[]::new), defaults, nullable, absent, null, null, false, null,
                    -1);
        }
        List<Schema> types = schema.getTypes();
        List<Schema> branches = types.stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
        int[] indices = branches.stream().mapToInt(types::indexOf).toArray();
        int nullIndex = -1;
        for (int i = 0; i < types.size(); i++) {
            if (types.get(i).getType() == Schema.Type.NULL) {
                nullIndex = i;
            }
        }
        return new Shape(null, null, null, null, branches, branches.stream().map(Schema::getName).toList(),
                branches.size() < types.size(), indices, nullIndex);
    }

    /** The Avro binary encoding of {@code value} as {@code schema}, written as the generic writer of {@link #map}. */
    private static byte[] encodeAlone(Object value, Schema schema) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(16);
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<Object>(schema, GenericData.get()).write(value, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Shape shape(Schema schema) {
        Shape shape = SHAPES.get(schema);
        return shape != null ? shape : shapeOf(schema);
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

    private static Object convert(JsonNode node, Schema schema, Path path, List<Violation> errors) {
        switch (schema.getType()) {
            case RECORD:
                return record(node, schema, path, errors);
            case UNION:
                return union(node, schema, path, errors);
            case NULL:
                if (!node.isNull()) {
                    errors.add(new Violation(path.where(), "must be null"));
                }
                return null;
            case STRING:
                return string(node, schema, path, errors);
            case LONG:
                return longValue(node, schema, path, errors);
            case INT:
                if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                    errors.add(new Violation(path.where(), "must be a 32-bit integer"));
                    return null;
                }
                return node.intValue();
            case DOUBLE:
                if (!node.isNumber()) {
                    errors.add(new Violation(path.where(), "must be a number"));
                    return null;
                }
                return node.doubleValue();
            case FLOAT:
                if (!node.isNumber()) {
                    errors.add(new Violation(path.where(), "must be a number"));
                    return null;
                }
                return node.floatValue();
            case BOOLEAN:
                if (!node.isBoolean()) {
                    errors.add(new Violation(path.where(), "must be true or false"));
                    return null;
                }
                return node.booleanValue();
            case ENUM:
                if (!node.isTextual() || !schema.hasEnumSymbol(node.textValue())) {
                    errors.add(new Violation(path.where(), "must be one of " + schema.getEnumSymbols()));
                    return null;
                }
                return new GenericData.EnumSymbol(schema, node.textValue());
            case FIXED:
                byte[] fixed = hex(node, schema.getFixedSize(), path, errors);
                return fixed == null ? null : new GenericData.Fixed(schema, fixed);
            case BYTES:
                byte[] bytes = hex(node, -1, path, errors);
                return bytes == null ? null : ByteBuffer.wrap(bytes);
            case ARRAY:
                if (!node.isArray()) {
                    errors.add(new Violation(path.where(), "must be an array"));
                    return null;
                }
                List<Object> items = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    items.add(convert(node.get(i), schema.getElementType(), path.item(i), errors));
                }
                return items;
            case MAP:
                if (!node.isObject()) {
                    errors.add(new Violation(path.where(), "must be an object"));
                    return null;
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    map.put(e.getKey(), convert(e.getValue(), schema.getValueType(), path.child(e.getKey()), errors));
                }
                return map;
            default:
                errors.add(new Violation(path.where(), "unsupported schema type " + schema.getType()));
                return null;
        }
    }

    private static Object record(JsonNode node, Schema schema, Path path, List<Violation> errors) {
        if (!node.isObject()) {
            errors.add(new Violation(path.where(), "must be a JSON object"));
            return null;
        }
        GenericData.Record record = new GenericData.Record(schema);
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (schema.getField(name) == null) {
                errors.add(new Violation(path.child(name).toString(), "unknown field"));
            }
        }
        Shape shape = shape(schema);
        Schema.Field[] fields = shape.fields();
        for (int i = 0; i < fields.length; i++) {
            Schema.Field field = fields[i];
            JsonNode value = node.get(field.name());
            if (value == null) {
                if (field.hasDefaultValue()) {
                    record.put(field.pos(), shape.defaults()[i]);
                } else if (shape.nullable()[i]) {
                    record.put(field.pos(), null);
                } else {
                    errors.add(new Violation(path.child(field.name()).toString(), "is required"));
                }
                continue;
            }
            record.put(field.pos(), convert(value, field.schema(), path.child(field.name()), errors));
        }
        return record;
    }

    private static boolean nullable(Schema schema) {
        return schema.getType() == Schema.Type.UNION
                && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL);
    }

    private static Object union(JsonNode node, Schema schema, Path path, List<Violation> errors) {
        Shape shape = shape(schema);
        List<Schema> branches = shape.branches();
        if (node.isNull()) {
            if (shape.hasNull()) {
                return null;
            }
            errors.add(new Violation(path.where(), "must not be null"));
            return null;
        }
        if (branches.size() == 1) {
            return convert(node, branches.get(0), path, errors);
        }
        // A union of several types (the payload): one key names the branch.
        List<String> names = shape.names();
        if (!node.isObject() || node.size() != 1) {
            errors.add(new Violation(path.where(), "must be an object with exactly one key naming the type, one of "
                    + names));
            return null;
        }
        String name = node.fieldNames().next();
        for (Schema branch : branches) {
            if (branch.getName().equals(name)) {
                return convert(node.get(name), branch, path.child(name), errors);
            }
        }
        errors.add(new Violation(path.child(name).toString(), "unknown type, expected one of " + names));
        return null;
    }

    private static Object string(JsonNode node, Schema schema, Path path, List<Violation> errors) {
        if (!node.isTextual()) {
            errors.add(new Violation(path.where(), "must be a string"));
            return null;
        }
        String text = node.textValue();
        LogicalType logical = schema.getLogicalType();
        if (logical != null && "uuid".equals(logical.getName()) && !isUuidText(text)) {
            errors.add(new Violation(path.where(), "must be a UUID like 5d0c2a4e-7d8b-4f7e-9a3e-1c2b3d4e5f60"));
            return null;
        }
        return text;
    }

    /** Whether {@code text} is 8-4-4-4-12 hex digits of either case (what the regex of the earlier mapper took). */
    static boolean isUuidText(String text) {
        if (text.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : Character.digit(c, 16) < 0 || c > 'f') {
                return false;
            }
        }
        return true;
    }

    private static Object longValue(JsonNode node, Schema schema, Path path, List<Violation> errors) {
        LogicalType logical = schema.getLogicalType();
        boolean micros = logical != null && "timestamp-micros".equals(logical.getName());
        boolean millis = logical != null && "timestamp-millis".equals(logical.getName());
        if ((micros || millis) && node.isTextual()) {
            try {
                return epochUnits(node.textValue(), micros);
            } catch (DateTimeParseException | ArithmeticException e) {
                errors.add(new Violation(path.where(), "must be an ISO-8601 instant like 2026-11-01T09:00:00.123456Z or"
                        + " an integer of " + (micros ? "microseconds" : "milliseconds") + " since the epoch"));
                return null;
            }
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            errors.add(new Violation(path.where(), micros || millis
                    ? "must be an ISO-8601 instant or an integer of " + (micros ? "microseconds" : "milliseconds")
                            + " since the epoch"
                    : "must be a 64-bit integer"));
            return null;
        }
        return node.longValue();
    }

    /**
     * An ISO-8601 instant ({@link #parseInstant}) as microseconds or milliseconds since the epoch, for a
     * {@code timestamp-micros} or {@code timestamp-millis} long (both mapping paths).
     *
     * @throws DateTimeParseException when {@code text} is not an instant
     * @throws ArithmeticException when it does not fit a long in that unit
     */
    private static long epochUnits(String text, boolean micros) {
        Instant instant = parseInstant(text);
        return micros ? ChronoUnit.MICROS.between(Instant.EPOCH, instant) : instant.toEpochMilli();
    }

    /**
     * {@link Instant#parse}, with the form every client writes ({@code 2026-11-01T09:00:00.123456Z}: four-digit year,
     * upper-case T and Z, seconds below 60, up to nine fraction digits) read without the formatter; any other text
     * goes to {@link Instant#parse}, which accepts or refuses it as before.
     */
    static Instant parseInstant(String text) {
        int n = text.length();
        if (n < 20 || n > 30 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
                || text.charAt(13) != ':' || text.charAt(16) != ':' || text.charAt(n - 1) != 'Z') {
            return Instant.parse(text);
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        int nanos = 0;
        if (n > 20) {
            int fraction = n - 21;
            if (text.charAt(19) != '.' || fraction < 1 || fraction > 9) {
                return Instant.parse(text);
            }
            nanos = digits(text, 20, n - 1);
            for (int i = fraction; i < 9 && nanos >= 0; i++) {
                nanos *= 10;
            }
        }
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 28 && day > YearMonth.of(year, month)
                .lengthOfMonth() || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59
                || nanos < 0) {
            return Instant.parse(text);
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The decimal number of {@code text[from, to)}, or -1 when a character is not an ASCII digit. */
    private static int digits(String text, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static byte[] hex(JsonNode node, int size, Path path, List<Violation> errors) {
        if (!node.isTextual()) {
            errors.add(new Violation(path.where(), "must be a string of " + expectedHex(size)));
            return null;
        }
        String text = node.textValue();
        if ((size >= 0 && text.length() != 2 * size) || text.length() % 2 != 0) {
            errors.add(new Violation(path.where(), "must be " + expectedHex(size) + ", got " + text.length()
                    + " characters"));
            return null;
        }
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            errors.add(new Violation(path.where(), "must be " + expectedHex(size) + " (0-9, a-f)"));
            return null;
        }
    }

    private static String expectedHex(int size) {
        return size < 0 ? "an even number of hex characters" : (2 * size) + " hex characters";
    }
}
