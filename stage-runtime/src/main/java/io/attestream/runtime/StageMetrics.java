package io.attestream.runtime;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.regex.Pattern;

/**
 * The one metric naming scheme: a stage's meters are named {@code attestream.<stage>.<what>} (Micrometer dots),
 * which Prometheus shows as {@code attestream_<stage>_<what>} plus the unit suffix ({@code _total} for counters,
 * {@code _seconds} for timers). Every stage also serves the JVM's memory, GC, thread and CPU meters
 * ({@code jvm_*}, {@code process_*}, {@code system_*}).
 */
public final class StageMetrics {
    private static final Pattern STAGE = Pattern.compile("[a-z][a-z0-9_]*");

    private StageMetrics() {
    }

    /**
     * @param stage the stage's metric name: gateway, chainer, drift, sink, witness, witness_submit
     * @param what the meter's name within the stage, dot-separated, e.g. {@code windows.evaluated}
     * @return {@code attestream.<stage>.<what>}
     */
    public static String name(String stage, String what) {
        if (!STAGE.matcher(requireNonNull(stage, "stage")).matches()) {
            throw new IllegalArgumentException("stage must match " + STAGE + ": " + stage);
        }
        return "attestream." + stage + "." + requireNonNull(what, "what");
    }

    /** @return a Prometheus registry with the JVM meters bound */
    public static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        // JvmGcMetrics keeps a listener; the registry lives as long as the process, so it is never closed.
        new JvmGcMetrics().bindTo(registry);
        return registry;
    }
}
