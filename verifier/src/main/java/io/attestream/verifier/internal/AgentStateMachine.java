package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.ChainBrokenException;
import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.Checkpoint;
import io.attestream.integrity.CheckpointVerifier;
import io.attestream.integrity.CompactMerkleTree;
import io.attestream.integrity.ConsistencyProof;
import io.attestream.integrity.Hash;
import io.attestream.integrity.IntegrityException;
import io.attestream.integrity.LogId;
import io.attestream.integrity.LogState;
import io.attestream.integrity.SignatureInvalidException;
import io.attestream.integrity.SignedCheckpoint;
import io.attestream.integrity.UnknownKeyException;
import io.attestream.integrity.VerifiedTimestamp;
import io.attestream.verifier.AgentResult;
import io.attestream.verifier.ChainVerifier;
import io.attestream.verifier.CheckpointRow;
import io.attestream.verifier.EventRow;
import io.attestream.verifier.Finding;
import io.attestream.verifier.FindingKind;
import io.attestream.verifier.VerifierException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Optional;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The per-agent state machine behind {@link ChainVerifier.AgentRun}.
 *
 * <p>Fast path: the last accepted row is <em>held</em> (not yet a Merkle leaf) until the next row links to it,
 * so a row whose bytes and hash were both rewritten is still caught by its successor. A row that does not
 * recompute, does not link, or comes at an unexpected seq opens an <em>anomaly region</em>: rows are buffered
 * until two consecutive self-consistent rows link again, then the region is analysed as a whole (replays,
 * true positions of displaced rows, the genuine row of each seq, gaps), findings are emitted and the entry
 * hashes the chain attests are appended to the tree.
 */
public final class AgentStateMachine implements ChainVerifier.AgentRun {
    /** How far around its stored seq a row that does not recompute is tried, to recognise local swaps. */
    private static final int NEIGHBOURHOOD = 8;

    private final LogId log;
    private final String tenant;
    private final String agentId;
    private final Map<Integer, Hash> fingerprints;
    private final int maxRegion;
    private final List<Finding> findings = new ArrayList<>();
    private final List<TrustedCheckpoint> trusted = new ArrayList<>();
    private final int storedCheckpoints;
    private final ChainVerifier.Settings settings;
    private final List<CoverageCheck.Seal> seals = new ArrayList<>();
    private final CoverageCheck coverage;
    /** Subjects of the TSA certificates whose tokens verified. */
    private final Set<String> tsaSubjects = new TreeSet<>();
    private CheckpointRow newestVerifiedRow;
    /** The auditor's remembered checkpoint (--state): its size and signed root, or null. */
    private final Checkpoint remembered;
    /** Root of the rebuilt tree at the remembered size, once reached. */
    private Hash rootAtRemembered;
    /** Consistency proof from the remembered size to the largest trusted one, built as leaves pass. */
    private final ConsistencyBuilder consistency;
    private int timestampsVerified;
    private int timestampsUnchecked;
    private int checkpointsVerified;
    private long latestVerified;

    /** Appends in place: one frontier for the whole log instead of a new tree per leaf. */
    private final CompactMerkleTree.Builder tree;
    /** Entries walked so far: the seq the next leaf gets. Equals tree.size() unless the tree is broken. */
    private long nextSeq;
    /** Hash of entry nextSeq - 1 as attested, or genesis. */
    private Hash base;
    /** Set when a leaf could not be recovered (a gap of several rows): later roots cannot be checked. */
    private long brokenAt = -1;
    private int nextCheckpoint;
    /** Size of the last checkpoint whose root matched, for locating re-chained stretches. */
    private long lastMatchedSize;

    /** Tree size of the smallest verified format 2 checkpoint; entries from that seq on must be version 2. */
    private long firstFormat2Size = Long.MAX_VALUE;
    /** Highest entry version of a self-consistent row so far, and its seq (for the version order rule). */
    private int highestVersion;
    private long highestVersionSeq = -1;

    private Row held;
    private List<Row> region;
    private long rows;
    private long lastLabel = -1;
    private boolean finished;
    private final boolean checkTail;

