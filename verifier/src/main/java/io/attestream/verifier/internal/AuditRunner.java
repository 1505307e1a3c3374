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
import java.util.function.Consumer;
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
        Scan scan = new Scan(reader, verifier, sel, checkpoints, firstSeqs, results, progress, remembered);
        Map<Integer, Schema> schemas = reader.schemas();
        RetentionCheck retention = RetentionCheck.load(reader, verifier.settings().clock().instant());
        DerivedColumns derived = new DerivedColumns(schemas, retention);
        pipeline(reader, sel, scan, derived);
        scan.finishCurrent();
        if (!sel.timeRange()) {
            // Agents whose every row is gone: their checkpoints still say how many there were.
            for (Map.Entry<LogId, List<CheckpointRow>> e : checkpoints.entrySet()) {
                results.add(verifier.begin(e.getKey(), e.getValue(), Optional.ofNullable(remembered.get(e.getKey())))
                        .finish());
            }
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
        return new VerificationReport(results, scan.rows, Duration.ofNanos(System.nanoTime() - t0), pruned);
    }

    private static AgentResult vanished(LogId log, CheckpointRow was) {
        Finding f = new Finding(log.tenant(), log.agentId(), was.treeSize() - 1, FindingKind.VANISHED,
                "the auditor's state remembers the checkpoint of tree size " + was.treeSize() + " (root "
                        + was.rootHash().base64() + "), but the log has no rows and no checkpoints any more");
        return new AgentResult(log.tenant(), log.agentId(), 0, 0, 0, 0, 0, 0, 0, List.of(f), List.of(), null);
    }

    private static final int BATCH = 1024;
    private static final List<EventRow> END = List.of();

    /**
     * Reads rows on a second thread while this one verifies, so decoding the JDBC stream and hashing overlap
     * (batches of {@value #BATCH} rows through a small bounded queue: back-pressure, constant memory). The reader
     * thread also checks each row's derived columns ({@code derived}, read by this thread after the join).
     */
    private static void pipeline(EvidenceReader reader, EvidenceReader.Selection sel, Scan scan,
            DerivedColumns derived) {
        BlockingQueue<List<EventRow>> queue = new ArrayBlockingQueue<>(8);
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread t = new Thread(() -> {
            Batcher batcher = new Batcher(queue, stop);
            try {
                reader.streamEvents(sel, batcher, derived);
                batcher.flush();
            } catch (RuntimeException e) {
                failure.set(e);
            } finally {
                put(queue, END);
            }
        }, "verifier-reader");
        t.setDaemon(true);
        t.start();
        try {
            while (true) {
                List<EventRow> b = queue.take();
                if (b == END) {
                    break;
                }
                for (EventRow r : b) {
                    scan.accept(r);
                }
            }
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VerifierException("interrupted while verifying", e);
        } catch (RuntimeException e) {
            stop.set(true);
            queue.clear();
            throw e;
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private static final class Batcher implements Consumer<EventRow> {
        private final BlockingQueue<List<EventRow>> queue;
        private final AtomicBoolean stop;
        private List<EventRow> batch = new ArrayList<>(BATCH);

        Batcher(BlockingQueue<List<EventRow>> queue, AtomicBoolean stop) {
            this.queue = queue;
            this.stop = stop;
        }

        @Override
        public void accept(EventRow row) {
            if (stop.get()) {
                throw new VerifierException("verification stopped");
            }
            batch.add(row);
            if (batch.size() == BATCH) {
                flush();
            }
        }

        void flush() {
            if (!batch.isEmpty()) {
                put(queue, batch);
                batch = new ArrayList<>(BATCH);
            }
        }
    }

    private static void put(BlockingQueue<List<EventRow>> queue, List<EventRow> batch) {
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

        Scan(EvidenceReader reader, ChainVerifier verifier, EvidenceReader.Selection sel,
                Map<LogId, List<CheckpointRow>> checkpoints, Map<LogId, Long> firstSeqs, List<AgentResult> results,
                Progress progress, Map<LogId, CheckpointRow> remembered) {
            this.remembered = remembered;
            this.reader = reader;
            this.verifier = verifier;
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
                return sel.until() == null ? verifier.begin(id, cps, Optional.ofNullable(remembered.get(id)))
                        : verifier.beginAt(LogState.empty(id), cps, false);
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
            return verifier.beginAt(start, cps, sel.until() == null);
        }

        void finishCurrent() {
            if (run != null) {
                results.add(run.finish());
                run = null;
            }
        }
    }
}
