package io.attestream.drift.internal;

/**
 * Two-sample statistics between a reference and a current {@link WindowSample}. Every method reads only the bounded
 * summaries, so its cost does not depend on how many values the windows saw.
 */
public final class TwoSampleTests {
    /** Smoothing for empty PSI bins (the usual 1e-4), so the log ratio stays finite. */
    public static final double PSI_EPSILON = 1e-4;

    private TwoSampleTests() {
    }

    /** Kolmogorov-Smirnov statistic D = sup |F_ref - F_cur| over the two empirical CDFs (ties handled). */
    public static double ksStatistic(QuantileSketch ref, QuantileSketch cur) {
        double[] d = {0};
        walkCdfGap(ref, cur, (value, gap) -> d[0] = Math.max(d[0], gap));
        return d[0];
    }

    /** Receives each distinct value of two merged samples, ascending, with |F_ref - F_cur| just after it. */
    @FunctionalInterface
    private interface CdfGapVisitor {
        void at(double value, double gap);
    }

    /**
     * The one merge of two weighted empirical CDFs: every distinct value of either sample in ascending order, with
     * the absolute CDF difference once all weights at or below that value are counted (ties in one step).
     */
    private static void walkCdfGap(QuantileSketch ref, QuantileSketch cur, CdfGapVisitor visitor) {
        double[] a = ref.sortedValues();
        long[] wa = ref.sortedWeights();
        double[] b = cur.sortedValues();
        long[] wb = cur.sortedWeights();
        double na = ref.count();
        double nb = cur.count();
        int i = 0;
        int j = 0;
        long ca = 0;
        long cb = 0;
        while (i < a.length || j < b.length) {
            double v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
            while (i < a.length && a[i] <= v) {
                ca += wa[i++];
            }
            while (j < b.length && b[j] <= v) {
                cb += wb[j++];
            }
            visitor.at(v, Math.abs(ca / na - cb / nb));
        }
    }

    /**
     * Asymptotic two-sided p-value of the two-sample KS statistic: Q_KS(D √(n m / (n + m))). Conservative for small
     * samples; what commons-math3 uses when n·m &gt;= 10000.
     */
    public static double ksPValue(double d, long n, long m) {
        double ne = (double) n * m / (n + m);
        return SpecialFunctions.kolmogorovTail(d * Math.sqrt(ne));
    }

    /** Welch's t statistic of cur.mean - ref.mean. */
    public static double welchT(Moments ref, Moments cur) {
        double se2 = ref.variance() / ref.count() + cur.variance() / cur.count();
        return (cur.mean() - ref.mean()) / Math.sqrt(se2);
    }

    /** Welch-Satterthwaite degrees of freedom. */
    public static double welchDf(Moments ref, Moments cur) {
        double a = ref.variance() / ref.count();
        double b = cur.variance() / cur.count();
        return (a + b) * (a + b) / (a * a / (ref.count() - 1) + b * b / (cur.count() - 1));
    }

    /** Two-sided p-value of Welch's t-test. */
    public static double welchPValue(Moments ref, Moments cur) {
        double t = welchT(ref, cur);
        if (Double.isNaN(t)) {
            // Both variances zero: equal constants are no evidence, different constants are certain.
            return ref.mean() == cur.mean() ? 1 : 0;
        }
        return SpecialFunctions.studentTwoSided(t, welchDf(ref, cur));
    }

    /**
     * Standardized mean difference (cur - ref) / σ_ref, σ_ref the reference standard deviation (Glass's Δ): the
     * reference is the distribution we trust, so its spread sets the unit.
     */
    public static double glassDelta(Moments ref, Moments cur) {
        double sd = Math.sqrt(ref.variance());
        if (sd == 0) {
            return cur.mean() == ref.mean() ? 0 : Double.POSITIVE_INFINITY;
        }
        return (cur.mean() - ref.mean()) / sd;
    }

