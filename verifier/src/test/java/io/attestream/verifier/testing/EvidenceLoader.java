package io.attestream.verifier.testing;

import io.attestream.chain.ChainedEvent;
import io.attestream.events.AuditEvent;
import io.attestream.events.Sha256;
import io.attestream.integrity.Hash;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.InProcessRegistry;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.schemas.wire.SpecificRecordCodec;
import io.attestream.schemas.wire.WireFormatException;
import io.attestream.sink.internal.ClickHouseStore;
import io.attestream.sink.internal.RowMapper;
import io.attestream.sink.internal.Table;
import io.attestream.verifier.CheckpointRow;
import io.attestream.verifier.EventRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Lands {@link ChainFixture} evidence in ClickHouse exactly as the evidence sink does: each chained event is
 * encoded as the chainer's ChainedEvent record and mapped to its rows by the sink's own {@link RowMapper} (so the
 * descriptive columns and typed rows are the sink's derivation, which the verifier checks independently), then
 * written with the sink's DDL migrations ({@link ClickHouseStore#migrate}) and batched RowBinary insert path.
 */
public final class EvidenceLoader implements AutoCloseable {
    /** chained_at of the fixture's seq 0: a month before the tests run, so forged rows land in another partition. */
    public static final Instant CHAINED_T0 = ChainFixture.CHAINED_T0;
    private static final int BATCH = 20_000;

    private final ClickHouseStore store;
    private final String database;
    private final Mapper mapper;
    private long offset = 1L << 40;

    /**
     * The sink's {@link RowMapper} behind a test registry that knows the fixture's schema ids: maps fixture events to
     * the rows the sink lands, without ClickHouse.
     */
    public static final class Mapper implements AutoCloseable {
        private final InProcessRegistry registry;
        private final RowMapper mapper;
        private final AuditEventCodec events;
        private final SpecificRecordCodec<ChainedEvent> chained;
        private final int chainedSchemaId;
        private long offset;

        private Mapper() throws IOException {
            this.registry = new InProcessRegistry();
            SchemaRegistryClient client = SchemaRegistryClient.forUrl(registry.url());
            int eventSchemaId = client.register(Topics.EVENTS + "-value", AuditEventCodec.currentSchema());
            if (eventSchemaId != ChainFixture.SCHEMA_ID) {
                throw new IllegalStateException("the test registry gave the AuditEvent schema id " + eventSchemaId
                        + ", the fixture's events claim " + ChainFixture.SCHEMA_ID);
            }
            this.chainedSchemaId = client.register(Topics.CHAINED + "-value", ChainedEvent.getClassSchema());
            // Tolerance all: a forged row whose bytes the sink cannot decode still lands (without typed row), as it
            // would.
            this.mapper = new RowMapper(client, true);
            this.events = new AuditEventCodec(client);
            this.chained = new SpecificRecordCodec<>(client, ChainedEvent.class, ChainedEvent.getClassSchema());
        }

        /** @return a mapper with its own in-process registry */
        public static Mapper start() {
            try {
                return new Mapper();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * The rows the sink lands for one chained event: its chained_events row and, for payload types with a typed
         * table, its typed row. The ChainedEvent's descriptive fields are set from the decoded event as the chainer
         * sets them; for bytes that do not decode (forgeries), from {@code e}.
         *
         * @param e the event
         * @return the rows, chained_events first
         */
        public List<RowMapper.TableRow> rows(ChainFixture.StoredEvent e) {
            EventRow r = e.row();
            long off = offset++;
            String eventId = e.eventId();
            String eventType = e.eventType();
            String agentVersion = "1.4.2";
            Instant occurredAt = Instant.EPOCH.plus(e.occurredAtMicros(), ChronoUnit.MICROS);
            try {
                AuditEvent event = events.decode(r.eventBytes()).event();
                eventId = event.getEventId().toString();
                eventType = event.getPayload().getClass().getSimpleName();
                agentVersion = event.getAgentVersion();
                occurredAt = event.getOccurredAt();
            } catch (WireFormatException notDecodable) {
                // A forged row: the chainer never saw it, its columns are the forger's.
            }
            ChainedEvent ce = ChainedEvent.newBuilder().setTenant(r.tenant()).setAgentId(r.agentId()).setSeq(r.seq())
                    .setPrevHash(new Sha256(r.prevHash().toBytes())).setHash(new Sha256(r.hash().toBytes()))
                    .setSchemaId(r.schemaId()).setSchemaFingerprint(new Sha256(r.schemaFingerprint().toBytes()))
                    .setEventId(eventId).setEventType(eventType).setAgentVersion(agentVersion)
                    .setOccurredAt(occurredAt).setChainedAt(Instant.EPOCH.plus(r.chainedAtMicros(), ChronoUnit.MICROS))
                    .setEventBytes(ByteBuffer.wrap(r.eventBytes())).setSourceTopic(Topics.EVENTS)
                    .setSourcePartition(0).setSourceOffset(off).setEntryVersion(r.entryVersion()).build();
            byte[] key = (r.tenant() + "/" + r.agentId()).getBytes(StandardCharsets.UTF_8);
            return mapper.map(new ConsumerRecord<>(Topics.CHAINED, 0, off, key, chained.encode(chainedSchemaId, ce)),
                    id -> { }, Instant.now());
        }

        /**
         * The checkpoint_attestations row the sink lands for one record of the cosignature topic.
         *
         * @param value the record value: a signed note with the checkpoint body and one cosignature line
         * @return the row
         */
        public RowMapper.TableRow attestation(byte[] value) {
            long off = offset++;
            List<RowMapper.TableRow> rows = mapper.map(new ConsumerRecord<>(Topics.CHECKPOINT_COSIGNATURES, 0, off,
                    null, value), id -> { }, Instant.now());
            if (rows.size() != 1) {
                throw new IllegalStateException("a cosignature record maps to one row, got " + rows.size());
            }
            return rows.get(0);
        }

        @Override
        public void close() {
            registry.close();
        }
    }

    /**
     * Connects as a read-write user and applies the sink's migrations.
     *
     * @param jdbcUrl the JDBC URL
     * @param user read-write user
     * @param password its password
     * @param database evidence database
     */
    public EvidenceLoader(String jdbcUrl, String user, String password, String database) {
        this.store = new ClickHouseStore(jdbcUrl, user, password, database);
        this.database = database;
        store.execute("CREATE DATABASE IF NOT EXISTS " + database);
        store.migrate("", "verifier-tests");
        this.mapper = Mapper.start();
    }

    /** @return the sink's store, for mutations */
    public ClickHouseStore store() {
        return store;
    }

    /** @return the evidence database */
    public String database() {
        return database;
    }

    /** Lands the AuditEvent schema text the fixture's events name. */
    public void landSchema() {
        Schema s = AuditEventCodec.currentSchema();
        String canonical = SchemaNormalization.toParsingForm(s);
        store.insert(Table.REGISTRY_SCHEMAS, List.<Object[]>of(new Object[] {(long) ChainFixture.SCHEMA_ID,
            ChainFixture.FINGERPRINT.toBytes(), s.getFullName(), s.toString(), canonical, "http://registry.test",
            Instant.now()}));
    }

    /**
     * Lands agents' events (with their typed rows) and checkpoints.
     *
     * @param agents the evidence
     */
    public void land(List<ChainFixture.Agent> agents) {
        Map<Table, List<Object[]>> batch = new EnumMap<>(Table.class);
        int n = 0;
        for (ChainFixture.Agent a : agents) {
            for (ChainFixture.StoredEvent e : a.events()) {
                for (RowMapper.TableRow r : rows(e)) {
                    batch.computeIfAbsent(r.table(), k -> new ArrayList<>()).add(r.values());
                }
                if (++n == BATCH) {
                    insert(batch);
                    n = 0;
                }
            }
        }
        insert(batch);
        List<Object[]> cps = new ArrayList<>();
        for (ChainFixture.Agent a : agents) {
            for (CheckpointRow c : a.checkpoints()) {
                cps.add(checkpointRow(c, a.events().get((int) c.treeSize() - 1).row().hash()));
            }
        }
        store.insert(Table.CHECKPOINTS, cps);
    }

    private void insert(Map<Table, List<Object[]>> batch) {
        for (Map.Entry<Table, List<Object[]>> b : batch.entrySet()) {
            if (!b.getValue().isEmpty()) {
                store.insert(b.getKey(), b.getValue());
            }
        }
        batch.clear();
    }

    /**
     * The rows the sink lands for one chained event (see {@link Mapper#rows}).
     *
     * @param e the event
     * @return the rows, chained_events first
     */
    public List<RowMapper.TableRow> rows(ChainFixture.StoredEvent e) {
        return mapper.rows(e);
    }

    /**
     * The chained_events row the sink lands for one event (without its typed row).
     *
     * @param e the event
     * @return the values, in the sink's column order
     */
    public Object[] eventRow(ChainFixture.StoredEvent e) {
        return rows(e).get(0).values();
    }

    /**
     * Lands witness cosignature records in checkpoint_attestations through the sink's mapper.
     *
     * @param values record values of the cosignature topic
     */
    public void landAttestations(List<byte[]> values) {
        List<Object[]> rows = new ArrayList<>();
        for (byte[] v : values) {
            rows.add(mapper.attestation(v).values());
        }
        if (!rows.isEmpty()) {
            store.insert(Table.CHECKPOINT_ATTESTATIONS, rows);
        }
    }

    /**
     * One checkpoints row in the sink's column order.
     *
     * @param c the checkpoint
     * @param headHash hash of its head entry
     * @return the values
     */
    public Object[] checkpointRow(CheckpointRow c, Hash headHash) {
        long off = offset++;
        // created_at is the note's signed creation time, as the chainer writes CheckpointRecord.createdAt.
        Instant created = Instant.now();
        try {
            created = SignedCheckpoint.parse(c.note()).checkpoint().created().orElse(created);
        } catch (IntegrityException notParsable) {
            // A forged note: the forger's columns.
        }
        return new Object[] {c.tenant(), c.agentId(), c.treeSize(), c.rootHash().toBytes(), c.treeSize() - 1,
            headHash.toBytes(), c.note(), c.keyName(), created, "count", c.timestamp(), new byte[0], 0, off,
            Instant.now()};
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            mapper.close();
        }
    }
}