    /** Stored hash to stored seq of every row seen in an anomaly region, and of each region's base. */
    private final Map<Hash, Long> anomalyIndex = new HashMap<>();
    /** Rows reported MODIFIED without a position, with their finding's index: re-examined at the end. */
    private final List<Unexplained> unexplained = new ArrayList<>();
    /** Rows stored under another seq than the entry they are: (stored seq, true seq, hash). */
    private final List<Displaced> displaced = new ArrayList<>();
    /** Positions whose stored row is another entry and where no row recomputes: missing unless found elsewhere. */
    private final TreeSet<Long> vacated = new TreeSet<>();
    /** Positions with no valid row stored under their own seq (gaps as ranges [from, to)), for copies. */
    private final TreeMap<Long, Long> notOwnRow = new TreeMap<>();
    /** Hash of each trusted checkpoint's chain head by tree size: which of two rows a tail entry really is. */
    private final Map<Long, Hash> headBySize = new HashMap<>();
    /** Tree sizes of stored checkpoints already reported (forged, unknown key): not missing, but not trusted. */
    private final Set<Long> reportedCheckpointSizes = new HashSet<>();

    /**
     * @param log the log
     * @param checkpoints its stored checkpoints
     * @param checks the signature and timestamp checks of the checkpoints (trusted keys, TSA trust or none)
     * @param fingerprints re-derived schema fingerprints by schema id
     * @param maxRegion most rows buffered around one anomaly
     * @param start the log state before the first row to be fed (empty for a whole log); checkpoints up to
     *     its size are not checked
     * @param checkTail whether rows up to the end of the log will be fed, so that a checkpoint larger than
     *     what was fed means a truncated tail, and entries after the newest checkpoint are an unsealed tail
     * @param settings coverage and time-binding settings
     * @param remembered the checkpoint the auditor's state remembers for this whole log, or null
     * @throws VerifierException when the remembered note does not verify with the keys
     */
    public AgentStateMachine(LogId log, List<CheckpointRow> checkpoints, CheckpointChecks checks,
            Map<Integer, Hash> fingerprints, int maxRegion, LogState start,
            boolean checkTail, ChainVerifier.Settings settings, CheckpointRow remembered) {
        this.log = requireNonNull(log, "log");
        this.settings = requireNonNull(settings, "settings");
        this.tenant = log.tenant();
        this.agentId = log.agentId();
        this.fingerprints = requireNonNull(fingerprints, "fingerprints");
        this.maxRegion = maxRegion;
        if (!start.head().log().equals(log)) {
            throw new IllegalArgumentException("start state of " + start.head().log() + " given for " + log);
        }
        this.tree = start.tree().toBuilder();
        this.nextSeq = start.size();
        this.base = start.head().hash();
        this.lastMatchedSize = nextSeq;
        this.checkTail = checkTail;
        List<CheckpointRow> sorted = new ArrayList<>(checkpoints);
        sorted.sort(Comparator.comparingLong(CheckpointRow::treeSize));
        int count = 0;
        for (CheckpointRow c : sorted) {
            if (c.treeSize() > nextSeq) {
                checkCheckpoint(c, requireNonNull(checks, "checks"));
                count++;
            }
        }
        this.storedCheckpoints = count;
        trusted.sort(Comparator.comparingLong(TrustedCheckpoint::size));
        for (TrustedCheckpoint c : trusted) {
            headBySize.putIfAbsent(c.size(), c.head());
        }
        this.coverage = new CoverageCheck(seals, reportedCheckpointSizes, settings, nextSeq, checkTail);
        this.remembered = remembered == null ? null : verifyRemembered(remembered, checks.keys());
        long largest = trusted.isEmpty() ? 0 : trusted.get(trusted.size() - 1).size();
        this.consistency = this.remembered != null && largest > this.remembered.treeSize() && nextSeq == 0
                ? new ConsistencyBuilder(this.remembered.treeSize(), largest) : null;
    }

    private Checkpoint verifyRemembered(CheckpointRow r, CheckpointVerifier keys) {
        try {
            return keys.verify(r.note(), log.origin()).checkpoint();
        } catch (IntegrityException e) {
            throw new VerifierException("the auditor state's checkpoint of " + log + " (tree size " + r.treeSize()
                    + ") does not verify with the given keys (after a key rotation pass the old key too): "
                    + e.getMessage(), e);
        }
    }

    private record TrustedCheckpoint(long size, Hash root, Hash head, String keyName, CheckpointRow row) {
    }

    private record Unexplained(Row row, int findingIndex) {
    }

    private record Displaced(long label, long trueSeq, Hash hash) {
    }

