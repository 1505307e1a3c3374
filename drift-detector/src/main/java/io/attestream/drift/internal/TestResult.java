package io.attestream.drift.internal;

/**
 * The outcome of one two-sample test on one metric.
 *
 * @param test        the test's name, e.g. {@code ks}
 * @param statistic   the test statistic (D, t, z, PSI, ...)
 * @param pValue      its p-value, or NaN for descriptive distances that have none
 * @param effect      the effect size the floor applies to (|Δmean|/σ, D, |ln variance ratio|, ...)
 * @param effectFloor the floor: below it a test never alarms, whatever its p-value
 * @param alpha       the per-test significance level after multiple-comparison control, NaN if no p-value
 * @param significant whether this test alone calls the window drifted
 */
public record TestResult(String test, double statistic, double pValue, double effect, double effectFloor,
        double alpha, boolean significant) {
}
