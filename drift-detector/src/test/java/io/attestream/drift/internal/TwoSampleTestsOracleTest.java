package io.attestream.drift.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.special.Beta;
import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.special.Gamma;
import org.apache.commons.math3.stat.descriptive.moment.Kurtosis;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.apache.commons.math3.stat.inference.TTest;
import org.junit.jupiter.api.Test;

/** The statistics against an independent oracle: commons-math3 3.6.1, or values computed by hand. */
class TwoSampleTestsOracleTest {
    private static final KolmogorovSmirnovTest KS = new KolmogorovSmirnovTest();
    private static final TTest T = new TTest();

    @Test
    void specialFunctionsMatchCommonsMathWithin1e10() {
        for (double x : new double[] {0.5, 1, 2.5, 7.3, 30, 171.2}) {
            assertThat(SpecialFunctions.logGamma(x)).isCloseTo(Gamma.logGamma(x), within(1e-10 * Math.max(1, x)));
        }
        for (double[] c : new double[][] {{0.1, 0.5, 3}, {0.7, 2, 9}, {0.99, 40, 0.5}, {0.3, 150, 0.5}}) {
            assertThat(SpecialFunctions.regularizedBeta(c[0], c[1], c[2]))
                    .isCloseTo(Beta.regularizedBeta(c[0], c[1], c[2]), within(1e-10));
        }
        for (double x : new double[] {-2, -0.3, 0, 0.01, 0.7, 1.5, 3, 5.5}) {
            assertThat(SpecialFunctions.erfc(x)).isCloseTo(Erf.erfc(x), within(1e-12));
        }
        for (double t : new double[] {0.2, 1.1, 2.7, 6}) {
            for (double df : new double[] {3, 17.4, 398}) {
                double expected = 2 * new TDistribution(df).cumulativeProbability(-t);
                assertThat(SpecialFunctions.studentTwoSided(t, df)).isCloseTo(expected, within(1e-10));
            }
        }
        assertThat(SpecialFunctions.normalTwoSided(1.959963984540054)).isCloseTo(0.05, within(1e-12));
        assertThat(SpecialFunctions.normalTwoSided(3.1)).isCloseTo(
                2 * new NormalDistribution().cumulativeProbability(-3.1), within(1e-12));
    }

    @Test
    void kolmogorovTailMatchesBothSeriesAtTheirBoundaryAndKnownQuantiles() {
        // Known critical values of the Kolmogorov distribution: Q(1.3581) = 0.05, Q(1.6276) = 0.01.
        assertThat(SpecialFunctions.kolmogorovTail(1.3581)).isCloseTo(0.05, within(1e-4));
        assertThat(SpecialFunctions.kolmogorovTail(1.6276)).isCloseTo(0.01, within(1e-4));
        assertThat(SpecialFunctions.kolmogorovTail(1.1799)).isCloseTo(SpecialFunctions.kolmogorovTail(1.1801),
                within(1e-3));
        assertThat(SpecialFunctions.kolmogorovTail(0.3)).isCloseTo(1.0, within(1e-4));
    }

    @Test
    void ksStatisticEqualsCommonsMathOnSamplesWithAndWithoutTies() {
        SyntheticGenerator g = new SyntheticGenerator(7);
        for (int trial = 0; trial < 20; trial++) {
            double[] x = g.sample(150 + trial, 0, 1);
            double[] y = g.sample(120 + 3 * trial, 0.2 * (trial % 4), 1 + 0.1 * (trial % 3));
            if (trial % 5 == 0) {
                // Rounded values: many ties inside and across samples.
                x = Arrays.stream(x).map(v -> Math.round(v * 4) / 4.0).toArray();
                y = Arrays.stream(y).map(v -> Math.round(v * 4) / 4.0).toArray();
            }
            double d = TwoSampleTests.ksStatistic(sketch(x), sketch(y));
            assertThat(d).isCloseTo(KS.kolmogorovSmirnovStatistic(x, y), within(1e-12));
        }
    }