    /**
     * Log-variance-ratio z statistic ln(s²_cur / s²_ref) / se, with the kurtosis-corrected standard error of ln s²
     * (after Bonett 2006): se² = Σ (κ - (nᵢ - 3)/nᵢ) / (nᵢ - 1), κ the count-weighted mean of the two windows' own
     * kurtosis (each standardized by its own variance, so the variance change itself does not count as kurtosis;
     * pooled, so its sampling noise is halved). Unlike the F test it stays calibrated for non-normal metrics.
     */
    public static double logVarianceZ(Moments ref, Moments cur) {
        double vr = ref.variance();
        double vc = cur.variance();
        if (vr == 0 || vc == 0) {
            return vr == vc ? 0 : Double.POSITIVE_INFINITY;
        }
        double kappa = (ref.count() * ref.kurtosis() + cur.count() * cur.kurtosis()) / (ref.count() + cur.count());
        double se2 = seTerm(kappa, ref.count()) + seTerm(kappa, cur.count());
        return Math.log(vc / vr) / Math.sqrt(se2);
    }

    private static double seTerm(double kappa, long n) {
        return Math.max(kappa - (n - 3.0) / n, 2.0 / n) / (n - 1);
    }

    /** Two-sided p-value of {@link #logVarianceZ}. */
    public static double logVariancePValue(Moments ref, Moments cur) {
        return SpecialFunctions.normalTwoSided(logVarianceZ(ref, cur));
    }

    /** |ln(s²_cur / s²_ref)|: the variance effect size. */
    public static double logVarianceRatio(Moments ref, Moments cur) {
        return Math.abs(Math.log(cur.variance() / ref.variance()));
    }

    /**
     * Bin shares of reference and current over {@code bins} bins cut at the reference's quantiles 1/bins, 2/bins, ...
     * (duplicate cut points collapse, so a metric with few distinct values gets fewer bins).
     *
     * @return {ref shares, cur shares}
     */
    public static double[][] referenceQuantileBins(QuantileSketch ref, QuantileSketch cur, int bins) {
        double[] cuts = new double[bins - 1];
        int k = 0;
        for (int i = 1; i < bins; i++) {
            double q = ref.quantile((double) i / bins);
            if (k == 0 || q > cuts[k - 1]) {
                cuts[k++] = q;
            }
        }
        double[] r = new double[k + 1];
        double[] c = new double[k + 1];
        double prevR = 0;
        double prevC = 0;
        for (int i = 0; i < k; i++) {
            double fr = ref.cdf(cuts[i]);
            double fc = cur.cdf(cuts[i]);
            r[i] = fr - prevR;
            c[i] = fc - prevC;
            prevR = fr;
            prevC = fc;
        }
        r[k] = 1 - prevR;
        c[k] = 1 - prevC;
        return new double[][] {r, c};
    }

    /** Population stability index Σ (c - r) ln(c / r) over reference-quantile bins, empty bins set to 1e-4. */
    public static double psi(QuantileSketch ref, QuantileSketch cur, int bins) {
        double[][] rc = referenceQuantileBins(ref, cur, bins);
        double psi = 0;
        for (int i = 0; i < rc[0].length; i++) {
            double r = Math.max(rc[0][i], PSI_EPSILON);
            double c = Math.max(rc[1][i], PSI_EPSILON);
            psi += (c - r) * Math.log(c / r);
        }
        return psi;
    }

    /** Jensen-Shannon distance (square root of the base-2 divergence, in [0, 1]) over reference-quantile bins. */
    public static double jensenShannonDistance(QuantileSketch ref, QuantileSketch cur, int bins) {
        double[][] rc = referenceQuantileBins(ref, cur, bins);
        double js = 0;
        for (int i = 0; i < rc[0].length; i++) {
            double r = rc[0][i];
            double c = rc[1][i];
            double m = (r + c) / 2;
            if (r > 0) {
                js += 0.5 * r * Math.log(r / m);
            }
            if (c > 0) {
                js += 0.5 * c * Math.log(c / m);
            }
        }
        return Math.sqrt(Math.max(0, js / Math.log(2)));
    }

    /** Wasserstein-1 distance ∫ |F_ref - F_cur| dx, in the metric's unit. */
    public static double wasserstein1(QuantileSketch ref, QuantileSketch cur) {
        // The CDF gap after one value holds until the next value: integrate it step by step.
        double[] state = {0, Double.NaN, 0}; // integral, previous value, gap after the previous value
        walkCdfGap(ref, cur, (value, gap) -> {
            if (!Double.isNaN(state[1])) {
                state[0] += state[2] * (value - state[1]);
            }
            state[1] = value;
            state[2] = gap;
        });
        return state[0];
    }
}
