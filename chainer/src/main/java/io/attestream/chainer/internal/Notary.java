package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.ChainHead;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.Hash;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.SigningKey;
import io.attestream.integrity.TimestampAuthority;
import io.attestream.integrity.TimestampedBatch;
import io.attestream.integrity.TsaUnavailableException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Signs checkpoints and timestamps batches of them with one RFC 3161 request, through the integrity library only
 * (so the chainer and the verifier cannot disagree on formats). Every checkpoint states, in its signed body, the
 * cadence this chainer is configured with and its creation time (checkpoint format 2, docs/integrity.md §4).
 */
public final class Notary {
    private final SigningKey key;
    private final Optional<TimestampAuthority> tsa;
    private final Checkpoint.Cadence cadence;

    /**
     * @param key the checkpoint signing key
     * @param tsa the timestamp authority, or empty for none
     * @param cadence chainer.checkpoint.every.events and chainer.checkpoint.interval.ms, stated in every checkpoint
     */
    public Notary(SigningKey key, Optional<TimestampAuthority> tsa, Checkpoint.Cadence cadence) {
        this.key = requireNonNull(key, "key");
        this.tsa = requireNonNull(tsa, "tsa");
        this.cadence = requireNonNull(cadence, "cadence");
    }

    /** @return the signer name */
    public String keyName() {
        return key.name();
    }

    /** @return true when checkpoints are timestamped */
    public boolean timestamping() {
        return tsa.isPresent();
    }

    /**
     * The signed-note text of the checkpoint of a log at {@code head} with Merkle root {@code root}, made at
     * {@code created} (the chainer's clock; the same instant goes into CheckpointRecord.createdAt).
     */
    String sign(ChainHead head, Hash root, Instant created) {
        return SignedCheckpoint.sign(Checkpoint.forLog(head, root, cadence, created), key).text();
    }

    /**
     * One TSA request for all {@code notes}.
     *
     * @return one timestamp per note, in order
     * @throws TsaUnavailableException when the TSA should be retried later: none of the notes is timestamped
     * @throws IllegalStateException when no TSA is configured
     */
    List<CheckpointTimestamp> timestamp(List<String> notes) {
        TimestampAuthority authority = tsa.orElseThrow(() -> new IllegalStateException("no TSA configured"));
        return TimestampedBatch.timestamp(notes, authority).timestamps();
    }
}
