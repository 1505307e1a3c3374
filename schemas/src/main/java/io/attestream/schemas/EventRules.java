package io.attestream.schemas;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
import io.attestream.events.RecordedBy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * Rules an AuditEvent must satisfy beyond its Avro schema, checked by producers (SDK, gateway) and again by the
 * chainer. Each violation names the field path so a 400 answer or a dead-letter reason can point at it.
 */
public final class EventRules {
    /** Longest tenant, agentId or agentVersion accepted, in characters. */
    public static final int MAX_ID_LENGTH = 200;
    /** Length of a W3C trace id, lowercase hex. */
    static final int TRACE_ID_LENGTH = 32;
    /** Length of a W3C span id, lowercase hex. */
    static final int SPAN_ID_LENGTH = 16;

    /** One broken rule: where and why. */
    public record Violation(String path, String message) {
        public Violation {
            requireNonNull(path, "path");
            requireNonNull(message, "message");
        }

        @Override
        public String toString() {
            return path + ": " + message;
        }
    }

    private EventRules() {
    }

    /** All violations of {@code event}; empty when it is acceptable. */
    public static List<Violation> violations(AuditEvent event) {
        return violations(event, true);
    }

    /**
     * All violations of an event decoded by this project's wire codecs ({@code SpecificRecordCodec}), empty when it
     * is acceptable: the rules of {@link #violations(AuditEvent)} without the walk for lone surrogates. That walk
     * cannot find one there: the codecs refuse a string that is not well-formed UTF-8 before decoding, and such UTF-8
     * decodes to well-formed UTF-16. Events built in Java (an SDK, the gateway's JSON) MUST use
     * {@link #violations(AuditEvent)}.
     */
    public static List<Violation> violationsOfDecoded(AuditEvent event) {
        return violations(event, false);
    }

    private static List<Violation> violations(AuditEvent event, boolean unicode) {
        requireNonNull(event, "event");
        List<Violation> out = new ArrayList<>();
        identifier(out, "tenant", event.getTenant());
        identifier(out, "agentId", event.getAgentId());
        identifier(out, "agentVersion", event.getAgentVersion());
        RecordedBy by = event.getRecordedBy();
        if (by == null) {
            out.add(new Violation("recordedBy", "is required"));
        } else {
            nonBlank(out, "recordedBy.host", by.getHost());
            nonBlank(out, "recordedBy.sdk", by.getSdk());
            nonBlank(out, "recordedBy.sdkVersion", by.getSdkVersion());
        }
        if (event.getTraceId() != null && !lowerHex(event.getTraceId(), TRACE_ID_LENGTH)) {
            out.add(new Violation("traceId", "must be 32 lowercase hex characters (W3C trace context)"));
        }
        if (event.getSpanId() != null && !lowerHex(event.getSpanId(), SPAN_ID_LENGTH)) {
            out.add(new Violation("spanId", "must be 16 lowercase hex characters (W3C trace context)"));
        }
        List<String> controls = event.getControls();
        for (int i = 0; controls != null && i < controls.size(); i++) {
            if (!controlId(controls.get(i))) {
                out.add(new Violation("controls[" + i + "]", "'" + controls.get(i)
                        + "' is not a control id like A.8.15 or 6.1.3"));
            }
        }
        if (event.getPayload() instanceof EvalResult eval && !Double.isFinite(eval.getValue())) {
            out.add(new Violation("payload.EvalResult.value", "must be a finite number, got " + eval.getValue()));
        }
        // The walk that names paths builds a string per field; most events hold no lone surrogate at all.
        if (unicode && holdsLoneSurrogate(event)) {
            wellFormedUnicode(out, "", event);
        }
        return out;
    }

    /** Whether any string or map key of {@code value} holds a lone surrogate: {@link #wellFormedUnicode} finds one. */
    private static boolean holdsLoneSurrogate(Object value) {
        if (value instanceof CharSequence text) {
            return loneSurrogate(text) >= 0;
        }
        if (value instanceof IndexedRecord record) {
            int fields = record.getSchema().getFields().size();
            for (int i = 0; i < fields; i++) {
                if (holdsLoneSurrogate(record.get(i))) {
                    return true;
                }
            }
        } else if (value instanceof List<?> list) {
            for (Object item : list) {
                if (holdsLoneSurrogate(item)) {
                    return true;
                }
            }
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (e.getKey() instanceof CharSequence key && loneSurrogate(key) >= 0
                        || holdsLoneSurrogate(e.getValue())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Every string (and map key) must be well-formed Unicode: a lone UTF-16 surrogate has no UTF-8 encoding, Avro
     * would write it as {@code ?}, and two different ids would become one chain key.
     */
    private static void wellFormedUnicode(List<Violation> out, String path, Object value) {
        if (value instanceof CharSequence text) {
            int at = loneSurrogate(text);
            if (at >= 0) {
                out.add(new Violation(path.isEmpty() ? "$" : path, String.format(Locale.ROOT,
                        "holds a lone UTF-16 surrogate \\u%04x at character %d: not Unicode text",
                        (int) text.charAt(at), at)));
            }
        } else if (value instanceof IndexedRecord record) {
            for (Schema.Field field : record.getSchema().getFields()) {
                Object child = record.get(field.pos());
                String childPath = path.isEmpty() ? field.name() : path + "." + field.name();
                if (child instanceof IndexedRecord nested && field.schema().getType() == Schema.Type.UNION) {
                    childPath = childPath + "." + nested.getSchema().getName();
                }
                wellFormedUnicode(out, childPath, child);
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                wellFormedUnicode(out, path + "[" + i + "]", list.get(i));
            }
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (e.getKey() instanceof CharSequence key && loneSurrogate(key) >= 0) {
                    out.add(new Violation(path, "has a key with a lone UTF-16 surrogate: not Unicode text"));
                }
                wellFormedUnicode(out, path + "." + e.getKey(), e.getValue());
            }
        }
    }

    /**
     * Whether {@code s} is exactly {@code length} characters of {@code [0-9a-f]} (read by hand rather than with a
     * regular expression: this runs for every event a producer sends; EventRulesFormatsTest holds the expression).
     */
    static boolean lowerHex(String s, int length) {
        if (s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code s} is a control id: {@code (A\.)?[0-9]{1,2}(\.[0-9]{1,2}){1,3}}, read by hand. */
    static boolean controlId(String s) {
        int i = s.startsWith("A.") ? 2 : 0;
        int groups = 0;
        while (true) {
            int digits = 0;
            while (i < s.length() && digits < 3 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
                digits++;
            }
            if (digits < 1 || digits > 2) {
                return false;
            }
            groups++;
            if (i == s.length()) {
                return groups >= 2 && groups <= 4;
            }
            if (s.charAt(i) != '.' || groups == 4) {
                return false;
            }
            i++;
        }
    }

    /** Index of the first unpaired surrogate of {@code s}, or -1. */
    public static int loneSurrogate(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    private static void identifier(List<Violation> out, String path, String value) {
        if (nonBlank(out, path, value)) {
            if (value.length() > MAX_ID_LENGTH) {
                out.add(new Violation(path, "longer than " + MAX_ID_LENGTH + " characters"));
            }
            for (int i = 0; i < value.length(); i++) {
                if (Character.isISOControl(value.charAt(i))) {
                    out.add(new Violation(path, "contains a control character at index " + i));
                    break;
                }
            }
        }
    }

    private static boolean nonBlank(List<Violation> out, String path, String value) {
        if (value == null || value.isBlank()) {
            out.add(new Violation(path, "is required and must not be blank"));
            return false;
        }
        return true;
    }
}
