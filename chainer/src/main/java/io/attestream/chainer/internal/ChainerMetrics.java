package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.chainer.DeadLetterReason;
import io.attestream.chainer.DeadLetterReason.FailureMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The chainer's meters. Names (Prometheus form in brackets):
 * <ul>
 *   <li>{@code attestream.chainer.events.chained} [attestream_chainer_events_chained_total]</li>
 *   <li>{@code attestream.chainer.events.refused}{reason, mode} [..._refused_total]: dead-lettered or skipped</li>
 *   <li>{@code attestream.chainer.events.rekeyed} [..._rekeyed_total]</li>
 *   <li>{@code attestream.chainer.checkpoints}{trigger, timestamped} [attestream_chainer_checkpoints_total]</li>
 *   <li>{@code attestream.chainer.registry.retries}, {@code attestream.chainer.tsa.failures}</li>
 *   <li>{@code attestream.chainer.latency}: record timestamp to chained (end-to-end, includes input lag)</li>
 *   <li>{@code attestream.chainer.stage}{stage=decode|chain|checkpoint-sign|timestamp|punctuate}: time spent per
 *   stage ({@code punctuate}: one whole wall-clock punctuation, due checkpoints signed, timestamped and written)</li>
 *   <li>{@code attestream.chainer.oldest.pending.checkpoint.seconds} [same, with _]: age of the oldest checkpoint
 *   this instance signed that still waits for its RFC 3161 timestamp (0 when none): the entries it covers have been
 *   unsealed at least that long. As of each task's last punctuation ({@code chainer.checkpoint.flush.interval.ms})</li>
 *   <li>{@code attestream.chainer.dedup.lookups}{filter=absent|maybe|untrusted, found} [..._dedup_lookups_total]:
 *   eventId window lookups by the negative filter's answer ({@code absent}: the store fetch was skipped;
 *   {@code maybe}: fetched, and {@code found=false} is a false positive; {@code untrusted}: fetched because the
 *   filter was still scanning the store after a task start, or disabled) and by whether the store held the id</li>
 * </ul>
 * Consumer lag: {@code attestream.chainer.lag.records} [attestream_chainer_lag_records] (ChainerApp, summed over the
 * assigned partitions), and the Kafka Streams client metrics bound in ChainerApp ({@code kafka_consumer_*}).
 */
public final class ChainerMetrics {
    /** Stage name in meter names ({@code attestream.chainer.*}). */
    public static final String STAGE = "chainer";

    /** Every Prometheus metric name the chainer serves besides jvm_*, process_* and kafka_* (docs/operations.md). */
    public static final List<String> NAMES = List.of(
            "attestream_chainer_events_chained_total",
            "attestream_chainer_events_refused_total",
            "attestream_chainer_events_rekeyed_total",
            "attestream_chainer_checkpoints_total",
            "attestream_chainer_registry_retries_total",
            "attestream_chainer_tsa_failures_total",
            "attestream_chainer_latency_seconds",
            "attestream_chainer_stage_seconds",
            "attestream_chainer_oldest_pending_checkpoint_seconds",
            "attestream_chainer_dedup_lookups_total",
            "attestream_chainer_lag_records");

    private final MeterRegistry registry;
    private final Counter chained;
    private final Counter rekeyed;
    private final Counter registryRetries;
    private final Counter tsaFailures;
    private final Map<DeadLetterReason, Map<FailureMode, Counter>> refused = new EnumMap<>(DeadLetterReason.class);
    private final Timer latency;
    /** By filter answer, then found (index 1) or not (0). */
    private final Map<EventIdFilter.Answer, Counter[]> dedupLookups = new EnumMap<>(EventIdFilter.Answer.class);
    private final Timer decode;
    private final Timer chain;
    private final Timer sign;
    private final Timer timestamp;
    private final Timer punctuate;
    /** Per task (its processor): the age of its oldest checkpoint still waiting for a timestamp, ms, as of its last punctuation. */
    private final Map<Object, Long> oldestPending = new ConcurrentHashMap<>();

