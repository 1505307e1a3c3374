package io.attestream.integrity;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.internal.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The head of one log's hash chain: the sequence number the next entry will get and the hash it
 * will link to (the last entry's hash, or the log's genesis hash while the log is empty).
 *
 * <p>{@code nextSeq} is also the number of entries so far, hence the Merkle tree size.
 *
 * @param log the log
 * @param nextSeq the next entry's seq, {@code >= 0}
 * @param hash the last entry's hash, or {@link LogId#genesisHash()} when {@code nextSeq == 0}
 */
public record ChainHead(LogId log, long nextSeq, Hash hash) {
    private static final byte ENCODING_VERSION = 1;

    /**
     * Validates the head.
     *
     * @throws IllegalArgumentException when nextSeq is negative, or 0 with a hash other than genesis
     */
    public ChainHead {
        requireNonNull(log, "log");
        requireNonNull(hash, "hash");
        if (nextSeq < 0) {
            throw new IllegalArgumentException("nextSeq must be >= 0, got " + nextSeq + " for " + log);
        }
        if (nextSeq == 0 && !hash.equals(log.genesisHash())) {
            throw new IllegalArgumentException("an empty chain's head must be the genesis hash of " + log);
        }
    }

    /**
     * The head of an empty log.
     *
     * @param log the log
     * @return nextSeq 0, hash = genesis
     */
    public static ChainHead genesis(LogId log) {
        requireNonNull(log, "log");
        return new ChainHead(log, 0, log.genesisHash());
    }

    /**
     * Checks that {@code entry} is the next link of this chain and returns the head after it.
     * The entry's own hash was recomputed from its bytes when it was built, so a verifier that
     * walks a log with this method trusts no stored hash.
     *
     * @param entry the candidate next entry
     * @return the head after entry
     * @throws ChainBrokenException when entry belongs to another log, has the wrong seq, or does
     *     not link to this head's hash
     */
    public ChainHead advance(ChainEntry entry) {
        requireNonNull(entry, "entry");
        if (!entry.log().equals(log)) {
            throw new ChainBrokenException("entry of log " + entry.log() + " offered to chain of log " + log);
        }
        if (entry.seq() != nextSeq) {
            throw new ChainBrokenException("log " + log + ": expected seq " + nextSeq + ", got seq " + entry.seq()
                    + (entry.seq() > nextSeq ? " (gap)" : " (duplicate or reordered)"));
        }
        if (!entry.previousHash().equals(hash)) {
            throw new ChainBrokenException("log " + log + ": entry seq " + entry.seq() + " links to "
                    + entry.previousHash() + " but the chain head is " + hash);
        }
        return entry.head();
    }

    /**
     * Stable binary encoding (for state stores): u8 version=1, u32be len, tenant UTF-8, u32be len,
     * agentId UTF-8, u64be nextSeq, 32-byte hash.
     *
     * @return the encoding
     */
    public byte[] toBytes() {
        byte[] ids = Bytes.lengthPrefixed(log.tenant().getBytes(StandardCharsets.UTF_8),
                log.agentId().getBytes(StandardCharsets.UTF_8));
        byte[] out = new byte[1 + ids.length + 8 + Hash.SIZE];
        out[0] = ENCODING_VERSION;
        System.arraycopy(ids, 0, out, 1, ids.length);
        Bytes.putLong(out, 1 + ids.length, nextSeq);
        hash.copyTo(out, 1 + ids.length + 8);
        return out;
    }

    /**
     * Decodes {@link #toBytes()}.
     *
     * @param b the encoding
     * @return the head
     * @throws MalformedDataException when b is not a valid encoding
     */
    public static ChainHead fromBytes(byte[] b) {
        requireNonNull(b, "b");
        try {
            if (b.length < 1 || b[0] != ENCODING_VERSION) {
                throw new MalformedDataException("chain head encoding: unsupported version "
                        + (b.length == 0 ? "(empty)" : Integer.toString(b[0])));
            }
            int off = 1;
            int tl = Bytes.getInt(b, off);
            if (tl < 0 || tl > b.length) {
                throw new MalformedDataException("chain head encoding: bad tenant length " + tl);
            }
            String tenant = Bytes.utf8StrictDecode(Arrays.copyOfRange(b, off + 4, off + 4 + tl));
            off += 4 + tl;
            int al = Bytes.getInt(b, off);
            if (al < 0 || al > b.length) {
                throw new MalformedDataException("chain head encoding: bad agentId length " + al);
            }
            String agent = Bytes.utf8StrictDecode(Arrays.copyOfRange(b, off + 4, off + 4 + al));
            off += 4 + al;
            if (b.length != off + 8 + Hash.SIZE) {
                throw new MalformedDataException("chain head encoding: expected " + (off + 8 + Hash.SIZE)
                        + " bytes, got " + b.length);
            }
            return new ChainHead(LogId.of(tenant, agent), Bytes.getLong(b, off), Hash.read(b, off + 8));
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new MalformedDataException("chain head encoding: " + e.getMessage(), e);
        }
    }
}
