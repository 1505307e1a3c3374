package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.chainer.ChainerException.RefusedRecordException;
import io.attestream.chainer.DeadLetterHeaders;
import io.attestream.chainer.DeadLetterReason;
import io.attestream.chainer.DeadLetterReason.FailureMode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one error-reporting path of the chainer: every refused record goes through {@link #refuse}, which applies the
 * configured failure mode of its reason: dead-letter (original key, value and headers plus the
 * {@link DeadLetterHeaders}), skip (log and count), or fail (throw, aborting the transaction). Every refused record
 * is logged with its source topic, partition and offset.
 */
public final class Refusals {
    private static final Logger LOG = LoggerFactory.getLogger(Refusals.class);

    private final Map<DeadLetterReason, FailureMode> modes;
    private final ChainerMetrics metrics;
    private final String deadLetterSink;

    /**
     * @param modes          failure mode per reason (every reason present)
     * @param metrics        where refusals are counted
     * @param deadLetterSink name of the dead-letter sink node
     */
    public Refusals(Map<DeadLetterReason, FailureMode> modes, ChainerMetrics metrics, String deadLetterSink) {
        this.modes = Map.copyOf(requireNonNull(modes, "modes"));
        this.metrics = requireNonNull(metrics, "metrics");
        this.deadLetterSink = requireNonNull(deadLetterSink, "deadLetterSink");
        for (DeadLetterReason r : DeadLetterReason.values()) {
            requireNonNull(this.modes.get(r), "mode of " + r.id());
        }
    }

    /**
     * Applies the failure mode of {@code reason} to one record.
     *
     * @throws RefusedRecordException when the mode is fail
     */
    void refuse(ProcessorContext<Object, Object> context, DeadLetterReason reason, String detail, Throwable cause,
                byte[] key, byte[] value, Headers original, SourcePosition source, long timestamp) {
        FailureMode mode = modes.get(reason);
        String where = source + (key == null ? "" : " key '" + new String(key, StandardCharsets.UTF_8) + "'");
        if (mode == FailureMode.FAIL) {
            throw new RefusedRecordException(reason, "record " + where + " refused as " + reason.id() + " (failure mode "
                    + "fail): " + detail, cause);
        }
        metrics.refused(reason, mode);
        if (mode == FailureMode.SKIP) {
            LOG.warn("skipped record {} as {}: {}", where, reason.id(), detail);
            return;
        }
        LOG.warn("dead-lettered record {} as {}: {}", where, reason.id(), detail);
        Headers headers = new RecordHeaders();
        for (Header h : original) {
            if (!h.key().startsWith(RouteProcessor.REKEY_HEADER_PREFIX)) {
                headers.add(h);
            }
        }
        headers.add(DeadLetterHeaders.REASON, utf8(reason.id()));
        headers.add(DeadLetterHeaders.DETAIL, utf8(detail));
        headers.add(DeadLetterHeaders.EXCEPTION_CLASS, utf8(cause == null ? "" : cause.getClass().getName()));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, utf8(source.topic()));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, utf8(Integer.toString(source.partition())));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, utf8(Long.toString(source.offset())));
        headers.add(DeadLetterHeaders.TIME, utf8(Long.toString(context.currentSystemTimeMs())));
        context.forward(new Record<Object, Object>(key, value, timestamp, headers), deadLetterSink);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
