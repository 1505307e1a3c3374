package io.attestream.drift.internal;

/**
 * The few special functions the tests need, written out so that commons-math3 stays an independent oracle in the
 * tests. Accuracy: about 1e-10 relative (checked against commons-math3 in SpecialFunctionsTest).
 */
final class SpecialFunctions {
    private static final double[] LANCZOS = {
        0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
        -0.49191381609762019978, 0.33994649984811888699e-4, 0.46523628927048575665e-4, -0.98374475304879564677e-4,
        0.15808870322491248884e-3, -0.21026444172410488319e-3, 0.21743961811521264320e-3,
        -0.16431810653676389022e-3, 0.84418223983852743293e-4, -0.26190838401581408670e-4,
        0.36899182659531622704e-5};
    private static final double LANCZOS_G = 607.0 / 128.0;
    private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

    private SpecialFunctions() {
    }

    /** ln Γ(x) for x &gt; 0 (Lanczos, g = 607/128, 15 terms). */
    static double logGamma(double x) {
        if (x < 0.5) {
            // Reflection keeps the approximation in its accurate range.
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        double xm = x - 1;
        double sum = LANCZOS[0];
        for (int i = 1; i < LANCZOS.length; i++) {
            sum += LANCZOS[i] / (xm + i);
        }
        double t = xm + LANCZOS_G + 0.5;
        return HALF_LOG_2PI + (xm + 0.5) * Math.log(t) - t + Math.log(sum);
    }

    /** The regularized incomplete beta I_x(a, b) (continued fraction, modified Lentz). */
    static double regularizedBeta(double x, double a, double b) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        double lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
        if (x < (a + 1) / (a + b + 2)) {
            return Math.exp(lnFront) * betaContinuedFraction(x, a, b) / a;
        }
        return 1 - Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a) / b;
    }

    private static double betaContinuedFraction(double x, double a, double b) {
        final double tiny = 1e-300;
        double qab = a + b;
        double qap = a + 1;
        double qam = a - 1;
        double c = 1;
        double d = 1 - qab * x / qap;
        if (Math.abs(d) < tiny) {
            d = tiny;
        }
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 10_000; m++) {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            if (Math.abs(d) < tiny) {
                d = tiny;
            }
            c = 1 + aa / c;
            if (Math.abs(c) < tiny) {
                c = tiny;
            }
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            if (Math.abs(d) < tiny) {
                d = tiny;
            }
            c = 1 + aa / c;
            if (Math.abs(c) < tiny) {
                c = tiny;
            }
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < 1e-15) {
                return h;
            }
        }
        return h;
    }

    /** Two-sided tail of Student's t with {@code df} degrees of freedom: P(|T| &gt;= |t|). */
    static double studentTwoSided(double t, double df) {
        if (Double.isNaN(t)) {
            return Double.NaN;
        }
        if (Double.isInfinite(t)) {
            return 0;
        }
        return regularizedBeta(df / (df + t * t), df / 2, 0.5);
    }

    /** Complementary error function: erfc(x) = Q(1/2, x²) for x &gt;= 0 (regularized upper incomplete gamma). */
    static double erfc(double x) {
        double q = x == 0 ? 1 : upperGamma(0.5, x * x);
        return x >= 0 ? q : 2 - q;
    }

    /** Regularized upper incomplete gamma Q(a, x): series below a + 1, continued fraction above. */
    static double upperGamma(double a, double x) {
        if (x <= 0) {
            return 1;
        }
        double gln = logGamma(a);
        if (x < a + 1) {
            double ap = a;
            double sum = 1 / a;
            double del = sum;
            for (int n = 0; n < 10_000; n++) {
                ap += 1;
                del *= x / ap;
                sum += del;
                if (Math.abs(del) < Math.abs(sum) * 1e-16) {
                    break;
                }
            }
            return 1 - sum * Math.exp(-x + a * Math.log(x) - gln);
        }
        final double tiny = 1e-300;
        double b = x + 1 - a;
        double c = 1 / tiny;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < 10_000; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.abs(d) < tiny) {
                d = tiny;
            }
            c = b + an / c;
            if (Math.abs(c) < tiny) {
                c = tiny;
            }
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(-x + a * Math.log(x) - gln) * h;
    }

    /** Two-sided standard normal tail: P(|Z| &gt;= |z|). */
    static double normalTwoSided(double z) {
        return erfc(Math.abs(z) / Math.sqrt(2));
    }

    /**
     * The Kolmogorov distribution's upper tail Q(λ) = P(K &gt; λ) = 2 Σ (-1)^(k-1) exp(-2 k² λ²), with the Jacobi
     * theta form for small λ where the alternating series converges slowly.
     */
    static double kolmogorovTail(double lambda) {
        if (lambda <= 0) {
            return 1;
        }
        if (lambda < 1.18) {
            double s = 0;
            double w = Math.PI * Math.PI / (8 * lambda * lambda);
            for (int k = 1; k <= 50; k += 2) {
                s += Math.exp(-k * k * w);
            }
            return Math.max(0, Math.min(1, 1 - Math.sqrt(2 * Math.PI) / lambda * s));
        }
        double s = 0;
        for (int k = 1; k <= 100; k++) {
            double term = Math.exp(-2.0 * k * k * lambda * lambda);
            s += (k % 2 == 1 ? term : -term);
            if (term < 1e-17) {
                break;
            }
        }
        return Math.max(0, Math.min(1, 2 * s));
    }
}
