package io.attestream.verifier.testing;

import io.attestream.dev.tsa.EmbeddedTimestampAuthority;
import io.attestream.events.AuditEvent;
import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.LogState;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.TimestampAuthority;
import io.attestream.integrity.TimestampedBatch;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import io.attestream.verifier.CheckpointRow;
import io.attestream.verifier.EventRow;
import io.attestream.verifier.internal.TimestampCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Chains realistic events (the schemas module's sample events, Confluent-framed) exactly as the chainer does,
 * with signed checkpoints every {@code checkpointEvery} entries and at the end, optionally timestamped in one
 * batch per agent.
 */
public final class ChainFixture {
    /**
     * The payload type of seq i is {@code ROTATION[i % 10]}: the ten types of schema v2, in their order. The
     * mutation tests (VerifierIT) address events by seq, so this layout is fixed. The types schema v3 appended
     * (ErasureRecord, LegalHold) are not in it; tests of every type pass {@code EventType.values()} to
     * {@link #build(String, String, int, int, SigningKey, TimestampAuthority, EventType[])}.
     */
    public static final EventType[] ROTATION = java.util.Arrays.copyOf(EventType.values(), 10);

    /** Registry id the fixture's events claim (the first id the test registry of {@link EvidenceLoader} gives). */
    public static final int SCHEMA_ID = 1;
    /** Fingerprint of the current AuditEvent schema. */
    public static final Hash FINGERPRINT = Hash.of(AuditEventCodec.fingerprint(AuditEventCodec.currentSchema()));
    /** Chained time of seq 0; seq i is chained i ms later: a month before the tests run. */
    public static final Instant CHAINED_T0 = Instant.parse("2026-10-01T00:00:00Z");

    /** When the fixture's TSA stamps: a minute after {@link #CHAINED_T0}, after every fixture checkpoint. */
    public static final Instant STAMPED_AT = CHAINED_T0.plusSeconds(60);

    private ChainFixture() {
    }

    /**
     * A development TSA whose clock stands at {@link #STAMPED_AT}, so that the fixture's timestamps are bound in
     * time to its checkpoints (genTime at most a minute after their creation; certificates valid from a day
     * before).
     *
     * @param name the TSA name
     * @return the TSA
     */
    public static EmbeddedTimestampAuthority tsa(String name) {
        return EmbeddedTimestampAuthority.generate(name, Clock.fixed(STAMPED_AT, ZoneOffset.UTC));
    }

    /**
     * A stored event with the descriptive columns the sink also writes.
     *
     * @param row the verified columns
     * @param eventId the event id
     * @param eventType the payload record name
     * @param occurredAtMicros producer time
     */
    public record StoredEvent(EventRow row, String eventId, String eventType, long occurredAtMicros) {
    }

    /**
     * One agent's evidence.
     *
     * @param log the log
     * @param events events by seq
     * @param checkpoints checkpoints by size
     */
    public record Agent(LogId log, List<StoredEvent> events, List<CheckpointRow> checkpoints) {
        /** @return just the rows */
        public List<EventRow> rows() {
            return events.stream().map(StoredEvent::row).toList();
        }
    }

    /**
     * Builds one agent's chain.
     *
     * @param tenant tenant
     * @param agentId agent
     * @param n events
     * @param checkpointEvery checkpoint cadence
     * @param key signer
     * @param tsa timestamp authority, or null for none
     * @return the evidence
     */
    public static Agent build(String tenant, String agentId, int n, int checkpointEvery, SigningKey key,
            TimestampAuthority tsa) {
        return build(tenant, agentId, n, checkpointEvery, key, tsa, CHAINED_T0, 1000,
                new Checkpoint.Cadence(checkpointEvery, 60_000));
    }

    /**
     * Builds one agent's chain with chosen times: seq i is chained at {@code t0 + i * stepMicros}, and each
     * checkpoint is created 1 ms after the last entry it covers, stating {@code cadence}.
     *
     * @param tenant tenant
     * @param agentId agent
     * @param n events
     * @param checkpointEvery a checkpoint after every this many entries, and at the end
     * @param key signer
     * @param tsa timestamp authority, or null for none
     * @param t0 chained time of seq 0
     * @param stepMicros chained time between two entries
     * @param cadence the cadence the checkpoints state
     * @return the evidence
     */
    public static Agent build(String tenant, String agentId, int n, int checkpointEvery, SigningKey key,
            TimestampAuthority tsa, Instant t0, long stepMicros, Checkpoint.Cadence cadence) {
        return build(tenant, agentId, n, checkpointEvery, key, tsa, t0, stepMicros, cadence, ROTATION);
    }

    /**
     * Like {@link #build(String, String, int, int, SigningKey, TimestampAuthority)}, but seq i carries a payload of
     * type {@code types[i % types.length]} (e.g. {@code EventType.values()}: every type of the current release).
     */
    public static Agent build(String tenant, String agentId, int n, int checkpointEvery, SigningKey key,
            TimestampAuthority tsa, EventType[] types) {
        return build(tenant, agentId, n, checkpointEvery, key, tsa, CHAINED_T0, 1000,
                new Checkpoint.Cadence(checkpointEvery, 60_000), types);
    }

    private static Agent build(String tenant, String agentId, int n, int checkpointEvery, SigningKey key,
            TimestampAuthority tsa, Instant t0, long stepMicros, Checkpoint.Cadence cadence, EventType[] types) {
        return build(tenant, agentId, n, checkpointEvery, key, tsa, t0, stepMicros, cadence,
                i -> SampleEvents.of(types[i % types.length], tenant, agentId, i));
    }

    /**
     * Chains the given events (their tenant and agent id must be the log's), seq i at {@code t0 + i * stepMicros},
     * a checkpoint every {@code checkpointEvery} entries and at the end, no timestamps.
     */
    public static Agent of(String tenant, String agentId, List<AuditEvent> given, int checkpointEvery,
            SigningKey key, Instant t0, long stepMicros, Checkpoint.Cadence cadence) {
        return build(tenant, agentId, given.size(), checkpointEvery, key, null, t0, stepMicros, cadence, given::get);
    }

    private static Agent build(String tenant, String agentId, int n, int checkpointEvery, SigningKey key,
            TimestampAuthority tsa, Instant t0, long stepMicros, Checkpoint.Cadence cadence,
            java.util.function.IntFunction<AuditEvent> eventAt) {
        LogId log = LogId.of(tenant, agentId);
        LogState state = LogState.empty(log);
        List<StoredEvent> events = new ArrayList<>(n);
        List<SignedCheckpoint> notes = new ArrayList<>();
        byte[] fp = FINGERPRINT.toBytes();
        for (int i = 0; i < n; i++) {
            AuditEvent e = eventAt.apply(i);
            byte[] framed = AuditEventCodec.encode(SCHEMA_ID, e);
            byte[] body = AuditEventCodec.encodeBody(e);
            long chainedAt = micros(t0) + i * stepMicros;
            LogState.Appended a = state.append(chainedAt, SCHEMA_ID, fp, body);
            state = a.state();
            EventRow row = new EventRow(tenant, agentId, i, a.entry().previousHash(), a.entry().hash(),
                    a.entry().version(), chainedAt, SCHEMA_ID, FINGERPRINT, framed);
            events.add(new StoredEvent(row, e.getEventId().toString(), e.getPayload().getClass().getSimpleName(),
                    e.getOccurredAt().toEpochMilli() * 1000));
            if ((i + 1) % checkpointEvery == 0 || i == n - 1) {
                notes.add(SignedCheckpoint.sign(Checkpoint.forLog(state.head(), state.tree().root(), cadence,
                        Instant.EPOCH.plus(chainedAt + 1000, ChronoUnit.MICROS)), key));
            }
        }
        List<CheckpointTimestamp> ts = tsa == null || notes.isEmpty() ? null
                : TimestampedBatch.timestampCheckpoints(notes, tsa).timestamps();
        List<CheckpointRow> cps = new ArrayList<>();
        for (int i = 0; i < notes.size(); i++) {
            Checkpoint c = notes.get(i).checkpoint();
            cps.add(new CheckpointRow(tenant, agentId, c.treeSize(), c.rootHash(), notes.get(i).text(), key.name(),
                    ts == null ? null : TimestampCodec.encode(ts.get(i))));
        }
        return new Agent(log, events, cps);
    }

    /**
     * The key holder's rewrite of a log (issue 14's hostile operator): the event at seq {@code k} is replaced by
     * another valid event of the same type, every later entry is re-chained (same bytes and chained times, new
     * previous hashes), and every checkpoint larger than {@code k} is re-signed with {@code key} over the new tree,
     * with the original's cadence and creation time, and timestamped again by {@code tsa}. Checkpoints up to
     * {@code k} are kept as they were. Nothing in the result is inconsistent in itself: only what someone outside
     * the operator remembers (an auditor's state, a witness) tells it from the original.
     *
     * @param original the log as it was
     * @param k the seq of the edited event
     * @param key the real checkpoint signing key
     * @param tsa the timestamp authority the operator has access to, or null for none
     * @return the rewritten log
     */
    public static Agent rewrite(Agent original, int k, SigningKey key, TimestampAuthority tsa) {
        LogId log = original.log();
        LogState state = LogState.empty(log);
        List<StoredEvent> events = new ArrayList<>(original.events().size());
        java.util.Map<Long, LogState> at = new java.util.HashMap<>();
        for (StoredEvent old : original.events()) {
            EventRow r = old.row();
            int i = (int) r.seq();
            StoredEvent src = old;
            byte[] framed = r.eventBytes();
            if (i == k) {
                EventType type = ROTATION[k % ROTATION.length];
                AuditEvent e = SampleEvents.of(type, log.tenant(), log.agentId(), 1_000_000 + k);
                framed = AuditEventCodec.encode(SCHEMA_ID, e);
                src = new StoredEvent(r, e.getEventId().toString(), e.getPayload().getClass().getSimpleName(),
                        e.getOccurredAt().toEpochMilli() * 1000);
            }
            byte[] body = Arrays.copyOfRange(framed, EventRow.HEADER_SIZE, framed.length);
            LogState.Appended a = state.append(r.chainedAtMicros(), r.schemaId(), r.schemaFingerprint().toBytes(), body);
            state = a.state();
            EventRow row = new EventRow(log.tenant(), log.agentId(), i, a.entry().previousHash(), a.entry().hash(),
                    a.entry().version(), r.chainedAtMicros(), r.schemaId(), r.schemaFingerprint(), framed);
            events.add(new StoredEvent(row, src.eventId(), src.eventType(), src.occurredAtMicros()));
            at.put((long) i + 1, state);
        }
        List<CheckpointRow> kept = new ArrayList<>();
        List<SignedCheckpoint> resigned = new ArrayList<>();
        for (CheckpointRow c : original.checkpoints()) {
            if (c.treeSize() <= k) {
                kept.add(c);
                continue;
            }
            Checkpoint was = SignedCheckpoint.parse(c.note()).checkpoint();
            LogState s = at.get(c.treeSize());
            resigned.add(SignedCheckpoint.sign(Checkpoint.forLog(s.head(), s.tree().root(), was.cadence().orElseThrow(),
                    was.created().orElseThrow()), key));
        }
        List<CheckpointTimestamp> ts = tsa == null || resigned.isEmpty() ? null
                : TimestampedBatch.timestampCheckpoints(resigned, tsa).timestamps();
        for (int i = 0; i < resigned.size(); i++) {
            Checkpoint c = resigned.get(i).checkpoint();
            kept.add(new CheckpointRow(log.tenant(), log.agentId(), c.treeSize(), c.rootHash(), resigned.get(i).text(),
                    key.name(), ts == null ? null : TimestampCodec.encode(ts.get(i))));
        }
        return new Agent(log, events, kept);
    }

    /**
     * A copy of a row with another seq.
     *
     * @param r the row
     * @param seq the new seq
     * @return the copy
     */
    public static EventRow withSeq(EventRow r, long seq) {
        return new EventRow(r.tenant(), r.agentId(), seq, r.prevHash(), r.hash(), r.entryVersion(),
                r.chainedAtMicros(), r.schemaId(), r.schemaFingerprint(), r.eventBytes());
    }

    /**
     * Microseconds since the epoch.
     *
     * @param t the instant
     * @return whole microseconds
     */
    public static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    /**
     * A copy of a row with one payload byte flipped.
     *
     * @param r the row
     * @param offset offset in the stored bytes (past the 5-byte header to touch the payload)
     * @return the copy
     */
    public static EventRow withFlippedByte(EventRow r, int offset) {
        byte[] b = r.eventBytes();
        b[offset] ^= 0x01;
        return new EventRow(r.tenant(), r.agentId(), r.seq(), r.prevHash(), r.hash(), r.entryVersion(),
                r.chainedAtMicros(), r.schemaId(), r.schemaFingerprint(), b);
    }

    /**
     * A self-consistent forged row at {@code seq} linking to {@code prev}, as an attacker who knows the
     * format would write it.
     *
     * @param log the log
     * @param seq the seq
     * @param prev the previous hash to link to
     * @param text payload text
     * @return the row, chained (entry format 2) at the current time
     */
    public static EventRow forged(LogId log, long seq, Hash prev, String text) {
        return forged(log, seq, prev, text, micros(Instant.now().truncatedTo(ChronoUnit.MICROS)));
    }

    /**
     * A self-consistent forged row, as {@link #forged(LogId, long, Hash, String)}, with a chosen chained time.
     *
     * @param log the log
     * @param seq the seq
     * @param prev the previous hash to link to
     * @param text payload text
     * @param chainedAtMicros the chained time the forger hashes and stores
     * @return the row
     */
    public static EventRow forged(LogId log, long seq, Hash prev, String text, long chainedAtMicros) {
        AuditEvent e = SampleEvents.of(EventType.APPROVAL_DECISION, log.tenant(), log.agentId(), 1_000_000 + text.length());
        byte[] body = AuditEventCodec.encodeBody(e);
        byte[] extra = text.getBytes(StandardCharsets.UTF_8);
        byte[] framed = AuditEventCodec.encode(SCHEMA_ID, e);
        byte[] fp = FINGERPRINT.toBytes();
        // An attacker may append bytes the decoder ignores; the hash covers them, so they must be hashed too.
        byte[] fullBody = new byte[body.length + extra.length];
        System.arraycopy(body, 0, fullBody, 0, body.length);
        System.arraycopy(extra, 0, fullBody, body.length, extra.length);
        byte[] fullFramed = new byte[framed.length + extra.length];
        System.arraycopy(framed, 0, fullFramed, 0, framed.length);
        System.arraycopy(extra, 0, fullFramed, framed.length, extra.length);
        Hash h = ChainEntry.recompute(log, seq, prev, ChainEntry.VERSION_2, chainedAtMicros, SCHEMA_ID, fp, fullBody)
                .hash();
        return new EventRow(log.tenant(), log.agentId(), seq, prev, h, ChainEntry.VERSION_2, chainedAtMicros,
                SCHEMA_ID, FINGERPRINT, fullFramed);
    }

    /**
     * Rewrites a log from {@code k} on as an attacker with write access but no signing key would: row k gets a
     * flipped payload byte and every hash from k on is recomputed so the chain links again.
     *
     * @param log the log
     * @param rows the rows by seq
     * @param k the first rewritten seq
     * @return the rewritten rows
     */
    public static List<EventRow> rechainFrom(LogId log, List<EventRow> rows, int k) {
        List<EventRow> out = new ArrayList<>(rows.subList(0, k));
        Hash prev = k == 0 ? log.genesisHash() : rows.get(k - 1).hash();
        for (int i = k; i < rows.size(); i++) {
            EventRow r = i == k ? withFlippedByte(rows.get(i), 40) : rows.get(i);
            byte[] b = r.eventBytes();
            byte[] body = Arrays.copyOfRange(b, EventRow.HEADER_SIZE, b.length);
            Hash h = ChainEntry.recompute(log, i, prev, r.entryVersion(), r.chainedAtMicros(), r.schemaId(),
                    r.schemaFingerprint().toBytes(), body).hash();
            out.add(new EventRow(r.tenant(), r.agentId(), i, prev, h, r.entryVersion(), r.chainedAtMicros(),
                    r.schemaId(), r.schemaFingerprint(), b));
            prev = h;
        }
        return out;
    }

    /**
     * A checkpoint timestamp JSON whose DER token has one byte of the TSA's signature (near the end of the
     * token: SignerInfo comes last) flipped. Bytes outside what the TSA signed (e.g. the unsigned SignedData
     * digest algorithm list) could change without changing the evidence, so the test alters the signature.
     *
     * @param timestampJson the stored JSON
     * @return the altered JSON
     */
    public static String withFlippedSignatureByte(String timestampJson) {
        int start = timestampJson.indexOf("\"token\":\"") + 9;
        int end = timestampJson.indexOf('"', start);
        byte[] der = Base64.getDecoder().decode(timestampJson.substring(start, end));
        der[der.length - 10] ^= 0x01;
        return timestampJson.substring(0, start) + Base64.getEncoder().encodeToString(der)
                + timestampJson.substring(end);
    }
}
