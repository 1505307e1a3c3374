package io.attestream.chainer.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The eventId window's negative filter: an in-memory Bloom filter ({@link DedupBloom}) per task in front of the
 * window store's range fetch, so that the fetch is skipped for an id the task has certainly not chained within the
 * window (nearly every event). The window store stays the only truth.
 *
 * <p>Contract.
 * <ul>
 *   <li>The filter is a derived, negative-only cache. {@link #lookup} MUST answer {@link Answer#ABSENT} only when
 *   every key the store holds with a put time in {@code [now - W, now]} has been added; the caller MUST fetch from
 *   the store on any other answer. A false positive costs a fetch, never a wrong answer.</li>
 *   <li>A new filter (made in {@code ChainProcessor.init}, which also runs after a revive, when the stores were
 *   rolled back to the last commit) MUST start empty and untrusted, and MUST NOT scan the store inside init: the
 *   window can hold millions of ids. Every put after init MUST be {@link #add}ed. The ids already in the store are
 *   added by {@link #scanStep}, at most {@code scanEntries} of them per wall-clock punctuation, resuming by key;
 *   only when the scan has reached the end does the filter answer {@code ABSENT}.</li>
 *   <li>Expiry follows the store: ids are kept per generation of their put time and a generation is dropped when it
 *   ends before {@code now - W - 60 s} (a margin for the clock; keeping ids longer only costs false positives). If
 *   the clock goes below a time already used to drop (or to bound the scan), the filter answers
 *   {@link Answer#UNTRUSTED} for that lookup.</li>
 * </ul>
 *
 * <p>Scan order. The store is Kafka Streams' segmented RocksDB window store: a range fetch iterates segment by
 * segment, within a segment by serialized key (the key's UTF-8 bytes, then the put time). The scan therefore walks
 * time slices aligned to the store's segments and resumes by key within a slice (re-adding the boundary key is
 * harmless). It checks that the keys of a slice arrive in that order; if they do not (another store layout), it
 * gives up and the filter stays untrusted until the next init: slower, never wrong.
 */
final class EventIdFilter {
    private static final Logger LOG = LoggerFactory.getLogger(EventIdFilter.class);

    /** What the filter knows about a key. */
    enum Answer {
        /** No live generation holds the key, and the filter is trusted: the store has no entry in the window. */
        ABSENT,
        /** Some generation may hold it: fetch. */
        MAYBE,
        /** Not trusted (scan not finished, given up, disabled, or the clock went back): fetch. */
        UNTRUSTED
    }

    /**
     * Margin below {@code now - W} kept when dropping or bounding what the filter knows: the stream thread's clock
     * seen by a punctuation may run slightly ahead of the one a later record sees.
     */
    private static final long CLOCK_SLACK_MS = 60_000;

    private final long windowMs;
    private final long segmentMs;
    private final int scanEntries;
    private final DedupBloom bloom;
    /** Ids put before this time may be missing (not scanned, or their generation dropped). */
    private long forgottenBefore = Long.MIN_VALUE;
    private boolean trusted;
    private boolean gaveUp;
    private boolean scanStarted;
    /** Start of the slice being scanned; its end is {@code sliceFrom + segmentMs - 1}, or open once past now. */
    private long sliceFrom;
    /** Key to resume from within the slice, null: from its first key. */
    private String resumeKey;
    private long scanned;
    private long scanStartNanos;

    /**
     * @param windowMs    chainer.dedup.window.ms (> 0)
     * @param segmentMs   the window store's segment interval (slices of the scan)
     * @param bytes       chainer.dedup.filter.bytes; 0 disables the filter (every lookup {@code UNTRUSTED})
     * @param scanEntries ids added by one {@link #scanStep}
     */
    EventIdFilter(long windowMs, long segmentMs, long bytes, int scanEntries) {
        if (segmentMs <= 0 || scanEntries <= 0) {
            throw new IllegalArgumentException("segmentMs and scanEntries must be > 0");
        }
        this.windowMs = windowMs;
        this.segmentMs = segmentMs;
        this.scanEntries = scanEntries;
        this.bloom = bytes == 0 ? null : new DedupBloom(windowMs, bytes);
    }

    /** @return what the filter knows about {@code key} at {@code nowMs} */
    Answer lookup(String key, long nowMs) {
        if (!trusted || nowMs - windowMs < forgottenBefore) {
            return Answer.UNTRUSTED;
        }
        return bloom.mightContain(key) ? Answer.MAYBE : Answer.ABSENT;
    }

    /** Records that {@code key} was put into the store at {@code putTimeMs}. */
    void add(String key, long putTimeMs) {
        if (bloom != null && !gaveUp && !bloom.add(key, putTimeMs)) {
            giveUp("an id put at " + putTimeMs + " ms needs more than " + DedupBloom.MAX_GENERATIONS
                    + " generations (clock step?)");
        }
    }

    /** @return true once the scan has reached the end and the filter answers {@code ABSENT} */
    boolean trusted() {
        return trusted;
    }

    /**
     * One punctuation's share of the work: drops expired generations, and until the filter is trusted adds up to
     * about {@code scanEntries} ids of {@code store} (those put at or after {@code nowMs - W} of the first step).
     */
    void scanStep(WindowStore<String, byte[]> store, long nowMs) {
        if (bloom == null || gaveUp) {
            return;
        }
        if (trusted) {
            expireBefore(nowMs);
            return;
        }
        if (!scanStarted) {
            scanStarted = true;
            scanStartNanos = System.nanoTime();
            forgottenBefore = nowMs - CLOCK_SLACK_MS - windowMs;
            sliceFrom = Math.floorDiv(forgottenBefore, segmentMs) * segmentMs;
        }
        int budget = scanEntries;
        while (budget > 0) {
            // Closed slices, one per store segment, up to the segment of now; then one open slice for ids put with
            // a time ahead of now (a clock step back), which in the store may span several segments.
            boolean last = sliceFrom > nowMs;
            long sliceTo = last ? Long.MAX_VALUE : sliceFrom + segmentMs - 1;
            budget = scanSlice(store, Math.max(sliceFrom, forgottenBefore), sliceTo, budget);
            if (gaveUp || budget == 0) {
                return;
            }
            if (last) {
                trusted = true;
                LOG.info("eventId filter trusted: {} id(s) scanned in {} ms, {} generation(s)", scanned,
                        (System.nanoTime() - scanStartNanos) / 1_000_000, bloom.generationCount());
                expireBefore(nowMs);
                return;
            }
            sliceFrom += segmentMs;
            resumeKey = null;
        }
    }

    /**
     * Adds the ids of one slice from {@link #resumeKey}, about {@code budget} of them.
     *
     * @return the budget left (at least 1) when the slice is done; 0 when {@link #resumeKey} says where to go on
     */
    private int scanSlice(WindowStore<String, byte[]> store, long from, long to, int budget) {
        byte[] previous = null;
        try (KeyValueIterator<Windowed<String>, byte[]> it = store.fetch(resumeKey, null, from, to)) {
            while (it.hasNext()) {
                KeyValue<Windowed<String>, byte[]> kv = it.next();
                String key = kv.key.key();
                byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
                int order = previous == null ? -1 : Arrays.compareUnsigned(previous, bytes);
                if (order > 0) {
                    giveUp("ids of one store segment out of serialized key order (another store layout?)");
                    return 0;
                }
                // Stop only between two keys, so that the entries of one key never hold the scan in place.
                if (budget <= 0 && order < 0) {
                    resumeKey = resumeFrom(key);
                    return 0;
                }
                add(key, kv.key.window().start());
                scanned++;
                budget--;
                previous = bytes;
            }
        }
        return Math.max(budget, 1);
    }

    /**
     * Where to resume so that no id after {@code next} is filtered out. An unseen key sorts after {@code next}
     * in the store, which for keys without U+0000 means its bytes sort at or after {@code next}'s; a key with
     * U+0000 can be followed by a prefix of itself (the put time's leading zero bytes), so cut it there.
     */
    private static String resumeFrom(String next) {
        int nul = next.indexOf('\u0000');
        return nul < 0 ? next : next.substring(0, nul);
    }

    private void expireBefore(long nowMs) {
        long before = nowMs - CLOCK_SLACK_MS;
        if (before - windowMs > forgottenBefore) {
            forgottenBefore = before - windowMs;
        }
        bloom.expire(before);
    }

    private void giveUp(String why) {
        if (!gaveUp) {
            gaveUp = true;
            trusted = false;
            LOG.warn("eventId filter disabled until the task restarts, every event fetches from the store: {}", why);
        }
    }
}
