package io.attestream.schemas;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AgentAction;
import io.attestream.events.ApprovalDecision;
import io.attestream.events.AuditEvent;
import io.attestream.events.BaselinePinned;
import io.attestream.events.DriftAlert;
import io.attestream.events.DriftRecovered;
import io.attestream.events.ErasureRecord;
import io.attestream.events.EvalResult;
import io.attestream.events.HumanOverride;
import io.attestream.events.IncidentRecord;
import io.attestream.events.LegalHold;
import io.attestream.events.PolicyChange;
import io.attestream.events.RiskDecision;
import java.util.List;

/**
 * The payload types of {@link AuditEvent}, each with the ISO/IEC 27001:2022 controls it evidences by default.
 * Annex A controls are written {@code A.x.y}; clauses of the standard's body plain ({@code 6.1.3}).
 * docs/events.md explains each mapping.
 */
public enum EventType {
    AGENT_ACTION(AgentAction.class, List.of("A.8.15", "A.8.16")),
    EVAL_RESULT(EvalResult.class, List.of("A.8.29", "A.8.16")),
    HUMAN_OVERRIDE(HumanOverride.class, List.of("A.8.15", "A.8.16", "A.5.26")),
    APPROVAL_DECISION(ApprovalDecision.class, List.of("A.5.3", "A.8.15", "A.8.32")),
    POLICY_CHANGE(PolicyChange.class, List.of("A.8.32", "A.8.9", "A.5.37")),
    INCIDENT_RECORD(IncidentRecord.class, List.of("A.5.24", "A.5.25", "A.5.26", "A.5.27", "A.5.28")),
    RISK_DECISION(RiskDecision.class, List.of("6.1.3", "8.3")),
    DRIFT_ALERT(DriftAlert.class, List.of("A.8.16", "A.8.29")),
    DRIFT_RECOVERED(DriftRecovered.class, List.of("A.8.16", "A.8.29")),
    BASELINE_PINNED(BaselinePinned.class, List.of("A.8.29", "A.8.32")),
    ERASURE_RECORD(ErasureRecord.class, List.of("A.5.34", "A.8.10", "A.8.15")),
    LEGAL_HOLD(LegalHold.class, List.of("A.5.33", "A.5.28", "A.5.31"));

    private final Class<?> payloadClass;
    private final List<String> defaultControls;

    EventType(Class<?> payloadClass, List<String> defaultControls) {
        this.payloadClass = payloadClass;
        this.defaultControls = defaultControls;
    }

    public Class<?> payloadClass() {
        return payloadClass;
    }

    /** Controls an event of this type evidences when the producer named none. */
    public List<String> defaultControls() {
        return defaultControls;
    }

    /** The Avro record name of the payload, e.g. {@code EvalResult}. */
    public String avroName() {
        return payloadClass.getSimpleName();
    }

    /** The type of a payload object taken from {@link AuditEvent#getPayload()}. */
    public static EventType of(Object payload) {
        requireNonNull(payload, "payload");
        for (EventType type : values()) {
            if (type.payloadClass.isInstance(payload)) {
                return type;
            }
        }
        throw new IllegalArgumentException("not an AuditEvent payload: " + payload.getClass().getName());
    }

    /** The type of {@code event}'s payload. */
    public static EventType of(AuditEvent event) {
        return of(requireNonNull(event, "event").getPayload());
    }

    /** The controls {@code event} evidences: its own tags, or its type's defaults when it has none. */
    public static List<String> effectiveControls(AuditEvent event) {
        List<String> own = event.getControls();
        return own == null || own.isEmpty() ? of(event).defaultControls : List.copyOf(own);
    }
}