    private void checkCheckpoint(CheckpointRow c, CheckpointChecks checks) {
        if (!c.tenant().equals(tenant) || !c.agentId().equals(agentId)) {
            throw new VerifierException("checkpoint of " + c.tenant() + "/" + c.agentId() + " given to the run of "
                    + log);
        }
        long at = Math.max(0, c.treeSize() - 1);
        String what = "checkpoint of tree size " + c.treeSize() + " (key " + c.keyName() + ")";
        SignedCheckpoint signed;
        Checkpoint cp;
        Hash head;
        try {
            signed = checks.note(log, c);
            cp = signed.checkpoint();
            // Throws when the extension lines are not an attestream layout (chain-head is required).
            head = cp.chainHead().hash();
        } catch (UnknownKeyException e) {
            reportedCheckpointSizes.add(c.treeSize());
            add(at, FindingKind.UNKNOWN_KEY_CHECKPOINT, what + " is signed by no trusted key: " + e.getMessage());
            return;
        } catch (SignatureInvalidException e) {
            reportedCheckpointSizes.add(c.treeSize());
            add(at, FindingKind.FORGED_CHECKPOINT, what + ": signature does not verify: " + e.getMessage());
            return;
        } catch (IntegrityException e) {
            reportedCheckpointSizes.add(c.treeSize());
            add(at, FindingKind.FORGED_CHECKPOINT, what + " is not a valid signed checkpoint of this log: "
                    + e.getMessage());
            return;
        }
        if (cp.treeSize() != c.treeSize() || !cp.rootHash().equals(c.rootHash())) {
            add(at, FindingKind.FORGED_CHECKPOINT, what + ": stored columns say size " + c.treeSize() + " root "
                    + c.rootHash().base64() + " but the signed note says size " + cp.treeSize() + " root "
                    + cp.rootHash().base64());
        }
        byte[] ts = c.timestamp();
        Instant genTime = null;
        if (ts != null) {
            if (!checks.timestampsChecked()) {
                timestampsUnchecked++;
            } else {
                try {
                    VerifiedTimestamp v = checks.timestamp(log, c);
                    timestampsVerified++;
                    genTime = v.genTime();
                    tsaSubjects.add(v.tsaSubject());
                } catch (IntegrityException e) {
                    add(Math.max(0, cp.treeSize() - 1), FindingKind.TIMESTAMP_MISMATCH,
                            what + ": timestamp does not verify: " + e.getMessage());
                }
            }
        } else if (checks.timestampsChecked()) {
            add(at, FindingKind.MISSING_TIMESTAMP, what + " has no timestamp token (timestamp_token is NULL) although "
                    + "a TSA certificate was given: nothing outside the operator dates it");
        }
        // Checkpoint formats never go back either, and entries chained after the first format 2 checkpoint
        // (seq >= its size) were chained by an upgraded chainer: version 2 (docs/integrity.md §2.3).
        if (cp.formatVersion() >= Checkpoint.FORMAT_2) {
            firstFormat2Size = Math.min(firstFormat2Size, cp.treeSize());
        } else if (cp.treeSize() > firstFormat2Size) {
            add(at, FindingKind.FORGED_CHECKPOINT, what + " is in checkpoint format 1 but the checkpoint of tree size "
                    + firstFormat2Size + " is already in format 2: checkpoint formats never go back");
        }
        if (cp.treeSize() > 0) {
            trusted.add(new TrustedCheckpoint(cp.treeSize(), cp.rootHash(), head, c.keyName(), c));
            seals.add(new CoverageCheck.Seal(cp.treeSize(), CoverageCheck.cadenceOf(cp, settings),
                    cp.created().orElse(null), genTime, c.keyName()));
        }
    }

    // ---------------------------------------------------------------- rows

    /** A stored row with what the verifier derived from it. */
    private final class Row {
        final EventRow stored;
        final long label;
        final byte[] fingerprint;
        final boolean headerOk;
        final boolean selfOk;
        long trueSeq = -1;
        boolean reordered;

        Row(EventRow r) {
            this.stored = r;
            this.label = r.seq();
            // A row whose entry version is unknown or whose chained time cannot be hashed never recomputes.
            this.headerOk = r.headerMatchesSchemaId() && ChainEntry.knownVersion(r.entryVersion())
                    && r.chainedAtMicros() >= 0;
            Hash derived = fingerprints.get(r.schemaId());
            this.fingerprint = (derived != null ? derived : r.schemaFingerprint()).toBytes();
            // A pruned row (payload removed by retention, chain columns kept) has nothing to recompute: its stored
            // hash stands for the entry at its own seq, bound by the next entry's recomputed hash (which covers
            // prev_hash) and by every verified Merkle root over it (docs/integrity.md §7.6). Whether the pruning
            // was allowed is RetentionCheck's question.
            this.selfOk = r.pruned() ? ChainEntry.knownVersion(r.entryVersion()) && r.chainedAtMicros() >= 0
                    : headerOk && recomputeAt(label).equals(r.hash());
            if (selfOk) {
                trueSeq = label;
            }
        }

