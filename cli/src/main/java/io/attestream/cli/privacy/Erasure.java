package io.attestream.cli.privacy;

import static java.util.Objects.requireNonNull;

import io.attestream.events.ErasureRecord;
import io.attestream.events.Sha256;
import io.attestream.ingest.Ack;
import io.attestream.ingest.AuditClient;
import io.attestream.sealing.KeyStore;
import io.attestream.sealing.SealingException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Crypto-shredding of one data subject (docs/privacy.md): find the subject's keys, find the agents whose events
 * hold fields sealed under them, refuse when a legal hold covers any of those events, destroy the keys, then chain
 * an {@code ErasureRecord} through the normal producer path (the SDK, so the record is chained evidence like any
 * event). Nothing is changed when the subject is unknown or a hold applies.
 *
 * <p>Order: the keys are destroyed before the record is sent, never the other way round, so a record never claims
 * an erasure that did not happen. The client should have a spool: then the record is on disk before it is sent
 * and a later run replays it if Kafka was down.
 */
public final class Erasure {
    /** The agent id of the tenant's privacy log, where erasure records are chained. */
    public static final String PRIVACY_AGENT = "attestream.privacy";
    /** agentVersion of the records: the tool's version. */
    public static final String TOOL_VERSION = "0.1.0";

    /** What to erase. */
    public record Request(String tenant, String subjectId, String reason, String requestedBy, String legalBasis) {
        public Request {
            requireNonNull(tenant, "tenant");
            requireNonNull(subjectId, "subjectId");
            requireNonNull(reason, "reason");
            requireNonNull(requestedBy, "requestedBy");
        }
    }

    /** Agents whose events hold fields sealed for the subject, with the time span of those events. */
    public record Affected(String agentId, Instant first, Instant last, long events) {
    }

    /** What was done. */
    public record Result(String subjectDigest, List<String> keyIds, List<Affected> affected, Ack ack) {
    }

    /** The erasure was refused and nothing changed. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean held;

        Refused(String message, boolean held) {
            super(message);
            this.held = held;
        }

        /** Whether a legal hold refused it (else: unknown subject). */
        public boolean held() {
            return held;
        }
    }

    private final KeyStore keys;
    private final Connection jdbc;
    private final String database;
    private final LegalHolds holds;
    private final AuditClient client;
    private final Duration ackTimeout;

    /**
     * @param jdbc where the evidence is, to find affected agents; null only together with {@code holds} null, when
     *     the caller explicitly gave up the hold check
     * @param holds the holds in force; null: not checked (the caller's explicit choice)
     */
    public Erasure(KeyStore keys, Connection jdbc, String database, LegalHolds holds, AuditClient client,
            Duration ackTimeout) {
        this.keys = requireNonNull(keys, "keys");
        this.jdbc = jdbc;
        this.database = requireNonNull(database, "database");
        if (!database.matches("[A-Za-z0-9_]+")) {
            throw new IllegalArgumentException("database must be an identifier, got " + database);
        }
        this.holds = holds;
        this.client = requireNonNull(client, "client");
        this.ackTimeout = requireNonNull(ackTimeout, "ackTimeout");
        if (holds != null && jdbc == null) {
            throw new IllegalArgumentException("checking legal holds needs the evidence database");
        }
    }

    /**
     * Erases the subject.
     *
     * @throws Refused when the store holds no key of the subject, or a legal hold covers its sealed events; nothing
     *     changed
     * @throws SealingException when the key store fails
     * @throws SQLException when the evidence cannot be read (nothing changed)
     * @throws IllegalStateException when the keys were destroyed but Kafka did not acknowledge the record in time
     *     (with a spool it stays there and is sent by the next run)
     */
    public Result erase(Request r) throws Refused, SealingException, SQLException, InterruptedException {
        Optional<byte[]> found = keys.findSubjectDigest(r.tenant(), r.subjectId());
        if (found.isEmpty()) {
            throw new Refused("nothing was ever sealed for tenant " + r.tenant() + " in this key store ("
                    + keys.describe() + "): unknown subject, nothing changed", false);
        }
        byte[] digest = found.get();
        String hex = HexFormat.of().formatHex(digest);
        List<String> ids = keys.keyIds(r.tenant(), digest);
        if (ids.isEmpty()) {
            throw new Refused("the key store holds no key of subject " + hex + " in tenant " + r.tenant()
                    + " (never sealed, or already erased): nothing changed", false);
        }
        List<Affected> affected = jdbc == null ? List.of() : affected(r.tenant(), digest);
        if (holds != null) {
            List<String> blocking = new ArrayList<>();
            for (LegalHolds.Hold h : holds.active(r.tenant())) {
                for (Affected a : affected) {
                    if (h.covers(a.agentId(), a.first(), a.last())) {
                        blocking.add(h + " covers " + a.events() + " sealed event(s) of " + a.agentId() + " ("
                                + a.first() + " .. " + a.last() + ")");
                    }
                }
            }
            if (!blocking.isEmpty()) {
                throw new Refused("erasure refused: a legal hold is in force over the subject's sealed events: "
                        + String.join("; ", blocking) + ". Nothing changed; lift the hold first.", true);
            }
        }
        List<String> destroyed = keys.destroy(r.tenant(), digest);
        ErasureRecord record = ErasureRecord.newBuilder().setSubjectDigest(new Sha256(digest)).setKeyIds(destroyed)
                .setRequestedBy(r.requestedBy()).setReason(r.reason()).setLegalBasis(r.legalBasis())
                .setAffectedAgents(affected.stream().map(Affected::agentId).toList()).setKeyStore(keys.describe())
                .build();
        try {
            Ack ack = client.event(r.tenant(), PRIVACY_AGENT, TOOL_VERSION).payload(record).send()
                    .get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Result(hex, destroyed, affected, ack);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the keys " + destroyed + " of subject " + hex + " WERE destroyed, but Kafka"
                    + " did not acknowledge the ErasureRecord within " + ackTimeout + " (" + e + "); with a spool"
                    + " directory it stays spooled and the next run sends it", e);
        }
    }

    private List<Affected> affected(String tenant, byte[] digest) throws SQLException {
        String sql = "SELECT agent_id, toUnixTimestamp64Micro(min(occurred_at)), toUnixTimestamp64Micro(max(occurred_at)),"
                + " count() FROM " + database + ".chained_events WHERE tenant = " + StoredEvents.literal(tenant)
                + " AND event_type != 'ErasureRecord' AND position(event_bytes, unhex('"
                + HexFormat.of().formatHex(digest) + "')) > 0 GROUP BY agent_id ORDER BY agent_id";
        List<Affected> out = new ArrayList<>();
        try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(new Affected(rs.getString(1), micros(rs.getLong(2)), micros(rs.getLong(3)), rs.getLong(4)));
            }
        }
        return out;
    }

    private static Instant micros(long us) {
        return Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1000L);
    }
}
