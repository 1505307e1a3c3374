package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.Bytes;
import io.attestream.integrity.internal.Sha256;
import java.security.MessageDigest;

/**
 * One link of a per-agent hash chain. Immutable; its hash is computed from its bytes in the
 * factory and can never be set from outside.
 *
 * <p>Hash layout, version 1 (docs/integrity.md §"Chain entry hash"):
 * <pre>
 * SHA-256( u32be(25) || "attestream.chain.entry.v1"
 *       || u32be(len) || tenant UTF-8 || u32be(len) || agentId UTF-8
 *       || u64be seq || previousHash[32]
 *       || i32be schemaId || schemaFingerprint[32]
 *       || u32be(len) || eventBytes )
 * </pre>
 * {@code schemaFingerprint} is the SHA-256 of the writer schema's Parsing Canonical Form
 * ({@code SchemaNormalization.parsingFingerprint("SHA-256", schema)}); {@code eventBytes} is the
 * event's Avro binary encoding under that schema (no Confluent wire-format header).
 */
public final class ChainEntry {
    private static final int HEADER = 8 + Hash.SIZE + 4 + Hash.SIZE + 4;

    private final LogId log;
    private final long seq;
    private final Hash previousHash;
    private final int schemaId;
    private final Hash schemaFingerprint;
    private final byte[] eventBytes;
    private final Hash hash;

    private ChainEntry(LogId log, long seq, Hash previousHash, int schemaId, Hash schemaFingerprint,
            byte[] eventBytes) {
        this.log = log;
        this.seq = seq;
        this.previousHash = previousHash;
        this.schemaId = schemaId;
        this.schemaFingerprint = schemaFingerprint;
        this.eventBytes = eventBytes;
        this.hash = computeHash(log, seq, previousHash, schemaId, schemaFingerprint, eventBytes);
    }

    /**
     * Appends an event after {@code head}: seq = head.nextSeq(), previous hash = head.hash().
     * This is what the chainer calls; the new head is {@link #head()}.
     *
     * @param head the current chain head
     * @param schemaId the registry id of the writer schema
     * @param schemaFingerprint the 32-byte SHA-256 Parsing Canonical Form fingerprint of that schema
     * @param eventBytes the Avro binary encoding of the event (copied)
     * @return the entry, hash computed
     * @throws IllegalArgumentException when the fingerprint is not 32 bytes or the chain is full
     */
    public static ChainEntry next(ChainHead head, int schemaId, byte[] schemaFingerprint, byte[] eventBytes) {
        requireNonNull(head, "head");
        if (head.nextSeq() == Long.MAX_VALUE) {
            throw new IllegalArgumentException("log " + head.log() + " has reached the largest seq");
        }
        return new ChainEntry(head.log(), head.nextSeq(), head.hash(), schemaId, fingerprint(schemaFingerprint),
                requireNonNull(eventBytes, "eventBytes").clone());
    }

    /**
     * Rebuilds an entry from stored fields, recomputing its hash. This is what the verifier calls;
     * compare the result with the stored hash through {@link #verifyStoredHash(Hash)} and link it
     * with {@link ChainHead#advance(ChainEntry)}.
     *
     * @param log the log
     * @param seq the stored seq, {@code >= 0}
     * @param previousHash the stored previous hash
     * @param schemaId the stored schema id
     * @param schemaFingerprint the stored 32-byte schema fingerprint
     * @param eventBytes the stored canonical event bytes (copied)
     * @return the entry with its recomputed hash
     */
    public static ChainEntry recompute(LogId log, long seq, Hash previousHash, int schemaId,
            byte[] schemaFingerprint, byte[] eventBytes) {
        requireNonNull(log, "log");
        requireNonNull(previousHash, "previousHash");
        if (seq < 0 || seq == Long.MAX_VALUE) {
            throw new IllegalArgumentException("seq must be in [0, 2^63-1), got " + seq + " in " + log);
        }
        return new ChainEntry(log, seq, previousHash, schemaId, fingerprint(schemaFingerprint),
                requireNonNull(eventBytes, "eventBytes").clone());
    }

    private static Hash fingerprint(byte[] fp) {
        requireNonNull(fp, "schemaFingerprint");
        if (fp.length != Hash.SIZE) {
            throw new IllegalArgumentException("schemaFingerprint must be the 32-byte SHA-256 parsing fingerprint, got "
                    + fp.length + " bytes");
        }
        return Hash.of(fp);
    }

    private static Hash computeHash(LogId log, long seq, Hash prev, int schemaId, Hash fp, byte[] event) {
        byte[] header = new byte[HEADER];
        Bytes.putLong(header, 0, seq);
        prev.copyTo(header, 8);
        Bytes.putInt(header, 8 + Hash.SIZE, schemaId);
        fp.copyTo(header, 8 + Hash.SIZE + 4);
        Bytes.putInt(header, HEADER - 4, event.length);
        MessageDigest md = Sha256.digest();
        md.update(log.entryPrefix());
        md.update(header);
        md.update(event);
        return Hash.wrap(md.digest());
    }

    /**
     * Compares a stored hash with the hash recomputed from this entry's bytes.
     *
     * @param stored the hash read from storage
     * @throws ChainBrokenException when they differ
     */
    public void verifyStoredHash(Hash stored) {
        requireNonNull(stored, "stored");
        if (!stored.equals(hash)) {
            throw new ChainBrokenException("log " + log + ": entry seq " + seq + " stored hash " + stored
                    + " differs from the hash recomputed from its bytes " + hash);
        }
    }

    /**
     * The head of the chain once this entry is appended.
     *
     * @return nextSeq = seq + 1, hash = this entry's hash
     */
    public ChainHead head() {
        return new ChainHead(log, seq + 1, hash);
    }

    /** @return the log */
    public LogId log() {
        return log;
    }

    /** @return this entry's seq (0-based, gap-free per log); also its Merkle leaf index */
    public long seq() {
        return seq;
    }

    /** @return the previous entry's hash, or the genesis hash for seq 0 */
    public Hash previousHash() {
        return previousHash;
    }

    /** @return the registry id of the writer schema */
    public int schemaId() {
        return schemaId;
    }

    /** @return the SHA-256 Parsing Canonical Form fingerprint of the writer schema */
    public Hash schemaFingerprint() {
        return schemaFingerprint;
    }

    /** @return a copy of the canonical event bytes */
    public byte[] eventBytes() {
        return eventBytes.clone();
    }

    /** @return the chain hash, computed from the bytes above; also this entry's Merkle leaf data */
    public Hash hash() {
        return hash;
    }

    @Override
    public String toString() {
        return "ChainEntry[" + log + " seq=" + seq + " hash=" + hash + "]";
    }
}
