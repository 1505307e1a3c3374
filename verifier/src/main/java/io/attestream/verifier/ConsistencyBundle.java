package io.attestream.verifier;

import static io.attestream.verifier.BundleJson.JSON;
import static io.attestream.verifier.BundleJson.number;
import static io.attestream.verifier.BundleJson.raw;
import static io.attestream.verifier.BundleJson.text;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.ConsistencyProof;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.LogId;
import io.attestream.integrity.MalformedDataException;
import io.attestream.integrity.ProofInvalidException;
import java.io.IOException;
import java.io.StringWriter;

/**
 * Everything needed to check offline that a log's newer signed checkpoint extends an older one (the one an
 * auditor remembers, {@code verify --state}): both signed notes and the RFC 9162 consistency proof between them.
 * JSON form (version 1; parsers reject unknown, missing and duplicate keys):
 *
 * <pre>
 * {"version":1,"tenant":"acme","agent_id":"agent-7","old_checkpoint":"&lt;signed note&gt;",
 *  "new_checkpoint":"&lt;signed note&gt;",
 *  "consistency_proof":{"version":1,"tree_size_1":1000,"tree_size_2":2000,"consistency_path":[...]}}
 * </pre>
 *
 * @param log the log
 * @param oldNote the older signed checkpoint note
 * @param newNote the newer signed checkpoint note
 * @param proof the consistency proof from the old size to the new one
 */
public record ConsistencyBundle(LogId log, String oldNote, String newNote, ConsistencyProof proof) {
    /** Validates. */
    public ConsistencyBundle {
        requireNonNull(log, "log");
        requireNonNull(oldNote, "oldNote");
        requireNonNull(newNote, "newNote");
        requireNonNull(proof, "proof");
    }

    /**
     * What {@link #check} established.
     *
     * @param log the log
     * @param oldSize the older tree size
     * @param newSize the newer tree size
     */
    public record Checked(LogId log, long oldSize, long newSize) {
    }

    /**
     * Verifies both notes with the trusted keys and the log's origin, then the proof between their signed sizes and
     * roots (the sizes come from the notes, never from the proof).
     *
     * @param keys trusted checkpoint keys
     * @return what was verified
     * @throws IntegrityException naming what does not verify
     */
    public Checked check(CheckpointVerifier keys) {
        requireNonNull(keys, "keys");
        Checkpoint older = keys.verify(oldNote, log.origin()).checkpoint();
        Checkpoint newer = keys.verify(newNote, log.origin()).checkpoint();
        if (proof.size1() != older.treeSize() || proof.size2() != newer.treeSize()) {
            throw new ProofInvalidException("the proof is from size " + proof.size1() + " to " + proof.size2()
                    + " but the signed checkpoints have sizes " + older.treeSize() + " and " + newer.treeSize());
        }
        proof.verify(older.treeSize(), older.rootHash(), newer.treeSize(), newer.rootHash());
        return new Checked(log, older.treeSize(), newer.treeSize());
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
            g.writeNumberField("version", 1);
            g.writeStringField("tenant", log.tenant());
            g.writeStringField("agent_id", log.agentId());
            g.writeStringField("old_checkpoint", oldNote);
            g.writeStringField("new_checkpoint", newNote);
            g.writeFieldName("consistency_proof");
            g.writeRawValue(proof.toJson());
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to a string failed", e);
        }
        return w + "\n";
    }

    /**
     * Whether a JSON text is a consistency bundle rather than an inclusion {@link ProofBundle}: it has a top-level
     * {@code consistency_proof} key.
     *
     * @param json the text
     * @return true when it has the key (it may still be malformed otherwise)
     */
    public static boolean isConsistencyBundle(String json) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                if (p.currentName().equals("consistency_proof")) {
                    return true;
                }
                p.nextToken();
                p.skipChildren();
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Parses the JSON form strictly.
     *
     * @param json the text
     * @return the bundle
     * @throws MalformedDataException when the text is not a version 1 consistency bundle
     */
    public static ConsistencyBundle fromJson(String json) {
        requireNonNull(json, "json");
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedDataException("consistency bundle: expected an object");
            }
            Long version = null;
            String tenant = null;
            String agent = null;
            String older = null;
            String newer = null;
            ConsistencyProof proof = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "version" -> version = number(p, t, name);
                    case "tenant" -> tenant = text(p, t, name);
                    case "agent_id" -> agent = text(p, t, name);
                    case "old_checkpoint" -> older = text(p, t, name);
                    case "new_checkpoint" -> newer = text(p, t, name);
                    case "consistency_proof" -> proof = ConsistencyProof.fromJson(raw(p, t, name));
                    default -> throw new MalformedDataException("unknown key " + name);
                }
            }
            if (p.nextToken() != null) {
                throw new MalformedDataException("trailing data after the consistency bundle");
            }
            if (version == null || version != 1) {
                throw new MalformedDataException("version must be 1, got " + version);
            }
            if (tenant == null || agent == null || older == null || newer == null || proof == null) {
                throw new MalformedDataException("missing key: tenant, agent_id, old_checkpoint, new_checkpoint and "
                        + "consistency_proof are required");
            }
            return new ConsistencyBundle(LogId.of(tenant, agent), older, newer, proof);
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedDataException("consistency bundle JSON: " + e.getMessage(), e);
        }
    }
}
