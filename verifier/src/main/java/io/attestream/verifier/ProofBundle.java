package io.attestream.verifier;

import static io.attestream.verifier.BundleJson.JSON;
import static io.attestream.verifier.BundleJson.expect;
import static io.attestream.verifier.BundleJson.number;
import static io.attestream.verifier.BundleJson.raw;
import static io.attestream.verifier.BundleJson.text;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Hash;
import io.attestream.integrity.InclusionProof;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.LogId;
import io.attestream.integrity.MalformedDataException;
import io.attestream.integrity.ProofInvalidException;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.TimestampVerifier;
import io.attestream.integrity.VerifiedTimestamp;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Base64;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Everything needed to check offline that one stored event is in a signed checkpoint: the event's chained
 * fields, its RFC 9162 inclusion proof, the signed checkpoint note and, when stored, the note's RFC 3161
 * timestamp. JSON form (version 2; parsers reject unknown, missing and duplicate keys):
 *
 * <pre>
 * {"version":2,"tenant":"acme","agent_id":"agent-7","seq":37,"event_id":"...",
 *  "entry":{"entry_version":2,"chained_at":1795651200000000,"prev_hash":"&lt;b64&gt;","schema_id":7,
 *           "schema_fingerprint":"&lt;b64&gt;","event_bytes":"&lt;b64&gt;"},
 *  "inclusion_proof":{"version":1,"leaf_index":37,"tree_size":100,"inclusion_path":[...]},
 *  "checkpoint":"&lt;signed note text&gt;",
 *  "checkpoint_timestamp":{...}}            (optional; docs/integrity.md)
 * </pre>
 *
 * <p>{@code event_bytes} are the stored record bytes (wire-format header, then the hashed Avro body).
 * {@code entry_version} is the entry's format (docs/integrity.md §2.2); {@code chained_at} (microseconds since the
 * epoch) is present exactly when the entry version hashes it (2). Version 1 bundles, written before entry format 2,
 * have neither key and are entry version 1; they are still read.
 *
 * @param row the event's stored chained fields (the hash is not part of the JSON: parsing recomputes it)
 * @param eventId the event id
 * @param proof the inclusion proof of the entry hash
 * @param checkpointNote the signed checkpoint note text
 * @param timestamp the checkpoint's timestamp, or null
 */
