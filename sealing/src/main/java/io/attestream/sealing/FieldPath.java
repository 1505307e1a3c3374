package io.attestream.sealing;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * A field that can be sealed, named as in {@code SealedField.field}: an envelope field ({@code sessionId}), a
 * payload field ({@code payload.inlinePayload}) or an entry of a payload's string map
 * ({@code payload.attributes.user_prompt}: everything after {@code payload.attributes.} is the key). Only nullable
 * strings and string-map entries can be sealed: the cleartext's place must be able to stay empty.
 *
 * @param path the path as written
 * @param payload whether the field is in the payload (else in the envelope)
 * @param name the record field
 * @param mapKey the map entry's key, or null
 */
public record FieldPath(String path, boolean payload, String name, String mapKey) {
    private static final String PAYLOAD = "payload.";

    public FieldPath {
        requireNonNull(path, "path");
        requireNonNull(name, "name");
    }

    /**
     * Parses and checks a path against this build's {@code AuditEvent} schema.
     *
     * @throws IllegalArgumentException naming the path when no field of that name can be sealed
     */
    public static FieldPath parse(String path) {
        requireNonNull(path, "path");
        Schema envelope = AuditEvent.getClassSchema();
        if (!path.startsWith(PAYLOAD)) {
            Schema.Field f = envelope.getField(path);
            if (f == null || !nullableString(f.schema()) || path.equals("eventId")) {
                throw new IllegalArgumentException("cannot seal '" + path + "': not a nullable string field of the "
                        + "envelope (sealable: sessionId, traceId, spanId, payload.<field>, payload.<map>.<key>)");
            }
            return new FieldPath(path, false, path, null);
        }
        String rest = path.substring(PAYLOAD.length());
        int dot = rest.indexOf('.');
        String name = dot < 0 ? rest : rest.substring(0, dot);
        String key = dot < 0 ? null : rest.substring(dot + 1);
        boolean found = false;
        for (Schema type : envelope.getField("payload").schema().getTypes()) {
            Schema.Field f = type.getField(name);
            if (f == null) {
                continue;
            }
            found = true;
            boolean ok = key == null ? nullableString(f.schema())
                    : f.schema().getType() == Schema.Type.MAP
                            && f.schema().getValueType().getType() == Schema.Type.STRING && !key.isEmpty();
            if (!ok) {
                throw new IllegalArgumentException("cannot seal '" + path + "': " + type.getName() + "." + name
                        + (key == null ? " is not a nullable string" : " is not a map of strings")
                        + " (only nullable strings and string-map entries can be sealed)");
            }
        }
        if (!found) {
            throw new IllegalArgumentException("cannot seal '" + path + "': no payload type has a field " + name);
        }
        return new FieldPath(path, true, name, key);
    }

    /** Parses every path. */
    public static List<FieldPath> parseAll(List<String> paths) {
        List<FieldPath> out = new ArrayList<>();
        for (String p : paths) {
            FieldPath f = parse(p.strip());
            if (out.stream().anyMatch(o -> o.path.equals(f.path))) {
                throw new IllegalArgumentException("field '" + p + "' listed twice");
            }
            out.add(f);
        }
        return List.copyOf(out);
    }

    private static boolean nullableString(Schema s) {
        return s.getType() == Schema.Type.UNION && s.getTypes().size() == 2
                && s.getTypes().get(0).getType() == Schema.Type.NULL && s.getTypes().get(1).getType() == Schema.Type.STRING;
    }

    /** Whether {@code event} holds a value in this field. */
    public boolean isSetIn(AuditEvent event) {
        return get(requireNonNull(event, "event")) != null;
    }

    /** The record that holds the field in {@code event}, or null when its payload type has no such field. */
    SpecificRecord holder(AuditEvent event) {
        if (!payload) {
            return event;
        }
        SpecificRecord p = (SpecificRecord) event.getPayload();
        return p.getSchema().getField(name) == null ? null : p;
    }

    /** The field's value in {@code event}, or null when absent. */
    String get(AuditEvent event) {
        SpecificRecord r = holder(event);
        if (r == null) {
            return null;
        }
        Object v = r.get(r.getSchema().getField(name).pos());
        if (mapKey == null) {
            return v == null ? null : v.toString();
        }
        Object e = v == null ? null : ((Map<?, ?>) v).get(mapKey);
        return e == null ? null : e.toString();
    }

    /** Sets the field (null clears it; for a map entry removes it). Returns false when the event has no such field. */
    @SuppressWarnings("unchecked")
    boolean set(AuditEvent event, String value) {
        SpecificRecord r = holder(event);
        if (r == null) {
            return false;
        }
        int pos = r.getSchema().getField(name).pos();
        if (mapKey == null) {
            r.put(pos, value);
            return true;
        }
        Map<String, String> m = new java.util.LinkedHashMap<>();
        Object v = r.get(pos);
        if (v != null) {
            ((Map<Object, Object>) v).forEach((k, x) -> m.put(k.toString(), x.toString()));
        }
        if (value == null) {
            m.remove(mapKey);
        } else {
            m.put(mapKey, value);
        }
        r.put(pos, m);
        return true;
    }
}