    @Test
    void ksPValueEqualsCommonsMathAsymptoticWithin1e6ForLargeSamples() {
        SyntheticGenerator g = new SyntheticGenerator(11);
        for (int trial = 0; trial < 10; trial++) {
            double[] x = g.sample(200, 0, 1);
            double[] y = g.sample(220, 0.05 * trial, 1);
            double d = KS.kolmogorovSmirnovStatistic(x, y);
            // n·m >= 10000: commons-math3 uses the asymptotic distribution, as we do.
            double expected = KS.kolmogorovSmirnovTest(x, y);
            assertThat(TwoSampleTests.ksPValue(d, x.length, y.length)).isCloseTo(expected, within(1e-6));
        }
    }

    @Test
    void ksPValueForSmallSamplesIsConservativeAndAtMostTwiceTheExactPInTheTail() {
        SyntheticGenerator g = new SyntheticGenerator(13);
        int tail = 0;
        for (int trial = 0; trial < 30; trial++) {
            double[] x = g.sample(50, 0, 1);
            double[] y = g.sample(60, 0.04 * trial, 1);
            double d = KS.kolmogorovSmirnovStatistic(x, y);
            double exact = KS.exactP(d, x.length, y.length, true);
            double ours = TwoSampleTests.ksPValue(d, x.length, y.length);
            // The asymptotic p-value is never (beyond rounding) below the exact one: it can only miss, not invent.
            assertThat(ours).isGreaterThanOrEqualTo(exact - 1e-3).isCloseTo(exact, within(0.1));
            if (exact < 0.05) {
                tail++;
                assertThat(ours).isLessThanOrEqualTo(2 * exact + 1e-4);
            }
        }
        assertThat(tail).isGreaterThan(5);
    }

    @Test
    void welchStatisticAndPValueEqualCommonsMathTTestWithin1e9() {
        SyntheticGenerator g = new SyntheticGenerator(17);
        for (int trial = 0; trial < 20; trial++) {
            double[] x = g.sample(30 + 10 * trial, 5, 1);
            double[] y = g.sample(25 + 7 * trial, 5 + 0.05 * trial, 1 + 0.2 * (trial % 5));
            Moments mx = WindowSample.of(64, x).moments();
            Moments my = WindowSample.of(64, y).moments();
            // commons-math3 t(x, y) is mean(x) - mean(y); ours is cur - ref.
            assertThat(TwoSampleTests.welchT(my, mx)).isCloseTo(T.t(x, y), within(1e-9));
            assertThat(TwoSampleTests.welchPValue(my, mx)).isCloseTo(T.tTest(x, y), within(1e-9));
        }
    }

    @Test
    void momentsMergeEqualsOnePassAndKurtosisMatchesCommonsMath() {
        double[] x = new SyntheticGenerator(19).sample(1000, 3, 2);
        Moments all = WindowSample.of(64, x).moments();
        Moments a = WindowSample.of(64, Arrays.copyOf(x, 377)).moments();
        Moments b = WindowSample.of(64, Arrays.copyOfRange(x, 377, 1000)).moments();
        a.merge(b);
        assertThat(a.count()).isEqualTo(1000);
        assertThat(a.mean()).isCloseTo(all.mean(), within(1e-12));
        assertThat(a.variance()).isCloseTo(all.variance(), within(1e-10));
        assertThat(a.m4()).isCloseTo(all.m4(), within(1e-6));
        // commons-math3 Kurtosis is the bias-corrected excess kurtosis; both estimate ~0 excess for a normal sample.
        double n = x.length;
        double g2 = all.kurtosis() - 3;
        double corrected = ((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3));
        assertThat(corrected).isCloseTo(new Kurtosis().evaluate(x), within(1e-9));
    }

