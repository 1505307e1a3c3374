package io.attestream.drift.internal;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The decision rule: when does a current window differ from its reference enough to alarm.
 *
 * <p>A window is drifted when at least one test is significant, and a test is significant only if (1) both windows
 * hold at least {@code minCount} values, (2) its p-value is below {@code alpha / (TESTS × family)} (Bonferroni over
 * the three p-value tests of a metric and the {@code family} metrics of the same agent and suite compared at once), and (3) its
 * effect size reaches its floor, so that huge windows do not alarm on trivial but significant shifts. PSI,
 * Jensen-Shannon and Wasserstein-1 are reported as effect sizes and set the severity; they have no p-value and
 * never alarm on their own.
 *
 * @param minCount          least values per window before any test may alarm
 * @param alpha             family-wise false-alarm rate per window and family of metrics
 * @param meanEffectFloor   least |Δmean| / σ_ref for Welch's t to alarm
 * @param ksEffectFloor     least KS D to alarm
 * @param varianceEffectFloor least |ln(s²_cur / s²_ref)| for the variance test to alarm
 * @param psiBins           number of reference-quantile bins for PSI and Jensen-Shannon
 * @param pageHinkleyDelta  Page-Hinkley allowance in σ_ref
 * @param criticalMeanEffect |Δmean| / σ_ref from which an alert is CRITICAL
 * @param criticalPsi       PSI from which an alert is CRITICAL
 */
