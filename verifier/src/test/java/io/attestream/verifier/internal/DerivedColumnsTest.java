package io.attestream.verifier.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.events.AuditEvent;
import io.attestream.integrity.SigningKey;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.sink.internal.RowMapper;
import io.attestream.sink.internal.Table;
import io.attestream.verifier.EventRow;
import io.attestream.verifier.Finding;
import io.attestream.verifier.FindingKind;
import io.attestream.verifier.testing.ChainFixture;
import io.attestream.verifier.testing.EvidenceLoader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class DerivedColumnsTest {
    private static final Schema SCHEMA = AuditEventCodec.currentSchema();
    private static final Map<Integer, Schema> SCHEMAS = Map.of(ChainFixture.SCHEMA_ID, SCHEMA);

    private static ChainFixture.Agent agent(int n) {
        return ChainFixture.build("acme", "agent-1", n, 5, SigningKey.generate("k", new SecureRandom()), null);
    }

    /** The stored columns after tenant and agent_id, as the sink's own mapper writes them. */
    private static Object[] sinkColumns(List<RowMapper.TableRow> rows) {
        Object[] v = rows.get(0).values();
        List<String> cols = Table.CHAINED_EVENTS.columns();
        return new Object[] {v[cols.indexOf("event_id")], v[cols.indexOf("event_type")],
            v[cols.indexOf("agent_version")], micros((Instant) v[cols.indexOf("occurred_at")]),
            v[cols.indexOf("controls")], v[cols.indexOf("trace_id")], v[cols.indexOf("session_id")],
            v[cols.indexOf("recorded_by_host")]};
    }

    private static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    /** Whether the verifier's derived typed values equal the sink's typed row (after the key, before the offsets). */
    private static boolean sameAsSink(Object[] derived, RowMapper.TableRow row) {
        Object[] v = row.values();
        if (v.length != derived.length + 5) {
            return false;
        }
        for (int i = 0; i < derived.length; i++) {
            Object s = v[3 + i];
            Object c = s instanceof String t ? t.getBytes(StandardCharsets.UTF_8)
                    : s instanceof Instant t ? micros(t)
                    : s instanceof List<?> l ? DerivedValues.encodeStrings(l.stream().map(String::valueOf).toList())
                    : s;
            if (!DerivedValues.same(c, derived[i])) {
                return false;
            }
        }
        return true;
    }

    @Test
    void agreesWithTheSinksRowMapperOnEveryColumnOfEveryPayloadType() {
        // Two rounds of every type of the current release (schemas v3: LegalHold has its legal_holds row too).
        ChainFixture.Agent a = ChainFixture.build("acme", "agent-1", EventType.values().length * 2, 5,
                SigningKey.generate("k", new SecureRandom()), null, EventType.values());
        DerivedColumns d = new DerivedColumns(SCHEMAS);
        int typed = 0;
        try (EvidenceLoader.Mapper sink = EvidenceLoader.Mapper.start()) {
            for (ChainFixture.StoredEvent e : a.events()) {
                List<RowMapper.TableRow> rows = sink.rows(e);
                d.acceptStored(e.row(), sinkColumns(rows));
                EventRow r = e.row();
                byte[] b = r.eventBytes();
                EventDecoder.Decoded dec;
                try {
                    dec = EventDecoder.of(SCHEMA).decode(b, 5, b.length - 5);
                } catch (Exception ex) {
                    throw new AssertionError(ex);
                }
                if (rows.size() == 2) {
                    typed++;
                    assertThat(dec.table().tableName()).isEqualTo(rows.get(1).table().tableName());
                    assertThat(sameAsSink(dec.typedRow(r.chainedAtMicros()), rows.get(1)))
                            .as("typed row of seq %d (%s)", r.seq(), dec.eventType()).isTrue();
                } else {
                    assertThat(dec.table()).as("seq %d (%s)", r.seq(), dec.eventType()).isNull();
                }
            }
        }
        assertThat(d.findingList().all()).isEmpty();
        assertThat(typed).as("evals, overrides, approvals, policy_changes, incidents, risk_decisions, legal_holds")
                .isEqualTo(TypedTable.values().length * 2).isEqualTo(7 * 2);
    }

    @Test
    void reportsEachAlteredColumnWithTableSeqColumnAndBothValues() {
        ChainFixture.Agent a = agent(4);
        DerivedColumns d = new DerivedColumns(SCHEMAS);
        try (EvidenceLoader.Mapper sink = EvidenceLoader.Mapper.start()) {
            for (ChainFixture.StoredEvent e : a.events()) {
                Object[] cols = sinkColumns(sink.rows(e));
                if (e.row().seq() == 2) {
                    cols[0] = "00000000-0000-0000-0000-000000000000";
                    cols[1] = "AgentAction";
                    cols[2] = "9.9.9";
                    cols[3] = (Long) cols[3] + 1_000_000;
                    cols[4] = List.of("A.5.1");
                    cols[5] = "forged-trace";
                    cols[7] = "elsewhere";
                }
                d.acceptStored(e.row(), cols);
            }
        }
        List<Finding> f = d.findingList().all();
        assertThat(f).allSatisfy(x -> {
            assertThat(x.seq()).isEqualTo(2);
            assertThat(x.kind()).isEqualTo(FindingKind.COLUMN_MISMATCH);
        });
        assertThat(f).extracting(Finding::detail).anySatisfy(s -> assertThat(s).isEqualTo(
                "chained_events.occurred_at: stored 2026-11-01T09:00:01.125456Z, event_bytes give "
                        + "2026-11-01T09:00:00.125456Z"))
                .anySatisfy(s -> assertThat(s).isEqualTo(
                        "chained_events.event_type: stored \"AgentAction\", event_bytes give \"HumanOverride\""))
                .anySatisfy(s -> assertThat(s).isEqualTo(
                        "chained_events.agent_version: stored \"9.9.9\", event_bytes give \"1.4.2\""))
                .anySatisfy(s -> assertThat(s).isEqualTo("chained_events.controls: stored [\"A.5.1\"], event_bytes "
                        + "give [\"A.8.15\", \"A.8.16\", \"A.5.26\"]"))
                .anySatisfy(s -> assertThat(s).isEqualTo(
                        "chained_events.trace_id: stored \"forged-trace\", event_bytes give \"00000000000000000000000000000003\""))
                .anySatisfy(s -> assertThat(s).isEqualTo(
                        "chained_events.recorded_by_host: stored \"elsewhere\", event_bytes give \"host-2\""))
                .anySatisfy(s -> assertThat(s).startsWith("chained_events.event_id: stored "
                        + "\"00000000-0000-0000-0000-000000000000\", event_bytes give \""));
        assertThat(f).hasSize(7);
    }

    @Test
    void usesTheEventsOwnControlsAndThePayloadTypesDefaultsWhenItNamesNone() throws Exception {
        AuditEvent own = SampleEvents.of(EventType.POLICY_CHANGE, "acme", "a", 1);
        own.setControls(List.of("A.5.37"));
        byte[] b = AuditEventCodec.encode(1, own);
        assertThat(DerivedValues.render(EventDecoder.of(SCHEMA).decode(b, 5, b.length - 5).controls(),
                DerivedValues.Render.LIST)).isEqualTo("[\"A.5.37\"]");
        byte[] none = AuditEventCodec.encode(1, SampleEvents.of(EventType.POLICY_CHANGE, "acme", "a", 1));
        assertThat(DerivedValues.render(EventDecoder.of(SCHEMA).decode(none, 5, none.length - 5).controls(),
                DerivedValues.Render.LIST)).isEqualTo("[\"A.8.32\", \"A.8.9\", \"A.5.37\"]");
    }

    @Test
    void defaultControlsAreThoseOfTheSchemasEventTypes() {
        assertThat(EventDecoder.DEFAULT_CONTROLS).hasSize(EventType.values().length);
        for (EventType t : EventType.values()) {
            assertThat(EventDecoder.DEFAULT_CONTROLS.get(t.avroName())).as(t.avroName())
                    .isEqualTo(t.defaultControls());
        }
    }

    @Test
    void typedTablesCoverEveryPayloadTypeWithATableInTheSinksColumnOrder() {
        for (TypedTable t : TypedTable.values()) {
            Table sink = Table.valueOf(t.name());
            List<String> cols = sink.columns();
            List<String> expected = new java.util.ArrayList<>(List.of("tenant", "agent_id", "seq"));
            expected.addAll(TypedTable.PREFIX);
            t.columns().forEach(c -> expected.add(c.name()));
            expected.addAll(List.of("kafka_partition", "kafka_offset"));
            assertThat(cols).as(t.tableName()).isEqualTo(expected);
        }
    }

    @Test
    void reportsBytesThatDoNotDecodeAndRowsOfAnUnknownSchemaOncePerAgent() {
        ChainFixture.Agent a = agent(3);
        DerivedColumns unknown = new DerivedColumns(Map.of());
        for (ChainFixture.StoredEvent e : a.events()) {
            unknown.acceptStored(e.row(), e.eventId(), e.eventType(), "1.4.2", e.occurredAtMicros(), List.of(), null,
                    null, "host-0");
        }
        assertThat(unknown.findingList().all()).singleElement().satisfies(x -> {
            assertThat(x.kind()).isEqualTo(FindingKind.UNDECODABLE);
            assertThat(x.seq()).isZero();
            assertThat(x.detail()).contains("schema 1 is not in the schemas table");
        });

        DerivedColumns d = new DerivedColumns(SCHEMAS);
        EventRow r = a.events().get(1).row();
        byte[] b = r.eventBytes();
        byte[] longer = Arrays.copyOf(b, b.length + 3);
        d.acceptStored(new EventRow(r.tenant(), r.agentId(), 1, r.prevHash(), r.hash(), r.entryVersion(),
                r.chainedAtMicros(), r.schemaId(), r.schemaFingerprint(), longer), "x", "x", "x", 0L, List.of(), null,
                null, "x");
        assertThat(d.findingList().all()).singleElement().satisfies(x -> {
            assertThat(x.kind()).isEqualTo(FindingKind.UNDECODABLE);
            assertThat(x.detail()).contains("3 trailing bytes after the event");
        });
    }

    @Test
    void aLengthPrefixBeyondTheBytesFailsWithoutAllocatingIt() {
        // eventId's length prefix says 2^30 bytes; the record has 12.
        byte[] body = ByteBuffer.allocate(12).put(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
            0x08}).array();
        assertThatThrownBy(() -> EventDecoder.of(SCHEMA).decode(body, 0, body.length))
                .isInstanceOf(AvroCursor.Corrupt.class).hasMessageContaining("length 1073741824 exceeds the 7 bytes left");
    }

    @Test
    void checkpointColumnsMustEqualTheSignedNotesChainHeadAndCreatedLines() {
        ChainFixture.Agent a = agent(10);
        io.attestream.verifier.CheckpointRow c = a.checkpoints().get(1);
        assertThat(c.treeSize()).isEqualTo(10);
        io.attestream.integrity.Hash head = a.events().get(9).row().hash();
        long created = micros(ChainFixture.CHAINED_T0.plusMillis(10));
        DerivedColumns.FindingList ok = new DerivedColumns.FindingList();
        CheckpointColumns.check(a.log(), 10, "k", c.note(), 9, head, created, ok);
        assertThat(ok.all()).isEmpty();

        DerivedColumns.FindingList bad = new DerivedColumns.FindingList();
        CheckpointColumns.check(a.log(), 10, "k", c.note(), 8, a.events().get(8).row().hash(), created + 1, bad);
        assertThat(bad.all()).extracting(Finding::seq).containsOnly(9L);
        assertThat(bad.all()).extracting(Finding::detail).containsExactly(
                "checkpoints.head_seq (tree size 10, key k): stored 8, the signed note says 9",
                "checkpoints.head_hash (tree size 10, key k): stored "
                        + java.util.HexFormat.of().formatHex(a.events().get(8).row().hash().toBytes())
                        + ", the signed note says " + java.util.HexFormat.of().formatHex(head.toBytes()),
                "checkpoints.created_at (tree size 10, key k): stored 2026-10-01T00:00:00.010001Z, the signed note "
                        + "says 2026-10-01T00:00:00.010Z");
    }

    @Test
    void printsValuesSoThatDifferentBytesNeverLookAlike() {
        assertThat(DerivedValues.quote("bob\"\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("\"bob\\\"\\x0a\"");
        assertThat(DerivedValues.quote(new byte[] {'a', (byte) 0xff, (byte) 0xc3, (byte) 0xa9}))
                .isEqualTo("\"a\\xffé\"");
        assertThat(DerivedValues.render(DerivedValues.encodeStrings(List.of("a:b", "")), DerivedValues.Render.LIST))
                .isEqualTo("[\"a:b\", \"\"]");
        assertThat(DerivedValues.same(DerivedValues.encodeStrings(List.of("ab", "c")),
                DerivedValues.encodeStrings(List.of("a", "bc")))).isFalse();
    }
}
