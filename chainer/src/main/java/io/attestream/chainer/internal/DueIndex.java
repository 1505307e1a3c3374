package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The time-cadence index over a changelogged key-value store: one entry per agent with uncheckpointed entries, keyed
 * {@code <due time ms, 19 digits> NUL <tenant>/<agentId>} (empty value), so that the keys sort by due time and the
 * punctuation reads only what is due. One more key, {@value #BUILT_FOR_KEY} (sorting after every time key), holds the
 * time cadence T (u64be ms) the entries were computed with.
 *
 * <p>An instance lives from one processor init to the next and keeps one hint in memory, a lower bound of the due
 * times present, so that a read seeks past the deletion markers of entries already handled instead of skipping
 * them one by one (RocksDB keeps those until compaction). The bound only moves up past times this instance has
 * read, and down with every {@link #add}, so it never hides an entry; a new instance starts at 0.
 */
final class DueIndex {
    static final String BUILT_FOR_KEY = "~built-for-interval-ms";
    private static final byte[] EMPTY = new byte[0];
    private static final int TIME_DIGITS = 19;

    private final KeyValueStore<String, byte[]> store;
    private long lowerBound;

    /** An entry: the agent and when its time checkpoint is due. */
    record Entry(long dueAtMs, String agentKey) {
    }

    DueIndex(KeyValueStore<String, byte[]> store) {
        this.store = requireNonNull(store, "store");
    }

    static String key(long dueAtMs, String agentKey) {
        if (dueAtMs < 0) {
            throw new IllegalArgumentException("due time " + dueAtMs + " ms of " + agentKey + " is negative");
        }
        return timePrefix(dueAtMs) + '\u0000' + agentKey;
    }

    private static String timePrefix(long ms) {
        String digits = Long.toString(ms);
        StringBuilder b = new StringBuilder(TIME_DIGITS + 1 + 64);
        for (int i = digits.length(); i < TIME_DIGITS; i++) {
            b.append('0');
        }
        return b.append(digits).toString();
    }

    void add(long dueAtMs, String agentKey) {
        store.put(key(dueAtMs, agentKey), EMPTY);
        lowerBound = Math.min(lowerBound, dueAtMs);
    }

    void remove(long dueAtMs, String agentKey) {
        store.delete(key(dueAtMs, agentKey));
    }

    /**
     * Every entry due at or before {@code nowMs}, in due order. The caller handles each (remove, or add again) before
     * the next call.
     */
    List<Entry> dueBy(long nowMs) {
        List<Entry> out = new ArrayList<>();
        if (lowerBound > nowMs) {
            return out;
        }
        // Keys of time nowMs continue with NUL; "\u0001" right after the digits sorts after all of them.
        try (KeyValueIterator<String, byte[]> it = store.range(timePrefix(lowerBound), timePrefix(nowMs) + '\u0001')) {
            while (it.hasNext()) {
                String k = it.next().key;
                out.add(new Entry(Long.parseLong(k, 0, TIME_DIGITS, 10), k.substring(TIME_DIGITS + 1)));
            }
        }
        lowerBound = nowMs + 1;
        return out;
    }

    /** The T the entries were computed with, or -1 when the index was never built in this store. */
    long builtFor() {
        byte[] v = store.get(BUILT_FOR_KEY);
        return v == null ? -1 : ByteBuffer.wrap(v).getLong();
    }

    void markBuiltFor(long intervalMs) {
        store.put(BUILT_FOR_KEY, ByteBuffer.allocate(8).putLong(intervalMs).array());
    }

    /** Deletes every entry (before a rebuild). */
    void clear() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                keys.add(kv.key);
            }
        }
        keys.forEach(store::delete);
        lowerBound = 0;
    }
}
