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
import java.util.List;
import java.util.Optional;

/**
 * Signs checkpoints and timestamps batches of them with one RFC 3161 request, through the integrity library only
 * (so the chainer and the verifier cannot disagree on formats).
 */
public final class Notary {
    private final SigningKey key;
    private final Optional<TimestampAuthority> tsa;

    /**
     * @param key the checkpoint signing key
     * @param tsa the timestamp authority, or empty for none
     */
    public Notary(SigningKey key, Optional<TimestampAuthority> tsa) {
        this.key = requireNonNull(key, "key");
        this.tsa = requireNonNull(tsa, "tsa");
    }

    /** @return the signer name */
    public String keyName() {
        return key.name();
    }

    /** @return true when checkpoints are timestamped */
    public boolean timestamping() {
        return tsa.isPresent();
    }

    /** The signed-note text of the checkpoint of a log at {@code head} with Merkle root {@code root}. */
    String sign(ChainHead head, Hash root) {
        return SignedCheckpoint.sign(Checkpoint.forLog(head, root), key).text();
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
