package io.attestream.ingest;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AgentAction;
import io.attestream.events.ApprovalDecision;
import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
import io.attestream.events.HumanOverride;
import io.attestream.events.IncidentRecord;
import io.attestream.events.PolicyChange;
import io.attestream.events.RecordedBy;
import io.attestream.events.RiskDecision;
import io.attestream.schemas.EventRules;
import io.attestream.schemas.EventRules.Violation;
import io.attestream.schemas.EventType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.specific.SpecificRecord;

/**
 * Builds one {@link AuditEvent} for an agent, filling the defaults: a random {@code eventId}, {@code occurredAt} =
 * now (microseconds), {@code recordedBy} = this host and SDK, {@code controls} = the payload type's default
 * controls. Payloads are built with the generated Avro builders ({@code AgentAction.newBuilder()...}); there is one
 * typed setter per payload type, and {@link #payload} for types added after this SDK. Not thread-safe.
 */
public final class EventBuilder {
    private final AuditClient client;
    private final AuditEvent.Builder event = AuditEvent.newBuilder();
    private final RecordedBy recordedBy;
    private Object payload;
    private List<String> controls;
    private String subject;

    EventBuilder(AuditClient client, RecordedBy recordedBy, String tenant, String agentId, String agentVersion) {
        this.client = client;
        this.recordedBy = recordedBy;
        event.setTenant(requireNonNull(tenant, "tenant")).setAgentId(requireNonNull(agentId, "agentId"))
                .setAgentVersion(requireNonNull(agentVersion, "agentVersion"));
    }

    /** The idempotency key; set it when retrying an event built before, so the retry is not a duplicate. */
    public EventBuilder eventId(UUID eventId) {
        event.setEventId(requireNonNull(eventId, "eventId"));
        return this;
    }

    public EventBuilder occurredAt(Instant occurredAt) {
        event.setOccurredAt(requireNonNull(occurredAt, "occurredAt").truncatedTo(ChronoUnit.MICROS));
        return this;
    }

    /** W3C trace context: 32 lowercase hex characters. */
    public EventBuilder traceId(String traceId) {
        event.setTraceId(traceId);
        return this;
    }

    /** W3C span id: 16 lowercase hex characters. */
    public EventBuilder spanId(String spanId) {
        event.setSpanId(spanId);
        return this;
    }

    public EventBuilder sessionId(String sessionId) {
        event.setSessionId(sessionId);
        return this;
    }

    /**
     * The data subject the event's personal content is about (e.g. the end user's id): the fields marked personal
     * ({@value AuditClientConfig#SEAL_FIELDS_CONFIG}) are sealed under this subject's key before the event is sent,
     * and {@code attestream erase --subject} later makes them unreadable. Required when such a field is set; the id
     * itself never leaves the process (only its keyed digest).
     */
    public EventBuilder subject(String subjectId) {
        this.subject = requireNonNull(subjectId, "subjectId");
        return this;
    }

    /** ISO/IEC 27001 control ids; without this call the payload type's defaults. */
    public EventBuilder controls(List<String> controls) {
        this.controls = List.copyOf(controls);
        return this;
    }

    public EventBuilder agentAction(AgentAction payload) {
        return payload(payload);
    }

    public EventBuilder evalResult(EvalResult payload) {
        return payload(payload);
    }

    public EventBuilder humanOverride(HumanOverride payload) {
        return payload(payload);
    }

    public EventBuilder approvalDecision(ApprovalDecision payload) {
        return payload(payload);
    }

    public EventBuilder policyChange(PolicyChange payload) {
        return payload(payload);
    }

    public EventBuilder incidentRecord(IncidentRecord payload) {
        return payload(payload);
    }

    public EventBuilder riskDecision(RiskDecision payload) {
        return payload(payload);
    }

    /** Any payload type of the schema (see {@link EventType}). */
    public EventBuilder payload(SpecificRecord payload) {
        EventType.of(requireNonNull(payload, "payload"));
        this.payload = payload;
        return this;
    }

    /**
     * The event, defaults filled.
     *
     * @throws InvalidEventException when a payload is missing or {@link EventRules} are broken
     */
    public AuditEvent build() {
        if (payload == null) {
            throw new InvalidEventException(List.of(new Violation("payload", "is required")));
        }
        if (!event.hasEventId()) {
            event.setEventId(UUID.randomUUID());
        }
        if (!event.hasOccurredAt()) {
            event.setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MICROS));
        }
        event.setRecordedBy(recordedBy);
        event.setControls(controls != null ? controls : EventType.of(payload).defaultControls());
        event.setPayload(payload);
        AuditEvent built = event.build();
        List<Violation> violations = EventRules.violations(built);
        if (!violations.isEmpty()) {
            throw new InvalidEventException(violations);
        }
        return built;
    }

    /** {@link #build()} then {@link AuditClient#send(AuditEvent, String)} with the {@link #subject}. */
    public CompletableFuture<Ack> send() {
        return client.send(build(), subject);
    }
}
