package io.attestream.ingest;

/**
 * Back-pressure: the client's bounded buffer of unacknowledged events (or the gateway's in-flight limit) is full.
 * Nothing was queued and nothing was written.
 *
 * <p>Caller behaviour: the event MUST NOT be dropped silently. Either wait at least {@link #retryAfterMillis()} and
 * retry the same event (same eventId, so a retry is never a duplicate), or fail the agent step that produced it.
 * The HTTP gateway answers this condition with 429 and a {@code Retry-After} header.
 */
public final class BufferFullException extends IngestException {
    private static final long serialVersionUID = 1L;
    private final int capacity;
    private final long retryAfterMillis;

    public BufferFullException(int capacity, long retryAfterMillis, String configKey) {
        super("buffer full: " + capacity + " events not yet acknowledged by Kafka (" + configKey
                + "); retry the same event after " + retryAfterMillis + " ms");
        this.capacity = capacity;
        this.retryAfterMillis = retryAfterMillis;
    }

    /** The configured bound that was reached. */
    public int capacity() {
        return capacity;
    }

    /** Suggested wait before a retry. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }
}
