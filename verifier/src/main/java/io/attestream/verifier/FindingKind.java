package io.attestream.verifier;

import java.util.Locale;

/** What a {@link Finding} says happened to the stored evidence. */
public enum FindingKind {
    /** The row's bytes (payload, schema, seq or hashes) no longer recompute to the chained hash. */
    MODIFIED,
    /** One or more seqs are missing inside the chain (a gap). */
    DELETED,
    /** A row that is not part of the chain: a second, different row for a seq that has its genuine row. */
    INSERTED,
    /** A genuine row stored under another seq than the one it was chained at. */
    REORDERED,
    /** An entry stored more than once: an identical copy of a row under the same seq, or a copy of an entry that
     *  is also stored at its own seq under another seq (reported at the copied entry's seq). */
    DUPLICATE,
    /** A verified checkpoint covers more entries than are stored: the tail was deleted. */
    TRUNCATED,
    /** A checkpoint whose signature by a trusted key does not verify, that does not parse, or whose columns
     *  disagree with its signed note. */
    FORGED_CHECKPOINT,
    /** A checkpoint signed by no trusted key. */
    UNKNOWN_KEY_CHECKPOINT,
    /** A checkpoint's RFC 3161 timestamp token does not verify over its note. */
    TIMESTAMP_MISMATCH,
    /** Two consecutive verified checkpoints are further apart (in entries, or in signed creation time) than the
     *  cadence they state allows: a checkpoint between them was deleted or never made; or (with
     *  {@code --witness-key}) a trusted witness cosigned a checkpoint of a size no stored verified checkpoint has. */
    MISSING_CHECKPOINT,
    /** Entries after the newest verified checkpoint (or of a log without one) that the cadence says should have
     *  been sealed by a checkpoint longer ago than the allowed slack. */
    UNSEALED,
    /** A checkpoint without a timestamp token although a TSA certificate was given. */
    MISSING_TIMESTAMP,
    /** A checkpoint's timestamp is not bound in time to what it covers: genTime before the signed creation time,
     *  later than the allowed bound after it, earlier than a smaller checkpoint's genTime, or before the chained
     *  time of an entry it covers (a history re-chained or re-stamped later). */
    LATE_TIMESTAMP,
    /** A column derived from an event (in chained_events or a typed table) differs from what the event's bytes
     *  say; the detail names the table and column and gives both values. */
    COLUMN_MISMATCH,
    /** A row's event bytes do not decode with its stored schema (or the schema is not stored): no column derived
     *  from them can be checked. */
    UNDECODABLE,
    /** A typed-table row that no stored event gives. */
    ORPHAN_ROW,
    /** A second identical copy of a typed-table row. */
    DUPLICATE_ROW,
    /** An event whose typed-table row is absent. */
    MISSING_ROW,
    /** ({@code --witness-key}) A verified checkpoint with valid cosignatures from fewer distinct trusted witnesses
     *  than {@code --witness-quorum}, and not pending (docs/integrity.md §7.6). */
    MISSING_COSIGNATURE,
    /** ({@code --witness-key}) A stored cosignature that does not verify: a line of a trusted witness (name and key
     *  id) whose signature fails over the checkpoint it names, or a record that is not a cosigned checkpoint. */
    BAD_COSIGNATURE,
    /** ({@code --witness-key}) Stored cosignatures by a witness that no {@code --witness-key} names (once per log
     *  and witness). */
    UNKNOWN_WITNESS,
    /** The auditor's state ({@code --state}) remembers a verified checkpoint larger than the newest one stored, or
     *  (with {@code --witness-key}) a trusted witness cosigned one: the log was cut back (its tail deleted together
     *  with its checkpoints). */
    ROLLBACK,
    /** The stored log is not consistent with the checkpoint the auditor's state remembers: no RFC 9162 consistency
     *  proof from it to the newest stored checkpoint verifies (history rewritten, even if re-signed); or (with
     *  {@code --witness-key}) a trusted witness cosigned another checkpoint of a stored checkpoint's size. */
    FORK,
    /** A log the auditor's state remembers has no rows and no checkpoints any more. */
    VANISHED,
    /** An entry whose payload is gone (pruned: {@code event_bytes} empty, chain columns kept) although no retention
     *  policy allows it: no policy for its tenant and type, younger than the policy's minimum, under a legal hold in
     *  force, of a type never pruned, or not covered by a verified checkpoint (then its stored hash is not
     *  authenticated). Pruned entries within their policy are counted, not findings ({@link RetentionSummary}). */
    PRUNED_OUTSIDE_POLICY;

    /**
     * The lower-case, hyphenated name used in human and JSON output.
     *
     * @return e.g. {@code unknown-key-checkpoint}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
