package io.attestream.drift.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Test;

class QuantileSketchTest {
    @Test
    void staysExactBelowTwiceItsCapacity() {
        double[] x = new SyntheticGenerator(1).sample(2 * 64 - 1, 0, 1);
        QuantileSketch s = WindowSample.of(64, x).sketch();
        assertThat(s.size()).isEqualTo(x.length);
        assertThat(s.count()).isEqualTo(x.length);
    }

    @Test
    void holdsAtMostTwiceItsCapacityWhateverTheCount() {
        QuantileSketch s = new QuantileSketch(64);
        SyntheticGenerator g = new SyntheticGenerator(2);
        for (int i = 0; i < 200_000; i++) {
            s.add(g.next(0, 1));
            assertThat(s.size()).isLessThanOrEqualTo(128);
        }
        assertThat(s.count()).isEqualTo(200_000);
    }

    @Test
    void ksStatisticFromSketchesIsWithinTheDocumentedBoundOfTheExactOne() {
        int capacity = 256;
        SyntheticGenerator g = new SyntheticGenerator(3);
        for (int trial = 0; trial < 5; trial++) {
            double[] x = g.sample(20_000, 0, 1);
            double[] y = g.sample(15_000, 0.02 * trial, 1);
            double exact = new KolmogorovSmirnovTest().kolmogorovSmirnovStatistic(x, y);
            double approx = TwoSampleTests.ksStatistic(WindowSample.of(capacity, x).sketch(),
                    WindowSample.of(capacity, y).sketch());
            assertThat(approx).isCloseTo(exact, within(4.0 / capacity));
        }
    }

    @Test
    void mergeOfTwoSketchesSummarizesBothAndQuantilesAreWithinTheCentroidShare() {
        SyntheticGenerator g = new SyntheticGenerator(4);
        WindowSample a = WindowSample.of(128, g.sample(10_000, 0, 1));
        WindowSample b = WindowSample.of(128, g.sample(10_000, 0, 1));
        a.merge(b);
        assertThat(a.count()).isEqualTo(20_000);
        assertThat(a.sketch().size()).isLessThanOrEqualTo(256);
        // N(0,1): the median is 0 and F(1) = 0.8413; sampling error ~0.004, sketch error <= 2/128.
        assertThat(a.sketch().cdf(1.0)).isCloseTo(0.8413, within(0.01 + 2.0 / 128));
        assertThat(a.sketch().quantile(0.5)).isCloseTo(0, within(0.05));
    }

    @Test
    void copyEvolvesIndependently() {
        WindowSample a = WindowSample.of(64, 1, 2, 3);
        WindowSample c = a.copy();
        c.add(4);
        assertThat(a.count()).isEqualTo(3);
        assertThat(c.count()).isEqualTo(4);
    }
}
