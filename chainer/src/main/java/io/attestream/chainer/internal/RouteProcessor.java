package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.chainer.ChainerException;
import io.attestream.chainer.DeadLetterReason;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.LogId;
import io.attestream.schemas.EventRules;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryException;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.DecodedEvent;
import io.attestream.schemas.wire.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * First stage: checks one input record (size, wire format, schema, Avro, event rules, occurredAt skew), refuses it
 * through {@link Refusals}, or routes it: to the re-key topic when its key is not {@code <tenant>/<agentId>} or it
 * sits in another partition than that key hashes to (or always, in re-key mode all), else straight to the chaining
 * processor of the same task, in memory.
 *
 * <p>The same class reads the re-key topic ({@code fromRekeyTopic}); there the source position is taken from the
 * {@code attestream.rekey.*} headers this processor wrote, which are trusted only on that topic.
 *
 * <p>Registry outages are retried here with backoff for up to {@code chainer.registry.max.block.ms}, then a
 * {@link ChainerException.RegistryUnavailableException} restarts the stream thread; such a record is never refused.
 */
public final class RouteProcessor implements Processor<byte[], byte[], Object, Object> {
    /** Prefix of the headers carrying the source position through the re-key topic. */
    static final String REKEY_HEADER_PREFIX = "attestream.rekey.";
    static final String REKEY_TOPIC_HEADER = REKEY_HEADER_PREFIX + "source.topic";
    static final String REKEY_PARTITION_HEADER = REKEY_HEADER_PREFIX + "source.partition";
    static final String REKEY_OFFSET_HEADER = REKEY_HEADER_PREFIX + "source.offset";
    static final String REKEY_KEY_HEADER = REKEY_HEADER_PREFIX + "original.key";

    private final Settings settings;
    private final AuditEventCodec codec;
    private final Refusals refusals;
    private final ChainerMetrics metrics;
    private final boolean fromRekeyTopic;
    private ProcessorContext<Object, Object> context;

    /**
     * What the routing processor needs to know.
     *
     * @param maxRecordBytes    chainer.max.record.bytes
     * @param maxFutureSkewMs   chainer.max.future.skew.ms
     * @param registryMaxBlockMs chainer.registry.max.block.ms
     * @param rekeyAll          chainer.rekey.mode = all
     * @param inputPartitions   partition count of the input (and re-key) topic
     * @param rekeySink         name of the re-key sink node
     * @param chainProcessor    name of the chaining processor node
     */
    public record Settings(int maxRecordBytes, long maxFutureSkewMs, long registryMaxBlockMs, boolean rekeyAll,
                           int inputPartitions, String rekeySink, String chainProcessor) {
        /** Validates. */
        public Settings {
            requireNonNull(rekeySink, "rekeySink");
            requireNonNull(chainProcessor, "chainProcessor");
            if (inputPartitions < 1) {
                throw new IllegalArgumentException("inputPartitions must be >= 1, got " + inputPartitions);
            }
        }
    }

