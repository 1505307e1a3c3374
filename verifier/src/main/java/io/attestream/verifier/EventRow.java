package io.attestream.verifier;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import java.util.Arrays;

/**
 * One stored chained event as the verifier reads it back (the evidence sink's {@code chained_events}
 * columns that the chain hash covers). Nothing here is trusted: the verifier recomputes the hash from
 * these bytes and compares.
 *
 * @param tenant the tenant
 * @param agentId the agent
 * @param seq the stored seq
 * @param prevHash the stored previous hash
 * @param hash the stored chain hash
 * @param entryVersion the stored entry format version ({@code entry_version}): which preimage the hash is over
 *     (docs/integrity.md §2.2); not validated here, so that an unknown version becomes a finding
 * @param chainedAtMicros the stored chained time ({@code chained_at}) in microseconds since the epoch; covered by
 *     the hash from entry version 2 on
 * @param schemaId the stored schema id
 * @param schemaFingerprint the stored 32-byte schema fingerprint
 * @param eventBytes the stored record bytes exactly as received: Confluent header (magic 0, 4-byte
 *     schema id) then the Avro body that is hashed (copied in and out)
 */
public record EventRow(String tenant, String agentId, long seq, Hash prevHash, Hash hash, int entryVersion,
        long chainedAtMicros, int schemaId, Hash schemaFingerprint, byte[] eventBytes) {

    /** Size of the Confluent wire-format header in front of the hashed Avro body. */
    public static final int HEADER_SIZE = 5;

    /** Validates and copies. */
    public EventRow {
        requireNonNull(tenant, "tenant");
        requireNonNull(agentId, "agentId");
        requireNonNull(prevHash, "prevHash");
        requireNonNull(hash, "hash");
        requireNonNull(schemaFingerprint, "schemaFingerprint");
        eventBytes = requireNonNull(eventBytes, "eventBytes").clone();
    }

    /**
     * The stored bytes.
     *
     * @return a copy
     */
    @Override
    public byte[] eventBytes() {
        return eventBytes.clone();
    }

    /**
     * Whether the stored bytes start with a Confluent header naming {@link #schemaId()}.
     *
     * @return true when magic byte 0 and the header's schema id equal the stored schema id
     */
    public boolean headerMatchesSchemaId() {
        if (eventBytes.length < HEADER_SIZE || eventBytes[0] != 0) {
            return false;
        }
        int id = ((eventBytes[1] & 0xff) << 24) | ((eventBytes[2] & 0xff) << 16) | ((eventBytes[3] & 0xff) << 8)
                | (eventBytes[4] & 0xff);
        return id == schemaId;
    }

    /**
     * Whether the payload was pruned by retention: the stored bytes are empty (a stored event always has its 5 header
     * bytes), the chain columns kept. The stored hash then stands for the entry (docs/integrity.md §7.6).
     *
     * @return true when {@code event_bytes} is empty
     */
    public boolean pruned() {
        return eventBytes.length == 0;
    }

    /**
     * The Avro body after the header: the bytes the chain hash covers.
     *
     * @return a copy; empty when the stored bytes are shorter than a header
     */
    public byte[] body() {
        return eventBytes.length < HEADER_SIZE ? new byte[0]
                : Arrays.copyOfRange(eventBytes, HEADER_SIZE, eventBytes.length);
    }

    /**
     * The chain hash of {@link #body()} under this row's stored fields, as entry {@code seq} of {@code log}: what
     * {@link ChainEntry#recompute} gives for them, without copying the bytes.
     *
     * @param log the log
     * @param seq the seq to hash the entry at (the stored one, or another position the row may belong at)
     * @param schemaFingerprint the 32-byte schema fingerprint to hash
     * @return the recomputed hash
     * @throws io.attestream.integrity.MalformedDataException when the stored entry version is unknown
     * @throws IllegalArgumentException when seq, the chained time or the fingerprint is out of range
     */
    public Hash recomputeHash(LogId log, long seq, byte[] schemaFingerprint) {
        int off = Math.min(HEADER_SIZE, eventBytes.length);
        int len = eventBytes.length < HEADER_SIZE ? 0 : eventBytes.length - HEADER_SIZE;
        return ChainEntry.recomputeHash(log, seq, prevHash, entryVersion, chainedAtMicros, schemaId, schemaFingerprint,
                eventBytes, off, len);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventRow r && r.seq == seq && r.schemaId == schemaId && r.entryVersion == entryVersion
                && r.chainedAtMicros == chainedAtMicros && r.tenant.equals(tenant)
                && r.agentId.equals(agentId) && r.prevHash.equals(prevHash) && r.hash.equals(hash)
                && r.schemaFingerprint.equals(schemaFingerprint) && Arrays.equals(r.eventBytes, eventBytes);
    }

    @Override
    public int hashCode() {
        return (int) (seq * 31 + hash.hashCode() * 17 + Arrays.hashCode(eventBytes));
    }

    @Override
    public String toString() {
        return "EventRow[" + tenant + "/" + agentId + " seq " + seq + " v" + entryVersion + ", hash " + hash + ", "
                + eventBytes.length + " bytes]";
    }
}
