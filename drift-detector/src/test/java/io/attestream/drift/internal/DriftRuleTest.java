package io.attestream.drift.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DriftRuleTest {
    private static final DriftRule RULE = DriftRule.DEFAULTS;

    @Test
    void belowMinimumCountNothingIsTestedEvenForAHugeShift() {
        SyntheticGenerator g = new SyntheticGenerator(5);
        DriftRule.Verdict v = RULE.evaluate(WindowSample.of(1024, g.sample(49, 0, 1)),
                WindowSample.of(1024, g.sample(49, 10, 1)), 1);
        assertThat(v.sufficient()).isFalse();
        assertThat(v.drifted()).isFalse();
    }

    @Test
    void halfSigmaShiftAtTwoHundredSamplesAlarmsOnTheMean() {
        SyntheticGenerator g = new SyntheticGenerator(6);
        DriftRule.Verdict v = RULE.evaluate(WindowSample.of(1024, g.sample(200, 0, 1)),
                WindowSample.of(1024, g.sample(200, 0.5, 1)), 1);
        assertThat(v.drifted()).isTrue();
        assertThat(v.trigger().test()).isIn(DriftRule.WELCH, DriftRule.KS);
        assertThat(v.results()).extracting(TestResult::test).contains(DriftRule.PSI, DriftRule.JENSEN_SHANNON,
                DriftRule.WASSERSTEIN, DriftRule.LOG_VARIANCE);
    }

    @Test
    void tinyShiftInHugeWindowsIsSignificantButBelowTheEffectFloorSoDoesNotAlarm() {
        SyntheticGenerator g = new SyntheticGenerator(8);
        DriftRule.Verdict v = RULE.evaluate(WindowSample.of(1024, g.sample(1_000_000, 0, 1)),
                WindowSample.of(1024, g.sample(1_000_000, 0.05, 1)), 1);
        TestResult welch = v.results().stream().filter(r -> r.test().equals(DriftRule.WELCH)).findFirst().orElseThrow();
        assertThat(welch.pValue()).isLessThan(1e-10);
        assertThat(welch.effect()).isLessThan(RULE.meanEffectFloor());
        assertThat(v.drifted()).isFalse();
    }

    @Test
    void moreMetricsInTheFamilyLowerThePerTestAlpha() {
        assertThat(RULE.perTestAlpha(1)).isEqualTo(0.005 / 3);
        assertThat(RULE.perTestAlpha(5)).isEqualTo(0.005 / 15);
        // A p-value between the two levels alarms alone but not in a family of 50.
        SyntheticGenerator g = new SyntheticGenerator(9);
        WindowSample ref = WindowSample.of(1024, g.sample(200, 0, 1));
        WindowSample cur = WindowSample.of(1024, g.sample(200, 0.33, 1));
        TestResult welch = RULE.evaluate(ref, cur, 1).results().get(0);
        assertThat(welch.pValue()).isBetween(RULE.perTestAlpha(50), RULE.perTestAlpha(1));
        assertThat(RULE.evaluate(ref, cur, 50).results().get(0).significant()).isFalse();
        assertThat(RULE.evaluate(ref, cur, 1).results().get(0).significant()).isTrue();
    }

    @Test
    void doubledVarianceAlarmsOnTheVarianceTest() {
        SyntheticGenerator g = new SyntheticGenerator(10);
        DriftRule.Verdict v = RULE.evaluate(WindowSample.of(1024, g.sample(200, 0, 1)),
                WindowSample.of(1024, g.sample(200, 0, Math.sqrt(2))), 1);
        assertThat(v.drifted()).isTrue();
        assertThat(v.results()).filteredOn(r -> r.test().equals(DriftRule.LOG_VARIANCE))
                .singleElement().matches(TestResult::significant);
    }

    @Test
    void pageHinkleyAlarmsEarlyOnAShiftOnlyWhenWelchConfirms() {
        SyntheticGenerator g = new SyntheticGenerator(12);
        WindowSample ref = WindowSample.of(1024, g.sample(200, 0, 1));
        PageHinkley ph = RULE.newPageHinkley(1);
        Moments cur = new Moments();
        int firstAlarm = -1;
        for (int i = 0; i < 200 && firstAlarm < 0; i++) {
            double x = g.next(1.0, 1);
            cur.add(x);
            ph.add((x - ref.moments().mean()) / Math.sqrt(ref.moments().variance()));
            if (RULE.early(ref, cur, ph, 1).drifted()) {
                firstAlarm = i + 1;
            }
        }
        assertThat(firstAlarm).isBetween(50, 120);
    }

    @Test
    void rejectsInvalidParameters() {
        assertThatThrownBy(() -> new DriftRule(2, 0.01, 0.2, 0.1, 0.2, 10, 0.25, 0.8, 0.25))
                .hasMessageContaining("minCount");
        assertThatThrownBy(() -> new DriftRule(50, 1.5, 0.2, 0.1, 0.2, 10, 0.25, 0.8, 0.25))
                .hasMessageContaining("alpha");
    }
}
