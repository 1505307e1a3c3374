package io.attestream.drift.internal;

import java.util.Arrays;

/**
 * A bounded, mergeable summary of a distribution: a list of (value, weight) centroids. Exact (one centroid per value)
 * until it holds {@code 2 × capacity} points; then adjacent points in value order are merged greedily into centroids
 * of at most {@code ceil(2 n / capacity)} weight, their weighted mean as value.
 *
 * <p>Accuracy cost, what docs/drift.md states: a merged centroid puts its weight at its mean, so the empirical CDF
 * read from the sketch differs from the exact one only inside the value range of a centroid, by at most that
 * centroid's weight share, {@code 2/capacity} (0.2% at the default 1024). The KS statistic is therefore off by at most
 * {@code 4/capacity} (two sketches), PSI/JS bin shares by {@code 4/capacity} per bin, and Wasserstein-1 by at most
 * {@code 2/capacity × (max - min)}. Windows of fewer than {@code 2 × capacity} values are exact. Memory: at most
 * {@code 2 × capacity × 16} bytes (32 KiB at the default) whatever the window's count.
 *
 * <p>Mutable, not thread-safe: owned by one window summary.
 */
public final class QuantileSketch {
    /** Default centroid budget. */
    public static final int DEFAULT_CAPACITY = 1024;

    private final int capacity;
    private double[] values;
    private long[] weights;
    private int size;
    private long total;
    private boolean sorted = true;

    /** An empty sketch keeping at most {@code 2 × capacity} centroids. */
    public QuantileSketch(int capacity) {
        if (capacity < 16) {
            throw new IllegalArgumentException("capacity must be >= 16: " + capacity);
        }
        this.capacity = capacity;
        this.values = new double[Math.min(64, 2 * capacity)];
        this.weights = new long[values.length];
    }

    QuantileSketch(int capacity, double[] values, long[] weights, int size) {
        this(capacity);
        this.values = Arrays.copyOf(values, Math.max(size, this.values.length));
        this.weights = Arrays.copyOf(weights, this.values.length);
        this.size = size;
        for (int i = 0; i < size; i++) {
            total += weights[i];
        }
        this.sorted = false;
    }

    public int capacity() {
        return capacity;
    }

    /** Number of values summarized. */
    public long count() {
        return total;
    }

    /** Number of centroids held. */
    public int size() {
        return size;
    }

    /** Adds one value. */
    public void add(double x) {
        add(x, 1);
    }

    private void add(double x, long w) {
        if (size == values.length) {
            if (size >= 2 * capacity) {
                compress();
            } else {
                int grown = Math.min(2 * capacity, values.length * 2);
                values = Arrays.copyOf(values, grown);
                weights = Arrays.copyOf(weights, grown);
            }
        }
        values[size] = x;
        weights[size] = w;
        size++;
        total += w;
        sorted = false;
    }

    /** Adds every value summarized by {@code other}. */
    public void merge(QuantileSketch other) {
        for (int i = 0; i < other.size; i++) {
            add(other.values[i], other.weights[i]);
        }
    }

    /** A copy that evolves independently. */
    public QuantileSketch copy() {
        QuantileSketch c = new QuantileSketch(capacity, values, weights, size);
        c.sorted = sorted;
        return c;
    }

    private void sort() {
        if (sorted) {
            return;
        }
        Integer[] idx = new Integer[size];
        for (int i = 0; i < size; i++) {
            idx[i] = i;
        }
        double[] v = values;
        Arrays.sort(idx, (a, b) -> Double.compare(v[a], v[b]));
        double[] nv = new double[values.length];
        long[] nw = new long[values.length];
        for (int i = 0; i < size; i++) {
            nv[i] = values[idx[i]];
            nw[i] = weights[idx[i]];
        }
        values = nv;
        weights = nw;
        sorted = true;
    }

    private void compress() {
        sort();
        long target = Math.max(1, (2 * total + capacity - 1) / capacity);
        int out = 0;
        double curSum = values[0] * weights[0];
        long curW = weights[0];
        for (int i = 1; i < size; i++) {
            if (curW + weights[i] <= target) {
                curSum += values[i] * weights[i];
                curW += weights[i];
            } else {
                values[out] = curSum / curW;
                weights[out] = curW;
                out++;
                curSum = values[i] * weights[i];
                curW = weights[i];
            }
        }
        values[out] = curSum / curW;
        weights[out] = curW;
        out++;
        size = out;
    }

    /** The centroid values in ascending order (a copy). */
    public double[] sortedValues() {
        sort();
        return Arrays.copyOf(values, size);
    }

    /** The centroid weights in the order of {@link #sortedValues()} (a copy). */
    public long[] sortedWeights() {
        sort();
        return Arrays.copyOf(weights, size);
    }

    /** Fraction of values &lt;= x. */
    public double cdf(double x) {
        sort();
        long below = 0;
        for (int i = 0; i < size && values[i] <= x; i++) {
            below += weights[i];
        }
        return total == 0 ? Double.NaN : (double) below / total;
    }

    /** The smallest centroid value v with cdf(v) &gt;= q (the empirical quantile, type 1). */
    public double quantile(double q) {
        sort();
        if (size == 0) {
            return Double.NaN;
        }
        double need = q * total;
        long acc = 0;
        for (int i = 0; i < size; i++) {
            acc += weights[i];
            if (acc >= need) {
                return values[i];
            }
        }
        return values[size - 1];
    }
}