        Hash prev() {
            return stored.prevHash();
        }

        Hash hash() {
            return stored.hash();
        }

        Hash recomputeAt(long seq) {
            if (stored.pruned() && seq == label) {
                return stored.hash();
            }
            return stored.recomputeHash(log, seq, fingerprint);
        }

        String whyNot() {
            if (!ChainEntry.knownVersion(stored.entryVersion())) {
                return "its entry_version " + stored.entryVersion() + " is not a known chain entry format";
            }
            if (stored.chainedAtMicros() < 0) {
                return "its chained_at is before 1970, which no entry format hashes";
            }
            if (stored.pruned()) {
                return "its payload is pruned and its stored hash " + hash().base64() + " is not what the chain"
                        + " attests for this seq";
            }
            if (!headerOk) {
                return "its stored bytes do not start with a wire-format header naming schema id "
                        + stored.schemaId();
            }
            Hash derived = fingerprints.get(stored.schemaId());
            if (derived != null && !derived.equals(stored.schemaFingerprint())) {
                return "its stored schema fingerprint differs from the one derived from schema " + stored.schemaId()
                        + "'s text";
            }
            return "its bytes recompute to " + recomputeAt(label).base64() + ", not the stored hash "
                    + hash().base64();
        }
    }

    @Override
    public void accept(EventRow row) {
        requireNonNull(row, "row");
        if (finished) {
            throw new IllegalStateException("run of " + log + " already finished");
        }
        if (!row.tenant().equals(tenant) || !row.agentId().equals(agentId)) {
            throw new VerifierException("row of " + row.tenant() + "/" + row.agentId() + " seq " + row.seq()
                    + " given to the run of " + log);
        }
        if (row.seq() < lastLabel) {
            throw new VerifierException("rows of " + log + " out of seq order: " + row.seq() + " after " + lastLabel
                    + " (the row source must order by seq)");
        }
        lastLabel = row.seq();
        rows++;
        Row x = new Row(row);
        checkVersionOrder(x);
        if (region != null) {
            region.add(x);
            if (region.size() >= maxRegion) {
                List<Row> r = region;
                region = null;
                analyse(r, null, x.label + 1);
            } else {
                tryResync();
            }
            return;
        }
        long expected = nextSeq + (held != null ? 1 : 0);
        Hash link = held != null ? held.hash() : base;
        if (x.label == expected && x.selfOk && x.prev().equals(link)) {
            if (held != null) {
                appendLeaf(held.hash(), held);
            }
            held = x;
            return;
        }
        region = new ArrayList<>();
        if (held != null) {
            region.add(held);
            held = null;
        }
        region.add(x);
    }

    /**
     * Entry versions never decrease along a log (docs/integrity.md §2.3): a self-consistent row of a lower version
     * than an earlier self-consistent row is reported, as a downgrade that escapes the newer format's guarantees.
     */
    private void checkVersionOrder(Row x) {
        if (!x.selfOk) {
            return;
        }
        int floor = x.label >= firstFormat2Size ? ChainEntry.VERSION_2 : ChainEntry.VERSION_1;
        if (x.stored.entryVersion() < floor) {
            add(x.label, FindingKind.MODIFIED, "the row at seq " + x.label + " is entry version "
                    + x.stored.entryVersion() + " but was chained after the format 2 checkpoint of tree size "
                    + firstFormat2Size + ", when only entry version 2 is written");
            return;
        }
        try {
            ChainEntry.checkVersionOrder(log, x.label, highestVersion, x.stored.entryVersion());
        } catch (ChainBrokenException e) {
            add(x.label, FindingKind.MODIFIED, "the row at seq " + x.label + " is entry version "
                    + x.stored.entryVersion() + " after entry version " + highestVersion + " at seq "
                    + highestVersionSeq + ": entry versions never decrease along a log");
            return;
        }
        if (x.stored.entryVersion() > highestVersion) {
            highestVersion = x.stored.entryVersion();
            highestVersionSeq = x.label;
        }
    }

