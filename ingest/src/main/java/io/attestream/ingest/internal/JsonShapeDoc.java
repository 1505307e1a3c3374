package io.attestream.ingest.internal;

import io.attestream.events.AuditEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;

/**
 * Renders the gateway's JSON shape of {@link AuditEvent} as Markdown tables, from the Avro schema, so
 * docs/http-api.md is generated rather than written (a test checks the file holds the current rendering).
 * Run {@code main} to print it.
 */
public final class JsonShapeDoc {
    /** Markers around the generated part of docs/http-api.md. */
    public static final String BEGIN = "<!-- BEGIN GENERATED JSON SHAPE (JsonShapeDoc) -->";
    public static final String END = "<!-- END GENERATED JSON SHAPE -->";

    private JsonShapeDoc() {
    }

    public static void main(String[] args) {
        System.out.print(render());
    }

    /** The generated Markdown, markers included. */
    public static String render() {
        Map<String, Schema> records = new LinkedHashMap<>();
        collect(AuditEvent.getClassSchema(), records);
        StringBuilder out = new StringBuilder(BEGIN).append("\n");
        for (Schema record : records.values()) {
            out.append("\n### `").append(record.getName()).append("`\n\n");
            if (record.getDoc() != null) {
                out.append(record.getDoc().replace('\n', ' ')).append("\n\n");
            }
            out.append("| field | JSON | required |\n|---|---|---|\n");
            for (Schema.Field f : record.getFields()) {
                boolean optional = f.hasDefaultValue() || nullable(f.schema());
                out.append("| `").append(f.name()).append("` | ").append(describe(f.schema())).append(" | ")
                        .append(optional ? "no" : "yes").append(" |\n");
            }
        }
        return out.append("\n").append(END).append("\n").toString();
    }

    private static boolean nullable(Schema s) {
        return s.getType() == Schema.Type.UNION && s.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL);
    }

    private static void collect(Schema s, Map<String, Schema> records) {
        switch (s.getType()) {
            case RECORD:
                if (records.putIfAbsent(s.getFullName(), s) == null) {
                    s.getFields().forEach(f -> collect(f.schema(), records));
                }
                break;
            case UNION:
                s.getTypes().forEach(t -> collect(t, records));
                break;
            case ARRAY:
                collect(s.getElementType(), records);
                break;
            case MAP:
                collect(s.getValueType(), records);
                break;
            default:
                break;
        }
    }

    private static String describe(Schema s) {
        LogicalType logical = s.getLogicalType();
        switch (s.getType()) {
            case UNION: {
                List<String> parts = new ArrayList<>();
                List<Schema> branches = s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).toList();
                if (branches.size() > 1) {
                    return "object with one key naming the type: " + String.join(", ",
                            branches.stream().map(b -> "`{\"" + b.getName() + "\": {...}}`").toList());
                }
                branches.forEach(b -> parts.add(describe(b)));
                return String.join(" or ", parts) + (nullable(s) ? " or `null`" : "");
            }
            case RECORD:
                return "object `" + s.getName() + "`";
            case STRING:
                return logical != null && "uuid".equals(logical.getName()) ? "string, UUID (8-4-4-4-12 hex)" : "string";
            case LONG:
                if (logical != null && logical.getName().startsWith("timestamp-")) {
                    return "string, ISO-8601 instant (`2026-11-01T09:00:00.123456Z`), or integer "
                            + (logical.getName().endsWith("micros") ? "microseconds" : "milliseconds")
                            + " since the epoch";
                }
                return "integer (64-bit)";
            case INT:
                return "integer (32-bit)";
            case DOUBLE:
            case FLOAT:
                return "number";
            case BOOLEAN:
                return "boolean";
            case ENUM:
                return "string, one of " + String.join(", ", s.getEnumSymbols().stream().map(x -> "`" + x + "`")
                        .toList());
            case FIXED:
                return "string, " + (2 * s.getFixedSize()) + " hex characters (`" + s.getName() + "`)";
            case BYTES:
                return "string, hex";
            case ARRAY:
                return "array of " + describe(s.getElementType());
            case MAP:
                return "object of " + describe(s.getValueType());
            default:
                return s.getType().getName();
        }
    }
}
