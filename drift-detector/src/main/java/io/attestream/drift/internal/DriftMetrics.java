package io.attestream.drift.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.runtime.StageMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;

/**
 * The detector's meters (Prometheus names in {@link #NAMES}); the lag gauge {@code attestream_drift_lag_records} is
 * registered by DriftApp from the Streams client's metrics. Counters are per instance (sum them over instances).
 */
public final class DriftMetrics {
    /** Stage name in meter names. */
    public static final String STAGE = "drift";

    /** Every Prometheus metric name the detector serves besides jvm_* / process_* (docs/operations.md). */
    public static final List<String> NAMES = List.of(
            "attestream_drift_windows_evaluated_total",
            "attestream_drift_alerts_raised_total",
            "attestream_drift_recoveries_total",
            "attestream_drift_late_events_total",
            "attestream_drift_records_skipped_total",
            "attestream_drift_lag_records");

    /** Outcome tag of a window evaluation: there was no reference window yet. */
    public static final String OUTCOME_NO_REFERENCE = "no-reference";
    /** Outcome: too few values for any test. */
    public static final String OUTCOME_INSUFFICIENT = "insufficient";
    /** Outcome: drifted (an alert, or one more window of an open episode). */
    public static final String OUTCOME_DRIFTED = "drifted";
    /** Outcome: within bounds. */
    public static final String OUTCOME_CLEAN = "clean";

    private final MeterRegistry registry;
    private final Counter recoveries;
    private final Counter late;
    private final Counter skipped;

    /** @param registry where the meters go */
    public DriftMetrics(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
        this.recoveries = Counter.builder(StageMetrics.name(STAGE, "recoveries"))
                .description("Drift episodes ended by a clean window (DriftRecovered)").register(registry);
        this.late = Counter.builder(StageMetrics.name(STAGE, "late.events"))
                .description("EvalResults dropped because their window had closed (past drift.window.grace.ms)")
                .register(registry);
        this.skipped = Counter.builder(StageMetrics.name(STAGE, "records.skipped"))
                .description("Bad records skipped (drift.bad.record.handling=log-and-skip)").register(registry);
        for (String outcome : List.of(OUTCOME_NO_REFERENCE, OUTCOME_INSUFFICIENT, OUTCOME_DRIFTED, OUTCOME_CLEAN)) {
            windowEvaluatedCounter(outcome);
        }
    }

    /** Meters nobody reads (tests, the topology without an app). */
    public static DriftMetrics unregistered() {
        return new DriftMetrics(new SimpleMeterRegistry());
    }

    /** @return the registry */
    public MeterRegistry registry() {
        return registry;
    }

    void windowEvaluated(String outcome) {
        windowEvaluatedCounter(outcome).increment();
    }

    void alertRaised(String severity, boolean early) {
        Counter.builder(StageMetrics.name(STAGE, "alerts.raised")).tag("severity", severity)
                .tag("early", Boolean.toString(early)).description("DriftAlerts raised").register(registry)
                .increment();
    }

    void recovered() {
        recoveries.increment();
    }

    void lateEvent() {
        late.increment();
    }

    void skippedRecord() {
        skipped.increment();
    }

    private Counter windowEvaluatedCounter(String outcome) {
        return Counter.builder(StageMetrics.name(STAGE, "windows.evaluated")).tag("outcome", outcome)
                .description("Closed windows evaluated against their reference, by outcome").register(registry);
    }
}
