package io.attestream.drift.internal;

import java.util.Random;

/**
 * Seeded synthetic eval values for tests and the calibration benchmark (test code, never shipped): normal values
 * with a chosen mean and standard deviation. The same seed gives the same values on every JVM
 * ({@link Random#nextGaussian} is specified).
 */
public final class SyntheticGenerator {
    private final Random random;

    /** A generator whose output depends only on {@code seed}. */
    public SyntheticGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** One value from N(mean, sd²). */
    public double next(double mean, double sd) {
        return mean + sd * random.nextGaussian();
    }

    /** {@code n} values from N(mean, sd²). */
    public double[] sample(int n, double mean, double sd) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = next(mean, sd);
        }
        return out;
    }
}
