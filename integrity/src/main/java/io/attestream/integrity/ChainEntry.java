package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.Bytes;
import io.attestream.integrity.internal.Sha256;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One link of a per-agent hash chain. Immutable; its hash is computed from its bytes in the
 * factory and can never be set from outside.
 *
 * <p>Two entry versions exist (docs/integrity.md §2.2). Version 2, which the chainer writes, also
 * hashes the chained time; version 1 entries, written before it, keep verifying under version 1.
 * The version of a stored entry is stored with it and is never guessed.
 * <pre>
 * v1: SHA-256( lp("attestream.chain.entry.v1") || lp(tenant) || lp(agentId)
 *           || u64be seq || previousHash[32]
 *           || i32be schemaId || schemaFingerprint[32] || lp(eventBytes) )
 * v2: SHA-256( lp("attestream.chain.entry.v2") || lp(tenant) || lp(agentId)
 *           || u64be seq || previousHash[32] || i64be chainedAtMicros
 *           || i32be schemaId || schemaFingerprint[32] || lp(eventBytes) )
 * </pre>
 * {@code lp(x) = u32be(len(x)) || x}. {@code schemaFingerprint} is the SHA-256 of the writer schema's
 * Parsing Canonical Form ({@code SchemaNormalization.parsingFingerprint("SHA-256", schema)});
 * {@code eventBytes} is the event's Avro binary encoding under that schema (no Confluent wire-format
 * header); {@code chainedAtMicros} is the chainer's clock when it assigned the seq, in microseconds
 * since 1970-01-01T00:00:00Z, {@code >= 0}.
 *
 * <p>Versions never decrease along a log: v1...v1 v2...v2 ({@link #checkVersionOrder}).
 */
public final class ChainEntry {
    /** Entry format 1: no chained time in the hash. */
    public static final int VERSION_1 = 1;
    /** Entry format 2: the chained time is hashed. */
    public static final int VERSION_2 = 2;
    /** The version {@link #next} writes. */
    public static final int CURRENT_VERSION = VERSION_2;

    private static final int HEADER_V1 = 8 + Hash.SIZE + 4 + Hash.SIZE + 4;
    private static final int HEADER_V2 = HEADER_V1 + 8;

    private final LogId log;
    private final int version;
    private final long seq;
    private final Hash previousHash;
    private final long chainedAtMicros;
    private final int schemaId;
    private final Hash schemaFingerprint;
    private final byte[] eventBytes;
    private final Hash hash;

    private ChainEntry(LogId log, int version, long seq, Hash previousHash, long chainedAtMicros, int schemaId,
            Hash schemaFingerprint, byte[] eventBytes) {
        this.log = log;
        this.version = version;
        this.seq = seq;
        this.previousHash = previousHash;
        this.chainedAtMicros = chainedAtMicros;
        this.schemaId = schemaId;
        this.schemaFingerprint = schemaFingerprint;
        this.eventBytes = eventBytes;
        this.hash = hashOf(log, version, seq, previousHash, chainedAtMicros, schemaId, schemaFingerprint.unsafeBytes(),
                eventBytes, 0, eventBytes.length);
    }

    /**
     * Appends an event after {@code head} in the current format ({@link #CURRENT_VERSION}): seq =
     * head.nextSeq(), previous hash = head.hash(). This is what the chainer calls; the new head is
     * {@link #head()}. There is no way to append an entry of an older version.
     *
     * @param head the current chain head
     * @param chainedAtMicros the chainer's clock when it assigns the seq, microseconds since the epoch, {@code >= 0}
     * @param schemaId the registry id of the writer schema
     * @param schemaFingerprint the 32-byte SHA-256 Parsing Canonical Form fingerprint of that schema
     * @param eventBytes the Avro binary encoding of the event (copied)
     * @return the entry, hash computed
     * @throws IllegalArgumentException when the fingerprint is not 32 bytes, the time is negative or the
     *     chain is full
     */
    public static ChainEntry next(ChainHead head, long chainedAtMicros, int schemaId, byte[] schemaFingerprint,
            byte[] eventBytes) {
        requireNonNull(head, "head");
        if (head.nextSeq() == Long.MAX_VALUE) {
            throw new IllegalArgumentException("log " + head.log() + " has reached the largest seq");
        }
        return new ChainEntry(head.log(), CURRENT_VERSION, head.nextSeq(), head.hash(),
                chainedAt(chainedAtMicros, head.log()), schemaId, fingerprint(schemaFingerprint),
                requireNonNull(eventBytes, "eventBytes").clone());
    }

    /**
     * Rebuilds an entry from stored fields, recomputing its hash under the stored entry version. This
     * is what the verifier calls; compare the result with the stored hash through
     * {@link #verifyStoredHash(Hash)} and link it with {@link ChainHead#advance(ChainEntry)}.
     *
     * @param log the log
     * @param seq the stored seq, {@code >= 0}
     * @param previousHash the stored previous hash
     * @param version the stored entry version: {@link #VERSION_1} or {@link #VERSION_2}
     * @param chainedAtMicros the stored chained time in microseconds since the epoch; hashed in version 2
     *     (where it must be {@code >= 0}), not covered and ignored in version 1
     * @param schemaId the stored schema id
     * @param schemaFingerprint the stored 32-byte schema fingerprint
     * @param eventBytes the stored canonical event bytes, without the wire-format header (copied)
     * @return the entry with its recomputed hash
     * @throws MalformedDataException when the version is unknown
     * @throws IllegalArgumentException when seq, the time or the fingerprint is out of range
     */
    public static ChainEntry recompute(LogId log, long seq, Hash previousHash, int version, long chainedAtMicros,
            int schemaId, byte[] schemaFingerprint, byte[] eventBytes) {
        long at = storedTime(log, seq, previousHash, version, chainedAtMicros);
        return new ChainEntry(log, version, seq, previousHash, at, schemaId, fingerprint(schemaFingerprint),
                requireNonNull(eventBytes, "eventBytes").clone());
    }

    /**
     * The hash {@link #recompute} gives for the same fields, with the event bytes a range of a buffer that is neither
     * copied nor kept: for a verifier that only compares the hash. Same checks, same exceptions.
     *
     * @param log the log
     * @param seq the stored seq, {@code >= 0}
     * @param previousHash the stored previous hash
     * @param version the stored entry version: {@link #VERSION_1} or {@link #VERSION_2}
     * @param chainedAtMicros the stored chained time (see {@link #recompute})
     * @param schemaId the stored schema id
     * @param schemaFingerprint the stored 32-byte schema fingerprint
     * @param buf holds the stored canonical event bytes, without the wire-format header
     * @param off where they start in buf
     * @param len how many
     * @return the recomputed chain hash
     * @throws MalformedDataException when the version is unknown
     * @throws IllegalArgumentException when seq, the time or the fingerprint is out of range
     * @throws IndexOutOfBoundsException when the range is not inside buf
     */
    public static Hash recomputeHash(LogId log, long seq, Hash previousHash, int version, long chainedAtMicros,
            int schemaId, byte[] schemaFingerprint, byte[] buf, int off, int len) {
        long at = storedTime(log, seq, previousHash, version, chainedAtMicros);
        byte[] fp = checkedFingerprint(schemaFingerprint);
        Objects.checkFromIndexSize(off, len, requireNonNull(buf, "buf").length);
        return hashOf(log, version, seq, previousHash, at, schemaId, fp, buf, off, len);
    }

    /**
     * Whether this library knows how to hash entries of {@code version}.
     *
     * @param version a stored entry version
     * @return true for {@link #VERSION_1} and {@link #VERSION_2}
     */
    public static boolean knownVersion(int version) {
        return version == VERSION_1 || version == VERSION_2;
    }

    /**
     * The version rule of a log: entry versions never decrease in seq order (a log may be v1...v1
     * v2...v2, never back). A verifier calls this for each entry with the version of the entry before it.
     *
     * @param log the log
     * @param seq the entry's seq
     * @param previousVersion the version of entry {@code seq - 1}
     * @param version the version of entry {@code seq}
     * @throws ChainBrokenException when {@code version < previousVersion}
     */
    public static void checkVersionOrder(LogId log, long seq, int previousVersion, int version) {
        requireNonNull(log, "log");
        if (version < previousVersion) {
            throw new ChainBrokenException("log " + log + ": entry seq " + seq + " is version " + version
                    + " after an entry of version " + previousVersion + "; entry versions never decrease along a log");
        }
    }

    /** Checks the stored fields {@link #recompute} and {@link #recomputeHash} take; returns the time to hash. */
    private static long storedTime(LogId log, long seq, Hash previousHash, int version, long chainedAtMicros) {
        requireNonNull(log, "log");
        requireNonNull(previousHash, "previousHash");
        if (seq < 0 || seq == Long.MAX_VALUE) {
            throw new IllegalArgumentException("seq must be in [0, 2^63-1), got " + seq + " in " + log);
        }
        checkVersion(version, log, seq);
        long at = version == VERSION_1 ? 0 : chainedAt(chainedAtMicros, log);
        return at;
    }

    private static void checkVersion(int version, LogId log, long seq) {
        if (!knownVersion(version)) {
            throw new MalformedDataException("log " + log + ": entry seq " + seq + " has unknown entry version "
                    + version + " (known: " + VERSION_1 + ", " + VERSION_2 + ")");
        }
    }

    private static long chainedAt(long micros, LogId log) {
        if (micros < 0) {
            throw new IllegalArgumentException("chained time must be >= 0 microseconds since the epoch, got " + micros
                    + " in " + log);
        }
        return micros;
    }

    private static Hash fingerprint(byte[] fp) {
        return Hash.of(checkedFingerprint(fp));
    }

    private static byte[] checkedFingerprint(byte[] fp) {
        requireNonNull(fp, "schemaFingerprint");
        if (fp.length != Hash.SIZE) {
            throw new IllegalArgumentException("schemaFingerprint must be the 32-byte SHA-256 parsing fingerprint, got "
                    + fp.length + " bytes");
        }
        return fp;
    }

    private static Hash hashOf(LogId log, int version, long seq, Hash previousHash, long chainedAtMicros,
            int schemaId, byte[] schemaFingerprint, byte[] eventBytes, int off, int len) {
        byte[] header = new byte[version == VERSION_1 ? HEADER_V1 : HEADER_V2];
        int at = 0;
        Bytes.putLong(header, at, seq);
        at += 8;
        previousHash.copyTo(header, at);
        at += Hash.SIZE;
        if (version != VERSION_1) {
            Bytes.putLong(header, at, chainedAtMicros);
            at += 8;
        }
        Bytes.putInt(header, at, schemaId);
        at += 4;
        System.arraycopy(schemaFingerprint, 0, header, at, Hash.SIZE);
        at += Hash.SIZE;
        Bytes.putInt(header, at, len);
        MessageDigest md = Sha256.digest();
        md.update(log.entryPrefix(version));
        md.update(header);
        md.update(eventBytes, off, len);
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

    /** @return the entry format version, {@link #VERSION_1} or {@link #VERSION_2} */
    public int version() {
        return version;
    }

    /**
     * The chained time covered by this entry's hash.
     *
     * @return microseconds since the epoch for a version 2 entry; empty for version 1, whose hash does not
     *     cover any time
     */
    public OptionalLong chainedAtMicros() {
        return version == VERSION_1 ? OptionalLong.empty() : OptionalLong.of(chainedAtMicros);
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
        return "ChainEntry[" + log + " seq=" + seq + " v" + version + " hash=" + hash + "]";
    }
}
