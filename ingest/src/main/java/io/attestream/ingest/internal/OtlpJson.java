package io.attestream.ingest.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * OTLP/JSON (the OTLP specification's "JSON Protobuf Encoding") to and from the protocol's generated messages,
 * driven by the messages' descriptors, so traces and logs share one codec. The OTLP rules differ from the
 * generic proto3 JSON mapping and are followed here:
 * <ul>
 *   <li>{@code traceId}, {@code spanId} and {@code parentSpanId} are lowercase or uppercase hex, not base64 (other
 *       bytes fields are base64);</li>
 *   <li>enums are integers (names are accepted too);</li>
 *   <li>64-bit integers are decimal strings or JSON numbers;</li>
 *   <li>keys are lowerCamelCase (the proto field name is accepted too); unknown keys are ignored, for forward
 *       compatibility.</li>
 * </ul>
 * Anything else that does not fit the field's type is a {@link BadRequest} naming the JSON path.
 */
public final class OtlpJson {
    private static final Set<String> HEX_ID_FIELDS = Set.of("trace_id", "span_id", "parent_span_id");
    private static final HexFormat HEX = HexFormat.of();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OtlpJson() {
    }

    /** An OTLP/JSON body that is not a valid encoding of the expected message. */
    public static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code body} into {@code builder}.
     *
     * @param maxDepth how deeply objects and arrays may nest (a hostile body must not exhaust the stack)
     */
    public static <B extends Message.Builder> B parse(byte[] body, B builder, int maxDepth) throws BadRequest {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequest("not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("not JSON: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new BadRequest("empty body");
        }
        merge(root, builder, "$", 0, maxDepth);
        return builder;
    }

    /** The OTLP/JSON encoding of {@code message}: set fields only, 64-bit integers as strings, enums as numbers. */
    public static byte[] write(Message message) {
        try {
            return MAPPER.writeValueAsBytes(toJson(message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private static ObjectNode toJson(Message message) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            if (f.isRepeated()) {
                ArrayNode array = out.putArray(f.getJsonName());
                for (Object v : (Iterable<?>) e.getValue()) {
                    array.add(toJsonValue(f, v));
                }
            } else {
                out.set(f.getJsonName(), toJsonValue(f, e.getValue()));
            }
        }
        return out;
    }

    private static JsonNode toJsonValue(FieldDescriptor f, Object v) {
        JsonNodeFactory n = JsonNodeFactory.instance;
        switch (f.getJavaType()) {
            case MESSAGE: return toJson((Message) v);
            case ENUM: return n.numberNode(((EnumValueDescriptor) v).getNumber());
            case LONG: return n.textNode(v.toString());
            case INT: return n.numberNode((Integer) v);
            case BOOLEAN: return n.booleanNode((Boolean) v);
            case FLOAT: return n.numberNode((Float) v);
            case DOUBLE: return n.numberNode((Double) v);
            case BYTE_STRING: return n.textNode(HEX_ID_FIELDS.contains(f.getName())
                    ? HEX.formatHex(((ByteString) v).toByteArray())
                    : Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
            default: return n.textNode(v.toString());
        }
    }

    private static void merge(JsonNode node, Message.Builder builder, String path, int depth, int maxDepth)
            throws BadRequest {
        if (!node.isObject()) {
            throw new BadRequest(path + ": expected an object (" + builder.getDescriptorForType().getName()
                    + "), got " + node.getNodeType().name().toLowerCase());
        }
        if (depth > maxDepth) {
            throw new BadRequest(path + ": nested deeper than " + maxDepth);
        }
        Descriptor type = builder.getDescriptorForType();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            FieldDescriptor field = field(type, entry.getKey());
            JsonNode value = entry.getValue();
            if (field == null || value.isNull()) {
                continue;   // unknown keys are ignored (OTLP: forward compatibility); null means "not set"
            }
            String at = path + "." + entry.getKey();
            if (field.isRepeated()) {
                if (!value.isArray()) {
                    throw new BadRequest(at + ": expected an array");
                }
                int i = 0;
                for (JsonNode element : value) {
                    builder.addRepeatedField(field, value(field, element, builder, at + "[" + i++ + "]", depth + 1,
                            maxDepth));
                }
            } else {
                builder.setField(field, value(field, value, builder, at, depth + 1, maxDepth));
            }
        }
    }

    private static FieldDescriptor field(Descriptor type, String key) {
        for (FieldDescriptor f : type.getFields()) {
            if (f.getJsonName().equals(key) || f.getName().equals(key)) {
                return f;
            }
        }
        return null;
    }

    private static Object value(FieldDescriptor f, JsonNode v, Message.Builder parent, String at, int depth,
                                int maxDepth) throws BadRequest {
        switch (f.getJavaType()) {
            case MESSAGE: {
                Message.Builder sub = parent.newBuilderForField(f);
                merge(v, sub, at, depth, maxDepth);
                return sub.build();
            }
            case STRING:
                if (!v.isTextual()) {
                    throw new BadRequest(at + ": expected a string");
                }
                return v.textValue();
            case BOOLEAN:
                if (!v.isBoolean()) {
                    throw new BadRequest(at + ": expected true or false");
                }
                return v.booleanValue();
            case INT:
                return (int) integer(f, v, at, 32);
            case LONG:
                return integer(f, v, at, 64);
            case DOUBLE:
                return floating(v, at);
            case FLOAT:
                return (float) floating(v, at);
            case ENUM:
                return enumValue(f, v, at);
            case BYTE_STRING:
                return bytes(f, v, at);
            default:
                throw new BadRequest(at + ": unsupported field type " + f.getJavaType());
        }
    }

    private static long integer(FieldDescriptor f, JsonNode v, String at, int bits) throws BadRequest {
        BigInteger n;
        if (v.isIntegralNumber()) {
            n = v.bigIntegerValue();
        } else if (v.isTextual()) {
            try {
                n = new BigInteger(v.textValue());
            } catch (NumberFormatException e) {
                throw new BadRequest(at + ": expected an integer, got '" + v.textValue() + "'");
            }
        } else {
            throw new BadRequest(at + ": expected an integer (number or decimal string)");
        }
        boolean unsigned = f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.UINT64
                || f.getType() == FieldDescriptor.Type.FIXED32 || f.getType() == FieldDescriptor.Type.FIXED64;
        BigInteger min = unsigned ? BigInteger.ZERO : BigInteger.ONE.shiftLeft(bits - 1).negate();
        BigInteger max = unsigned ? BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                : BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
        if (n.compareTo(min) < 0 || n.compareTo(max) > 0) {
            throw new BadRequest(at + ": " + n + " is out of range for " + f.getType().name().toLowerCase());
        }
        return n.longValue();   // unsigned 64-bit values above Long.MAX_VALUE wrap, as protobuf-java stores them
    }

    private static double floating(JsonNode v, String at) throws BadRequest {
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isTextual()) {
            switch (v.textValue()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default:
                    try {
                        return Double.parseDouble(v.textValue());
                    } catch (NumberFormatException e) {
                        throw new BadRequest(at + ": expected a number, got '" + v.textValue() + "'");
                    }
            }
        }
        throw new BadRequest(at + ": expected a number");
    }

    private static EnumValueDescriptor enumValue(FieldDescriptor f, JsonNode v, String at) throws BadRequest {
        if (v.isIntegralNumber() && v.canConvertToInt()) {
            // proto3 enums are open: an unknown number is kept, as the binary decoder would keep it
            return f.getEnumType().findValueByNumberCreatingIfUnknown(v.intValue());
        }
        if (v.isTextual()) {
            EnumValueDescriptor named = f.getEnumType().findValueByName(v.textValue());
            if (named != null) {
                return named;
            }
        }
        throw new BadRequest(at + ": expected an enum number of " + f.getEnumType().getName() + ", got " + v);
    }

    private static ByteString bytes(FieldDescriptor f, JsonNode v, String at) throws BadRequest {
        if (!v.isTextual()) {
            throw new BadRequest(at + ": expected a string");
        }
        String s = v.textValue();
        if (HEX_ID_FIELDS.contains(f.getName())) {
            if (s.length() % 2 != 0) {
                throw new BadRequest(at + ": '" + s + "' is not hex (OTLP/JSON writes trace and span ids as hex)");
            }
            try {
                return ByteString.copyFrom(HEX.parseHex(s));
            } catch (IllegalArgumentException e) {
                throw new BadRequest(at + ": '" + s + "' is not hex (OTLP/JSON writes trace and span ids as hex)");
            }
        }
        try {
            return ByteString.copyFrom(Base64.getDecoder().decode(s));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(at + ": not base64");
        }
    }
}
