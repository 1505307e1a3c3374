package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.ChainHead;
import io.attestream.integrity.CompactMerkleTree;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.LogState;
import io.attestream.verifier.AgentResult;
import io.attestream.verifier.ChainVerifier;
import io.attestream.verifier.CheckpointRow;
import io.attestream.verifier.EventRow;
import io.attestream.verifier.Finding;
import io.attestream.verifier.FindingKind;
import io.attestream.verifier.RetentionSummary;
import io.attestream.verifier.VerificationReport;
import io.attestream.verifier.VerifierException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;

/**
 * Puts the JDBC row source in front of the {@link ChainVerifier}: one ordered scan of the selected events,
 * switching agent runs as (tenant, agent) changes, then the agents that have checkpoints but no rows.
 */
public final class AuditRunner {
    private AuditRunner() {
    }

    /** Progress callbacks, from the verifying thread. */
    public interface Progress {
        /**
         * Called once before rows are read.
         *
         * @param totalRows rows selected, or -1 when not counted
         */
        void start(long totalRows);

        /**
         * Called after each row.
         *
         * @param rowsDone rows read so far
         * @param log the agent being verified
         */
        void row(long rowsDone, LogId log);

        /** Called once at the end. */
        void done();
    }

    /** No progress output. */
    public static final Progress SILENT = new Progress() {
        @Override
        public void start(long totalRows) {
        }

        @Override
        public void row(long rowsDone, LogId log) {
        }

        @Override
        public void done() {
        }
    };

    /**
     * Verifies the selected agents.
     *
     * @param reader the evidence
     * @param verifier the trust configuration
     * @param sel what to verify
     * @param progress progress callbacks
     * @param countFirst whether to count rows first (for a progress bar)
     * @return the report
     */
    public static VerificationReport run(EvidenceReader reader, ChainVerifier verifier,
            EvidenceReader.Selection sel, Progress progress, boolean countFirst) {
        return run(reader, verifier, sel, progress, countFirst, Map.of());
    }

    /**
     * Verifies the selected agents against what an auditor remembers ({@code --state}, whole logs only).
     *
     * @param reader the evidence
     * @param verifier the trust configuration
     * @param sel what to verify; without a time range when {@code remembered} is not empty
     * @param progress progress callbacks
     * @param countFirst whether to count rows first (for a progress bar)
     * @param remembered the remembered checkpoint by log (any logs; those outside the selection are ignored);
     *     a selected remembered log with no rows and no checkpoints is {@link FindingKind#VANISHED}
     * @return the report
     */
    public static VerificationReport run(EvidenceReader reader, ChainVerifier verifier,
            EvidenceReader.Selection sel, Progress progress, boolean countFirst, Map<LogId, CheckpointRow> remembered) {
        requireNonNull(remembered, "remembered");
        if (!remembered.isEmpty() && sel.timeRange()) {
            throw new IllegalArgumentException("auditor state needs whole logs, not a time range");
        }
        requireNonNull(reader, "reader");
        requireNonNull(verifier, "verifier");
        requireNonNull(sel, "sel");
        requireNonNull(progress, "progress");
        long t0 = System.nanoTime();
        Map<LogId, List<CheckpointRow>> checkpoints = reader.checkpoints(sel);
        Map<LogId, Long> firstSeqs = sel.timeRange() ? reader.firstSeqs(sel) : Map.of();
        progress.start(countFirst ? reader.countEvents(sel) : -1);
        List<AgentResult> results = new ArrayList<>();
        Map<Integer, Schema> schemas = reader.schemas();
        RetentionCheck retention = RetentionCheck.load(reader, verifier.settings().clock().instant());
        DerivedColumns derived = new DerivedColumns(schemas, retention);
        long rows;
        // Signatures and tokens do not depend on the rows: checked on their own thread while the scan starts (the
        // engine sorts before the first row arrives) and runs; the chain thread takes the outcomes in scan order.
        try (CheckpointChecks checks = verifier.checkAhead(checkpoints)) {
            Scan scan = new Scan(reader, verifier, checks, sel, checkpoints, firstSeqs, results, progress, remembered);
            pipeline(reader, sel, scan, derived);
            scan.finishCurrent();
            rows = scan.rows;
            if (!sel.timeRange()) {
                // Agents whose every row is gone: their checkpoints still say how many there were.
                for (Map.Entry<LogId, List<CheckpointRow>> e : checkpoints.entrySet()) {
                    results.add(verifier.begin(e.getKey(), e.getValue(),
                            Optional.ofNullable(remembered.get(e.getKey())), checks).finish());
                }
            }
        }
        if (!sel.timeRange()) {
            for (Map.Entry<LogId, CheckpointRow> e : remembered.entrySet()) {
                LogId log = e.getKey();
                boolean selected = (sel.tenant() == null || sel.tenant().equals(log.tenant()))
                        && (sel.agentId() == null || sel.agentId().equals(log.agentId()));
                if (selected && results.stream().noneMatch(r -> r.tenant().equals(log.tenant())
                        && r.agentId().equals(log.agentId()))) {
                    results.add(vanished(log, e.getValue()));
                }
            }
        }
        // Derived columns were checked during the scan; the typed tables are read after it (one open result at a
        // time: the local ClickHouse front serves one query at a time).
        TypedRowCheck.run(reader, sel, derived, schemas);
        CheckpointColumns.run(reader, sel, derived.findingList());
        progress.done();
        results.sort(Comparator.comparing(AgentResult::tenant).thenComparing(AgentResult::agentId));
        RetentionSummary pruned = retention.finish(results, derived.findingList());
        results = DerivedColumns.merge(results, derived.findingList().all());
        return new VerificationReport(results, rows, Duration.ofNanos(System.nanoTime() - t0), pruned);
    }

