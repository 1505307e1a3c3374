package io.attestream.verifier.internal;

import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.ChainHead;
import io.attestream.integrity.Hash;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.LogId;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.verifier.FindingKind;
import io.attestream.verifier.VerifierException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Checks the {@code checkpoints} columns the sink derives from the checkpoint against the signed note stored in the
 * same row: {@code head_seq} and {@code head_hash} must be the note's {@code chain-head} line and
 * {@code created_at} its {@code created} line (format 2; a format 1 note signs no creation time, so its
 * {@code created_at} stays unchecked). The note itself, and the {@code tree_size}/{@code root_hash} columns, are
 * verified by the chain check (signature, Merkle root); a note that does not parse is its finding, not this one's.
 * {@code trigger} and {@code record_bytes} are not derived from the note and are not checked.
 */
final class CheckpointColumns {
    private static final HexFormat HEX = HexFormat.of();

    private CheckpointColumns() {
    }

    /**
     * Checks every selected checkpoint row.
     *
     * @param reader the evidence
     * @param sel the selection (time range ignored, as for the chain check)
     * @param findings where findings go
     */
    static void run(EvidenceReader reader, EvidenceReader.Selection sel, DerivedColumns.FindingList findings) {
        String table = reader.tables().checkpoints();
        String sql = "SELECT tenant, agent_id, tree_size, key_name, note, head_seq, head_hash,"
                + " toUnixTimestamp64Micro(created_at) FROM " + table + sel.agentWhere()
                + " ORDER BY tenant, agent_id, tree_size";
        try (PreparedStatement ps = reader.connection().prepareStatement(sql)) {
            sel.bindAgent(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    check(LogId.of(rs.getString(1), rs.getString(2)), rs.getLong(3), rs.getString(4),
                            rs.getString(5), rs.getLong(6), Hash.of(rs.getBytes(7)), rs.getLong(8), findings);
                }
            }
        } catch (SQLException e) {
            throw new VerifierException("cannot read " + table + ": " + e.getMessage(), e);
        }
    }

    static void check(LogId log, long treeSize, String keyName, String note, long headSeq, Hash headHash,
            long createdAtMicros, DerivedColumns.FindingList findings) {
        Checkpoint c;
        ChainHead head;
        Optional<Instant> created;
        try {
            c = SignedCheckpoint.parse(note).checkpoint();
            head = c.chainHead();
            created = c.created();
        } catch (IntegrityException | IllegalArgumentException e) {
            return;
        }
        String where = "checkpoints.%s (tree size " + treeSize + ", key " + keyName + ")";
        long seq = Math.max(0, treeSize - 1);
        if (headSeq != head.nextSeq() - 1) {
            findings.add(log, seq, FindingKind.COLUMN_MISMATCH, String.format(where, "head_seq") + ": stored "
                    + headSeq + ", the signed note says " + (head.nextSeq() - 1));
        }
        if (!headHash.equals(head.hash())) {
            findings.add(log, seq, FindingKind.COLUMN_MISMATCH, String.format(where, "head_hash") + ": stored "
                    + HEX.formatHex(headHash.toBytes()) + ", the signed note says " + HEX.formatHex(head.hash().toBytes()));
        }
        if (created.isPresent()) {
            long signed = ChronoUnit.MICROS.between(Instant.EPOCH, created.get());
            if (signed != createdAtMicros) {
                findings.add(log, seq, FindingKind.COLUMN_MISMATCH, String.format(where, "created_at") + ": stored "
                        + Instant.EPOCH.plus(createdAtMicros, ChronoUnit.MICROS) + ", the signed note says "
                        + created.get());
            }
        }
    }
}
