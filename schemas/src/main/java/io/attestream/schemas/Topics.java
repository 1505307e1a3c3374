package io.attestream.schemas;

/**
 * Topic names of the pipeline, declared once. Keys are always {@code <tenant>/<agentId>} as UTF-8 (see
 * {@link #agentKey}), so all events of one agent land in one partition, in order.
 */
public final class Topics {
    /** Producers write AuditEvents here (Confluent wire format, subject {@code attestream.events-value}). */
    public static final String EVENTS = "attestream.events";
    /** The chainer writes each event with its seq and hashes here. */
    public static final String CHAINED = "attestream.events.chained";
    /** The chainer writes signed, timestamped checkpoints here. */
    public static final String CHECKPOINTS = "attestream.checkpoints";
    /**
     * Witness cosignatures on checkpoints, published by the witness submitter: value = UTF-8 signed note (the
     * checkpoint body and one cosignature line, docs/integrity.md §6.1), no schema registry.
     */
    public static final String CHECKPOINT_COSIGNATURES = "attestream.checkpoint-cosignatures";
    /** Records the chainer could not accept, with the reason in headers. */
    public static final String DEAD_LETTER = "attestream.events.dlq";
    /** The drift detector's alerts. */
    public static final String DRIFT_ALERTS = "attestream.drift-alerts";

    private Topics() {
    }

    /** The partitioning key of every topic: tenant and agent, joined by a slash. */
    public static String agentKey(String tenant, String agentId) {
        return tenant + "/" + agentId;
    }

    /** Subject under which the value schema of {@code topic} is registered (Confluent TopicNameStrategy). */
    public static String valueSubject(String topic) {
        return topic + "-value";
    }
}