    @Test
    void psiAndJensenShannonMatchHandComputedValuesOnFourBins() {
        // Reference 1..8: quartile cuts at 2, 4, 6 give bins {1,2},{3,4},{5,6},{7,8}, shares 1/4 each.
        QuantileSketch ref = sketch(1, 2, 3, 4, 5, 6, 7, 8);
        // Current: bin shares 1/8, 1/8, 1/4, 1/2.
        QuantileSketch cur = sketch(1, 3, 5, 6, 7, 8, 8, 7);
        double[] r = {0.25, 0.25, 0.25, 0.25};
        double[] c = {0.125, 0.125, 0.25, 0.5};
        double psi = 0;
        double js = 0;
        for (int i = 0; i < 4; i++) {
            psi += (c[i] - r[i]) * Math.log(c[i] / r[i]);
            double m = (r[i] + c[i]) / 2;
            js += 0.5 * r[i] * Math.log(r[i] / m) + 0.5 * c[i] * Math.log(c[i] / m);
        }
        assertThat(TwoSampleTests.psi(ref, cur, 4)).isCloseTo(psi, within(1e-12));
        assertThat(psi).isCloseTo(0.3465735902799726, within(1e-12));
        assertThat(TwoSampleTests.jensenShannonDistance(ref, cur, 4))
                .isCloseTo(Math.sqrt(js / Math.log(2)), within(1e-12));
        assertThat(TwoSampleTests.jensenShannonDistance(ref, ref, 4)).isZero();
    }

    @Test
    void wassersteinEqualsMeanAbsoluteDifferenceOfSortedEqualSizeSamples() {
        SyntheticGenerator g = new SyntheticGenerator(23);
        double[] x = g.sample(500, 0, 1);
        double[] y = g.sample(500, 0.3, 1.4);
        double[] sx = x.clone();
        double[] sy = y.clone();
        Arrays.sort(sx);
        Arrays.sort(sy);
        double expected = 0;
        for (int i = 0; i < sx.length; i++) {
            expected += Math.abs(sx[i] - sy[i]) / sx.length;
        }
        assertThat(TwoSampleTests.wasserstein1(sketch(x), sketch(y))).isCloseTo(expected, within(1e-9));
        assertThat(TwoSampleTests.wasserstein1(sketch(0, 0, 0), sketch(2, 2, 2))).isCloseTo(2, within(1e-12));
    }

    @Test
    void logVarianceTestFindsDoubledVarianceAndNotEqualVariance() {
        SyntheticGenerator g = new SyntheticGenerator(29);
        Moments ref = WindowSample.of(64, g.sample(400, 0, 1)).moments();
        Moments same = WindowSample.of(64, g.sample(400, 0, 1)).moments();
        Moments doubled = WindowSample.of(64, g.sample(400, 0, Math.sqrt(2))).moments();
        assertThat(TwoSampleTests.logVariancePValue(ref, doubled)).isLessThan(1e-4);
        assertThat(TwoSampleTests.logVariancePValue(ref, same)).isGreaterThan(0.01);
        // Hand check on 1..5 and 2, 4, .., 10: variances 2.5 and 10, both kurtosis n·M4/M2² = 5·34/100 = 1.7.
        Moments a = WindowSample.of(64, 1, 2, 3, 4, 5).moments();
        Moments b = WindowSample.of(64, 2, 4, 6, 8, 10).moments();
        assertThat(a.kurtosis()).isCloseTo(1.7, within(1e-12));
        assertThat(b.kurtosis()).isCloseTo(1.7, within(1e-12));
        double se = Math.sqrt(2 * (1.7 - 2.0 / 5) / 4);
        assertThat(TwoSampleTests.logVarianceZ(a, b)).isCloseTo(Math.log(4) / se, within(1e-12));
    }

    static QuantileSketch sketch(double... xs) {
        return WindowSample.of(QuantileSketch.DEFAULT_CAPACITY, xs).sketch();
    }
}
