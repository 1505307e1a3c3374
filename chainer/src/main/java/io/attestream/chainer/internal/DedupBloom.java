package io.attestream.chainer.internal;

import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A blocked Bloom filter per time generation: the negative cache of {@link EventIdFilter}. A key is added to the
 * generation of its put time; generations are {@code ceil(W / 4)} wide and a generation is dropped once it ends
 * before {@code now - W}, so the filter forgets what the window store forgets (a Bloom filter cannot delete).
 *
 * <p>Contract. {@link #mightContain} MUST answer true for every key added with a put time {@code t >= now - W},
 * as long as {@code now} does not go below a time already passed to {@link #expire} (the caller checks that). A
 * generation is never dropped early; dropping it late only costs false positives.
 *
 * <p>Sizing: {@code bytes} are split evenly over {@value #MAX_GENERATIONS} generations (W / G + 1 are live at once,
 * one spare for a clock step across a boundary), each a whole number of 512-bit blocks. All {@value #HASHES}
 * bits of a key lie in one block (one cache line per generation and lookup). At {@value #BITS_PER_KEY} bits per key
 * the false-positive rate is about 1 %; a generation with more keys than that (its capacity) keeps answering, with a
 * higher false-positive rate (measured by the caller's counters, logged once per generation), never a false negative.
 */
final class DedupBloom {
    private static final Logger LOG = LoggerFactory.getLogger(DedupBloom.class);
    static final int MAX_GENERATIONS = 6;
    static final int HASHES = 7;
    static final int BITS_PER_KEY = 10;
    private static final int BLOCK_LONGS = 8;

    private final long windowMs;
    private final long generationMs;
    private final int blocksPerGeneration;
    private final TreeMap<Long, Generation> generations = new TreeMap<>();

    /** A generation: the keys put in [index * G, (index + 1) * G). */
    static final class Generation {
        final long[] bits;
        long adds;

        Generation(int blocks) {
            bits = new long[blocks * BLOCK_LONGS];
        }
    }

    /**
     * @param windowMs the dedup window W (> 0)
     * @param bytes    memory for all generations together (>= 64 * {@value #MAX_GENERATIONS})
     */
    DedupBloom(long windowMs, long bytes) {
        if (windowMs <= 0) {
            throw new IllegalArgumentException("windowMs must be > 0, got " + windowMs);
        }
        long blocks = bytes / MAX_GENERATIONS / (BLOCK_LONGS * Long.BYTES);
        if (blocks < 1 || blocks > Integer.MAX_VALUE / BLOCK_LONGS) {
            throw new IllegalArgumentException("bytes out of range: " + bytes);
        }
        this.windowMs = windowMs;
        this.generationMs = Math.max(1, (windowMs + 3) / 4);
        this.blocksPerGeneration = (int) blocks;
    }

    /** @return keys one generation holds at about 1 % false positives */
    long capacityPerGeneration() {
        return (long) blocksPerGeneration * BLOCK_LONGS * Long.SIZE / BITS_PER_KEY;
    }

    /** @return bytes allocated now (generations are allocated on their first add) */
    long allocatedBytes() {
        return (long) generations.size() * blocksPerGeneration * BLOCK_LONGS * Long.BYTES;
    }

    /**
     * Adds {@code key} put at {@code putTimeMs}.
     *
     * @return false when the key needed a generation beyond {@value #MAX_GENERATIONS} live ones (a put time far
     *     from the others: a clock step); the key was then not added and the caller MUST stop trusting the filter
     */
    boolean add(String key, long putTimeMs) {
        long index = Math.floorDiv(putTimeMs, generationMs);
        Generation g = generations.get(index);
        if (g == null) {
            if (generations.size() >= MAX_GENERATIONS) {
                return false;
            }
            g = new Generation(blocksPerGeneration);
            generations.put(index, g);
        }
        long h = hash(key);
        int block = block(h);
        long bits = mix(h ^ 0x9E3779B97F4A7C15L);
        for (int i = 0; i < HASHES; i++) {
            int bit = (int) (bits >>> (i * 9)) & 511;
            g.bits[block + (bit >>> 6)] |= 1L << bit;
        }
        if (++g.adds == capacityPerGeneration()) {
            LOG.info("eventId filter generation at {} ms holds {} ids, its capacity at ~1 % false positives; beyond it "
                    + "more events fetch from the store (raise chainer.dedup.filter.bytes)", index * generationMs, g.adds);
        }
        return true;
    }

    /** @return true unless no generation holds {@code key} (false: definitely never added to a live generation) */
    boolean mightContain(String key) {
        if (generations.isEmpty()) {
            return false;
        }
        long h = hash(key);
        int block = block(h);
        long bits = mix(h ^ 0x9E3779B97F4A7C15L);
        for (Generation g : generations.values()) {
            if (contains(g.bits, block, bits)) {
                return true;
            }
        }
        return false;
    }

    /** First word of the key's block: the high 32 bits of its mixed hash scaled to the block count (no modulo). */
    private int block(long h) {
        return (int) (((mix(h) >>> 32) * blocksPerGeneration) >>> 32) * BLOCK_LONGS;
    }

    private static boolean contains(long[] words, int block, long bits) {
        for (int i = 0; i < HASHES; i++) {
            int bit = (int) (bits >>> (i * 9)) & 511;
            if ((words[block + (bit >>> 6)] & (1L << bit)) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Drops every generation that ends before {@code nowMs - W} (its keys have left the window). */
    void expire(long nowMs) {
        long oldestNeeded = Math.floorDiv(nowMs - windowMs, generationMs);
        generations.headMap(oldestNeeded, false).clear();
    }

    /** @return live generations (for tests and logs) */
    int generationCount() {
        return generations.size();
    }

    /** @return adds to the generation holding {@code putTimeMs}, 0 if none */
    long addsAt(long putTimeMs) {
        Generation g = generations.get(Math.floorDiv(putTimeMs, generationMs));
        return g == null ? 0 : g.adds;
    }

    /** 64-bit FNV-1a over the UTF-16 chars; {@link #mix} spreads it. */
    private static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            h = (h ^ key.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }

    /** The SplitMix64 finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
