package io.attestream.drift.internal;

/**
 * Exact streaming moments (count, mean, central moments 2 to 4) with Welford/Pébay updates, mergeable without loss.
 * Mutable: owned by one window summary at a time.
 */
public final class Moments {
    private long n;
    private double mean;
    private double m2;
    private double m3;
    private double m4;

    /** An empty summary. */
    public Moments() {
    }

    Moments(long n, double mean, double m2, double m3, double m4) {
        this.n = n;
        this.mean = mean;
        this.m2 = m2;
        this.m3 = m3;
        this.m4 = m4;
    }

    /** Adds one value. */
    public void add(double x) {
        long n1 = n;
        n++;
        double delta = x - mean;
        double deltaN = delta / n;
        double deltaN2 = deltaN * deltaN;
        double term1 = delta * deltaN * n1;
        mean += deltaN;
        m4 += term1 * deltaN2 * ((double) n * n - 3.0 * n + 3) + 6 * deltaN2 * m2 - 4 * deltaN * m3;
        m3 += term1 * deltaN * (n - 2) - 3 * deltaN * m2;
        m2 += term1;
    }

    /** Adds every value summarized by {@code other} (Pébay's pairwise formulas). */
    public void merge(Moments other) {
        if (other.n == 0) {
            return;
        }
        if (n == 0) {
            n = other.n;
            mean = other.mean;
            m2 = other.m2;
            m3 = other.m3;
            m4 = other.m4;
            return;
        }
        double na = n;
        double nb = other.n;
        double nx = na + nb;
        double delta = other.mean - mean;
        double delta2 = delta * delta;
        double delta3 = delta2 * delta;
        double delta4 = delta2 * delta2;
        double newM4 = m4 + other.m4 + delta4 * na * nb * (na * na - na * nb + nb * nb) / (nx * nx * nx)
                + 6 * delta2 * (na * na * other.m2 + nb * nb * m2) / (nx * nx)
                + 4 * delta * (na * other.m3 - nb * m3) / nx;
        double newM3 = m3 + other.m3 + delta3 * na * nb * (na - nb) / (nx * nx)
                + 3 * delta * (na * other.m2 - nb * m2) / nx;
        double newM2 = m2 + other.m2 + delta2 * na * nb / nx;
        mean += delta * nb / nx;
        m2 = newM2;
        m3 = newM3;
        m4 = newM4;
        n += other.n;
    }

    public long count() {
        return n;
    }

    public double mean() {
        return n == 0 ? Double.NaN : mean;
    }

    /** Sample variance (n - 1 denominator). */
    public double variance() {
        return n < 2 ? Double.NaN : m2 / (n - 1);
    }

    /** Sum of squared deviations from the mean. */
    double m2() {
        return m2;
    }

    double m3() {
        return m3;
    }

    /** Sum of fourth powers of deviations from the mean. */
    double m4() {
        return m4;
    }

    /** Plain (non-excess) sample kurtosis n·M4/M2², 3 for a normal sample in the limit. */
    public double kurtosis() {
        return n < 2 || m2 == 0 ? Double.NaN : n * m4 / (m2 * m2);
    }

    /** A copy that evolves independently. */
    public Moments copy() {
        return new Moments(n, mean, m2, m3, m4);
    }
}
