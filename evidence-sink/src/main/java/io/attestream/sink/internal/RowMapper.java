package io.attestream.sink.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.chain.BatchTimestamp;
import io.attestream.chain.ChainedEvent;
import io.attestream.chain.CheckpointRecord;
import io.attestream.events.ApprovalDecision;
import io.attestream.events.AuditEvent;
import io.attestream.events.EvalResult;
import io.attestream.events.HumanOverride;
import io.attestream.events.IncidentRecord;
import io.attestream.events.LegalHold;
import io.attestream.events.PolicyChange;
import io.attestream.events.RiskDecision;
import io.attestream.events.Sha256;
import io.attestream.integrity.Cosignature;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.LogId;
import io.attestream.integrity.MalformedDataException;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.ConfluentWireFormat;
import io.attestream.schemas.wire.SpecificRecordCodec;
import io.attestream.schemas.wire.WireFormatException;
import io.attestream.sink.SinkException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one Kafka record of a landed topic into the rows it contributes: a chained event gives its evidence row and,
 * for the payload types with a typed table, one typed row. Stateless apart from the codecs' schema caches.
 *
 * <p>Contract: returns every row or throws {@link SinkException} naming topic, partition and offset; a chained event
 * whose original bytes do not decode is, with {@code errors.tolerance=all}, landed without its typed row (counted in
 * {@link #skippedTypedRows()}).
 */
public final class RowMapper {
    private static final Logger LOG = LoggerFactory.getLogger(RowMapper.class);

    /** One row for one table; values in {@link Table#columns()} order. */
    public record TableRow(Table table, Object[] values) {
        public TableRow {
            requireNonNull(table, "table");
            requireNonNull(values, "values");
            if (values.length != table.columns().size()) {
                throw new IllegalArgumentException(table + " has " + table.columns().size() + " columns, row has "
                        + values.length);
            }
        }
    }

    private final SchemaRegistryClient registry;
    private final SpecificRecordCodec<ChainedEvent> chainedCodec;
    private final SpecificRecordCodec<CheckpointRecord> checkpointCodec;
    private final AuditEventCodec eventCodec;
    private final boolean tolerateUndecodable;
    private long skippedTypedRows;

    public RowMapper(SchemaRegistryClient registry, boolean tolerateUndecodable) {
        this.registry = requireNonNull(registry, "registry");
        this.chainedCodec = new SpecificRecordCodec<>(registry, ChainedEvent.class, ChainedEvent.getClassSchema());
        this.checkpointCodec = new SpecificRecordCodec<>(registry, CheckpointRecord.class,
                CheckpointRecord.getClassSchema());
        this.eventCodec = new AuditEventCodec(registry);
        this.tolerateUndecodable = tolerateUndecodable;
    }

    /** Chained events landed without a typed row because their bytes did not decode (tolerance all). */
    public long skippedTypedRows() {
        return skippedTypedRows;
    }

    /**
     * The rows of {@code record}.
     *
     * @param schemaIds receives every registry schema id the rows depend on (to land in registry_schemas)
     * @param landedAt  the landing time written to every row
     */
    public List<TableRow> map(ConsumerRecord<byte[], byte[]> record, IntConsumer schemaIds, Instant landedAt) {
        requireNonNull(record, "record");
        try {
            switch (record.topic()) {
                case Topics.CHAINED:
                    return chained(record, schemaIds, landedAt);
                case Topics.CHECKPOINTS:
                    return List.of(checkpoint(record, schemaIds, landedAt));
                case Topics.DEAD_LETTER:
                    return List.of(deadLetter(record, landedAt));
                case Topics.DRIFT_ALERTS:
                    return List.of(driftAlert(record, schemaIds, landedAt));
                case Topics.CHECKPOINT_COSIGNATURES:
                    return List.of(attestation(record, landedAt));
                default:
                    throw new SinkException("no table for topic " + record.topic(), record.topic(),
                            record.partition(), record.offset(), null);
            }
        } catch (WireFormatException e) {
            throw new SinkException("record does not decode: " + e.getMessage(), record.topic(), record.partition(),
                    record.offset(), e);
        }
    }

    private List<TableRow> chained(ConsumerRecord<byte[], byte[]> record, IntConsumer schemaIds, Instant landedAt) {
        byte[] value = requireValue(record);
        schemaIds.accept(ConfluentWireFormat.schemaId(value));
        ChainedEvent ce = chainedCodec.decode(value).value();
        schemaIds.accept(ce.getSchemaId());
        byte[] eventBytes = bytes(ce.getEventBytes());
        AuditEvent event = null;
        try {
            event = eventCodec.decode(eventBytes).event();
        } catch (WireFormatException e) {
            if (!tolerateUndecodable) {
                throw new SinkException("the original event bytes of " + ce.getTenant() + "/" + ce.getAgentId()
                        + " seq " + ce.getSeq() + " do not decode (errors.tolerance=none): " + e.getMessage(),
                        record.topic(), record.partition(), record.offset(), e);
            }
            skippedTypedRows++;
            LOG.warn("landing {}/{} seq {} without typed columns: event bytes do not decode ({}); topic {} partition"
                    + " {} offset {}", ce.getTenant(), ce.getAgentId(), ce.getSeq(), e.getMessage(), record.topic(),
                    record.partition(), record.offset());
        }
        List<String> controls = event == null ? List.of() : EventType.effectiveControls(event);
        List<TableRow> rows = new ArrayList<>(2);
        rows.add(new TableRow(Table.CHAINED_EVENTS, new Object[] {
            ce.getTenant(), ce.getAgentId(), ce.getSeq(), sha(ce.getPrevHash()), sha(ce.getHash()),
            (long) ce.getSchemaId(), sha(ce.getSchemaFingerprint()), ce.getEventId(), ce.getEventType(),
            ce.getAgentVersion(), ce.getOccurredAt(), ce.getChainedAt(), controls,
            event == null ? null : event.getTraceId(), event == null ? null : event.getSessionId(),
            event == null ? "" : event.getRecordedBy().getHost(), eventBytes, ce.getSourceTopic(),
            ce.getSourcePartition(), ce.getSourceOffset(), record.partition(), record.offset(), landedAt,
            entryVersion(ce, record)}));
        if (event != null) {
            TableRow typed = typed(ce, event.getPayload(), record);
            if (typed != null) {
                rows.add(typed);
            }
        }
        return rows;
    }

    /** ChainedEvent.entryVersion for the UInt8 column; the verifier judges the value, the sink only lands it. */
    private static short entryVersion(ChainedEvent ce, ConsumerRecord<?, ?> record) {
        int v = ce.getEntryVersion();
        if (v < 0 || v > 255) {
            throw new SinkException("entryVersion " + v + " of " + ce.getTenant() + "/" + ce.getAgentId() + " seq "
                    + ce.getSeq() + " does not fit chained_events.entry_version (UInt8)", record.topic(),
                    record.partition(), record.offset(), null);
        }
        return (short) v;
    }

    private static TableRow typed(ChainedEvent ce, Object payload, ConsumerRecord<?, ?> record) {
        Table table;
        Object[] specific;
        if (payload instanceof EvalResult p) {
            table = Table.EVALS;
            specific = new Object[] {p.getSuite(), p.getEvalName(), p.getMetric(), p.getValue(), p.getLabel(),
                p.getDatasetVersion(), p.getEvaluatorKind().name(), p.getEvaluator()};
        } else if (payload instanceof HumanOverride p) {
            table = Table.OVERRIDES;
            specific = new Object[] {p.getOperator(), p.getAction().name(), p.getReason(), p.getTargetEventId(),
                p.getTicket()};
        } else if (payload instanceof ApprovalDecision p) {
            table = Table.APPROVALS;
            specific = new Object[] {p.getRequestId(), p.getRequestedAction(), p.getApprover(),
                p.getDecision().name(), p.getRiskTier().name(), p.getReason(), shaOrNull(p.getShownDigest())};
        } else if (payload instanceof PolicyChange p) {
            table = Table.POLICY_CHANGES;
            specific = new Object[] {p.getKind().name(), p.getObjectId(), p.getFromVersion(), p.getToVersion(),
                shaOrNull(p.getDiffDigest()), p.getAuthor(), p.getApprover(), p.getChangeTicket(),
                p.getEffectiveAt() != null ? p.getEffectiveAt() : ce.getOccurredAt()};
        } else if (payload instanceof IncidentRecord p) {
            table = Table.INCIDENTS;
            specific = new Object[] {p.getIncidentId(), p.getSeverity().name(),
                p.getStatusFrom() == null ? null : p.getStatusFrom().name(), p.getStatusTo().name(), p.getSummary(),
                List.copyOf(p.getRelatedEventIds())};
        } else if (payload instanceof RiskDecision p) {
            table = Table.RISK_DECISIONS;
            specific = new Object[] {p.getRiskId(), p.getTreatment().name(), p.getRationale(), p.getOwner(),
                p.getLinkedChangeId()};
        } else if (payload instanceof LegalHold p) {
            table = Table.LEGAL_HOLDS;
            specific = new Object[] {p.getHoldId(), p.getAction().name(), p.getTenant(), p.getAgentId(),
                p.getPeriodStart(), p.getPeriodEnd(), p.getBy(), p.getReason(), p.getReference()};
        } else {
            return null;
        }
        Object[] values = new Object[table.columns().size()];
        values[0] = ce.getTenant();
        values[1] = ce.getAgentId();
        values[2] = ce.getSeq();
        values[3] = ce.getEventId();
        values[4] = ce.getAgentVersion();
        values[5] = ce.getOccurredAt();
        values[6] = ce.getChainedAt();
        System.arraycopy(specific, 0, values, 7, specific.length);
        values[7 + specific.length] = record.partition();
        values[8 + specific.length] = record.offset();
        return new TableRow(table, values);
    }

    private TableRow checkpoint(ConsumerRecord<byte[], byte[]> record, IntConsumer schemaIds, Instant landedAt) {
        byte[] value = requireValue(record);
        schemaIds.accept(ConfluentWireFormat.schemaId(value));
        CheckpointRecord cp = checkpointCodec.decode(value).value();
        BatchTimestamp ts = cp.getTimestamp();
        return new TableRow(Table.CHECKPOINTS, new Object[] {
            cp.getTenant(), cp.getAgentId(), cp.getTreeSize(), sha(cp.getRootHash()), cp.getHeadSeq(),
            sha(cp.getHeadHash()), cp.getNote(), cp.getKeyName(), cp.getCreatedAt(), cp.getTrigger(),
            ts == null ? null : bytes(ts.getEncoded()), value, record.partition(), record.offset(), landedAt});
    }

    /** A witness cosignature: the value is a signed note with one cosignature line (docs/integrity.md §6.1). */
    private static TableRow attestation(ConsumerRecord<byte[], byte[]> record, Instant landedAt) {
        byte[] value = requireValue(record);
        SignedCheckpoint note;
        Cosignature c;
        LogId log;
        try {
            note = SignedCheckpoint.parse(new String(value, StandardCharsets.UTF_8));
            if (note.signatures().size() != 1) {
                throw new MalformedDataException("a cosignature record has exactly one signature line, got "
                        + note.signatures().size());
            }
            c = Cosignature.fromLine(note.signatures().get(0));
            log = LogId.fromOrigin(note.checkpoint().origin());
        } catch (IntegrityException e) {
            throw new SinkException("cosignature record does not parse: " + e.getMessage(), record.topic(),
                    record.partition(), record.offset(), e);
        }
        return new TableRow(Table.CHECKPOINT_ATTESTATIONS, new Object[] {
            log.tenant(), log.agentId(), note.checkpoint().treeSize(), note.checkpoint().rootHash().toBytes(),
            c.keyName(), Integer.toUnsignedLong(c.keyId()), c.time(), c.toLine().line(), value, record.partition(),
            record.offset(), landedAt});
    }

    private static TableRow deadLetter(ConsumerRecord<byte[], byte[]> record, Instant landedAt) {
        String[] agent = agentOf(record.key());
        Map<String, String> headers = new LinkedHashMap<>();
        String reason = "";
        for (Header h : record.headers()) {
            String text = h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
            headers.put(h.key(), text);
            if (reason.isEmpty() && h.key().toLowerCase(Locale.ROOT).endsWith("reason")) {
                reason = text;
            }
        }
        return new TableRow(Table.DEAD_LETTERS, new Object[] {
            agent[0], agent[1], record.key() == null ? null : record.key(), record.value(), headers, reason,
            Instant.ofEpochMilli(record.timestamp()), record.partition(), record.offset(), landedAt});
    }

    private TableRow driftAlert(ConsumerRecord<byte[], byte[]> record, IntConsumer schemaIds, Instant landedAt) {
        byte[] value = requireValue(record);
        String[] agent = agentOf(record.key());
        Long schemaId = null;
        String json = "";
        if (value.length > ConfluentWireFormat.HEADER_SIZE && value[0] == 0) {
            int id = ConfluentWireFormat.schemaId(value);
            try {
                Schema schema = registry.schemaById(id);
                GenericDatumReader<Object> reader = new GenericDatumReader<>(schema);
                Object decoded = reader.read(null, DecoderFactory.get().binaryDecoder(value,
                        ConfluentWireFormat.HEADER_SIZE, value.length - ConfluentWireFormat.HEADER_SIZE, null));
                json = GenericData.get().toString(decoded);
                schemaId = (long) id;
                schemaIds.accept(id);
            } catch (IOException | RuntimeException e) {
                // The exact bytes are landed either way; an alert we cannot render is still evidence.
                LOG.warn("drift alert at {}-{}@{} landed without JSON rendering: {}", record.topic(),
                        record.partition(), record.offset(), e.toString());
            }
        }
        return new TableRow(Table.DRIFT_ALERTS, new Object[] {
            agent[0], agent[1], schemaId, json, value, Instant.ofEpochMilli(record.timestamp()), record.partition(),
            record.offset(), landedAt});
    }

    private static byte[] requireValue(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            throw new SinkException("record has no value (tombstone)", record.topic(), record.partition(),
                    record.offset(), null);
        }
        return record.value();
    }

    /** {@code <tenant>/<agentId>} split at the first slash; empty parts when absent. */
    static String[] agentOf(byte[] key) {
        if (key == null) {
            return new String[] {"", ""};
        }
        String k = new String(key, StandardCharsets.UTF_8);
        int slash = k.indexOf('/');
        return slash < 0 ? new String[] {k, ""} : new String[] {k.substring(0, slash), k.substring(slash + 1)};
    }

    private static byte[] sha(Sha256 digest) {
        return digest.bytes().clone();
    }

    private static byte[] shaOrNull(Sha256 digest) {
        return digest == null ? null : digest.bytes().clone();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
