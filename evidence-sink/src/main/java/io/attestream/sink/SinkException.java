package io.attestream.sink;

/**
 * Root exception of the evidence sink. When it concerns one Kafka record it names its topic, partition and offset;
 * otherwise those are null / -1.
 */
public class SinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final int partition;
    private final long offset;

    public SinkException(String message, String topic, int partition, long offset, Throwable cause) {
        super(message + (topic == null ? "" : " (topic " + topic + ", partition " + partition + ", offset "
                + offset + ")"), cause);
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    public SinkException(String message, Throwable cause) {
        this(message, null, -1, -1, cause);
    }

    /** Topic of the record concerned, or null. */
    public String topic() {
        return topic;
    }

    /** Partition of the record concerned, or -1. */
    public int partition() {
        return partition;
    }

    /** Offset of the record concerned, or -1. */
    public long offset() {
        return offset;
    }

    /**
     * Back-pressure: ClickHouse did not take a write or answer a read. Callers inside the sink back off and retry
     * (nothing is dropped or reordered, Kafka consumption pauses); it escapes the sink only after
     * {@code retry.timeout.ms}, and then nothing past the last landed batch is acknowledged.
     */
    public static final class ClickHouseUnavailableException extends SinkException {
        private static final long serialVersionUID = 1L;

        public ClickHouseUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