    private void tryResync() {
        int n = region.size();
        if (n < 2) {
            return;
        }
        Row x = region.get(n - 2);
        Row y = region.get(n - 1);
        if (y.label == x.label + 1 && x.selfOk && y.selfOk && y.prev().equals(x.hash())) {
            List<Row> r = new ArrayList<>(region.subList(0, n - 1));
            region = null;
            analyse(r, y.prev(), y.label);
            held = y;
        }
    }

    @Override
    public AgentResult finish() {
        if (finished) {
            throw new IllegalStateException("run of " + log + " already finished");
        }
        finished = true;
        if (region != null) {
            List<Row> r = region;
            region = null;
            analyse(r, null, lastLabel + 1);
        }
        if (held != null) {
            appendLeaf(held.hash(), held);
            held = null;
        }
        reexamineUnexplained();
        reportLossesAndCopies();
        TrustedCheckpoint largest = trusted.isEmpty() ? null : trusted.get(trusted.size() - 1);
        if (checkTail && largest != null && largest.size() > nextSeq) {
            long beyond = trusted.stream().filter(c -> c.size() > nextSeq).count();
            add(nextSeq, FindingKind.TRUNCATED, "signed checkpoint of tree size " + largest.size() + " covers seq 0.."
                    + (largest.size() - 1) + " but only " + nextSeq + " entries are stored (" + (largest.size()
                    - nextSeq) + " missing at the tail" + (beyond > 1 ? "; " + beyond + " checkpoints affected" : "")
                    + ")");
        }
        coverage.finish(nextSeq, this::add);
        checkAgainstRemembered();
        findings.sort(Comparator.comparingLong(Finding::seq).thenComparing(Finding::kind));
        return new AgentResult(tenant, agentId, rows, Math.max(nextSeq, lastLabel + 1), storedCheckpoints,
                checkpointsVerified, latestVerified, timestampsVerified, timestampsUnchecked, findings,
                List.copyOf(tsaSubjects), newestVerifiedRow);
    }

    // ---------------------------------------------------------------- Merkle

    /**
     * Appends the entry hash the chain attests for seq nextSeq.
     *
     * @param leaf the hash
     * @param row the stored row that is this entry (recomputes there), or null when only its successor attests it
     */
    private void appendLeaf(Hash leaf, Row row) {
        if (row != null) {
            coverage.observe(nextSeq, row.stored.chainedAtMicros());
        }
        if (brokenAt < 0) {
            tree.append(leaf);
            if (consistency != null) {
                consistency.offer(nextSeq, leaf);
            }
        }
        nextSeq++;
        if (remembered != null && nextSeq == remembered.treeSize() && brokenAt < 0) {
            rootAtRemembered = tree.root();
        }
        base = leaf;
        while (nextCheckpoint < trusted.size() && trusted.get(nextCheckpoint).size() <= nextSeq) {
            TrustedCheckpoint c = trusted.get(nextCheckpoint++);
            if (c.size() < nextSeq || brokenAt >= 0) {
                continue;
            }
            Hash root = tree.root();
            boolean headOk = c.head() == null || c.head().equals(leaf);
            if (root.equals(c.root()) && headOk) {
                checkpointsVerified++;
                latestVerified = Math.max(latestVerified, c.size());
                newestVerifiedRow = c.row();
                lastMatchedSize = c.size();
            } else {
                add(lastMatchedSize, FindingKind.MODIFIED, "entries seq " + lastMatchedSize + ".." + (c.size() - 1)
                        + " were re-chained: their Merkle root " + root.base64() + " differs from the signed root "
                        + c.root().base64() + " of the checkpoint of tree size " + c.size() + " (key " + c.keyName()
                        + ")" + (headOk ? "" : "; its chain head names another hash for seq " + (c.size() - 1)));
            }
        }
    }

    private void markBroken(long seq) {
        if (brokenAt < 0) {
            brokenAt = seq;
        }
    }

    // ---------------------------------------------------------------- anomaly analysis