    /**
     * @param settings       limits and node names
     * @param codec          the AuditEvent decoder
     * @param refusals       the error-reporting path
     * @param metrics        meters
     * @param fromRekeyTopic true for the instance reading the re-key topic
     */
    public RouteProcessor(Settings settings, AuditEventCodec codec, Refusals refusals, ChainerMetrics metrics,
                          boolean fromRekeyTopic) {
        this.settings = requireNonNull(settings, "settings");
        this.codec = requireNonNull(codec, "codec");
        this.refusals = requireNonNull(refusals, "refusals");
        this.metrics = requireNonNull(metrics, "metrics");
        this.fromRekeyTopic = fromRekeyTopic;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        SourcePosition source = source(record.headers());
        byte[] key = originalKey(record);
        byte[] value = record.value();
        if (value == null || value.length == 0) {
            refuse(DeadLetterReason.TRUNCATED_RECORD, "null or empty record value", null, record, key, source);
            return;
        }
        if (value.length > settings.maxRecordBytes()) {
            refuse(DeadLetterReason.RECORD_TOO_LARGE, value.length + " bytes exceed chainer.max.record.bytes="
                    + settings.maxRecordBytes(), null, record, key, source);
            return;
        }
        long t0 = System.nanoTime();
        DecodedEvent decoded;
        try {
            decoded = decode(value, source);
        } catch (WireFormatException e) {
            refuse(DeadLetterReason.fromId(e.reason()), e.getMessage(), e, record, key, source);
            return;
        }
        metrics.decodeNanos(System.nanoTime() - t0);
        AuditEvent event = decoded.event();
        // Decoded by the wire codec, which refused non-UTF-8 strings: no lone surrogate to look for.
        List<EventRules.Violation> violations = EventRules.violationsOfDecoded(event);
        if (!violations.isEmpty()) {
            boolean identity = violations.stream().anyMatch(v -> v.path().equals("tenant") || v.path().equals("agentId"));
            refuse(identity ? DeadLetterReason.MISSING_IDENTITY : DeadLetterReason.RULE_VIOLATION,
                    violations.stream().map(EventRules.Violation::toString).collect(Collectors.joining("; ")), null,
                    record, key, source);
            return;
        }
        try {
            LogId.check(event.getTenant(), event.getAgentId());
        } catch (IllegalArgumentException e) {
            refuse(DeadLetterReason.MISSING_IDENTITY, e.getMessage(), e, record, key, source);
            return;
        }
        long now = context.currentSystemTimeMs();
        Instant occurred = event.getOccurredAt();
        if (occurred.toEpochMilli() > now + settings.maxFutureSkewMs()) {
            refuse(DeadLetterReason.OCCURRED_AT_IN_FUTURE, "occurredAt " + occurred + " is more than "
                    + settings.maxFutureSkewMs() + " ms ahead of the chainer clock " + Instant.ofEpochMilli(now), null,
                    record, key, source);
            return;
        }
        String agentKey = Topics.agentKey(event.getTenant(), event.getAgentId());
        byte[] agentKeyBytes = agentKey.getBytes(StandardCharsets.UTF_8);
        if (!fromRekeyTopic && (settings.rekeyAll() || !inPlace(record.key(), agentKeyBytes, source.partition()))) {
            Headers headers = new RecordHeaders();
            for (Header h : record.headers()) {
                if (!h.key().startsWith(REKEY_HEADER_PREFIX)) {
                    headers.add(h);
                }
            }
            headers.add(REKEY_TOPIC_HEADER, Refusals.utf8(source.topic()));
            headers.add(REKEY_PARTITION_HEADER, Refusals.utf8(Integer.toString(source.partition())));
            headers.add(REKEY_OFFSET_HEADER, Refusals.utf8(Long.toString(source.offset())));
            if (key != null) {
                headers.add(REKEY_KEY_HEADER, key);
            }
            metrics.rekeyed();
            context.forward(new Record<Object, Object>(agentKey, value, record.timestamp(), headers),
                    settings.rekeySink());
            return;
        }
        context.forward(new Record<Object, Object>(agentKey, new Accepted(decoded, value, key, source),
                record.timestamp(), record.headers()), settings.chainProcessor());
    }

    /** True when the record already sits where its agent key hashes to, under its agent key. */
    private boolean inPlace(byte[] key, byte[] agentKey, int partition) {
        return key != null && Arrays.equals(key, agentKey)
                && Utils.toPositive(Utils.murmur2(agentKey)) % settings.inputPartitions() == partition;
    }

    private DecodedEvent decode(byte[] value, SourcePosition source) {
        long start = System.currentTimeMillis();
        long backoff = 50;
        while (true) {
            try {
                return codec.decode(value);
            } catch (SchemaRegistryException.RegistryUnavailableException e) {
                metrics.registryRetry();
                long waited = System.currentTimeMillis() - start;
                if (waited + backoff > settings.registryMaxBlockMs()) {
                    throw new ChainerException.RegistryUnavailableException("schema registry unavailable for " + waited
                            + " ms while decoding " + source + " (chainer.registry.max.block.ms="
                            + settings.registryMaxBlockMs() + "); the record will be retried: " + e.getMessage(), e);
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ChainerException.RegistryUnavailableException("interrupted while waiting for the "
                            + "registry, decoding " + source, e);
                }
                backoff = Math.min(backoff * 2, 1000);
            }
        }
    }

    private void refuse(DeadLetterReason reason, String detail, Throwable cause, Record<byte[], byte[]> record,
                        byte[] key, SourcePosition source) {
        refusals.refuse(context, reason, detail, cause, key, record.value(), record.headers(), source,
                record.timestamp());
    }

    private byte[] originalKey(Record<byte[], byte[]> record) {
        if (fromRekeyTopic) {
            Header h = record.headers().lastHeader(REKEY_KEY_HEADER);
            return h == null ? null : h.value();
        }
        return record.key();
    }

    private SourcePosition source(Headers headers) {
        RecordMetadata meta = context.recordMetadata().orElseThrow(
                () -> new IllegalStateException("routing processor called outside of record processing"));
        if (!fromRekeyTopic) {
            return new SourcePosition(meta.topic(), meta.partition(), meta.offset());
        }
        Header topic = headers.lastHeader(REKEY_TOPIC_HEADER);
        Header partition = headers.lastHeader(REKEY_PARTITION_HEADER);
        Header offset = headers.lastHeader(REKEY_OFFSET_HEADER);
        if (topic == null || partition == null || offset == null) {
            throw new ChainerException("record " + meta.topic() + "-" + meta.partition() + "@" + meta.offset()
                    + " on the re-key topic lacks the attestream.rekey.source.* headers: only the chainer may write to "
                    + "that topic", null);
        }
        return new SourcePosition(new String(topic.value(), StandardCharsets.UTF_8),
                Integer.parseInt(new String(partition.value(), StandardCharsets.UTF_8)),
                Long.parseLong(new String(offset.value(), StandardCharsets.UTF_8)));
    }
}