    /** Registers every meter in {@code registry} (refusal counters at zero for every reason). */
    public ChainerMetrics(MeterRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
        chained = Counter.builder("attestream.chainer.events.chained").description("Events given a seq").register(registry);
        rekeyed = Counter.builder("attestream.chainer.events.rekeyed")
                .description("Records sent through the re-key topic").register(registry);
        registryRetries = Counter.builder("attestream.chainer.registry.retries")
                .description("Decode attempts retried because the registry was unavailable").register(registry);
        tsaFailures = Counter.builder("attestream.chainer.tsa.failures")
                .description("Timestamp batches that failed because the TSA was "
                        + "unavailable or gave no answer within chainer.tsa.max.wait.ms").register(registry);
        for (DeadLetterReason r : DeadLetterReason.values()) {
            Map<FailureMode, Counter> byMode = new EnumMap<>(FailureMode.class);
            for (FailureMode m : FailureMode.values()) {
                byMode.put(m, Counter.builder("attestream.chainer.events.refused").tag("reason", r.id())
                        .tag("mode", m.id()).description("Records refused, by reason and failure mode")
                        .register(registry));
            }
            refused.put(r, byMode);
        }
        latency = Timer.builder("attestream.chainer.latency").description("Record timestamp to chained")
                .publishPercentiles(0.5, 0.99, 0.999).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        decode = stage("decode");
        chain = stage("chain");
        sign = stage("checkpoint-sign");
        timestamp = stage("timestamp");
        punctuate = stage("punctuate");
        for (EventIdFilter.Answer a : EventIdFilter.Answer.values()) {
            Counter[] byFound = new Counter[2];
            for (int found = 0; found < 2; found++) {
                byFound[found] = Counter.builder("attestream.chainer.dedup.lookups")
                        .tag("filter", a.name().toLowerCase(Locale.ROOT)).tag("found", Boolean.toString(found == 1))
                        .description("eventId window lookups by the negative filter's answer and the store's")
                        .register(registry);
            }
            dedupLookups.put(a, byFound);
        }
        Gauge.builder("attestream.chainer.oldest.pending.checkpoint.seconds", this, ChainerMetrics::oldestPendingSeconds)
                .description("Age of the oldest signed checkpoint still waiting for its RFC 3161 timestamp (0 when none)")
                .register(registry);
    }

    private Timer stage(String name) {
        return Timer.builder("attestream.chainer.stage").tag("stage", name).description("Time spent per stage")
                .register(registry);
    }

    /** @return the registry */
    public MeterRegistry registry() {
        return registry;
    }

    void chained(long latencyMs) {
        chained.increment();
        if (latencyMs >= 0) {
            latency.record(latencyMs, TimeUnit.MILLISECONDS);
        }
    }

    void refused(DeadLetterReason reason, FailureMode mode) {
        refused.get(reason).get(mode).increment();
    }

    void rekeyed() {
        rekeyed.increment();
    }

    void registryRetry() {
        registryRetries.increment();
    }

    void tsaFailure() {
        tsaFailures.increment();
    }

    void checkpoint(String trigger, boolean timestamped) {
        registry.counter("attestream.chainer.checkpoints", "trigger", trigger, "timestamped",
                Boolean.toString(timestamped)).increment();
    }

    void dedupLookup(EventIdFilter.Answer answer, boolean found) {
        dedupLookups.get(answer)[found ? 1 : 0].increment();
    }

    /** @return eventId lookups the filter answered with {@code answer} and the store with {@code found} */
    public double dedupLookupCount(EventIdFilter.Answer answer, boolean found) {
        return dedupLookups.get(answer)[found ? 1 : 0].count();
    }

    void decodeNanos(long nanos) {
        decode.record(nanos, TimeUnit.NANOSECONDS);
    }

    void chainNanos(long nanos) {
        chain.record(nanos, TimeUnit.NANOSECONDS);
    }

    void signNanos(long nanos) {
        sign.record(nanos, TimeUnit.NANOSECONDS);
    }

    void timestampNanos(long nanos) {
        timestamp.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * What {@code task} has pending after a punctuation: the age (ms, on the stream thread's clock) of its oldest
     * checkpoint still waiting for a timestamp, or empty when it has none.
     */
    void pendingCheckpoint(Object task, OptionalLong oldestAgeMs) {
        if (oldestAgeMs.isPresent()) {
            oldestPending.put(task, Math.max(0, oldestAgeMs.getAsLong()));
        } else {
            oldestPending.remove(task);
        }
    }

    /** @return the age in seconds of the oldest pending checkpoint of any task as of its last punctuation, 0 when none */
    public double oldestPendingSeconds() {
        return oldestPending.values().stream().mapToLong(Long::longValue).max().orElse(0) / 1000.0;
    }

    void punctuateNanos(long nanos) {
        punctuate.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Count of refused records of {@code reason} handled with {@code mode} (for tests and the README's alerts). */
    public double refusedCount(DeadLetterReason reason, FailureMode mode) {
        return refused.get(reason).get(mode).count();
    }

    /** @return events chained so far */
    public double chainedCount() {
        return chained.count();
    }
}
