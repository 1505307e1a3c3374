package io.attestream.chainer;

/**
 * Headers the chainer adds to a dead-lettered record (values UTF-8). The record keeps its original key, value and
 * headers; these come after them.
 */
public final class DeadLetterHeaders {
    /** {@link DeadLetterReason#id()}. */
    public static final String REASON = "attestream.dlq.reason";
    /** Human-readable detail: the decoder's message, the violated rules, the seq of the earlier copy. */
    public static final String DETAIL = "attestream.dlq.detail";
    /** Class name of the exception that refused the record; empty for rule checks that throw none. */
    public static final String EXCEPTION_CLASS = "attestream.dlq.exception.class";
    /** Topic the record was first read from. */
    public static final String SOURCE_TOPIC = "attestream.dlq.source.topic";
    /** Its partition, decimal. */
    public static final String SOURCE_PARTITION = "attestream.dlq.source.partition";
    /** Its offset, decimal. */
    public static final String SOURCE_OFFSET = "attestream.dlq.source.offset";
    /** When the chainer refused it, epoch milliseconds, decimal. */
    public static final String TIME = "attestream.dlq.time";

    private DeadLetterHeaders() {
    }
}