public record DriftRule(long minCount, double alpha, double meanEffectFloor, double ksEffectFloor,
        double varianceEffectFloor, int psiBins, double pageHinkleyDelta, double criticalMeanEffect,
        double criticalPsi) {
    /**
     * Tests that carry a p-value, and so share alpha: welch-t, ks, log-variance. Page-Hinkley is not counted apart:
     * its early alarm must be confirmed by Welch's t at {@link #EARLY_ALPHA_DIVISOR} times less than the per-test
     * alpha, which pays for the repeated looks inside a window.
     */
    public static final int TESTS = 3;
    /** The early Welch confirmation runs at perTestAlpha / this. */
    public static final int EARLY_ALPHA_DIVISOR = 20;
    /** Test names as they appear in alerts. */
    public static final String WELCH = "welch-t";
    public static final String KS = "ks";
    public static final String LOG_VARIANCE = "log-variance";
    public static final String PAGE_HINKLEY = "page-hinkley";
    public static final String PSI = "psi";
    public static final String JENSEN_SHANNON = "jensen-shannon";
    public static final String WASSERSTEIN = "wasserstein-1";

    /** The defaults docs/drift.md justifies and the calibration benchmark measures. */
    public static final DriftRule DEFAULTS = new DriftRule(50, 0.005, 0.2, 0.1, Math.log(1.25), 10, 0.25, 0.8, 0.25);

    public DriftRule {
        if (minCount < 3) {
            throw new IllegalArgumentException("minCount must be >= 3: " + minCount);
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1): " + alpha);
        }
        if (psiBins < 2) {
            throw new IllegalArgumentException("psiBins must be >= 2: " + psiBins);
        }
    }

    /** How a window compared with its reference. */
    public enum Severity { NONE, WARNING, CRITICAL }

    /**
     * The verdict on one (reference, current) pair.
     *
     * @param sufficient whether both windows reached minCount (if not, nothing was tested)
     * @param drifted    whether any test is significant
     * @param trigger    the significant test with the smallest p-value, or null
     * @param results    every test, significant or not
     * @param severity   NONE unless drifted
     */
    public record Verdict(boolean sufficient, boolean drifted, TestResult trigger, List<TestResult> results,
            Severity severity) {
        public Verdict {
            results = List.copyOf(results);
        }
    }

    /** Per-test alpha when {@code family} metrics are compared together. */
    public double perTestAlpha(int family) {
        return alpha / (TESTS * Math.max(1, family));
    }

    /** A fresh Page-Hinkley detector with this rule's allowance and alpha share. */
    public PageHinkley newPageHinkley(int family) {
        return new PageHinkley(pageHinkleyDelta, perTestAlpha(family));
    }

    /** Compares a closed current window with its reference. */
    public Verdict evaluate(WindowSample ref, WindowSample cur, int family) {
        requireNonNull(ref, "ref");
        requireNonNull(cur, "cur");
        if (ref.count() < minCount || cur.count() < minCount) {
            return new Verdict(false, false, null, List.of(), Severity.NONE);
        }
        double a = perTestAlpha(family);
        Moments rm = ref.moments();
        Moments cm = cur.moments();
        List<TestResult> results = new ArrayList<>();
        results.add(welch(rm, cm, a));
        double d = TwoSampleTests.ksStatistic(ref.sketch(), cur.sketch());
        double pks = TwoSampleTests.ksPValue(d, ref.count(), cur.count());
        results.add(new TestResult(KS, d, pks, d, ksEffectFloor, a, pks < a && d >= ksEffectFloor));
        double z = TwoSampleTests.logVarianceZ(rm, cm);
        double pv = SpecialFunctions.normalTwoSided(z);
        double lr = TwoSampleTests.logVarianceRatio(rm, cm);
        results.add(new TestResult(LOG_VARIANCE, z, pv, lr, varianceEffectFloor, a,
                pv < a && lr >= varianceEffectFloor));
        double psi = TwoSampleTests.psi(ref.sketch(), cur.sketch(), psiBins);
        results.add(new TestResult(PSI, psi, Double.NaN, psi, criticalPsi, Double.NaN, false));
        double js = TwoSampleTests.jensenShannonDistance(ref.sketch(), cur.sketch(), psiBins);
        results.add(new TestResult(JENSEN_SHANNON, js, Double.NaN, js, Double.NaN, Double.NaN, false));
        double w1 = TwoSampleTests.wasserstein1(ref.sketch(), cur.sketch());
        double sd = Math.sqrt(rm.variance());
        results.add(new TestResult(WASSERSTEIN, w1, Double.NaN, sd > 0 ? w1 / sd : Double.NaN, Double.NaN,
                Double.NaN, false));
        return verdict(results, Math.abs(TwoSampleTests.glassDelta(rm, cm)), psi);
    }

    /**
     * The early check while a window is still open: Page-Hinkley has crossed its threshold and Welch's t on the values
     * seen so far confirms it (p-value and effect floor), both windows past minCount.
     */
    public Verdict early(WindowSample ref, Moments curSoFar, PageHinkley ph, int family) {
        if (ref.count() < minCount || curSoFar.count() < minCount || ph.statistic() <= ph.threshold(ph.count())) {
            return new Verdict(curSoFar.count() >= minCount && ref.count() >= minCount, false, null, List.of(),
                    Severity.NONE);
        }
        double a = perTestAlpha(family) / EARLY_ALPHA_DIVISOR;
        TestResult w = welch(ref.moments(), curSoFar, a);
        TestResult p = new TestResult(PAGE_HINKLEY, ph.statistic(), Double.NaN, w.effect(), meanEffectFloor, a,
                w.significant());
        return verdict(List.of(p, w), w.effect(), 0);
    }

    private TestResult welch(Moments rm, Moments cm, double a) {
        double t = TwoSampleTests.welchT(rm, cm);
        double p = TwoSampleTests.welchPValue(rm, cm);
        double effect = Math.abs(TwoSampleTests.glassDelta(rm, cm));
        return new TestResult(WELCH, t, p, effect, meanEffectFloor, a, p < a && effect >= meanEffectFloor);
    }

    private Verdict verdict(List<TestResult> results, double meanEffect, double psi) {
        TestResult trigger = results.stream().filter(TestResult::significant)
                .min(Comparator.comparingDouble(r -> Double.isNaN(r.pValue()) ? 0 : r.pValue())).orElse(null);
        if (trigger == null) {
            return new Verdict(true, false, null, results, Severity.NONE);
        }
        Severity s = meanEffect >= criticalMeanEffect || psi >= criticalPsi ? Severity.CRITICAL : Severity.WARNING;
        return new Verdict(true, true, trigger, results, s);
    }
}
