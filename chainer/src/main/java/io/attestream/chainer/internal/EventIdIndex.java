package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The eventId deduplication window W ({@code chainer.dedup.window.ms}) with point lookups.
 *
 * <p>Layout (store {@code chainer-event-ids-v2}, a window store kept for 2W): the id {@code <eventId>@<agent>} is
 * written under the start of its W-wide time bucket, {@code t - t mod W}, with the value u64be seq, u64be chained
 * time ms. An id chained at t lies in bucket(now) or the one before it while {@code now - t <= W}, so a lookup is at
 * most two RocksDB point reads (bloom filters answer most misses without touching data blocks), where a time-range
 * fetch opened an iterator on every segment the range touches (the largest per-event cost, docs/performance.md).
 * The stored time keeps the window exact: an id is a duplicate when {@code now - t <= W}, as before, and also
 * when t is after now (another instance's clock ran ahead), which the range fetch missed.
 *
 * <p>Upgrade. Stores written by earlier versions ({@code chainer-event-ids}: the id under its exact chained time)
 * are still read: while that store holds an id chained within W of now, a lookup that misses here also fetches the
 * legacy store's time range. That store gets no new writes, so it runs empty W after the upgrade; each instance
 * checks it at start and then once a minute until it is.
 */
public final class EventIdIndex {
    private static final long LEGACY_RECHECK_MS = 60_000;

    private final WindowStore<String, byte[]> store;
    private final WindowStore<String, byte[]> legacy;
    private final long windowMs;
    private boolean legacyActive = true;
    private long legacyCheckedAtMs = Long.MIN_VALUE;

    /**
     * @param store    the current store
     * @param legacy   the store of earlier versions (read only)
     * @param windowMs W, > 0
     */
    EventIdIndex(WindowStore<String, byte[]> store, WindowStore<String, byte[]> legacy, long windowMs) {
        this.store = requireNonNull(store, "store");
        this.legacy = requireNonNull(legacy, "legacy");
        if (windowMs <= 0) {
            throw new IllegalArgumentException("dedup window must be > 0, got " + windowMs);
        }
        this.windowMs = windowMs;
    }

    /**
     * Retention of the current store: two buckets.
     *
     * @param windowMs W
     * @return 2W, saturated
     */
    public static long retentionMs(long windowMs) {
        return windowMs > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * windowMs;
    }

    private long bucket(long ms) {
        return ms - Math.floorMod(ms, windowMs);
    }

    /** The seq {@code id} was chained as within the window before {@code nowMs}, or null. */
    Long seqOf(String id, long nowMs) {
        long b = bucket(nowMs);
        Long seq = seqIn(id, b, nowMs);
        if (seq == null && b - windowMs >= 0) {
            seq = seqIn(id, b - windowMs, nowMs);
        }
        if (seq == null && legacyActive(nowMs)) {
            try (WindowStoreIterator<byte[]> it = legacy.fetch(id, nowMs - windowMs, nowMs)) {
                seq = it.hasNext() ? ByteBuffer.wrap(it.next().value).getLong() : null;
            }
        }
        return seq;
    }

    private Long seqIn(String id, long bucketStart, long nowMs) {
        byte[] v = store.fetch(id, bucketStart);
        if (v == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        long seq = b.getLong();
        long chainedAt = b.getLong();
        return nowMs - chainedAt <= windowMs ? seq : null;
    }

    /** Records that {@code id} was chained as {@code seq} at {@code nowMs}. */
    void put(String id, long seq, long nowMs) {
        store.put(id, ByteBuffer.allocate(16).putLong(seq).putLong(nowMs).array(), bucket(nowMs));
    }

    private boolean legacyActive(long nowMs) {
        if (legacyActive && nowMs - legacyCheckedAtMs >= LEGACY_RECHECK_MS) {
            legacyCheckedAtMs = nowMs;
            try (KeyValueIterator<Windowed<String>, byte[]> it = legacy.fetchAll(nowMs - windowMs, nowMs)) {
                legacyActive = it.hasNext();
            }
        }
        return legacyActive;
    }
}
