package io.attestream.witness.submit;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.Cosignature;
import io.attestream.integrity.LogId;
import io.attestream.integrity.SignedCheckpoint;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One witness cosignature on one checkpoint, as published to {@code attestream.checkpoint-cosignatures}
 * (docs/integrity.md §6.1): the value is the UTF-8 text of a signed note whose body is the checkpoint body and
 * whose only signature line is the cosignature, so it is self-describing and verifiable alone with the
 * witness's key. Immutable.
 *
 * @param log the log
 * @param checkpoint the cosigned checkpoint
 * @param cosignature the witness's verified cosignature
 */
public record Attestation(LogId log, Checkpoint checkpoint, Cosignature cosignature) {
    /** Validates. */
    public Attestation {
        requireNonNull(log, "log");
        requireNonNull(checkpoint, "checkpoint");
        requireNonNull(cosignature, "cosignature");
        if (!log.origin().equals(checkpoint.origin())) {
            throw new IllegalArgumentException("checkpoint origin " + checkpoint.origin() + " is not log " + log);
        }
    }

    /**
     * The record value.
     *
     * @return body, blank line, the cosignature line, as UTF-8
     */
    public byte[] toBytes() {
        return SignedCheckpoint.of(checkpoint, List.of(cosignature.toLine())).text().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses a record value (does not verify the cosignature).
     *
     * @param value the bytes
     * @return the attestation
     * @throws io.attestream.integrity.MalformedDataException when it is not a note with exactly one cosignature line
     */
    public static Attestation parse(byte[] value) {
        SignedCheckpoint note = SignedCheckpoint.parse(new String(value, StandardCharsets.UTF_8));
        if (note.signatures().size() != 1) {
            throw new io.attestream.integrity.MalformedDataException("a cosignature record has exactly one signature "
                    + "line, got " + note.signatures().size());
        }
        return new Attestation(LogId.fromOrigin(note.checkpoint().origin()), note.checkpoint(),
                Cosignature.fromLine(note.signatures().get(0)));
    }
}
