package io.attestream.drift.internal;

/**
 * What a window keeps of its values: exact moments plus a bounded quantile sketch. Mutable, owned by one window.
 */
public final class WindowSample {
    private final Moments moments;
    private final QuantileSketch sketch;

    /** An empty sample whose sketch keeps at most {@code 2 × capacity} centroids. */
    public WindowSample(int capacity) {
        this(new Moments(), new QuantileSketch(capacity));
    }

    WindowSample(Moments moments, QuantileSketch sketch) {
        this.moments = moments;
        this.sketch = sketch;
    }

    /** Adds one value. */
    public void add(double x) {
        moments.add(x);
        sketch.add(x);
    }

    /** Adds every value of {@code other}. */
    public void merge(WindowSample other) {
        moments.merge(other.moments);
        sketch.merge(other.sketch);
    }

    public long count() {
        return moments.count();
    }

    public Moments moments() {
        return moments;
    }

    public QuantileSketch sketch() {
        return sketch;
    }

    /** A copy that evolves independently. */
    public WindowSample copy() {
        return new WindowSample(moments.copy(), sketch.copy());
    }

    /** A sample of the given values (tests, benchmark). */
    public static WindowSample of(int capacity, double... xs) {
        WindowSample s = new WindowSample(capacity);
        for (double x : xs) {
            s.add(x);
        }
        return s;
    }
}
