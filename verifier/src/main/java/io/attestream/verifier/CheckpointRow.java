package io.attestream.verifier;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.Hash;
import java.util.Arrays;
import java.util.Optional;

/**
 * One stored checkpoint (the evidence sink's {@code checkpoints} columns). The signed note is
 * authoritative; tree size and root are conveniences the verifier checks against the note.
 *
 * @param tenant the tenant
 * @param agentId the agent
 * @param treeSize the stored tree size column
 * @param rootHash the stored root column
 * @param note the stored signed-note text
 * @param keyName the stored signer name column
 * @param timestamp the stored timestamp encoding ({@code timestamp_token}), or null when none was stored
 */
public record CheckpointRow(String tenant, String agentId, long treeSize, Hash rootHash, String note, String keyName,
        byte[] timestamp) {

    /** Validates and copies. */
    public CheckpointRow {
        requireNonNull(tenant, "tenant");
        requireNonNull(agentId, "agentId");
        requireNonNull(rootHash, "rootHash");
        requireNonNull(note, "note");
        requireNonNull(keyName, "keyName");
        timestamp = timestamp == null ? null : timestamp.clone();
    }

    /**
     * The stored timestamp encoding.
     *
     * @return a copy, or null
     */
    @Override
    public byte[] timestamp() {
        return timestamp == null ? null : timestamp.clone();
    }

    /**
     * The stored timestamp encoding, if any.
     *
     * @return a copy
     */
    public Optional<byte[]> timestampBytes() {
        return Optional.ofNullable(timestamp());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CheckpointRow r && r.treeSize == treeSize && r.tenant.equals(tenant)
                && r.agentId.equals(agentId) && r.rootHash.equals(rootHash) && r.note.equals(note)
                && r.keyName.equals(keyName) && Arrays.equals(r.timestamp, timestamp);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(treeSize) * 31 + note.hashCode();
    }

    @Override
    public String toString() {
        return "CheckpointRow[" + tenant + "/" + agentId + " size " + treeSize + ", key " + keyName + "]";
    }
}