    /**
     * Decides what happened in a buffered stretch of rows.
     *
     * @param in the rows, in stored order; the first is at seq nextSeq or later
     * @param endAttest the hash of entry endSeq - 1 as the row after the region links to it, or null
     * @param endSeq the first seq after the region
     */
    private void analyse(List<Row> in, Hash endAttest, long endSeq) {
        long start = nextSeq;
        if (start > 0) {
            anomalyIndex.put(base, start - 1);
        }
        // 1. Exact copies.
        List<Row> rowsIn = new ArrayList<>();
        Map<Long, List<Row>> byLabel = new TreeMap<>();
        for (Row r : in) {
            List<Row> same = byLabel.computeIfAbsent(r.label, k -> new ArrayList<>());
            if (same.stream().anyMatch(q -> q.stored.equals(r.stored))) {
                add(r.label, FindingKind.DUPLICATE, "an identical copy of the row at seq " + r.label + " (hash "
                        + r.hash().base64() + ", the same as the first copy's) is stored again");
                continue;
            }
            same.add(r);
            rowsIn.add(r);
        }
        Map<Hash, Row> byHash = new HashMap<>();
        for (Row r : rowsIn) {
            byHash.putIfAbsent(r.hash(), r);
            anomalyIndex.putIfAbsent(r.hash(), r.label);
        }
        // 2. True positions of rows that do not recompute where they are stored.
        for (int pass = 0; pass < 2; pass++) {
            for (Row r : rowsIn) {
                if (r.trueSeq < 0 && r.headerOk) {
                    locate(r, byHash);
                }
            }
        }
        // 3. What each entry links to: prevOf[s] = previous hashes claimed by rows positioned at s.
        Map<Long, Set<Hash>> prevOf = new HashMap<>();
        Map<Long, List<Row>> byTrue = new HashMap<>();
        for (Row r : rowsIn) {
            if (r.trueSeq >= 0) {
                prevOf.computeIfAbsent(r.trueSeq, k -> new LinkedHashSet<>()).add(r.prev());
                byTrue.computeIfAbsent(r.trueSeq, k -> new ArrayList<>()).add(r);
            }
        }
        if (endAttest != null) {
            prevOf.computeIfAbsent(endSeq, k -> new LinkedHashSet<>()).add(endAttest);
        }
        TreeSet<Long> occupied = new TreeSet<>(byLabel.keySet());
        occupied.addAll(byTrue.keySet());
        // 4. Walk the positions.
        Set<Row> used = new HashSet<>();
        Map<Long, Boolean> reportedModified = new HashMap<>();
        List<Hash> leaves = new ArrayList<>();
        List<Row> leafRows = new ArrayList<>();
        Hash link = base;
        long s = start;
        while (s < endSeq) {
            List<Row> cands = new ArrayList<>(byTrue.getOrDefault(s, List.of()));
            cands.removeIf(used::contains);
            Set<Hash> fwd = prevOf.getOrDefault(s + 1, Set.of());
            Hash attested = fwd.size() == 1 ? fwd.iterator().next() : null;
            if (!cands.isEmpty()) {
                Row p = null;
                int best = -1;
                Hash signedHead = headBySize.get(s + 1);
                for (Row c : cands) {
                    // Links back, is what the next entry (or a signed chain head) links to, is stored at its own seq.
                    boolean attestedAhead = fwd.contains(c.hash()) || c.hash().equals(signedHead);
                    int score = (link != null && c.prev().equals(link) ? 4 : 0) + (attestedAhead ? 2 : 0)
                            + (c.label == s ? 1 : 0);
                    if (score > best) {
                        best = score;
                        p = c;
                    }
                }
                if (link != null && !p.prev().equals(link)) {
                    if (s > start && !leaves.isEmpty() && !reportedModified.containsKey(s - 1)) {
                        add(s - 1, FindingKind.MODIFIED, "the row at seq " + (s - 1) + " was rewritten: entry " + s
                                + " links to " + p.prev().base64() + " but the stored entry " + (s - 1)
                                + " hashes to " + link.base64());
                        leaves.set(leaves.size() - 1, p.prev());
                        leafRows.set(leafRows.size() - 1, null);
                    } else if (s == start) {
                        add(p.label, FindingKind.MODIFIED, "the row at seq " + p.label + " does not link to entry "
                                + (s - 1) + ": previous hash " + p.prev().base64() + ", expected " + link.base64());
                    }
                }
                used.add(p);
                if (p.reordered) {
                    add(p.label, FindingKind.REORDERED, "the row stored at seq " + p.label + " is entry " + s
                            + " (it recomputes and links only there)");
                    displaced.add(new Displaced(p.label, s, p.hash()));
                    notOwnRow.put(s, s + 1);
                }
                leaves.add(p.hash());
                leafRows.add(p);
                link = p.hash();
                s++;
                continue;
            }
            List<Row> atLabel = new ArrayList<>(byLabel.getOrDefault(s, List.of()));
            atLabel.removeIf(r -> used.contains(r) || r.trueSeq >= 0);
            if (!atLabel.isEmpty()) {
                Row m = atLabel.get(0);
                for (Row r : atLabel) {
                    if (link != null && r.prev().equals(link)) {
                        m = r;
                        break;
                    }
                }
                used.add(m);
                unexplained.add(new Unexplained(m, findings.size()));
                add(s, FindingKind.MODIFIED, "the row at seq " + s + " does not verify: " + m.whyNot());
                reportedModified.put(s, true);
                notOwnRow.put(s, s + 1);
                Hash leaf = attested != null ? attested : m.hash();
                leaves.add(leaf);
                leafRows.add(null);
                link = leaf;
                s++;
                continue;
            }
            boolean displaced = byLabel.getOrDefault(s, List.of()).stream().anyMatch(r -> r.reordered);
            if (displaced) {
                // The row stored here is another entry (reported as reordered); entry s is stored elsewhere or
                // missing, which only the whole log tells (reportLossesAndCopies).
                vacated.add(s);
                notOwnRow.put(s, s + 1);
                leaves.add(attested);
                leafRows.add(null);
                if (attested == null) {
                    markBroken(s);
                }
                link = attested;
                s++;
                continue;
            }
            Long nextOccupied = occupied.higher(s);
            long gapEnd = nextOccupied == null ? endSeq : Math.min(nextOccupied, endSeq);
            long missing = gapEnd - s;
            add(s, FindingKind.DELETED, missing == 1 ? "seq " + s + " is missing"
                    : "seq " + s + ".." + (gapEnd - 1) + " are missing (" + missing + " rows)");
            notOwnRow.put(s, gapEnd);
            if (missing == 1 && attested != null) {
                leaves.add(attested);
                leafRows.add(null);
                link = attested;
            } else {
                // Only the last missing entry's hash is attested (by the next row); the tree cannot be rebuilt.
                markBroken(s);
                Set<Hash> after = prevOf.getOrDefault(gapEnd, Set.of());
                link = after.size() == 1 ? after.iterator().next() : null;
                for (long i = s; i < gapEnd && leaves.size() < maxRegion; i++) {
                    leaves.add(null);
                    leafRows.add(null);
                }
                nextSeq += gapEnd - s - Math.min(missing, maxRegion);
            }
            s = gapEnd;
        }
        // 5. Rows the walk did not place.
        for (Row r : rowsIn) {
            if (used.contains(r)) {
                continue;
            }
            if (r.reordered) {
                add(r.label, FindingKind.REORDERED, "the row stored at seq " + r.label + " is entry " + r.trueSeq
                        + " (it recomputes and links only there)");
                displaced.add(new Displaced(r.label, r.trueSeq, r.hash()));
            } else {
                long i = r.label - start;
                Hash genuine = i >= 0 && i < leaves.size() ? leaves.get((int) i) : null;
                add(r.label, FindingKind.INSERTED, "a second row for seq " + r.label + ", hash " + r.hash().base64()
                        + ", that is not in the chain (" + (r.selfOk ? "self-consistent but not what entry "
                        + (r.label + 1) + " links to" : r.whyNot()) + ")" + (genuine == null ? ""
                        : "; the chain's entry " + r.label + " has hash " + genuine.base64()));
            }
        }
        // 6. Append what the chain attests.
        for (int i = 0; i < leaves.size(); i++) {
            Hash leaf = leaves.get(i);
            if (leaf == null) {
                markBroken(nextSeq);
                nextSeq++;
                if (link != null) {
                    base = link;
                }
                continue;
            }
            appendLeaf(leaf, leafRows.get(i));
        }
        if (endAttest != null) {
            base = endAttest;
        }
    }

