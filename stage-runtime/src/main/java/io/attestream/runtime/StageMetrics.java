package io.attestream.runtime;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

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

    /**
     * Registers {@code attestream.<stage>.lag.records}: the records not yet consumed, summed over the partitions a
     * Kafka client (a consumer, or a Streams client's consumers) is assigned: its {@code records-lag} metrics.
     *
     * @param clientMetrics the client's {@code metrics()}, read on every scrape
     */
    public static void registerLag(MeterRegistry registry, String stage,
            Supplier<Map<MetricName, ? extends Metric>> clientMetrics) {
        requireNonNull(clientMetrics, "clientMetrics");
        Gauge.builder(name(stage, "lag.records"), () -> recordsLag(clientMetrics.get()))
                .description("Records not yet consumed, summed over assigned partitions (Kafka records-lag)")
                .register(registry);
    }

    /** The sum of the per-partition {@code records-lag} metrics; 0 while nothing is assigned. */
    static double recordsLag(Map<MetricName, ? extends Metric> metrics) {
        double sum = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName n = e.getKey();
            if ("records-lag".equals(n.name()) && "consumer-fetch-manager-metrics".equals(n.group())
                    && n.tags().containsKey("partition")) {
                Object v = e.getValue().metricValue();
                if (v instanceof Number num && !Double.isNaN(num.doubleValue())) {
                    sum += num.doubleValue();
                }
            }
        }
        return sum;
    }
}