public record ProofBundle(EventRow row, String eventId, InclusionProof proof, String checkpointNote,
        CheckpointTimestamp timestamp) {
    /** Validates. */
    public ProofBundle {
        requireNonNull(row, "row");
        requireNonNull(eventId, "eventId");
        requireNonNull(proof, "proof");
        requireNonNull(checkpointNote, "checkpointNote");
    }

    /**
     * What {@link #check} established.
     *
     * @param log the log
     * @param seq the entry's seq
     * @param treeSize the size of the signed checkpoint it is included in
     * @param signers names of the trusted keys that signed the checkpoint
     * @param timestamp the verified timestamp, empty when none was present or no TSA trust was given
     * @param timestampPresent whether the bundle carried a timestamp
     */
    public record Checked(LogId log, long seq, long treeSize, Set<String> signers,
            Optional<VerifiedTimestamp> timestamp, boolean timestampPresent) {
    }

    /**
     * Verifies the bundle offline: recomputes the entry hash from its fields, verifies the checkpoint note with
     * the trusted keys and its origin against the event's log, the inclusion proof against the signed root and
     * size, and the timestamp when a TSA trust configuration is given.
     *
     * @param keys trusted checkpoint keys
     * @param tsa TSA trust, or empty to leave a timestamp unchecked
     * @return what was verified
     * @throws IntegrityException naming what does not verify
     */
    public Checked check(CheckpointVerifier keys, Optional<TimestampVerifier> tsa) {
        requireNonNull(keys, "keys");
        requireNonNull(tsa, "tsa");
        LogId log = LogId.of(row.tenant(), row.agentId());
        if (!row.headerMatchesSchemaId()) {
            throw new ProofInvalidException("event " + eventId + ": stored bytes do not start with a wire-format "
                    + "header naming schema id " + row.schemaId());
        }
        Hash leaf = ChainEntry.recompute(log, row.seq(), row.prevHash(), row.entryVersion(), row.chainedAtMicros(),
                row.schemaId(), row.schemaFingerprint().toBytes(), row.body()).hash();
        SignedCheckpoint note = keys.verify(checkpointNote, log.origin());
        if (proof.leafIndex() != row.seq()) {
            throw new ProofInvalidException("proof is for leaf " + proof.leafIndex() + " but the event is seq "
                    + row.seq());
        }
        proof.verify(leaf, note.checkpoint().treeSize(), note.checkpoint().rootHash());
        Set<String> signers = new HashSet<>();
        for (var s : note.signatures()) {
            keys.trustedKeys().stream().filter(k -> k.name().equals(s.keyName()) && k.keyId() == s.keyId())
                    .forEach(k -> signers.add(k.name()));
        }
        Optional<VerifiedTimestamp> ts = Optional.empty();
        if (timestamp != null && tsa.isPresent()) {
            ts = Optional.of(timestamp.verify(checkpointNote, tsa.get()));
        }
        return new Checked(log, row.seq(), note.checkpoint().treeSize(), Set.copyOf(signers), ts, timestamp != null);
    }

    /**
     * The JSON form.
     *
     * @return compact JSON followed by a newline
     */
    public String toJson() {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeNumberField("version", 2);
            g.writeStringField("tenant", row.tenant());
            g.writeStringField("agent_id", row.agentId());
            g.writeNumberField("seq", row.seq());
            g.writeStringField("event_id", eventId);
            g.writeObjectFieldStart("entry");
            g.writeNumberField("entry_version", row.entryVersion());
            if (row.entryVersion() != ChainEntry.VERSION_1) {
                g.writeNumberField("chained_at", row.chainedAtMicros());
            }
            g.writeStringField("prev_hash", row.prevHash().base64());
            g.writeNumberField("schema_id", row.schemaId());
            g.writeStringField("schema_fingerprint", row.schemaFingerprint().base64());
            g.writeStringField("event_bytes", Base64.getEncoder().encodeToString(row.eventBytes()));
            g.writeEndObject();
            g.writeFieldName("inclusion_proof");
            g.writeRawValue(proof.toJson());
            g.writeStringField("checkpoint", checkpointNote);
            if (timestamp != null) {
                g.writeFieldName("checkpoint_timestamp");
                g.writeRawValue(timestamp.toJson());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to a string failed", e);
        }
        return w + "\n";
    }

    /**
     * Parses the JSON form strictly.
     *
     * @param json the text
     * @return the bundle
     * @throws MalformedDataException when the text is not a version 1 or 2 proof bundle
     */
    public static ProofBundle fromJson(String json) {
        requireNonNull(json, "json");
        try (JsonParser p = JSON.createParser(json)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, "proof bundle");
            Long version = null;
            Long seq = null;
            String tenant = null;
            String agent = null;
            String eventId = null;
            String note = null;
            Hash prev = null;
            Long schemaId = null;
            Long entryVersion = null;
            Long chainedAt = null;
            Hash fp = null;
            byte[] bytes = null;
            InclusionProof proof = null;
            CheckpointTimestamp ts = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "version" -> version = number(p, t, name);
                    case "tenant" -> tenant = text(p, t, name);
                    case "agent_id" -> agent = text(p, t, name);
                    case "seq" -> seq = number(p, t, name);
                    case "event_id" -> eventId = text(p, t, name);
                    case "checkpoint" -> note = text(p, t, name);
                    case "inclusion_proof" -> proof = InclusionProof.fromJson(raw(p, t, name));
                    case "checkpoint_timestamp" -> ts = CheckpointTimestamp.fromJson(raw(p, t, name));
                    case "entry" -> {
                        expect(t, JsonToken.START_OBJECT, "entry");
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String e = p.currentName();
                            JsonToken et = p.nextToken();
                            switch (e) {
                                case "entry_version" -> entryVersion = number(p, et, e);
                                case "chained_at" -> chainedAt = number(p, et, e);
                                case "prev_hash" -> prev = Hash.fromBase64(text(p, et, e));
                                case "schema_id" -> schemaId = number(p, et, e);
                                case "schema_fingerprint" -> fp = Hash.fromBase64(text(p, et, e));
                                case "event_bytes" -> bytes = Base64.getDecoder().decode(text(p, et, e));
                                default -> throw new MalformedDataException("unknown key entry." + e);
                            }
                        }
                    }
                    default -> throw new MalformedDataException("unknown key " + name);
                }
            }
            if (p.nextToken() != null) {
                throw new MalformedDataException("trailing data after the proof bundle");
            }
            if (version == null || version != 1 && version != 2) {
                throw new MalformedDataException("version must be 1 or 2, got " + version);
            }
            if (version == 1 && (entryVersion != null || chainedAt != null)) {
                throw new MalformedDataException("a version 1 bundle has no entry.entry_version or entry.chained_at");
            }
            if (version == 1) {
                entryVersion = (long) ChainEntry.VERSION_1;
            }
            if (entryVersion == null || !ChainEntry.knownVersion((int) (long) entryVersion)
                    || entryVersion != (int) (long) entryVersion) {
                throw new MalformedDataException("entry.entry_version must be 1 or 2, got " + entryVersion);
            }
            if ((entryVersion == ChainEntry.VERSION_1) != (chainedAt == null)) {
                throw new MalformedDataException("entry.chained_at must be present exactly when entry.entry_version"
                        + " is 2");
            }
            if (tenant == null || agent == null || seq == null || eventId == null || note == null || prev == null
                    || schemaId == null || fp == null || bytes == null || proof == null) {
                throw new MalformedDataException("missing key: tenant, agent_id, seq, event_id, checkpoint, "
                        + "inclusion_proof and entry.{prev_hash, schema_id, schema_fingerprint, event_bytes} are "
                        + "required");
            }
            if (schemaId < Integer.MIN_VALUE || schemaId > 0xffffffffL) {
                throw new MalformedDataException("entry.schema_id out of range: " + schemaId);
            }
            // The entry hash is not in the bundle: it is recomputed here, and again by check().
            int ev = (int) (long) entryVersion;
            long at = chainedAt == null ? 0 : chainedAt;
            EventRow fields = new EventRow(tenant, agent, seq, prev, prev, ev, at, (int) (long) schemaId, fp, bytes);
            Hash hash = ChainEntry.recompute(LogId.of(tenant, agent), seq, prev, ev, at, fields.schemaId(),
                    fp.toBytes(), fields.body()).hash();
            EventRow row = new EventRow(tenant, agent, seq, prev, hash, ev, at, fields.schemaId(), fp, bytes);
            return new ProofBundle(row, eventId, proof, note, ts);
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedDataException("proof bundle JSON: " + e.getMessage(), e);
        }
    }
}
