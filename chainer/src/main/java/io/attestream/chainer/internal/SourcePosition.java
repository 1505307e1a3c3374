package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

/**
 * Where a record was first read: the input topic, partition and offset (kept across the re-key topic in headers).
 *
 * @param topic     the topic
 * @param partition the partition
 * @param offset    the offset
 */
public record SourcePosition(String topic, int partition, long offset) {
    /** Validates. */
    public SourcePosition {
        requireNonNull(topic, "topic");
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