    private static AgentResult vanished(LogId log, CheckpointRow was) {
        Finding f = new Finding(log.tenant(), log.agentId(), was.treeSize() - 1, FindingKind.VANISHED,
                "the auditor's state remembers the checkpoint of tree size " + was.treeSize() + " (root "
                        + was.rootHash().base64() + "), but the log has no rows and no checkpoints any more");
        return new AgentResult(log.tenant(), log.agentId(), 0, 0, 0, 0, 0, 0, 0, List.of(f), List.of(), null);
    }

    private static final int BATCH = 1024;
    private static final Batch END = new Batch();

    /** Rows in scan order, with their stored derived columns. */
    private static final class Batch {
        final EventRow[] rows = new EventRow[BATCH];
        final byte[][] eventBytes = new byte[BATCH][];
        final Object[][] derived = new Object[BATCH][];
        int n;
    }

    /**
     * Three threads in a line, so that reading the result, the derived-column check (Avro decode, digests) and the
     * chain check (hashing, Merkle, signatures) overlap on the machine's cores: the reader thread parses RowBinary
     * into batches of {@value #BATCH} rows, the derived thread checks each row's derived columns ({@code derived},
     * read by this thread after the joins), this thread verifies the chains. Small bounded queues between them:
     * back-pressure, constant memory, rows stay in scan order.
     */
    private static void pipeline(EvidenceReader reader, EvidenceReader.Selection sel, Scan scan,
            DerivedColumns derived) {
        BlockingQueue<Batch> read = new ArrayBlockingQueue<>(8);
        BlockingQueue<Batch> checked = new ArrayBlockingQueue<>(8);
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread reading = new Thread(() -> {
            Batch[] b = {new Batch()};
            try {
                reader.streamEvents(sel, (row, eventBytes, cols) -> {
                    if (stop.get()) {
                        throw new VerifierException("verification stopped");
                    }
                    Batch x = b[0];
                    x.rows[x.n] = row;
                    x.eventBytes[x.n] = eventBytes;
                    x.derived[x.n] = cols;
                    if (++x.n == BATCH) {
                        put(read, x);
                        b[0] = new Batch();
                    }
                });
                if (b[0].n > 0) {
                    put(read, b[0]);
                }
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            } finally {
                put(read, END);
            }
        }, "verifier-reader");
        Thread deriving = new Thread(() -> {
            try {
                while (true) {
                    Batch x = read.take();
                    if (x == END) {
                        break;
                    }
                    if (!stop.get()) {
                        for (int i = 0; i < x.n; i++) {
                            derived.acceptColumns(x.rows[i], x.eventBytes[i], x.derived[i]);
                            x.eventBytes[i] = null;
                            x.derived[i] = null;
                        }
                    }
                    put(checked, x);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, new VerifierException("interrupted while checking derived columns", e));
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
                stop.set(true);
                // Keep draining so the reader never blocks on a full queue.
                drain(read);
            } finally {
                put(checked, END);
            }
        }, "verifier-derived");
        reading.setDaemon(true);
        deriving.setDaemon(true);
        reading.start();
        deriving.start();
        try {
            while (true) {
                Batch x = checked.take();
                if (x == END) {
                    break;
                }
                if (!stop.get()) {
                    for (int i = 0; i < x.n; i++) {
                        scan.accept(x.rows[i]);
                    }
                }
            }
            reading.join();
            deriving.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VerifierException("interrupted while verifying", e);
        } catch (RuntimeException e) {
            stop.set(true);
            drain(checked);
            throw e;
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** Takes batches until the end marker (after a failure: the upstream thread must not block on put). */
    private static void drain(BlockingQueue<Batch> q) {
        try {
            while (q.take() != END) {
                // discarded
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void put(BlockingQueue<Batch> queue, Batch batch) {
        try {
            queue.put(batch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VerifierException("interrupted while reading rows", e);
        }
    }

    private static final class Scan {
        private final EvidenceReader reader;
        private final ChainVerifier verifier;
        private final CheckpointChecks checks;
        private final EvidenceReader.Selection sel;
        private final Map<LogId, List<CheckpointRow>> checkpoints;
        private final Map<LogId, Long> firstSeqs;
        private final List<AgentResult> results;
        private final Progress progress;
        private final Map<LogId, CheckpointRow> remembered;
        private ChainVerifier.AgentRun run;
        private String tenant;
        private String agent;
        private LogId log;
        private long rows;

        Scan(EvidenceReader reader, ChainVerifier verifier, CheckpointChecks checks, EvidenceReader.Selection sel,
                Map<LogId, List<CheckpointRow>> checkpoints, Map<LogId, Long> firstSeqs, List<AgentResult> results,
                Progress progress, Map<LogId, CheckpointRow> remembered) {
            this.remembered = remembered;
            this.reader = reader;
            this.verifier = verifier;
            this.checks = checks;
            this.sel = sel;
            this.checkpoints = checkpoints;
            this.firstSeqs = firstSeqs;
            this.results = results;
            this.progress = progress;
        }

        void accept(EventRow row) {
            // Strings of one agent's rows are shared by the reader, so identity usually decides.
            if (run == null || !row.tenant().equals(tenant) || !row.agentId().equals(agent)) {
                finishCurrent();
                tenant = row.tenant();
                agent = row.agentId();
                log = LogId.of(tenant, agent);
                run = start(log);
            }
            run.accept(row);
            progress.row(++rows, log);
        }

        private ChainVerifier.AgentRun start(LogId id) {
            List<CheckpointRow> cps = checkpoints.remove(id);
            cps = cps == null ? List.of() : cps;
            Long first = firstSeqs.get(id);
            if (!sel.timeRange() || first == null || first == 0) {
                return sel.until() == null ? verifier.begin(id, cps, Optional.ofNullable(remembered.get(id)), checks)
                        : verifier.beginAt(LogState.empty(id), cps, false, checks);
            }
            List<Hash> prefix = reader.storedHashes(id, first);
            if (prefix.size() != first) {
                throw new VerifierException("log " + id + " has " + prefix.size() + " rows before seq " + first
                        + " (gaps or duplicates before the time range): verify it without --since");
            }
            CompactMerkleTree tree = CompactMerkleTree.empty();
            for (Hash h : prefix) {
                tree = tree.append(h);
            }
            LogState start = new LogState(new ChainHead(id, first, prefix.get(prefix.size() - 1)), tree);
            return verifier.beginAt(start, cps, sel.until() == null, checks);
        }

        void finishCurrent() {
            if (run != null) {
                results.add(run.finish());
                run = null;
            }
        }
    }
}
