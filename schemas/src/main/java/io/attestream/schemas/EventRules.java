package io.attestream.schemas;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
import io.attestream.events.RecordedBy;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Rules an AuditEvent must satisfy beyond its Avro schema, checked by producers (SDK, gateway) and again by the
 * chainer. Each violation names the field path so a 400 answer or a dead-letter reason can point at it.
 */
public final class EventRules {
    /** Longest tenant, agentId or agentVersion accepted, in characters. */
    public static final int MAX_ID_LENGTH = 200;
    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern SPAN_ID = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern CONTROL = Pattern.compile("(A\\.)?[0-9]{1,2}(\\.[0-9]{1,2}){1,3}");

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
        if (event.getTraceId() != null && !TRACE_ID.matcher(event.getTraceId()).matches()) {
            out.add(new Violation("traceId", "must be 32 lowercase hex characters (W3C trace context)"));
        }
        if (event.getSpanId() != null && !SPAN_ID.matcher(event.getSpanId()).matches()) {
            out.add(new Violation("spanId", "must be 16 lowercase hex characters (W3C trace context)"));
        }
        List<String> controls = event.getControls();
        for (int i = 0; controls != null && i < controls.size(); i++) {
            if (!CONTROL.matcher(controls.get(i)).matches()) {
                out.add(new Violation("controls[" + i + "]", "'" + controls.get(i)
                        + "' is not a control id like A.8.15 or 6.1.3"));
            }
        }
        if (event.getPayload() instanceof EvalResult eval && !Double.isFinite(eval.getValue())) {
            out.add(new Violation("payload.EvalResult.value", "must be a finite number, got " + eval.getValue()));
        }
        return out;
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