    private void locate(Row r, Map<Hash, Row> byHash) {
        Set<Long> candidates = new LinkedHashSet<>();
        Row before = byHash.get(r.prev());
        if (before != null) {
            candidates.add(before.label + 1);
            if (before.trueSeq >= 0) {
                candidates.add(before.trueSeq + 1);
            }
        }
        Long l = anomalyIndex.get(r.prev());
        if (l != null) {
            candidates.add(l + 1);
        }
        for (int d = 1; d <= NEIGHBOURHOOD; d++) {
            candidates.add(r.label + d);
            candidates.add(r.label - d);
        }
        for (long c : candidates) {
            if (c >= 0 && c != r.label && c < Long.MAX_VALUE && r.recomputeAt(c).equals(r.hash())) {
                r.trueSeq = c;
                r.reordered = true;
                return;
            }
        }
    }

    private void reexamineUnexplained() {
        for (Unexplained u : unexplained) {
            Row r = u.row();
            if (!r.headerOk) {
                continue;
            }
            Long l = anomalyIndex.get(r.prev());
            if (l != null && l + 1 != r.label && r.recomputeAt(l + 1).equals(r.hash())) {
                findings.set(u.findingIndex(), new Finding(tenant, agentId, r.label, FindingKind.REORDERED,
                        "the row stored at seq " + r.label + " is entry " + (l + 1)
                                + " (it recomputes and links only there)"));
                displaced.add(new Displaced(r.label, l + 1, r.hash()));
            }
        }
    }

