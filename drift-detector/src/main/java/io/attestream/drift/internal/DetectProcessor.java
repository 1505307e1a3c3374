package io.attestream.drift.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.chain.ChainedEvent;
import io.attestream.drift.DriftException;
import io.attestream.events.AuditEvent;
import io.attestream.events.BaselinePinned;
import io.attestream.events.DriftAlert;
import io.attestream.events.DriftRecovered;
import io.attestream.events.DriftReferenceKind;
import io.attestream.events.DriftSeverity;
import io.attestream.events.DriftTestResult;
import io.attestream.events.DriftWindow;
import io.attestream.events.EvalResult;
import io.attestream.events.RecordedBy;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.wire.AuditEventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detector: windows EvalResult values per series, evaluates closed windows against their reference, runs
 * Page-Hinkley on open ones, and forwards DriftAlert / DriftRecovered records (alerts to {@link #ALERTS_CHILD} and both,
 * wrapped in AuditEvents, to {@link #EVENTS_CHILD}).
 *
 * <p>Reference of a window of version v, first that applies: (1) the pinned baseline, if its version is not v;
 * (2) on v's first full window, the last undrifted window of the version seen before v; (3) v's last undrifted window.
 * A drifted window never becomes a reference, so an episode lasts until a window matches its reference again (or a
 * new baseline is pinned). Deterministic: ids derive from the series, version and window, so a replay after a crash
 * produces identical records (exactly-once then keeps one copy).
 */
public final class DetectProcessor implements Processor<String, ChainedEvent, String, Object> {
    /** Child name of the alerts sink. */
    public static final String ALERTS_CHILD = "alerts-sink";
    /** Child name of the chain-input sink. */
    public static final String EVENTS_CHILD = "events-sink";

    private static final Logger LOG = LoggerFactory.getLogger(DetectProcessor.class);

    private final String seriesStoreName;
    private final String familyStoreName;
    private final String deadlineStoreName;
    private final AuditEventCodec codec;
    private final DriftRule rule;
    private final long sizeMicros;
    private final long advanceMicros;
    private final long graceMicros;
    private final int capacity;
    private final boolean skipBad;
    private final RecordedBy recordedBy;
    private final DriftMetrics metrics;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, byte[]> series;
    private KeyValueStore<String, String> families;
    private KeyValueStore<String, String> deadlines;
    private long streamTime = Long.MIN_VALUE;

    /** Settings of one detector instance. */
    public record Settings(DriftRule rule, long sizeMs, long advanceMs, long graceMs, int capacity, boolean skipBad,
            String host) {
    }

    /** @param codec decodes the chained events' original bytes */
    public DetectProcessor(String seriesStoreName, String familyStoreName, String deadlineStoreName,
            AuditEventCodec codec, Settings settings) {
        this(seriesStoreName, familyStoreName, deadlineStoreName, codec, settings, DriftMetrics.unregistered());
    }

    /**
     * @param codec decodes the chained events' original bytes
     * @param metrics counts evaluations, alerts, recoveries, late and skipped records
     */
    public DetectProcessor(String seriesStoreName, String familyStoreName, String deadlineStoreName,
            AuditEventCodec codec, Settings settings, DriftMetrics metrics) {
        this.metrics = requireNonNull(metrics, "metrics");
        this.seriesStoreName = requireNonNull(seriesStoreName, "seriesStoreName");
        this.familyStoreName = requireNonNull(familyStoreName, "familyStoreName");
        this.deadlineStoreName = requireNonNull(deadlineStoreName, "deadlineStoreName");
        this.codec = requireNonNull(codec, "codec");
        this.rule = settings.rule();
        this.sizeMicros = settings.sizeMs() * 1000;
        this.advanceMicros = settings.advanceMs() * 1000;
        this.graceMicros = settings.graceMs() * 1000;
        this.capacity = settings.capacity();
        this.skipBad = settings.skipBad();
        this.recordedBy = new RecordedBy(settings.host(), "attestream-drift-detector", "0.1.0");
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.series = context.getStateStore(seriesStoreName);
        this.families = context.getStateStore(familyStoreName);
        this.deadlines = context.getStateStore(deadlineStoreName);
    }

    @Override
    public void process(Record<String, ChainedEvent> record) {
        ChainedEvent ce = record.value();
        if (ce == null) {
            bad("null value", null);
            return;
        }
        String type = ce.getEventType();
        boolean eval = EventType.EVAL_RESULT.avroName().equals(type);
        boolean pin = EventType.BASELINE_PINNED.avroName().equals(type);
        if (eval || pin) {
            AuditEvent event;
            try {
                event = codec.decode(bytes(ce.getEventBytes())).event();
            } catch (RuntimeException e) {
                bad("undecodable eventBytes of seq " + ce.getSeq() + ": " + e.getMessage(), e);
                return;
            }
            if (event.getPayload() instanceof EvalResult er) {
                onEval(ce, event, er);
            } else if (event.getPayload() instanceof BaselinePinned bp) {
                onPin(ce, event, bp);
            }
        }
        long t = toMicros(ce.getOccurredAt());
        if (t > streamTime) {
            streamTime = t;
            closeDue();
        }
    }

    private void onEval(ChainedEvent ce, AuditEvent event, EvalResult er) {
        double x = er.getValue();
        if (!Double.isFinite(x)) {
            bad("non-finite value " + x + " of metric " + er.getMetric() + " at seq " + ce.getSeq(), null);
            return;
        }
        String familyKey = Topics.agentKey(event.getTenant(), event.getAgentId()) + "|" + er.getSuite();
        String key = familyKey + "|" + er.getMetric();
        registerMetric(familyKey, er.getMetric());
        SeriesState s = load(key);
        String version = event.getAgentVersion();
        if (!s.versions.contains(version)) {
            s.versions.add(version);
        }
        long t = toMicros(event.getOccurredAt());
        int family = familySize(familyKey);
        for (long start = Math.floorDiv(t, advanceMicros) * advanceMicros; start > t - sizeMicros;
                start -= advanceMicros) {
            long end = start + sizeMicros;
            if (streamTime != Long.MIN_VALUE && end + graceMicros <= streamTime) {
                RecordMetadata m = context.recordMetadata().orElse(null);
                LOG.warn("late EvalResult dropped for window [{}, {}) of {} (seq {}, {})", Instant.EPOCH.plusNanos(
                        start * 1000), Instant.EPOCH.plusNanos(end * 1000), key, ce.getSeq(), where(m));
                metrics.lateEvent();
                continue;
            }
            SeriesState.Open w = find(s, version, start);
            if (w == null) {
                w = new SeriesState.Open(version, start, end, new WindowSample(capacity));
                SeriesState.Closed ref = reference(s, version).orElse(null);
                if (ref != null && ref.sample() != null && ref.sample().count() >= 2) {
                    w.refMean = ref.sample().moments().mean();
                    w.refSd = Math.sqrt(ref.sample().moments().variance());
                    w.ph = rule.newPageHinkley(family);
                }
                s.open.add(w);
                deadlines.put(deadlineKey(end + graceMicros, key), "");
            }
            w.sample.add(er.getValue());
            w.firstSeq = Math.min(w.firstSeq, ce.getSeq());
            w.lastSeq = Math.max(w.lastSeq, ce.getSeq());
            if (w.ph != null && w.refSd > 0 && !w.earlyAlarmed) {
                w.ph.add((er.getValue() - w.refMean) / w.refSd);
                SeriesState.Closed ref = reference(s, version).orElse(null);
                if (ref != null && !s.episodes.containsKey(version)) {
                    DriftRule.Verdict v = rule.early(ref.sample(), w.sample.moments(), w.ph, family);
                    if (v.drifted()) {
                        w.earlyAlarmed = true;
                        alert(key, s, w.close(), ref, v, family, true, event.getOccurredAt());
                    }
                }
            }
        }
        series.put(key, s.toBytes());
    }

    private void onPin(ChainedEvent ce, AuditEvent event, BaselinePinned bp) {
        String familyKey = Topics.agentKey(event.getTenant(), event.getAgentId()) + "|" + bp.getSuite();
        List<String> metrics = bp.getMetric() != null ? List.of(bp.getMetric()) : metricsOf(familyKey);
        for (String metric : metrics) {
            String key = familyKey + "|" + metric;
            SeriesState s = load(key);
            SeriesState.Closed clean = s.lastClean.get(bp.getBaselineAgentVersion());
            if (clean == null) {
                LOG.warn("baseline pin of {} version {} (seq {}) has no undrifted window of that version yet; "
                        + "ignored", key, bp.getBaselineAgentVersion(), ce.getSeq());
                continue;
            }
            s.pinned = clean;
            series.put(key, s.toBytes());
            LOG.info("pinned baseline of {}: version {} window [{}, {})", key, clean.version(), clean.start(),
                    clean.end());
        }
    }

    private void closeDue() {
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> it = deadlines.range(deadlineKey(0, ""),
                deadlineKey(streamTime, "\uffff"))) {
            while (it.hasNext()) {
                due.add(it.next());
            }
        }
        for (KeyValue<String, String> d : due) {
            deadlines.delete(d.key);
            String key = d.key.substring(d.key.indexOf('|') + 1);
            byte[] bytes = series.get(key);
            if (bytes == null) {
                continue;
            }
            SeriesState s = SeriesState.fromBytes(bytes);
            Iterator<SeriesState.Open> it = s.open.iterator();
            List<SeriesState.Open> closing = new ArrayList<>();
            while (it.hasNext()) {
                SeriesState.Open o = it.next();
                if (o.end + graceMicros <= streamTime) {
                    closing.add(o);
                    it.remove();
                }
            }
            closing.sort((a, b) -> Long.compare(a.end, b.end));
            for (SeriesState.Open o : closing) {
                evaluate(key, s, o);
            }
            series.put(key, s.toBytes());
        }
    }

    private void evaluate(String key, SeriesState s, SeriesState.Open o) {
        SeriesState.Closed cur = o.close();
        SeriesState.Closed ref = reference(s, o.version).orElse(null);
        int family = familySize(key.substring(0, key.lastIndexOf('|')));
        if (ref == null) {
            metrics.windowEvaluated(DriftMetrics.OUTCOME_NO_REFERENCE);
            if (cur.count() >= rule.minCount()) {
                s.lastClean.put(o.version, cur);
            }
            return;
        }
        DriftRule.Verdict v = rule.evaluate(ref.sample(), cur.sample(), family);
        if (!v.sufficient()) {
            metrics.windowEvaluated(DriftMetrics.OUTCOME_INSUFFICIENT);
            return;
        }
        metrics.windowEvaluated(v.drifted() ? DriftMetrics.OUTCOME_DRIFTED : DriftMetrics.OUTCOME_CLEAN);
        SeriesState.Episode ep = s.episodes.get(o.version);
        if (v.drifted()) {
            if (ep == null) {
                alert(key, s, cur, ref, v, family, false, Instant.EPOCH.plusNanos(cur.end() * 1000));
            } else {
                s.episodes.put(o.version, new SeriesState.Episode(ep.id(), ep.referenceKind(), ep.reference(),
                        ep.windows() + 1));
            }
            return;
        }
        if (o.earlyAlarmed) {
            // Page-Hinkley saw a shift the closed window as a whole does not confirm: not a clean reference either.
            return;
        }
        s.lastClean.put(o.version, cur);
        if (ep != null) {
            s.episodes.remove(o.version);
            recover(key, ep, cur);
        }
    }

    private java.util.Optional<SeriesState.Closed> reference(SeriesState s, String version) {
        if (s.pinned != null && !s.pinned.version().equals(version)) {
            return java.util.Optional.of(s.pinned);
        }
        SeriesState.Closed own = s.lastClean.get(version);
        if (own == null) {
            int i = s.versions.indexOf(version);
            for (int j = i - 1; j >= 0; j--) {
                SeriesState.Closed prev = s.lastClean.get(s.versions.get(j));
                if (prev != null) {
                    return java.util.Optional.of(prev);
                }
            }
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(own);
    }

    private static String kindOf(SeriesState s, SeriesState.Closed ref, String version) {
        if (ref == s.pinned) {
            return DriftReferenceKind.PINNED_BASELINE.name();
        }
        return ref.version().equals(version) ? DriftReferenceKind.PREVIOUS_WINDOW.name()
                : DriftReferenceKind.PREVIOUS_VERSION.name();
    }

    private void alert(String key, SeriesState s, SeriesState.Closed cur, SeriesState.Closed ref,
            DriftRule.Verdict v, int family, boolean early, Instant at) {
        String kind = kindOf(s, ref, cur.version());
        String[] parts = key.split("\\|", 3);
        String[] agent = splitAgent(parts[0]);
        String episodeId = UUID.nameUUIDFromBytes((key + "|" + cur.version() + "|" + cur.start() + "|" + kind)
                .getBytes(StandardCharsets.UTF_8)).toString();
        // An early alert's window is counted when it closes; a closing alert's window is counted now.
        s.episodes.put(cur.version(), new SeriesState.Episode(episodeId, kind, withoutSample(ref), early ? 0 : 1));
        TestResult tr = v.trigger();
        List<DriftTestResult> tests = new ArrayList<>();
        for (TestResult r : v.results()) {
            tests.add(new DriftTestResult(r.test(), finite(r.statistic()), nullIfNaN(r.pValue()), finite(r.effect()),
                    nullIfNaN(r.effectFloor()), r.significant()));
        }
        DriftAlert alert = DriftAlert.newBuilder().setEpisodeId(episodeId).setTenant(agent[0]).setAgentId(agent[1])
                .setSuite(parts[1]).setMetric(parts[2]).setReferenceKind(DriftReferenceKind.valueOf(kind))
                .setTest(tr.test()).setStatistic(finite(tr.statistic())).setPValue(nullIfNaN(tr.pValue()))
                .setEffectSize(finite(tr.effect())).setEffectFloor(tr.effectFloor()).setAlpha(tr.alpha())
                .setFamilySize(family)
                .setSeverity(v.severity() == DriftRule.Severity.CRITICAL ? DriftSeverity.CRITICAL
                        : DriftSeverity.WARNING)
                .setEarly(early).setCurrent(window(cur)).setReference(window(ref)).setTests(tests).build();
        LOG.info("drift alert {} on {} version {} vs {} {} ({} = {}, p = {})", episodeId, key, cur.version(), kind,
                ref.version(), tr.test(), tr.statistic(), tr.pValue());
        context.forward(new Record<String, Object>(parts[0], alert, context.currentSystemTimeMs()), ALERTS_CHILD);
        metrics.alertRaised(alert.getSeverity().name(), early);
        emitEvent(parts[0], agent, cur.version(), at, episodeId + "/alert", alert);
    }

    private void recover(String key, SeriesState.Episode ep, SeriesState.Closed cur) {
        String[] parts = key.split("\\|", 3);
        String[] agent = splitAgent(parts[0]);
        DriftRecovered rec = DriftRecovered.newBuilder().setEpisodeId(ep.id()).setTenant(agent[0])
                .setAgentId(agent[1]).setSuite(parts[1]).setMetric(parts[2])
                .setReferenceKind(DriftReferenceKind.valueOf(ep.referenceKind())).setCurrent(window(cur))
                .setReference(window(ep.reference())).setWindowsInEpisode(ep.windows()).build();
        LOG.info("drift recovered {} on {} version {}", ep.id(), key, cur.version());
        metrics.recovered();
        emitEvent(parts[0], agent, cur.version(), Instant.EPOCH.plusNanos(cur.end() * 1000), ep.id() + "/recovered",
                rec);
    }

    private void emitEvent(String agentKey, String[] agent, String version, Instant at, String idSeed,
            Object payload) {
        AuditEvent event = AuditEvent.newBuilder()
                .setEventId(UUID.nameUUIDFromBytes(idSeed.getBytes(StandardCharsets.UTF_8)))
                .setTenant(agent[0]).setAgentId(agent[1]).setAgentVersion(version).setOccurredAt(at)
                .setRecordedBy(recordedBy).setControls(List.of()).setPayload(payload).build();
        context.forward(new Record<String, Object>(agentKey, event, context.currentSystemTimeMs()), EVENTS_CHILD);
    }

    private static DriftWindow window(SeriesState.Closed c) {
        return new DriftWindow(c.version(), Instant.EPOCH.plusNanos(c.start() * 1000),
                Instant.EPOCH.plusNanos(c.end() * 1000), c.count(), c.firstSeq(), c.lastSeq());
    }

    private static SeriesState.Closed withoutSample(SeriesState.Closed c) {
        return new SeriesState.Closed(c.version(), c.start(), c.end(), c.count(), c.firstSeq(), c.lastSeq(), null);
    }

    private static SeriesState.Open find(SeriesState s, String version, long start) {
        for (SeriesState.Open o : s.open) {
            if (o.start == start && o.version.equals(version)) {
                return o;
            }
        }
        return null;
    }

    private SeriesState load(String key) {
        byte[] bytes = series.get(key);
        return bytes == null ? new SeriesState() : SeriesState.fromBytes(bytes);
    }

    private void registerMetric(String familyKey, String metric) {
        Set<String> metrics = new LinkedHashSet<>(metricsOf(familyKey));
        if (metrics.add(metric)) {
            families.put(familyKey, String.join("\n", metrics));
        }
    }

    private List<String> metricsOf(String familyKey) {
        String v = families.get(familyKey);
        return v == null || v.isEmpty() ? List.of() : List.of(v.split("\n"));
    }

    private int familySize(String familyKey) {
        return Math.max(1, metricsOf(familyKey).size());
    }

    private void bad(String what, Throwable cause) {
        RecordMetadata m = context.recordMetadata().orElse(null);
        String msg = what + " (" + where(m) + ")";
        if (!skipBad) {
            throw new DriftException(msg + "; set drift.bad.record.handling=log-and-skip to skip such records",
                    cause);
        }
        LOG.warn("skipped record: {}", msg);
        metrics.skippedRecord();
    }

    private static String where(RecordMetadata m) {
        return m == null ? "no source record" : m.topic() + "/" + m.partition() + "@" + m.offset();
    }

    private static String deadlineKey(long micros, String key) {
        return String.format("%020d|%s", Math.max(0, micros), key);
    }

    private static String[] splitAgent(String agentKey) {
        int slash = agentKey.indexOf('/');
        return new String[] {agentKey.substring(0, slash), agentKey.substring(slash + 1)};
    }

    private static long toMicros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        java.nio.ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private static Double nullIfNaN(double d) {
        return Double.isNaN(d) ? null : d;
    }

    private static double finite(double d) {
        return Double.isNaN(d) ? 0 : d;
    }
}
