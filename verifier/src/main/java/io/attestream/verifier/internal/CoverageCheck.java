package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.Checkpoint;
import io.attestream.verifier.ChainVerifier;
import io.attestream.verifier.FindingKind;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks one log's checkpoints against the cadence they sign and against their timestamps (docs/integrity.md
 * §7.3 and §7.4): missing checkpoints between two verified ones, an overdue unsealed tail, and the time binding
 * of genTime to the signed creation time and to the chained times of the entries covered.
 *
 * <p>Fed by {@link AgentStateMachine}: the signature-verified checkpoints up front, then {@link #observe} for
 * every entry the chain attests, in ascending seq order (only rows that recompute at their position: a forged or
 * altered row's chained time is not evidence), then {@link #finish}.
 */
final class CoverageCheck {
    /** What a verified checkpoint says about time and cadence. */
    record Seal(long size, Checkpoint.Cadence cadence, Instant created, Instant genTime, String keyName) {
    }

    /** Where findings go. */
    interface Sink {
        void add(long seq, FindingKind kind, String detail);
    }

    private final ChainVerifier.Settings settings;
    private final TreeSet<Long> reportedSizes;
    private final long startSize;
    private final boolean wholeTail;
    /** Distinct sizes, ascending. */
    private final List<Seal> seals = new ArrayList<>();
    /** Seals with a verified timestamp, ascending by size. */
    private final List<Seal> stamped = new ArrayList<>();
    /** The seqs whose chained time the rules need, ascending (a cursor walks them: no boxing per row), and what
     *  was observed for them. */
    private final long[] wanted;
    private int wantedIdx;
    private final Map<Long, Long> chainedAt = new HashMap<>();
    private int stampedIdx;
    /** Per stamped seal: entries covered first by it whose chained time is after its genTime. */
    private final Map<Long, long[]> lateEntries = new HashMap<>();

    /**
     * @param seals verified checkpoints, any order, sizes above {@code startSize}
     * @param reportedSizes tree sizes of stored checkpoints that did not verify and are reported already: a gap
     *     or tail containing one is not reported again
     * @param settings cadence fallback, slack, bounds, clock
     * @param startSize entries before the first row fed (0 for a whole log): the gap up to the first checkpoint
     *     is checked only for whole logs
     * @param wholeTail whether rows up to the end of the log are fed (then an unsealed tail is checked)
     */
    CoverageCheck(List<Seal> seals, Set<Long> reportedSizes, ChainVerifier.Settings settings, long startSize,
            boolean wholeTail) {
        this.settings = requireNonNull(settings, "settings");
        this.reportedSizes = new TreeSet<>(reportedSizes);
        this.startSize = startSize;
        this.wholeTail = wholeTail;
        List<Seal> sorted = new ArrayList<>(seals);
        sorted.sort(Comparator.comparingLong(Seal::size));
        for (Seal s : sorted) {
            if (this.seals.isEmpty() || this.seals.get(this.seals.size() - 1).size() != s.size()) {
                this.seals.add(s);
            }
            if (s.genTime() != null && (stamped.isEmpty() || stamped.get(stamped.size() - 1).size() != s.size())) {
                stamped.add(s);
            }
        }
        TreeSet<Long> want = new TreeSet<>();
        want.add(startSize);
        for (Seal s : this.seals) {
            want.add(s.size());
            want.add(saturatedAdd(s.size(), s.cadence().everyEvents() - 1));
        }
        want.add(saturatedAdd(startSize, settings.defaultCadence().everyEvents() - 1));
        this.wanted = want.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * The cadence a seal states, or the configured fallback for a format 1 checkpoint.
     *
     * @param c the parsed checkpoint
     * @param settings the settings
     * @return the cadence
     */
    static Checkpoint.Cadence cadenceOf(Checkpoint c, ChainVerifier.Settings settings) {
        return c.cadence().orElse(settings.defaultCadence());
    }

    /**
     * One entry the chain attests.
     *
     * @param seq its seq, ascending across calls
     * @param chainedAtMicros its stored chained time
     */
    void observe(long seq, long chainedAtMicros) {
        while (wantedIdx < wanted.length && wanted[wantedIdx] < seq) {
            wantedIdx++;
        }
        if (wantedIdx < wanted.length && wanted[wantedIdx] == seq) {
            chainedAt.putIfAbsent(seq, chainedAtMicros);
        }
        while (stampedIdx < stamped.size() && stamped.get(stampedIdx).size() <= seq) {
            stampedIdx++;
        }
        if (stampedIdx < stamped.size()) {
            Seal s = stamped.get(stampedIdx);
            if (millis(chainedAtMicros) > s.genTime().toEpochMilli() + settings.clockSkew().toMillis()) {
                long[] late = lateEntries.computeIfAbsent(s.size(), k -> new long[] {seq, chainedAtMicros, 0});
                late[2]++;
            }
        }
    }

    /**
     * Reports what the seals and the observed entries violate.
     *
     * @param entries entries walked (the log's size as stored)
     * @param out findings
     */
    void finish(long entries, Sink out) {
        checkGaps(out);
        if (wholeTail) {
            checkTail(entries, out);
        }
        checkTimeBinding(out);
    }

    private void checkGaps(Sink out) {
        Seal prev = null;
        long prevSize = startSize;
        long slackMicros = micros(settings.sealSlack().toMillis());
        for (Seal s : seals) {
            Long reported = reportedSizes.higher(prevSize);
            if ((prev != null || startSize == 0) && (reported == null || reported >= s.size())) {
                long maxEvents = Math.max(s.cadence().everyEvents(), prev == null ? 0 : prev.cadence().everyEvents());
                Long base = chainedAt.get(prevSize);
                String range = "seq " + prevSize + ".." + (s.size() - 1) + " (" + (s.size() - prevSize) + " entries)";
                String after = prev == null ? "the start of the log" : "the checkpoint of tree size " + prevSize;
                if (s.size() - prevSize > maxEvents) {
                    out.add(prevSize, FindingKind.MISSING_CHECKPOINT, range + " lie between " + after
                            + " and the checkpoint of tree size " + s.size() + " with no checkpoint in between, but "
                            + "the cadence promises one at most every " + maxEvents + " entries: a checkpoint was "
                            + "deleted or never made");
                } else if (s.created() != null && base != null) {
                    long interval = micros(s.cadence().intervalMs());
                    long limit = prev != null && prev.created() != null
                            ? Math.max(saturatedAdd(micros(prev.created()), interval), base)
                            : saturatedAdd(base, interval);
                    if (micros(s.created()) > saturatedAdd(limit, slackMicros)) {
                        out.add(prevSize, FindingKind.MISSING_CHECKPOINT, range + " were first sealed by the "
                                + "checkpoint of tree size " + s.size() + " created " + s.created() + ", but the "
                                + "cadence of " + s.cadence().intervalMs() + " ms promises one by " + instant(limit)
                                + " (after " + after + (prev != null && prev.created() != null ? " created "
                                + prev.created() : "") + ", entry " + prevSize + " chained " + instant(base)
                                + ") plus the slack of " + settings.sealSlack() + ": a checkpoint was deleted, or the "
                                + "chainer was stopped that long");
                    }
                }
            }
            prev = s;
            prevSize = s.size();
        }
    }

    private void checkTail(long entries, Sink out) {
        Seal last = seals.isEmpty() ? null : seals.get(seals.size() - 1);
        long lastSize = last == null ? startSize : last.size();
        if (entries <= lastSize || reportedSizes.higher(lastSize) != null) {
            return;
        }
        Checkpoint.Cadence cadence = last == null ? settings.defaultCadence() : last.cadence();
        Long first = chainedAt.get(lastSize);
        if (first == null) {
            // The first entry after the seal is missing or altered: already a finding, and no time to go by.
            return;
        }
        long interval = micros(cadence.intervalMs());
        long due = last != null && last.created() != null
                ? Math.max(saturatedAdd(micros(last.created()), interval), first) : saturatedAdd(first, interval);
        String why = "the cadence of " + cadence.intervalMs() + " ms";
        if (entries - lastSize >= cadence.everyEvents()) {
            Long nth = chainedAt.get(lastSize + cadence.everyEvents() - 1);
            if (nth != null && nth < due) {
                due = nth;
                why = "the cadence of " + cadence.everyEvents() + " events (entry " + (lastSize
                        + cadence.everyEvents() - 1) + ")";
            }
        }
        long now = micros(settings.clock().instant());
        long overdue = saturatedAdd(due, micros(settings.sealSlack().toMillis()));
        if (now > overdue) {
            String source = last == null ? "no verified checkpoint (default cadence " + cadence.everyEvents()
                    + " events / " + cadence.intervalMs() + " ms)" : last.created() == null
                    ? "the newest verified checkpoint, of tree size " + lastSize + " (format 1: default cadence)"
                    : "the newest verified checkpoint, of tree size " + lastSize + ", created " + last.created();
            out.add(lastSize, FindingKind.UNSEALED, "seq " + lastSize + ".." + (entries - 1) + " ("
                    + (entries - lastSize) + " entries, the first chained " + instant(first) + ") are covered by no "
                    + "checkpoint: after " + source + ", " + why + " had one due by " + instant(due)
                    + ", and the slack of " + settings.sealSlack() + " has passed (verifier clock "
                    + settings.clock().instant().truncatedTo(ChronoUnit.SECONDS) + "): the newest checkpoints were "
                    + "deleted, the chainer has stopped, or these rows were added without it");
        }
    }

    private void checkTimeBinding(Sink out) {
        long skew = settings.clockSkew().toMillis();
        long bound = settings.timestampBound().toMillis();
        Seal prev = null;
        for (Seal s : stamped) {
            long gen = s.genTime().toEpochMilli();
            String what = "the checkpoint of tree size " + s.size() + " (key " + s.keyName() + ")";
            if (s.created() != null) {
                long created = s.created().toEpochMilli();
                if (gen + skew < created) {
                    out.add(s.size() - 1, FindingKind.LATE_TIMESTAMP, what + " was timestamped at " + s.genTime()
                            + ", before its signed creation time " + s.created() + " (allowed clock skew "
                            + settings.clockSkew() + "): the token was not made for this checkpoint as created");
                } else if (gen - created > bound) {
                    out.add(s.size() - 1, FindingKind.LATE_TIMESTAMP, what + " was timestamped at " + s.genTime()
                            + ", " + (gen - created) + " ms after its signed creation time " + s.created()
                            + ", more than the bound of " + settings.timestampBound() + ": it was signed or "
                            + "re-stamped later than it claims");
                }
            }
            if (prev != null && gen < prev.genTime().toEpochMilli()) {
                out.add(s.size() - 1, FindingKind.LATE_TIMESTAMP, what + " was timestamped at " + s.genTime()
                        + ", before the smaller checkpoint of tree size " + prev.size() + " (" + prev.genTime()
                        + "): timestamps never go back along a log, so one of the two was stamped later");
            }
            long[] late = lateEntries.get(s.size());
            if (late != null) {
                out.add(late[0], FindingKind.LATE_TIMESTAMP, late[2] + " entr" + (late[2] == 1 ? "y" : "ies")
                        + " first covered by " + what + " (from seq " + late[0] + ", chained " + instant(late[1])
                        + ") were chained after its timestamp " + s.genTime() + " (allowed clock skew "
                        + settings.clockSkew() + "): the entries were re-chained after the checkpoint was stamped");
            }
            prev = s;
        }
    }

    private static long millis(long micros) {
        return Math.floorDiv(micros, 1000);
    }

    private static long micros(long millis) {
        return millis > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : millis * 1000;
    }

    private static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    private static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
