package io.attestream.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.chain.ChainedEvent;
import io.attestream.events.AuditEvent;
import io.attestream.events.LegalHold;
import io.attestream.events.Sha256;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.Cosignature;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.schemas.EventType;
import io.attestream.schemas.SchemaEvolution;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.InProcessRegistry;
import io.attestream.schemas.testing.ReleasedRecords;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.ConfluentWireFormat;
import io.attestream.schemas.wire.SpecificRecordCodec;
import io.attestream.sink.SinkException;
import io.attestream.sink.internal.RowMapper.TableRow;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RowMapperTest {
    private static final Instant LANDED = Instant.parse("2026-11-26T00:00:00Z");
    private InProcessRegistry server;
    private SchemaRegistryClient registry;
    private int eventSchemaId;
    private int chainedSchemaId;

    @BeforeEach
    void start() throws Exception {
        server = new InProcessRegistry();
        registry = SchemaRegistryClient.forUrl(server.url());
        eventSchemaId = registry.register(Topics.valueSubject(Topics.EVENTS), AuditEventCodec.currentSchema());
        chainedSchemaId = registry.register(Topics.valueSubject(Topics.CHAINED), ChainedEvent.getClassSchema());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ConsumerRecord<byte[], byte[]> chained(AuditEvent event, long seq, byte[] eventBytes) {
        return chained(event, seq, eventBytes, 1);
    }

    private ConsumerRecord<byte[], byte[]> chained(AuditEvent event, long seq, byte[] eventBytes, int entryVersion) {
        ChainedEvent ce = ChainedEvent.newBuilder().setEntryVersion(entryVersion).setTenant(event.getTenant()).setAgentId(event.getAgentId())
                .setSeq(seq).setPrevHash(new Sha256(new byte[32])).setHash(SampleEvents.sha256("h" + seq))
                .setSchemaId(eventSchemaId)
                .setSchemaFingerprint(new Sha256(AuditEventCodec.fingerprint(AuditEventCodec.currentSchema())))
                .setEventId(event.getEventId().toString()).setEventType(EventType.of(event).avroName())
                .setAgentVersion(event.getAgentVersion()).setOccurredAt(event.getOccurredAt())
                .setChainedAt(event.getOccurredAt().plusMillis(5)).setEventBytes(ByteBuffer.wrap(eventBytes))
                .setSourceTopic(Topics.EVENTS).setSourcePartition(2).setSourceOffset(77).build();
        byte[] value = new SpecificRecordCodec<>(registry, ChainedEvent.class, ChainedEvent.getClassSchema())
                .encode(chainedSchemaId, ce);
        return new ConsumerRecord<>(Topics.CHAINED, 1, 500 + seq, 0L, TimestampType.CREATE_TIME, 0, value.length,
                "acme/bot".getBytes(StandardCharsets.UTF_8), value, new RecordHeaders(), Optional.empty());
    }

    @Test
    void everyPayloadTypeGivesTheEvidenceRowAndItsTypedRow() {
        RowMapper mapper = new RowMapper(registry, false);
        Map<EventType, Table> typed = Map.of(EventType.EVAL_RESULT, Table.EVALS, EventType.HUMAN_OVERRIDE,
                Table.OVERRIDES, EventType.APPROVAL_DECISION, Table.APPROVALS, EventType.POLICY_CHANGE,
                Table.POLICY_CHANGES, EventType.INCIDENT_RECORD, Table.INCIDENTS, EventType.RISK_DECISION,
                Table.RISK_DECISIONS, EventType.LEGAL_HOLD, Table.LEGAL_HOLDS);
        for (EventType type : EventType.values()) {
            AuditEvent event = SampleEvents.of(type, "acme", "bot", type.ordinal());
            byte[] wire = AuditEventCodec.encode(eventSchemaId, event);
            List<Integer> ids = new ArrayList<>();
            List<TableRow> rows = mapper.map(chained(event, type.ordinal(), wire), ids::add, LANDED);
            assertThat(ids).containsExactly(chainedSchemaId, eventSchemaId);
            Object[] evidence = rows.get(0).values();
            assertThat(rows.get(0).table()).isEqualTo(Table.CHAINED_EVENTS);
            assertThat(value(Table.CHAINED_EVENTS, evidence, "event_bytes")).isEqualTo(wire);
            assertThat(value(Table.CHAINED_EVENTS, evidence, "controls")).isEqualTo(type.defaultControls());
            assertThat(value(Table.CHAINED_EVENTS, evidence, "kafka_offset")).isEqualTo(500L + type.ordinal());
            assertThat(value(Table.CHAINED_EVENTS, evidence, "hash"))
                    .isEqualTo(SampleEvents.sha256("h" + type.ordinal()).bytes());
            if (typed.containsKey(type)) {
                assertThat(rows).hasSize(2);
                assertThat(rows.get(1).table()).isEqualTo(typed.get(type));
                assertThat(value(typed.get(type), rows.get(1).values(), "seq")).isEqualTo((long) type.ordinal());
                assertThat(value(typed.get(type), rows.get(1).values(), "kafka_partition")).isEqualTo(1);
            } else {
                assertThat(rows).hasSize(1);
            }
        }
    }

    @Test
    void policyChangeWithoutApproverKeepsTheNull() {
        AuditEvent event = SampleEvents.of(EventType.POLICY_CHANGE, "acme", "bot", 1);
        List<TableRow> rows = new RowMapper(registry, false).map(chained(event, 1,
                AuditEventCodec.encode(eventSchemaId, event)), id -> { }, LANDED);
        assertThat(value(Table.POLICY_CHANGES, rows.get(1).values(), "approver")).isNull();
        assertThat(value(Table.POLICY_CHANGES, rows.get(1).values(), "change_ticket")).isNull();
        assertThat(value(Table.POLICY_CHANGES, rows.get(1).values(), "kind")).isEqualTo("PROMPT");
    }

    @Test
    void undecodableEventBytesFailWithTheRecordsCoordinatesByDefault() {
        AuditEvent event = SampleEvents.of(EventType.EVAL_RESULT, "acme", "bot", 3);
        byte[] corrupt = ConfluentWireFormat.frame(eventSchemaId, new byte[] {(byte) 0xff, 1, 2});
        ConsumerRecord<byte[], byte[]> record = chained(event, 3, corrupt);
        assertThatThrownBy(() -> new RowMapper(registry, false).map(record, id -> { }, LANDED))
                .isInstanceOf(SinkException.class).hasMessageContaining("errors.tolerance=none")
                .hasMessageContaining("partition 1").hasMessageContaining("offset 503");
    }

    @Test
    void undecodableEventBytesLandWithoutTypedRowWhenTolerated() {
        AuditEvent event = SampleEvents.of(EventType.EVAL_RESULT, "acme", "bot", 3);
        byte[] corrupt = ConfluentWireFormat.frame(eventSchemaId, new byte[] {(byte) 0xff, 1, 2});
        RowMapper mapper = new RowMapper(registry, true);
        List<TableRow> rows = mapper.map(chained(event, 3, corrupt), id -> { }, LANDED);
        assertThat(rows).hasSize(1);
        assertThat(value(Table.CHAINED_EVENTS, rows.get(0).values(), "event_bytes")).isEqualTo(corrupt);
        assertThat(mapper.skippedTypedRows()).isEqualTo(1);
    }

    @Test
    void deadLetterKeepsBytesHeadersAndReason() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("attestream.error.reason", "unknown schema id 9".getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>(Topics.DEAD_LETTER, 0, 7, 1_000L,
                TimestampType.CREATE_TIME, 0, 3, "globex/triage".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3},
                headers, Optional.empty());
        TableRow row = new RowMapper(registry, false).map(r, id -> { }, LANDED).get(0);
        assertThat(Arrays.asList(row.values()).subList(0, 2)).containsExactly("globex", "triage");
        assertThat(value(Table.DEAD_LETTERS, row.values(), "reason")).isEqualTo("unknown schema id 9");
        assertThat(value(Table.DEAD_LETTERS, row.values(), "record_value")).isEqualTo(new byte[] {1, 2, 3});
    }

    @Test
    void witnessCosignatureRecordLandsWithTheCheckpointItCosignsAndTheExactLine() {
        SigningKey logKey = SigningKey.fromSeed("attestream-test-chainer", new byte[32]);
        SigningKey witness = SigningKey.fromSeed("witness.test/w1", new byte[] {
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        Checkpoint c = new Checkpoint(LogId.of("acme", "bot/1").origin(), 7, Hash.sha256(new byte[] {7}), List.of());
        Cosignature cos = Cosignature.sign(witness, 1_795_651_200L, c);
        byte[] value = SignedCheckpoint.of(c, List.of(cos.toLine())).text().getBytes(StandardCharsets.UTF_8);
        ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>(Topics.CHECKPOINT_COSIGNATURES, 0, 42, 0L,
                TimestampType.CREATE_TIME, 0, value.length, "acme/bot/1".getBytes(StandardCharsets.UTF_8), value,
                new RecordHeaders(), Optional.empty());
        TableRow row = new RowMapper(registry, false).map(r, id -> { }, LANDED).get(0);
        assertThat(row.table()).isEqualTo(Table.CHECKPOINT_ATTESTATIONS);
        assertThat(Arrays.asList(row.values()).subList(0, 3)).containsExactly("acme", "bot/1", 7L);
        assertThat(value(Table.CHECKPOINT_ATTESTATIONS, row.values(), "root_hash")).isEqualTo(c.rootHash().toBytes());
        assertThat(value(Table.CHECKPOINT_ATTESTATIONS, row.values(), "witness_name")).isEqualTo("witness.test/w1");
        assertThat(value(Table.CHECKPOINT_ATTESTATIONS, row.values(), "cosigned_at"))
                .isEqualTo(Instant.ofEpochSecond(1_795_651_200L));
        assertThat(value(Table.CHECKPOINT_ATTESTATIONS, row.values(), "cosignature")).isEqualTo(cos.toLine().line());
        assertThat(value(Table.CHECKPOINT_ATTESTATIONS, row.values(), "record_bytes")).isEqualTo(value);
        assertThat(value(Table.CHECKPOINT_ATTESTATIONS, row.values(), "kafka_offset")).isEqualTo(42L);
        // A note with the log's signature instead of one cosignature line is refused.
        byte[] logNote = SignedCheckpoint.sign(c, logKey).text().getBytes(StandardCharsets.UTF_8);
        ConsumerRecord<byte[], byte[]> bad = new ConsumerRecord<>(Topics.CHECKPOINT_COSIGNATURES, 0, 43, 0L,
                TimestampType.CREATE_TIME, 0, logNote.length, null, logNote, new RecordHeaders(), Optional.empty());
        assertThatThrownBy(() -> new RowMapper(registry, false).map(bad, id -> { }, LANDED))
                .hasMessageContaining("cosignature record").hasMessageContaining("offset 43");
    }

    @Test
    void tombstoneIsRejectedWithItsOffset() {
        ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>(Topics.CHECKPOINTS, 2, 9, null, null);
        assertThatThrownBy(() -> new RowMapper(registry, false).map(r, id -> { }, LANDED))
                .hasMessageContaining("tombstone").hasMessageContaining("offset 9");
    }

    @Test
    void agentKeySplitsAtTheFirstSlash() {
        assertThat(RowMapper.agentOf("t/a/b".getBytes(StandardCharsets.UTF_8))).containsExactly("t", "a/b");
        assertThat(RowMapper.agentOf(null)).containsExactly("", "");
    }

    @Test
    void landsTheEntryVersionOfEachChainedEvent() {
        AuditEvent event = SampleEvents.of(EventType.AGENT_ACTION, "acme", "bot", 1);
        byte[] wire = AuditEventCodec.encode(eventSchemaId, event);
        RowMapper mapper = new RowMapper(registry, false);
        for (int version : new int[] {1, 2, 255}) {
            Object[] row = mapper.map(chained(event, 1, wire, version), id -> { }, LANDED).get(0).values();
            assertThat(value(Table.CHAINED_EVENTS, row, "entry_version")).isEqualTo((short) version);
        }
        assertThatThrownBy(() -> mapper.map(chained(event, 1, wire, 256), id -> { }, LANDED))
                .isInstanceOf(SinkException.class).hasMessageContaining("entryVersion 256")
                .hasMessageContaining("offset 501");
    }

    @Test
    void chainedEventWrittenBeforeEntryVersionExistedLandsAsVersion1() throws Exception {
        // The released ChainedEvent v1 schema, as registered by chainers before entry format 2.
        Schema v1 = SchemaEvolution.releasedChainedEvent().get("v1");
        int v1Id = registry.register("old-" + Topics.valueSubject(Topics.CHAINED), v1);
        AuditEvent event = SampleEvents.of(EventType.AGENT_ACTION, "acme", "bot", 1);
        byte[] wire = AuditEventCodec.encode(eventSchemaId, event);
        byte[] value = ConfluentWireFormat.frame(v1Id, ReleasedRecords.chainedEventV1("acme", "bot", 1, eventSchemaId,
                AuditEventCodec.fingerprint(AuditEventCodec.currentSchema()), event.getEventId().toString(), wire));
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(Topics.CHAINED, 0, 7, 0L,
                TimestampType.CREATE_TIME, 0, value.length, "acme/bot".getBytes(StandardCharsets.UTF_8),
                value, new RecordHeaders(), Optional.empty());
        Object[] row = new RowMapper(registry, false).map(record, id -> { }, LANDED).get(0).values();
        assertThat(value(Table.CHAINED_EVENTS, row, "entry_version")).isEqualTo((short) 1);
        assertThat(value(Table.CHAINED_EVENTS, row, "seq")).isEqualTo(1L);
    }

    private static Object value(Table table, Object[] values, String column) {
        return values[table.columns().indexOf(column)];
    }

    @Test
    void aLegalHoldLandsItsScopePeriodAndActionInLegalHolds() {
        RowMapper mapper = new RowMapper(registry, false);
        AuditEvent event = SampleEvents.of(EventType.LEGAL_HOLD, "acme", "bot", 3);
        byte[] wire = AuditEventCodec.encode(eventSchemaId, event);
        List<TableRow> rows = mapper.map(chained(event, 3, wire), id -> { }, LANDED);
        assertThat(rows).hasSize(2);
        Object[] hold = rows.get(1).values();
        LegalHold p = (LegalHold) event.getPayload();
        assertThat(value(Table.LEGAL_HOLDS, hold, "hold_id")).isEqualTo("HOLD-3");
        assertThat(value(Table.LEGAL_HOLDS, hold, "action")).isEqualTo("PLACED");
        assertThat(value(Table.LEGAL_HOLDS, hold, "hold_tenant")).isEqualTo("acme");
        assertThat(value(Table.LEGAL_HOLDS, hold, "hold_agent_id")).isEqualTo("refund-bot");
        assertThat(value(Table.LEGAL_HOLDS, hold, "period_start")).isEqualTo(p.getPeriodStart());
        assertThat(value(Table.LEGAL_HOLDS, hold, "period_end")).isEqualTo(p.getPeriodEnd());
        assertThat(value(Table.LEGAL_HOLDS, hold, "requested_by")).isEqualTo("counsel@example.com");
        assertThat(value(Table.LEGAL_HOLDS, hold, "reference")).isEqualTo("CASE-3");
    }
}
