package io.attestream.drift.internal;

/**
 * Two-sided Page-Hinkley (CUSUM form) on values standardized by the reference mean and standard deviation:
 * g⁺ = max(0, g⁺ + z - δ), g⁻ = max(0, g⁻ - z - δ), alarm when either exceeds h(n).
 *
 * <p>The threshold grows with the number of values seen so that the chance of a false alarm over a window of n
 * values stays near {@code alpha}, whatever n: with Siegmund's approximation of the in-control run length,
 * ARL₀ ≈ exp(2δ(h + 1.166)) / (2δ²), two sides, we set 2n / ARL₀ = alpha, i.e.
 * h(n) = ln(4nδ²/alpha) / (2δ) - 1.166 (never below 5). It is a heuristic; the calibration benchmark measures it.
 *
 * <p>Mutable, owned by one window.
 */
public final class PageHinkley {
    private final double delta;
    private final double alpha;
    private long n;
    private double up;
    private double down;

    /**
     * @param delta the allowance in reference standard deviations (half the smallest shift worth catching fast)
     * @param alpha the false-alarm budget per window
     */
    public PageHinkley(double delta, double alpha) {
        this(delta, alpha, 0, 0, 0);
    }

    PageHinkley(double delta, double alpha, long n, double up, double down) {
        if (!(delta > 0) || !(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("delta must be > 0 and alpha in (0, 1): " + delta + ", " + alpha);
        }
        this.delta = delta;
        this.alpha = alpha;
        this.n = n;
        this.up = up;
        this.down = down;
    }

    /**
     * Adds one value standardized by the reference.
     *
     * @return whether the statistic is above the threshold after this value
     */
    public boolean add(double z) {
        n++;
        up = Math.max(0, up + z - delta);
        down = Math.max(0, down - z - delta);
        return statistic() > threshold(n);
    }

    /** The larger of the two one-sided statistics. */
    public double statistic() {
        return Math.max(up, down);
    }

    /** h(n). */
    public double threshold(long count) {
        double h = Math.log(4.0 * Math.max(count, 1) * delta * delta / alpha) / (2 * delta) - 1.166;
        return Math.max(5, h);
    }

    public long count() {
        return n;
    }

    double delta() {
        return delta;
    }

    double alpha() {
        return alpha;
    }

    double up() {
        return up;
    }

    double down() {
        return down;
    }
}
