package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.Cosignature;
import io.attestream.integrity.CosignatureVerifier;
import io.attestream.integrity.CosignerKey;
import io.attestream.integrity.Hash;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.LogId;
import io.attestream.integrity.NoteSignature;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.verifier.AgentResult;
import io.attestream.verifier.CheckpointRow;
import io.attestream.verifier.Finding;
import io.attestream.verifier.FindingKind;
import io.attestream.verifier.VerificationReport;
import io.attestream.verifier.VerifierException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The witness check ({@code verify --witness-key ... --witness-quorum K}, docs/integrity.md §7.6): every stored
 * checkpoint whose log signature verifies must carry valid C2SP tlog-cosignature/v1 cosignatures from at least K
 * distinct trusted witnesses, found in {@code checkpoint_attestations} by (tenant, agent_id, tree_size,
 * root_hash).
 *
 * <p>Rules, per log:
 * <ul>
 *   <li>Each attestation row's {@code record_bytes} (the signed note the witness answered: the checkpoint body and
 *       one cosignature line) is authoritative: it must parse, and the row's columns must equal it
 *       ({@link FindingKind#COLUMN_MISMATCH} naming {@code checkpoint_attestations.<column>}). A record that does
 *       not parse, or whose line is by a trusted witness (name and key id) and does not verify over the record's
 *       own checkpoint, is {@link FindingKind#BAD_COSIGNATURE}.</li>
 *   <li>A line by a witness no {@code --witness-key} names is {@link FindingKind#UNKNOWN_WITNESS}, once per log and
 *       witness: an auditor must know every witness that cosigns the logs (to check it, give its key; the quorum
 *       decides how many are required).</li>
 *   <li>A valid cosignature counts for the stored checkpoint whose body is the cosigned body. A trusted witness
 *       that cosigned another body at a stored size saw another history: {@link FindingKind#FORK}. One that
 *       cosigned a size larger than every stored verified checkpoint: {@link FindingKind#ROLLBACK}; a smaller size
 *       with no stored verified checkpoint: {@link FindingKind#MISSING_CHECKPOINT} (a checkpoint was deleted).</li>
 *   <li>A verified checkpoint with fewer than K distinct trusted witnesses (distinct by name) is
 *       {@link FindingKind#MISSING_COSIGNATURE}, unless it is <em>pending</em>: larger than the log's newest
 *       checkpoint that has the quorum, with a signed creation time less than {@link Settings#slack()} before the
 *       verifier's clock. The submitter sends checkpoints in size order and the sink lands the cosignatures a moment
 *       later, so the newest checkpoints of a live log wait for theirs; a checkpoint below a cosigned one, or older
 *       than the slack, is never pending. A format 1 checkpoint (no signed creation time) is never pending.</li>
 * </ul>
 * Checkpoints whose log signature does not verify are the chain check's findings and are not counted here.
 */
public final class WitnessCheck {
    private static final HexFormat HEX = HexFormat.of();

    private WitnessCheck() {
    }

    /**
     * What the witness check trusts and requires.
     *
     * @param witnesses the trusted witness keys
     * @param quorum distinct trusted witnesses (by name) each checkpoint needs, 1 .. number of distinct names
     * @param slack how long after its signed creation a checkpoint newer than the log's newest cosigned one may
     *     still wait for its cosignatures
     * @param clock the verifier's clock (for pending checkpoints)
     */
    public record Settings(CosignatureVerifier witnesses, int quorum, Duration slack, Clock clock) {
        /** Default slack: the submitter's longest back-off (60 s) plus landing lag, with room, as --seal-slack. */
        public static final Duration DEFAULT_SLACK = Duration.ofMinutes(10);

        /** Validates. */
        public Settings {
            requireNonNull(witnesses, "witnesses");
            requireNonNull(slack, "slack");
            requireNonNull(clock, "clock");
            int names = names(witnesses).size();
            if (quorum < 1 || quorum > names) {
                throw new IllegalArgumentException("--witness-quorum must be 1 .. " + names + " (the distinct witness "
                        + "names of --witness-key), got " + quorum);
            }
            if (slack.isNegative()) {
                throw new IllegalArgumentException("--witness-slack must not be negative, got " + slack);
            }
        }

        static Set<String> names(CosignatureVerifier v) {
            return v.trustedKeys().stream().map(CosignerKey::name).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /**
     * One {@code checkpoint_attestations} row.
     *
     * @param tenant tenant column
     * @param agentId agent_id column
     * @param treeSize tree_size column
     * @param rootHash root_hash column
     * @param witnessName witness_name column
     * @param witnessKeyId witness_key_id column (UInt32)
     * @param cosignature cosignature column (the signature line)
     * @param recordBytes record_bytes column (the Kafka value: the signed note)
     */
    public record AttestationRow(String tenant, String agentId, long treeSize, Hash rootHash, String witnessName,
            long witnessKeyId, String cosignature, byte[] recordBytes) {
        /** Validates and copies. */
        public AttestationRow {
            requireNonNull(tenant, "tenant");
            requireNonNull(agentId, "agentId");
            requireNonNull(rootHash, "rootHash");
            requireNonNull(witnessName, "witnessName");
            requireNonNull(cosignature, "cosignature");
            recordBytes = requireNonNull(recordBytes, "recordBytes").clone();
        }

        @Override
        public byte[] recordBytes() {
            return recordBytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof AttestationRow r && r.tenant.equals(tenant) && r.agentId.equals(agentId)
                    && r.treeSize == treeSize && r.rootHash.equals(rootHash) && r.witnessName.equals(witnessName)
                    && r.witnessKeyId == witnessKeyId && r.cosignature.equals(cosignature)
                    && Arrays.equals(r.recordBytes, recordBytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(treeSize) * 31 + cosignature.hashCode();
        }

        @Override
        public String toString() {
            return "AttestationRow[" + tenant + "/" + agentId + " size " + treeSize + " by " + witnessName + "]";
        }
    }

    /**
     * What the check counted.
     *
     * @param checkpoints verified checkpoints checked
     * @param withQuorum those with the quorum of valid cosignatures
     * @param pending those without it that may still get it (newer than the newest cosigned one, within the slack)
     * @param missing those reported {@link FindingKind#MISSING_COSIGNATURE}
     * @param validCosignatures valid cosignatures by trusted witness name (rows; a witness may cosign twice)
     */
    public record Tally(int checkpoints, int withQuorum, int pending, int missing, Map<String, Integer> validCosignatures) {
        /** Copies. */
        public Tally {
            validCosignatures = Map.copyOf(validCosignatures);
        }
    }

    /**
     * The result: findings and counts.
     *
     * @param findings every finding, ordered by tenant, agent, seq
     * @param tally the counts
     */
    public record Result(List<Finding> findings, Tally tally) {
        /** Copies. */
        public Result {
            findings = List.copyOf(findings);
            requireNonNull(tally, "tally");
        }

        /**
         * The report with these findings added to their agents (agents only cosignatures name are added).
         *
         * @param report the chain report
         * @return the merged report
         */
        public VerificationReport mergeInto(VerificationReport report) {
            List<AgentResult> merged = new ArrayList<>(DerivedColumns.merge(report.agents(), findings));
            merged.sort(Comparator.comparing(AgentResult::tenant).thenComparing(AgentResult::agentId));
            return new VerificationReport(merged, report.rows(), report.elapsed());
        }

        /**
         * One line for people.
         *
         * @param s the settings
         * @return e.g. {@code witnesses: quorum 1 of [w1]; 80 checkpoint(s): 80 with quorum, 0 pending, 0 missing}
         */
        public String summary(Settings s) {
            return "witnesses: quorum " + s.quorum() + " of " + Settings.names(s.witnesses()) + "; "
                    + tally.checkpoints() + " checkpoint(s): " + tally.withQuorum() + " with quorum, " + tally.pending()
                    + " pending (newer than the newest cosigned one, created within " + s.slack() + "), "
                    + tally.missing() + " missing; valid cosignatures " + new TreeMap<>(tally.validCosignatures());
        }
    }

    /**
     * Reads the selected checkpoints and attestations and checks them.
     *
     * @param reader the evidence
     * @param sel the selection (time range ignored: checkpoints are whole-log objects)
     * @param attestationsTable the table, e.g. {@code attestream.checkpoint_attestations}
     * @param logKeys the trusted checkpoint keys ({@code --key})
     * @param s the witness settings
     * @return the findings and counts
     * @throws VerifierException when a table cannot be read
     */
    public static Result run(EvidenceReader reader, EvidenceReader.Selection sel, String attestationsTable,
            CheckpointVerifier logKeys, Settings s) {
        return check(reader.checkpoints(sel), readAttestations(reader, sel, attestationsTable), logKeys, s);
    }

    static Map<LogId, List<AttestationRow>> readAttestations(EvidenceReader reader, EvidenceReader.Selection sel,
            String table) {
        String sql = "SELECT tenant, agent_id, tree_size, root_hash, witness_name, witness_key_id, cosignature,"
                + " record_bytes FROM " + table + sel.agentWhere() + " ORDER BY tenant, agent_id, tree_size";
        Map<LogId, List<AttestationRow>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = reader.connection().prepareStatement(sql)) {
            sel.bindAgent(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    AttestationRow a = new AttestationRow(rs.getString(1), rs.getString(2), rs.getLong(3),
                            Hash.of(rs.getBytes(4)), rs.getString(5), rs.getLong(6),
                            new String(rs.getBytes(7), StandardCharsets.UTF_8), rs.getBytes(8));
                    out.computeIfAbsent(LogId.of(a.tenant(), a.agentId()), k -> new ArrayList<>()).add(a);
                }
            }
        } catch (SQLException e) {
            throw new VerifierException("cannot read witness cosignatures from " + table + ": " + e.getMessage()
                    + " (the evidence sink creates it in migration V006; --attestations-table names another)", e);
        }
        return out;
    }

    /**
     * Checks stored checkpoints against stored attestations (no I/O).
     *
     * @param checkpoints stored checkpoints by log
     * @param attestations stored attestation rows by log
     * @param logKeys the trusted checkpoint keys
     * @param s the witness settings
     * @return the findings and counts
     */
    public static Result check(Map<LogId, List<CheckpointRow>> checkpoints,
            Map<LogId, List<AttestationRow>> attestations, CheckpointVerifier logKeys, Settings s) {
        requireNonNull(checkpoints, "checkpoints");
        requireNonNull(attestations, "attestations");
        requireNonNull(logKeys, "logKeys");
        requireNonNull(s, "s");
        Set<LogId> logs = new TreeSet<>(Comparator.comparing(LogId::tenant).thenComparing(LogId::agentId));
        logs.addAll(checkpoints.keySet());
        logs.addAll(attestations.keySet());
        Counter c = new Counter();
        List<Finding> findings = new ArrayList<>();
        for (LogId log : logs) {
            checkLog(log, checkpoints.getOrDefault(log, List.of()), attestations.getOrDefault(log, List.of()), logKeys,
                    s, c, findings);
        }
        findings.sort(Comparator.comparing(Finding::tenant).thenComparing(Finding::agentId)
                .thenComparingLong(Finding::seq));
        return new Result(findings, new Tally(c.checkpoints, c.withQuorum, c.pending, c.missing, c.valid));
    }

    private static final class Counter {
        int checkpoints;
        int withQuorum;
        int pending;
        int missing;
        final Map<String, Integer> valid = new TreeMap<>();
    }

    /** A verified stored checkpoint and the trusted witnesses whose valid cosignature of its body was found. */
    private static final class Stored {
        final Checkpoint checkpoint;
        final Set<String> witnesses = new TreeSet<>();

        Stored(Checkpoint checkpoint) {
            this.checkpoint = checkpoint;
        }
    }

    private static void checkLog(LogId log, List<CheckpointRow> rows, List<AttestationRow> atts,
            CheckpointVerifier logKeys, Settings s, Counter c, List<Finding> out) {
        // Verified stored checkpoints by size; two different verified bodies of one size are the chain check's
        // finding, and each needs its own quorum here.
        TreeMap<Long, List<Stored>> bySize = new TreeMap<>();
        for (CheckpointRow r : rows) {
            Checkpoint cp;
            try {
                cp = logKeys.verify(r.note(), log.origin()).checkpoint();
            } catch (IntegrityException | IllegalArgumentException notVerified) {
                continue;
            }
            List<Stored> same = bySize.computeIfAbsent(cp.treeSize(), k -> new ArrayList<>());
            if (same.stream().noneMatch(x -> x.checkpoint.equals(cp))) {
                same.add(new Stored(cp));
            }
        }
        long largest = bySize.isEmpty() ? 0 : bySize.lastKey();
        Map<String, AttestationRow> unknown = new LinkedHashMap<>();
        Map<String, Integer> unknownCount = new LinkedHashMap<>();
        for (AttestationRow a : atts) {
            String where = "cosignature by " + a.witnessName() + " on the checkpoint of size " + a.treeSize();
            long seq = Math.max(0, a.treeSize() - 1);
            SignedCheckpoint note;
            try {
                note = SignedCheckpoint.parse(new String(a.recordBytes(), StandardCharsets.UTF_8));
                if (note.signatures().size() != 1) {
                    throw new IntegrityException("the record has " + note.signatures().size()
                            + " signature lines, a cosignature record has exactly one");
                }
                Cosignature.fromLine(note.signatures().get(0));
            } catch (IntegrityException | IllegalArgumentException e) {
                out.add(finding(log, seq, FindingKind.BAD_COSIGNATURE, where + ": checkpoint_attestations.record_bytes "
                        + "is not a cosigned checkpoint: " + e.getMessage()));
                continue;
            }
            Checkpoint cosigned = note.checkpoint();
            NoteSignature line = note.signatures().get(0);
            columns(log, a, cosigned, line, seq, out);
            if (!cosigned.origin().equals(log.origin())) {
                // Reported by columns(); counted for no checkpoint of this log.
                continue;
            }
            boolean trusted = s.witnesses().trustedKeys().stream().anyMatch(k -> k.matches(line));
            if (!trusted) {
                String id = line.keyName() + "+" + String.format("%08x", line.keyId());
                unknown.putIfAbsent(id, a);
                unknownCount.merge(id, 1, Integer::sum);
                continue;
            }
            List<Cosignature> ok;
            try {
                ok = s.witnesses().verify(cosigned, List.of(line));
            } catch (IntegrityException e) {
                out.add(finding(log, seq, FindingKind.BAD_COSIGNATURE, where + ": " + e.getMessage()));
                continue;
            }
            Cosignature cs = ok.get(0);
            c.valid.merge(cs.keyName(), 1, Integer::sum);
            List<Stored> at = bySize.getOrDefault(cosigned.treeSize(), List.of());
            Optional<Stored> match = at.stream().filter(x -> x.checkpoint.equals(cosigned)).findFirst();
            if (match.isPresent()) {
                match.get().witnesses.add(cs.keyName());
            } else if (!at.isEmpty()) {
                Checkpoint stored = at.get(0).checkpoint;
                out.add(finding(log, seq, FindingKind.FORK, "trusted witness " + cs.keyName() + " cosigned (at "
                        + cs.time() + ") another checkpoint of size " + cosigned.treeSize() + ": root "
                        + cosigned.rootHash().base64() + describeCreated(cosigned) + ", while the stored checkpoint "
                        + "of that size has root " + stored.rootHash().base64() + describeCreated(stored)
                        + ": the history the witness saw is not the stored one"));
            } else if (cosigned.treeSize() > largest) {
                out.add(finding(log, seq, FindingKind.ROLLBACK, "trusted witness " + cs.keyName() + " cosigned (at "
                        + cs.time() + ") the checkpoint of size " + cosigned.treeSize() + " (root "
                        + cosigned.rootHash().base64() + "), but the largest stored verified checkpoint has size "
                        + largest + ": the log was cut back"));
            } else {
                out.add(finding(log, seq, FindingKind.MISSING_CHECKPOINT, "trusted witness " + cs.keyName()
                        + " cosigned (at " + cs.time() + ") the checkpoint of size " + cosigned.treeSize() + " (root "
                        + cosigned.rootHash().base64() + "), which is not stored (no stored checkpoint of that size "
                        + "verifies)"));
            }
        }
        for (Map.Entry<String, AttestationRow> e : unknown.entrySet()) {
            AttestationRow first = e.getValue();
            out.add(finding(log, Math.max(0, first.treeSize() - 1), FindingKind.UNKNOWN_WITNESS,
                    unknownCount.get(e.getKey()) + " cosignature(s) by witness " + e.getKey() + " (first on the "
                            + "checkpoint of size " + first.treeSize() + "), which no --witness-key names: give its "
                            + "key to check them"));
        }
        long newestWithQuorum = 0;
        for (Map.Entry<Long, List<Stored>> e : bySize.entrySet()) {
            for (Stored x : e.getValue()) {
                if (x.witnesses.size() >= s.quorum()) {
                    newestWithQuorum = Math.max(newestWithQuorum, e.getKey());
                }
            }
        }
        Instant now = s.clock().instant();
        for (Map.Entry<Long, List<Stored>> e : bySize.entrySet()) {
            for (Stored x : e.getValue()) {
                c.checkpoints++;
                if (x.witnesses.size() >= s.quorum()) {
                    c.withQuorum++;
                    continue;
                }
                Optional<Instant> created = x.checkpoint.created();
                if (e.getKey() > newestWithQuorum && created.isPresent()
                        && created.get().isAfter(now.minus(s.slack()))) {
                    c.pending++;
                    continue;
                }
                c.missing++;
                out.add(finding(log, Math.max(0, e.getKey() - 1), FindingKind.MISSING_COSIGNATURE, "checkpoint of "
                        + "size " + e.getKey() + " (root " + x.checkpoint.rootHash().base64()
                        + describeCreated(x.checkpoint) + ") has valid cosignatures from " + x.witnesses.size()
                        + " trusted witness(es) " + x.witnesses + ", the quorum is " + s.quorum() + " of "
                        + Settings.names(s.witnesses())
                        + (e.getKey() > newestWithQuorum ? "" : " (a larger checkpoint of this log has its quorum)")));
            }
        }
    }

    /** The row's columns against its record: the record is what the witness answered and what the line signs. */
    private static void columns(LogId log, AttestationRow a, Checkpoint cosigned, NoteSignature line, long seq,
            List<Finding> out) {
        String where = " (cosignature by " + line.keyName() + ", size " + cosigned.treeSize() + ")";
        if (!cosigned.origin().equals(log.origin())) {
            out.add(finding(log, seq, FindingKind.COLUMN_MISMATCH, "checkpoint_attestations.tenant/agent_id" + where
                    + ": stored " + log.tenant() + "/" + log.agentId() + ", the record is for log " + cosigned.origin()));
        }
        if (a.treeSize() != cosigned.treeSize()) {
            out.add(finding(log, seq, FindingKind.COLUMN_MISMATCH, "checkpoint_attestations.tree_size" + where
                    + ": stored " + a.treeSize() + ", the record says " + cosigned.treeSize()));
        }
        if (!a.rootHash().equals(cosigned.rootHash())) {
            out.add(finding(log, seq, FindingKind.COLUMN_MISMATCH, "checkpoint_attestations.root_hash" + where
                    + ": stored " + HEX.formatHex(a.rootHash().toBytes()) + ", the record says "
                    + HEX.formatHex(cosigned.rootHash().toBytes())));
        }
        if (!a.witnessName().equals(line.keyName())) {
            out.add(finding(log, seq, FindingKind.COLUMN_MISMATCH, "checkpoint_attestations.witness_name" + where
                    + ": stored " + a.witnessName() + ", the record says " + line.keyName()));
        }
        if (a.witnessKeyId() != Integer.toUnsignedLong(line.keyId())) {
            out.add(finding(log, seq, FindingKind.COLUMN_MISMATCH, "checkpoint_attestations.witness_key_id" + where
                    + ": stored " + a.witnessKeyId() + ", the record says " + Integer.toUnsignedLong(line.keyId())));
        }
        if (!a.cosignature().equals(line.line())) {
            out.add(finding(log, seq, FindingKind.COLUMN_MISMATCH, "checkpoint_attestations.cosignature" + where
                    + ": stored '" + a.cosignature() + "', the record's line is '" + line.line() + "'"));
        }
    }

    private static String describeCreated(Checkpoint c) {
        return c.created().map(t -> ", created " + t).orElse("");
    }

    private static Finding finding(LogId log, long seq, FindingKind kind, String detail) {
        return new Finding(log.tenant(), log.agentId(), seq, kind, detail);
    }
}