    /**
     * Compares the stored log with the checkpoint the auditor remembers (docs/integrity.md §7.5): the newest stored
     * trusted checkpoint must be at least as large, and consistent with it by an RFC 9162 consistency proof
     * computed from the stored rows.
     */
    private void checkAgainstRemembered() {
        if (remembered == null) {
            return;
        }
        long m = remembered.treeSize();
        Hash rootM = remembered.rootHash();
        TrustedCheckpoint newest = trusted.isEmpty() ? null : trusted.get(trusted.size() - 1);
        long n = newest == null ? 0 : newest.size();
        String was = "the auditor's state remembers the checkpoint of tree size " + m + " (root " + rootM.base64() + ")";
        if (n < m) {
            add(m - 1, FindingKind.ROLLBACK, was + ", but the newest stored checkpoint is " + (newest == null ? "none"
                    : "of tree size " + n) + " and " + nextSeq + " entries are stored: the log was cut back");
            if (rootAtRemembered != null && !rootAtRemembered.equals(rootM)) {
                add(m - 1, FindingKind.FORK, was + ", but the stored entries 0.." + (m - 1) + " give the root "
                        + rootAtRemembered.base64() + ": the history was rewritten");
            }
        } else if (n == m) {
            if (!newest.root().equals(rootM)) {
                add(m - 1, FindingKind.FORK, was + ", but the stored checkpoint of the same size, signed by "
                        + newest.keyName() + ", has the root " + newest.root().base64() + ": two histories were signed");
            }
        } else if (consistency != null) {
            Optional<ConsistencyProof> proof = consistency.proof();
            if (proof.isEmpty()) {
                return; // entries missing: reported already, and no proof can be computed
            }
            try {
                proof.get().verify(m, rootM, n, newest.root());
            } catch (IntegrityException e) {
                add(m - 1, FindingKind.FORK, was + ", but the consistency proof computed from the stored rows to the "
                        + "stored checkpoint of tree size " + n + " (key " + newest.keyName() + ") does not verify ("
                        + e.getMessage() + "): the history up to seq " + (m - 1) + " was rewritten");
            }
        }
    }

    /**
     * Names every loss and every second copy a displaced row implies: a position whose stored row is another entry
     * has lost its own entry unless that entry is stored elsewhere (a swap), and a displaced copy of an entry that
     * is also stored under its own seq is that entry stored twice.
     */
    private void reportLossesAndCopies() {
        Set<Long> foundElsewhere = new HashSet<>();
        for (Displaced d : displaced) {
            foundElsewhere.add(d.trueSeq());
        }
        for (long v : vacated) {
            if (!foundElsewhere.contains(v)) {
                add(v, FindingKind.DELETED, "entry " + v + " is missing: the row stored at seq " + v + " is another "
                        + "entry (reported as reordered) and no row anywhere is entry " + v);
            }
        }
        for (Displaced d : displaced) {
            Map.Entry<Long, Long> gap = notOwnRow.floorEntry(d.trueSeq());
            boolean ownRowStored = d.trueSeq() < nextSeq && (gap == null || gap.getValue() <= d.trueSeq());
            if (ownRowStored) {
                add(d.trueSeq(), FindingKind.DUPLICATE, "entry " + d.trueSeq() + " is stored twice: at seq "
                        + d.trueSeq() + " and, as a copy with the same hash " + d.hash().base64() + ", at seq "
                        + d.label());
            }
        }
    }

    private void add(long seq, FindingKind kind, String detail) {
        findings.add(new Finding(tenant, agentId, seq, kind, detail));
    }
}
