package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.chain.BatchTimestamp;
import io.attestream.chain.CheckpointRecord;
import io.attestream.chainer.ChainerException;
import io.attestream.chainer.DeadLetterReason;
import io.attestream.events.AuditEvent;
import io.attestream.events.Sha256;
import io.attestream.integrity.ChainEntry;
import io.attestream.integrity.ChainHead;
import io.attestream.integrity.CheckpointTimestamp;
import io.attestream.integrity.Hash;
import io.attestream.integrity.LogId;
import io.attestream.integrity.LogState;
import io.attestream.integrity.TsaUnavailableException;
import io.attestream.schemas.wire.DecodedEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Second stage: gives each accepted event of an agent the next seq, chains and Merkle-appends it, writes the
 * ChainedEvent, and makes checkpoints on the count and time cadence.
 *
 * <p>Durability contract. All state (agent state, eventId window, pending checkpoints) lives in changelogged stores
 * and is committed in the same Kafka transaction as the output records and the input offsets
 * (exactly_once_v2), so after any crash the state and the outputs agree: a seq is written at most once and never
 * skipped. This processor MUST NOT keep chain state in memory across records: the stores are the only truth.
 *
 * <p>Times. The chained time (hashed into each entry, entry format 2) and a checkpoint's creation time (its signed
 * {@code created} line) are the stream thread's cached wall clock, {@link ProcessorContext#currentSystemTimeMs()},
 * read when the record or punctuation is processed. A replay after a crash reads the clock again, so the replayed
 * entry gets another chained time and hash than the attempt that crashed; that is harmless because the crashed
 * attempt's records, state changes and offsets belong to one aborted transaction that no read_committed reader
 * (the sink, the drift detector) ever sees, and the replay continues from the committed state, so every committed
 * entry links to the committed entry before it. (The input record's timestamp would replay identically but is the
 * producer's clock, not the chainer's.)
 *
 * <p>Checkpoints are signed when due (count cadence: in {@link #process}; time cadence: in the wall-clock
 * punctuation) and parked in the pending store. A punctuation starts one TSA request for all pending checkpoints of
 * the task on the notary's request threads and returns; the punctuation that finds the answer in writes the
 * checkpoints it covers, timestamped, and deletes them from the pending store in that punctuation's transaction. The
 * stream thread MUST NOT wait for the TSA. The request is not chain state: a checkpoint leaves the pending store only
 * when it is written, so a crash or revive while a request runs costs one request again, never a checkpoint. A TSA
 * outage keeps them pending (asked again every punctuation) for up to {@code chainer.tsa.max.wait.ms}, counted from
 * the oldest checkpoint's creation, whether the TSA refuses or does not answer.
 *
 * <p>Time cadence without scanning every agent. The due store ({@link DueIndex}) holds one entry per agent that has
 * entries after its last checkpoint, keyed by the time its time checkpoint is due; the punctuation reads only the
 * entries due by now, so its cost follows the agents that are due, not the agents that exist. Invariant, kept in the
 * same transaction as the agent state: an agent with {@code uncheckpointed() > 0} has exactly the entry
 * {@link DueIndex#key}{@code (lastCheckpointAtMs + T, agent)}, an agent without has none. The punctuation re-checks
 * each entry against the agent state before it acts, so a stale entry costs a lookup, never a wrong checkpoint.
 * Stores written before the index existed, or with another T, are indexed once, in the first punctuation.
 *
 * <p>The eventId window is read through {@link EventIdFilter}, an in-memory negative cache (a Bloom filter) that
 * lets most events skip the window store's fetch. It is derived state, not chain state: it MUST answer "absent"
 * only for ids the store certainly does not hold in the window (any other answer fetches), and a new one, empty and
 * untrusted until an incremental scan of the store driven by the punctuation completes, is made in every
 * {@link #init}. The store stays the only truth.
 */
public final class ChainProcessor implements Processor<String, Accepted, Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(ChainProcessor.class);

    private final Settings settings;
    private final Notary notary;
    private final Refusals refusals;
    private final ChainerMetrics metrics;
    private final ChainedEventWire chainedWire;
    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, byte[]> agents;
    private WindowStore<String, byte[]> eventIds;
    private KeyValueStore<String, byte[]> pending;
    private DueIndex due;
    /** Negative cache in front of {@link #eventIds}; new and untrusted after every init. */
    private EventIdFilter dedupFilter;
    /** Index built for this T (checked in the first punctuation after init). */
    private boolean dueIndexChecked;
    /**
     * False only when this instance knows the pending store is empty (after a punctuation wrote every pending
     * checkpoint and none was parked since), so the punctuation skips reading it. Not chain state: a hint that is
     * true whenever in doubt (after init).
     */
    private boolean pendingMayExist;
    /** The TSA request of this task still running, or null (at most one at a time). */
    private InFlight inFlight;

    /**
     * Settings of the chaining processor.
     *
     * @param agentStore        name of the agent-state store
     * @param eventIdStore      name of the eventId window store
     * @param pendingStore      name of the pending-checkpoint store
     * @param dueStore          name of the time-cadence due store
     * @param chainedSink       name of the chained-events sink
     * @param checkpointsSink   name of the checkpoints sink
     * @param dedupWindowMs     chainer.dedup.window.ms (0: no deduplication)
     * @param everyEvents       chainer.checkpoint.every.events
     * @param intervalMs        chainer.checkpoint.interval.ms
     * @param flushIntervalMs   chainer.checkpoint.flush.interval.ms
     * @param tsaMaxWaitMs      chainer.tsa.max.wait.ms
     * @param tsaFailWhenUnavailable chainer.tsa.unavailable.mode = fail
     * @param dedupFilter       the eventId filter's sizing and scan
     */
    public record Settings(String agentStore, String eventIdStore, String pendingStore, String dueStore,
                           String chainedSink, String checkpointsSink, long dedupWindowMs, long everyEvents,
                           long intervalMs, long flushIntervalMs, long tsaMaxWaitMs, boolean tsaFailWhenUnavailable,
                           DedupFilterSettings dedupFilter) {
        /** Validates. */
        public Settings {
            requireNonNull(agentStore, "agentStore");
            requireNonNull(eventIdStore, "eventIdStore");
            requireNonNull(pendingStore, "pendingStore");
            requireNonNull(dueStore, "dueStore");
            requireNonNull(chainedSink, "chainedSink");
            requireNonNull(checkpointsSink, "checkpointsSink");
            requireNonNull(dedupFilter, "dedupFilter");
        }
    }

    /**
     * Settings of the eventId filter ({@link EventIdFilter}).
     *
     * @param bytes          chainer.dedup.filter.bytes per task (0: no filter, every event fetches)
     * @param scanEntries    chainer.dedup.filter.scan.entries: ids of the store added per punctuation after init
     * @param storeSegmentMs the eventId window store's segment interval (the scan walks one segment at a time)
     */
    public record DedupFilterSettings(long bytes, int scanEntries, long storeSegmentMs) {
    }

    /**
     * @param settings store and node names, cadence
     * @param notary   signer and TSA
     * @param refusals the error-reporting path (duplicates)
     * @param metrics  meters
     * @param chainedWire writes the ChainedEvent records
     */
    public ChainProcessor(Settings settings, Notary notary, Refusals refusals, ChainerMetrics metrics,
                          ChainedEventWire chainedWire) {
        this.settings = requireNonNull(settings, "settings");
        this.notary = requireNonNull(notary, "notary");
        this.refusals = requireNonNull(refusals, "refusals");
        this.metrics = requireNonNull(metrics, "metrics");
        this.chainedWire = requireNonNull(chainedWire, "chainedWire");
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.agents = context.getStateStore(settings.agentStore());
        this.eventIds = context.getStateStore(settings.eventIdStore());
        this.pending = context.getStateStore(settings.pendingStore());
        this.due = new DueIndex(context.getStateStore(settings.dueStore()));
        // Init also follows a revive after an aborted transaction (stores restored to the last commit): forget hints.
        this.dueIndexChecked = false;
        this.pendingMayExist = true;
        cancelInFlight();
        this.dedupFilter = settings.dedupWindowMs() > 0 ? new EventIdFilter(settings.dedupWindowMs(),
                settings.dedupFilter().storeSegmentMs(), settings.dedupFilter().bytes(),
                settings.dedupFilter().scanEntries()) : null;
        context.schedule(Duration.ofMillis(settings.flushIntervalMs()), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<String, Accepted> record) {
        long t0 = System.nanoTime();
        Accepted accepted = record.value();
        DecodedEvent decoded = accepted.decoded();
        AuditEvent event = decoded.event();
        String agentKey = record.key();
        long now = context.currentSystemTimeMs();
        String eventId = event.getEventId().toString();
        String dedupKey = eventId + "@" + agentKey;
        if (settings.dedupWindowMs() > 0) {
            Long earlier = earlierSeq(dedupKey, now);
            if (earlier != null) {
                refusals.refuse(context, DeadLetterReason.DUPLICATE_EVENT_ID, "eventId " + eventId + " of " + agentKey
                        + " was already chained as seq " + earlier, null, accepted.originalKey(), accepted.recordBytes(),
                        record.headers(), accepted.source(), record.timestamp());
                return;
            }
        }
        byte[] stored = agents.get(agentKey);
        AgentState state = stored == null
                ? AgentState.fresh(LogId.of(event.getTenant(), event.getAgentId()), now)
                : AgentState.fromBytes(stored);
        AgentState before = state;
        // The chained time is hashed (entry format 2). A replay after a crash reads the clock again and gets
        // another hash, which is harmless: the first attempt's outputs, state and offsets were one transaction
        // that aborted, so no reader ever saw them (class javadoc, "Durability contract").
        LogState.Appended appended = state.log().append(Math.multiplyExact(now, 1000L), decoded.schemaId(),
                decoded.schemaFingerprint(), decoded.avroBody());
        ChainEntry entry = appended.entry();
        state = state.withLog(appended.state());

        byte[] chained = chainedWire.write(new ChainedEventWire.Values(event.getTenant(), event.getAgentId(),
                entry.seq(), entry.previousHash().toBytes(), entry.hash().toBytes(), decoded.schemaId(),
                decoded.schemaFingerprint(), eventId, ((SpecificRecord) event.getPayload()).getSchema().getName(),
                event.getAgentVersion(), event.getOccurredAt(), Math.multiplyExact(now, 1000L),
                accepted.recordBytes(), accepted.source().topic(), accepted.source().partition(),
                accepted.source().offset(), entry.version()));
        context.forward(new Record<Object, Object>(agentKey, chained, record.timestamp(), new RecordHeaders()),
                settings.chainedSink());

        if (state.uncheckpointed() >= settings.everyEvents()) {
            state = checkpoint(agentKey, state, "count", now);
        }
        agents.put(agentKey, state.toBytes());
        if (before.uncheckpointed() > 0 && state.uncheckpointed() == 0) {
            due.remove(dueAt(before), agentKey);
        } else if (before.uncheckpointed() == 0 && state.uncheckpointed() > 0) {
            due.add(dueAt(state), agentKey);
        }
        if (settings.dedupWindowMs() > 0) {
            eventIds.put(dedupKey, ByteBuffer.allocate(8).putLong(entry.seq()).array(), now);
            dedupFilter.add(dedupKey, now);
        }
        metrics.chainNanos(System.nanoTime() - t0);
        metrics.chained(now - record.timestamp());
    }

    /** When the time checkpoint of an agent in {@code state} is due (meaningful when it has uncheckpointed entries). */
    private long dueAt(AgentState state) {
        return state.lastCheckpointAtMs() + settings.intervalMs();
    }

    private Long earlierSeq(String dedupKey, long now) {
        EventIdFilter.Answer answer = dedupFilter.lookup(dedupKey, now);
        if (answer == EventIdFilter.Answer.ABSENT) {
            metrics.dedupLookup(answer, false);
            return null;
        }
        // The long-based fetch: the Instant overload formats its argument-check messages on every call (a measurable
        // share of the per-event cost, docs/performance.md).
        try (WindowStoreIterator<byte[]> it = eventIds.fetch(dedupKey, now - settings.dedupWindowMs(), now)) {
            Long earlier = it.hasNext() ? ByteBuffer.wrap(it.next().value).getLong() : null;
            metrics.dedupLookup(answer, earlier != null);
            return earlier;
        }
    }

    /** Signs the checkpoint of {@code state}'s current tree, parks it as pending, returns the state after it. */
    private AgentState checkpoint(String agentKey, AgentState state, String trigger, long now) {
        long t0 = System.nanoTime();
        ChainHead head = state.log().head();
        Hash root = state.log().tree().root();
        Instant created = Instant.ofEpochMilli(now);
        String note = notary.sign(head, root, created);
        CheckpointRecord cp = CheckpointRecord.newBuilder()
                .setTenant(head.log().tenant())
                .setAgentId(head.log().agentId())
                .setTreeSize(head.nextSeq())
                .setRootHash(new Sha256(root.toBytes()))
                .setHeadSeq(head.nextSeq() - 1)
                .setHeadHash(new Sha256(head.hash().toBytes()))
                .setNote(note)
                .setKeyName(notary.keyName())
                .setCreatedAt(created)
                .setTrigger(trigger)
                .setTimestamp(null)
                .build();
        pending.put(PendingCheckpoints.key(agentKey, head.nextSeq()), PendingCheckpoints.encode(cp));
        pendingMayExist = true;
        metrics.signNanos(System.nanoTime() - t0);
        return state.checkpointed(now);
    }

    @Override
    public void close() {
        // A task moved away or closed: its pending checkpoints are the next owner's to report.
        metrics.pendingCheckpoint(this, OptionalLong.empty());
        cancelInFlight();
    }

    /** Forgets the running TSA request (its checkpoints are still in the pending store, asked for again later). */
    private void cancelInFlight() {
        if (inFlight != null) {
            inFlight.stamps().cancel(true);
            inFlight = null;
        }
    }

    private void punctuate(long now) {
        long t0 = System.nanoTime();
        if (dedupFilter != null) {
            dedupFilter.scanStep(eventIds, now);
        }
        if (!dueIndexChecked) {
            ensureDueIndex();
            dueIndexChecked = true;
        }
        for (DueIndex.Entry e : due.dueBy(now)) {
            byte[] stored = agents.get(e.agentKey());
            AgentState s = stored == null ? null : AgentState.fromBytes(stored);
            if (s == null || s.uncheckpointed() == 0) {
                due.remove(e.dueAtMs(), e.agentKey());
            } else if (dueAt(s) != e.dueAtMs()) {
                // Cannot happen while the invariant holds; repair rather than checkpoint at the wrong time.
                LOG.warn("time-cadence entry of {} at {} ms does not match its state (due at {} ms): re-indexed",
                        e.agentKey(), e.dueAtMs(), dueAt(s));
                due.remove(e.dueAtMs(), e.agentKey());
                due.add(dueAt(s), e.agentKey());
            } else {
                agents.put(e.agentKey(), checkpoint(e.agentKey(), s, "time", now).toBytes());
                due.remove(e.dueAtMs(), e.agentKey());
            }
        }
        if (pendingMayExist) {
            flushPending(now);
        }
        metrics.punctuateNanos(System.nanoTime() - t0);
    }

    /**
     * Indexes every agent with uncheckpointed entries when the due store was built for another T or not at all (a
     * store written before the index existed): one scan of the agent store per such change, never per punctuation.
     */
    private void ensureDueIndex() {
        if (due.builtFor() == settings.intervalMs()) {
            return;
        }
        long t0 = System.nanoTime();
        due.clear();
        List<KeyValue<String, Long>> open = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = agents.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                AgentState s = AgentState.fromBytes(kv.value);
                if (s.uncheckpointed() > 0) {
                    open.add(KeyValue.pair(kv.key, dueAt(s)));
                }
            }
        }
        for (KeyValue<String, Long> kv : open) {
            due.add(kv.value, kv.key);
        }
        due.markBuiltFor(settings.intervalMs());
        LOG.info("time-cadence index built for T={} ms: {} agent(s) with uncheckpointed entries ({} ms)",
                settings.intervalMs(), open.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Writes the pending checkpoints whose timestamps are in, and starts the TSA request for the others. The request
     * runs off the stream thread ({@link Notary}); this punctuation, and every later one until the answer is in, only
     * looks at it, so a slow or unreachable TSA never stalls chaining and never holds this task's transaction open.
     */
    private void flushPending(long now) {
        List<KeyValue<String, CheckpointRecord>> batch = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                batch.add(KeyValue.pair(kv.key, PendingCheckpoints.decode(kv.value)));
            }
        }
        if (!notary.timestamping()) {
            write(batch, now);
            return;
        }
        // At most two rounds: the answer of a request made in an earlier punctuation (it covers the checkpoints
        // pending then), then a new request for those parked since. An answer already in (a fast TSA) is written now.
        for (int round = 0; round < 2 && !batch.isEmpty(); round++) {
            boolean fresh = inFlight == null;
            if (fresh) {
                List<String> notes = batch.stream().map(kv -> kv.value.getNote()).toList();
                inFlight = new InFlight(batch.stream().map(kv -> kv.key).toList(), notes, now,
                        notary.timestamp(notes, metrics));
            }
            if (!inFlight.stamps().isDone()) {
                long waited = now - oldestCreated(batch, now);
                metrics.pendingCheckpoint(this, OptionalLong.of(waited));
                if (waited >= settings.tsaMaxWaitMs()) {
                    long sentAtMs = inFlight.sentAtMs();
                    cancelInFlight();
                    metrics.tsaFailure();
                    unavailable(batch, now, "no answer to the TSA request made " + (now - sentAtMs) + " ms ago", null);
                } else {
                    LOG.debug("TSA request for {} checkpoint(s) in flight for {} ms", inFlight.keys().size(),
                            now - inFlight.sentAtMs());
                }
                return;
            }
            InFlight answered = inFlight;
            inFlight = null;
            List<CheckpointTimestamp> stamps;
            try {
                stamps = answered.stamps().join();
            } catch (CompletionException | CancellationException e) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof TsaUnavailableException tsaDown) {
                    metrics.tsaFailure();
                    unavailable(batch, now, tsaDown.getMessage(), tsaDown);
                    return;
                }
                if (cause instanceof RuntimeException runtime) {
                    throw runtime;
                }
                if (cause instanceof Error error) {
                    throw error;
                }
                throw new ChainerException("TSA request failed: " + cause, cause);
            }
            List<KeyValue<String, CheckpointRecord>> stamped = new ArrayList<>();
            List<KeyValue<String, CheckpointRecord>> rest = new ArrayList<>();
            for (KeyValue<String, CheckpointRecord> kv : batch) {
                int i = answered.keys().indexOf(kv.key);
                // The note is compared too: the answer is for the exact text sent, nothing else may carry it.
                if (i >= 0 && answered.notes().get(i).equals(kv.value.getNote())) {
                    kv.value.setTimestamp(new BatchTimestamp(ByteBuffer.wrap(
                            stamps.get(i).toJson().getBytes(StandardCharsets.UTF_8))));
                    stamped.add(kv);
                } else {
                    rest.add(kv);
                }
            }
            forward(stamped, now);
            batch = rest;
            if (fresh) {
                break;
            }
        }
        if (batch.isEmpty()) {
            pendingMayExist = false;
            metrics.pendingCheckpoint(this, OptionalLong.empty());
        } else {
            metrics.pendingCheckpoint(this, OptionalLong.of(now - oldestCreated(batch, now)));
        }
    }

    /**
     * The TSA gave no timestamps for {@code batch}: within {@code chainer.tsa.max.wait.ms} of the oldest they stay
     * pending (the next punctuation asks again), then the chainer fails or writes them unstamped, as configured.
     */
    private void unavailable(List<KeyValue<String, CheckpointRecord>> batch, long now, String why, Throwable cause) {
        long waited = now - oldestCreated(batch, now);
        metrics.pendingCheckpoint(this, OptionalLong.of(waited));
        if (waited < settings.tsaMaxWaitMs()) {
            LOG.warn("TSA unavailable, {} checkpoint(s) stay pending (oldest {} ms): {}", batch.size(), waited, why);
            return;
        }
        if (settings.tsaFailWhenUnavailable()) {
            throw new ChainerException.TimestampingFailedException("TSA unavailable for " + waited + " ms with "
                    + batch.size() + " checkpoint(s) pending (chainer.tsa.max.wait.ms=" + settings.tsaMaxWaitMs()
                    + ", chainer.tsa.unavailable.mode=fail): " + why, cause);
        }
        LOG.warn("TSA unavailable for {} ms: writing {} checkpoint(s) without timestamp "
                + "(chainer.tsa.unavailable.mode=emit-unstamped): {}", waited, batch.size(), why);
        write(batch, now);
    }

    /** Forwards every checkpoint of {@code batch} as it is and empties the pending store of them. */
    private void write(List<KeyValue<String, CheckpointRecord>> batch, long now) {
        forward(batch, now);
        pendingMayExist = false;
        metrics.pendingCheckpoint(this, OptionalLong.empty());
    }

    private void forward(List<KeyValue<String, CheckpointRecord>> batch, long now) {
        for (KeyValue<String, CheckpointRecord> kv : batch) {
            CheckpointRecord cp = kv.value;
            String agentKey = kv.key.substring(0, kv.key.indexOf('\u0000'));
            context.forward(new Record<Object, Object>(agentKey, cp, now, new RecordHeaders()), settings.checkpointsSink());
            pending.delete(kv.key);
            metrics.checkpoint(cp.getTrigger(), cp.getTimestamp() != null);
        }
    }

    private static long oldestCreated(List<KeyValue<String, CheckpointRecord>> batch, long now) {
        return batch.stream().mapToLong(kv -> kv.value.getCreatedAt().toEpochMilli()).min().orElse(now);
    }

    /**
     * The TSA request made for the pending checkpoints {@code keys} with their {@code notes}, at {@code sentAtMs}.
     * Not chain state: losing it (a crash, a revive) costs one request again, since the checkpoints stay in the
     * pending store until they are written.
     */
    private record InFlight(List<String> keys, List<String> notes, long sentAtMs,
                            CompletableFuture<List<CheckpointTimestamp>> stamps) {
    }
}
