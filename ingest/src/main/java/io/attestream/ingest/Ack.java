package io.attestream.ingest;

import static java.util.Objects.requireNonNull;

import java.util.UUID;

/**
 * Kafka's acknowledgement of one event: it is stored (acks=all) at {@code topic}/{@code partition}/{@code offset}.
 *
 * @param eventId the event's idempotency key
 * @param topic the topic written to
 * @param partition the partition (all events of one agent share it)
 * @param offset the offset within the partition
 */
public record Ack(UUID eventId, String topic, int partition, long offset) {
    public Ack {
        requireNonNull(eventId, "eventId");
        requireNonNull(topic, "topic");
    }
}
