package io.attestream.chainer;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * Why the chainer refused a record: one category of bad data each. Every category has its own failure-mode key
 * {@code chainer.on.<reason>} ({@link ChainerConfig#onReasonKey(DeadLetterReason)}), default
 * {@link FailureMode#DEAD_LETTER}. A registry outage is deliberately not a reason: it is retried, never
 * dead-lettered.
 */
public enum DeadLetterReason {
    /** First byte is not the Confluent magic byte 0. */
    INVALID_MAGIC_BYTE("invalid-magic-byte"),
    /** Null, empty or shorter than the 5-byte wire-format header. */
    TRUNCATED_RECORD("truncated-record"),
    /** The schema id in the header is unknown to the registry. */
    UNKNOWN_SCHEMA_ID("unknown-schema-id"),
    /** The writer schema cannot be read as an AuditEvent. */
    UNRESOLVABLE_SCHEMA("unresolvable-schema"),
    /** The Avro body does not decode under its writer schema. */
    CORRUPT_AVRO("corrupt-avro"),
    /** Tenant or agentId is missing or blank: the event belongs to no chain. */
    MISSING_IDENTITY("missing-identity"),
    /** Another {@code EventRules} violation (bad trace id, control id, non-finite value, ...). */
    RULE_VIOLATION("rule-violation"),
    /** The record value is larger than {@code chainer.max.record.bytes}. */
    RECORD_TOO_LARGE("record-too-large"),
    /** occurredAt is further in the future than {@code chainer.max.future.skew.ms}. */
    OCCURRED_AT_IN_FUTURE("occurred-at-in-future"),
    /** The eventId was already chained for this agent within the deduplication window. */
    DUPLICATE_EVENT_ID("duplicate-event-id");

    private final String id;

    DeadLetterReason(String id) {
        this.id = id;
    }

    /** The stable name: header value, metric tag and config key suffix. */
    public String id() {
        return id;
    }

    /**
     * The reason named {@code id}.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static DeadLetterReason fromId(String id) {
        requireNonNull(id, "id");
        for (DeadLetterReason r : values()) {
            if (r.id.equals(id)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown dead-letter reason '" + id + "'");
    }

    /** What the chainer does with a record of one category. */
    public enum FailureMode {
        /** Write the original record with reason headers to the dead-letter topic and carry on. */
        DEAD_LETTER,
        /** Log it with topic/partition/offset, count it, and carry on without writing it anywhere. */
        SKIP,
        /** Stop the chainer: the transaction aborts, nothing after the record is chained. */
        FAIL;

        /** The config value, e.g. {@code dead-letter}. */
        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Parses a config value. */
        public static FailureMode fromId(String id) {
            requireNonNull(id, "id");
            return valueOf(id.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }
}
