package io.attestream.drift.bench;

import io.attestream.drift.internal.DriftRule;
import io.attestream.drift.internal.Moments;
import io.attestream.drift.internal.PageHinkley;
import io.attestream.drift.internal.QuantileSketch;
import io.attestream.drift.internal.SyntheticGenerator;
import io.attestream.drift.internal.WindowSample;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Calibration of the default decision rule on seeded synthetic windows. For each scenario and window: a reference
 * window of n values from N(0, 1) and a current window of n values from N(shift, sdRatio²), fed one by one through
 * Page-Hinkley with the early check (as the topology does), then the closing evaluation. Prints the markdown table
 * that docs/drift.md carries.
 *
 * <p>Run: {@code ./mvnw -o -q -pl drift-detector test-compile exec:exec@calibrate [-Dbench.args="--seed 42
 * --windows 1000 --large-windows 200"]}.
 */
public final class CalibrationBenchmark {
    private CalibrationBenchmark() {
    }

    record Scenario(String name, int n, double shift, double sdRatio, boolean nullHypothesis) {
    }

    record Row(Scenario scenario, int windows, int alarms, int early, double medianDelay, Map<String, Integer> triggers) {
    }

    public static void main(String[] args) {
        long seed = 42;
        int windows = 1000;
        int largeWindows = 200;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seed":
                    seed = Long.parseLong(args[++i]);
                    break;
                case "--windows":
                    windows = Integer.parseInt(args[++i]);
                    break;
                case "--large-windows":
                    largeWindows = Integer.parseInt(args[++i]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument " + args[i]
                            + " (expected --seed N, --windows N, --large-windows N)");
            }
        }
        Scenario[] scenarios = {
            new Scenario("no change", 200, 0, 1, true),
            new Scenario("mean +0.5σ", 200, 0.5, 1, false),
            new Scenario("variance ×2", 200, 0, Math.sqrt(2), false),
            new Scenario("mean +1σ", 200, 1, 1, false),
            new Scenario("no change", 100_000, 0, 1, true),
            new Scenario("mean +0.01σ (trivial)", 100_000, 0.01, 1, true),
            new Scenario("mean +0.5σ", 100_000, 0.5, 1, false),
        };
        DriftRule rule = DriftRule.DEFAULTS;
        System.out.printf(Locale.ROOT, "Defaults: %s; seed %d; sketch capacity %d%n%n", rule, seed,
                QuantileSketch.DEFAULT_CAPACITY);
        System.out.println("| scenario | values/window | windows | alarm rate | by Page-Hinkley early | median delay "
                + "(values) | triggers | target |");
        System.out.println("|---|---:|---:|---:|---:|---:|---|---|");
        long start = System.nanoTime();
        for (Scenario s : scenarios) {
            int w = s.n() >= 10_000 ? largeWindows : windows;
            Row r = run(rule, s, w, new SyntheticGenerator(seed ^ s.hashCode()));
            String target = s.nullHypothesis() ? "≤ 1%" : (s.shift() == 1 ? "" : "≥ 95%");
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.1f%% | %.1f%% | %s | %s | %s |%n", s.name(), s.n(),
                    r.windows(), 100.0 * r.alarms() / r.windows(), 100.0 * r.early() / r.windows(),
                    Double.isNaN(r.medianDelay()) ? "–" : String.format(Locale.ROOT, "%.0f", r.medianDelay()),
                    r.triggers(), target);
        }
        System.out.printf(Locale.ROOT, "%nwall time %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    static Row run(DriftRule rule, Scenario s, int windows, SyntheticGenerator g) {
        int alarms = 0;
        int early = 0;
        double[] delays = new double[windows];
        int nd = 0;
        Map<String, Integer> triggers = new TreeMap<>();
        for (int w = 0; w < windows; w++) {
            WindowSample ref = new WindowSample(QuantileSketch.DEFAULT_CAPACITY);
            for (int i = 0; i < s.n(); i++) {
                ref.add(g.next(0, 1));
            }
            double mu = ref.moments().mean();
            double sd = Math.sqrt(ref.moments().variance());
            WindowSample cur = new WindowSample(QuantileSketch.DEFAULT_CAPACITY);
            PageHinkley ph = rule.newPageHinkley(1);
            Moments so = cur.moments();
            int firstEarly = -1;
            for (int i = 0; i < s.n(); i++) {
                double x = g.next(s.shift(), s.sdRatio());
                cur.add(x);
                boolean over = ph.add((x - mu) / sd);
                if (firstEarly < 0 && over && rule.early(ref, so, ph, 1).drifted()) {
                    firstEarly = i + 1;
                }
            }
            DriftRule.Verdict v = rule.evaluate(ref, cur, 1);
            if (firstEarly > 0) {
                alarms++;
                early++;
                delays[nd++] = firstEarly;
                triggers.merge(DriftRule.PAGE_HINKLEY, 1, Integer::sum);
            } else if (v.drifted()) {
                alarms++;
                delays[nd++] = s.n();
                triggers.merge(v.trigger().test(), 1, Integer::sum);
            }
        }
        double median = Double.NaN;
        if (nd > 0) {
            double[] d = Arrays.copyOf(delays, nd);
            Arrays.sort(d);
            median = nd % 2 == 1 ? d[nd / 2] : (d[nd / 2 - 1] + d[nd / 2]) / 2;
        }
        return new Row(s, windows, alarms, early, median, triggers);
    }
}
