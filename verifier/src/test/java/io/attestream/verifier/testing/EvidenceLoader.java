package io.attestream.verifier.testing;

import io.attestream.integrity.Hash;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.sink.internal.ClickHouseStore;
import io.attestream.sink.internal.Table;
import io.attestream.verifier.CheckpointRow;
import io.attestream.verifier.EventRow;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * Lands {@link ChainFixture} evidence in ClickHouse exactly as the evidence sink does: the sink's DDL
 * migrations ({@link ClickHouseStore#migrate}) and its batched RowBinary insert path, with the column layout of
 * its {@link Table}s.
 */
public final class EvidenceLoader implements AutoCloseable {
    /** chained_at of the fixture's seq 0: a month before the tests run, so forged rows land in another partition. */
    public static final Instant CHAINED_T0 = ChainFixture.CHAINED_T0;
    private static final int BATCH = 20_000;

    private final ClickHouseStore store;
    private final String database;
    private long offset;

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
     * Lands agents' events and checkpoints.
     *
     * @param agents the evidence
     */
    public void land(List<ChainFixture.Agent> agents) {
        List<Object[]> batch = new ArrayList<>(BATCH);
        for (ChainFixture.Agent a : agents) {
            for (ChainFixture.StoredEvent e : a.events()) {
                batch.add(eventRow(e));
                if (batch.size() == BATCH) {
                    store.insert(Table.CHAINED_EVENTS, batch);
                    batch.clear();
                }
            }
        }
        store.insert(Table.CHAINED_EVENTS, batch);
        List<Object[]> cps = new ArrayList<>();
        for (ChainFixture.Agent a : agents) {
            for (CheckpointRow c : a.checkpoints()) {
                cps.add(checkpointRow(c, a.events().get((int) c.treeSize() - 1).row().hash()));
            }
        }
        store.insert(Table.CHECKPOINTS, cps);
    }

    /**
     * One chained_events row in the sink's column order; chained_at and entry_version are the row's own (the hash
     * covers the chained time from entry version 2 on).
     *
     * @param e the event
     * @return the values
     */
    public Object[] eventRow(ChainFixture.StoredEvent e) {
        EventRow r = e.row();
        long off = offset++;
        return new Object[] {r.tenant(), r.agentId(), r.seq(), r.prevHash().toBytes(), r.hash().toBytes(),
            (long) r.schemaId(), r.schemaFingerprint().toBytes(), e.eventId(), e.eventType(), "1.4.2",
            Instant.ofEpochSecond(0, e.occurredAtMicros() * 1000), Instant.EPOCH.plus(r.chainedAtMicros(),
            ChronoUnit.MICROS), List.of("A.8.15"), null, null, "host-1", r.eventBytes(), "attestream.events", 0, off,
            0, off, Instant.now(), (short) r.entryVersion()};
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
        return new Object[] {c.tenant(), c.agentId(), c.treeSize(), c.rootHash().toBytes(), c.treeSize() - 1,
            headHash.toBytes(), c.note(), c.keyName(), Instant.now(), "count", c.timestamp(), new byte[0], 0, off,
            Instant.now()};
    }

    @Override
    public void close() {
        store.close();
    }
}
