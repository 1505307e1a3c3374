package io.attestream.cli.privacy;

import static java.util.Objects.requireNonNull;

import io.attestream.events.LegalHold;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The legal holds in force for a tenant: what blocks an erasure (docs/privacy.md). {@link #fromChain} reads the
 * chained {@code LegalHold} events themselves (the evidence, checked by {@code attestream verify}) and judges them
 * by the rule pruning applies to the sink's {@code legal_holds} rows (the same code), so a hold that stops a pruning
 * stops an erasure.
 */
public interface LegalHolds {
    /**
     * One hold in force.
     *
     * @param holdId the hold
     * @param tenant the tenant
     * @param agentId the agent, or null for every agent of the tenant
     * @param start covered events occurred at or after this (null: from the first)
     * @param end covered events occurred before this (null: open-ended)
     * @param by who placed it
     * @param reason why
     */
    record Hold(String holdId, String tenant, String agentId, Instant start, Instant end, String by, String reason) {
        /** Whether the hold covers events of {@code agent} that occurred between {@code first} and {@code last}. */
        public boolean covers(String agent, Instant first, Instant last) {
            return (agentId == null || agentId.equals(agent)) && (start == null || !last.isBefore(start))
                    && (end == null || first.isBefore(end));
        }

        @Override
        public String toString() {
            return holdId + " (" + tenant + "/" + (agentId == null ? "*" : agentId) + ", " + (start == null ? "-inf"
                    : start) + " .. " + (end == null ? "open" : end) + ", placed by " + by + ": " + reason + ")";
        }
    }

    /** The holds placed and not lifted for {@code tenant}. */
    List<Hold> active(String tenant) throws SQLException;

    /**
     * Holds from the chained LegalHold events themselves, of every log (a hold for a tenant, or for every tenant, may
     * be chained in any log), judged now.
     */
    static LegalHolds fromChain(StoredEvents events) {
        return fromChain(events, Clock.systemUTC());
    }

    /** {@link #fromChain(StoredEvents)}, judged at {@code clock}'s time. */
    static LegalHolds fromChain(StoredEvents events, Clock clock) {
        requireNonNull(events, "events");
        requireNonNull(clock, "clock");
        return tenant -> inForce(events.read(null, null, "event_type = 'LegalHold'"), tenant,
                ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant()));
    }

    /**
     * The holds in force at {@code nowMicros} that cover {@code tenant}, by the one rule pruning uses too (the sink's
     * {@link io.attestream.sink.internal.LegalHolds#inForce(List, long)}: in force from the chained time of a PLACED
     * event until the chained time of a LIFTED event of the same hold id chained at or after it; each PLACED event
     * its own hold; tenant {@code *} = every tenant).
     *
     * @param rows stored LegalHold events of any log (other rows are ignored)
     * @param tenant the tenant to be erased in
     * @param nowMicros the time to judge at
     * @return the holds covering some events of the tenant
     */
    static List<Hold> inForce(List<StoredEvents.Row> rows, String tenant, long nowMicros) {
        List<io.attestream.sink.internal.LegalHolds.HoldEvent> landed = new ArrayList<>();
        Map<String, LegalHold> byPlace = new HashMap<>();
        for (StoredEvents.Row r : rows) {
            if (!(r.event().getPayload() instanceof LegalHold h)) {
                continue;
            }
            String where = r.tenant() + "/" + r.agentId() + " seq " + r.seq();
            byPlace.put(where, h);
            landed.add(new io.attestream.sink.internal.LegalHolds.HoldEvent(h.getHoldId(), h.getAction().name(),
                    h.getTenant(), h.getAgentId() == null ? io.attestream.sink.internal.LegalHolds.ALL
                    : h.getAgentId(), micros(h.getPeriodStart()), micros(h.getPeriodEnd()), r.chainedAtMicros(),
                    where));
        }
        List<Hold> out = new ArrayList<>();
        for (io.attestream.sink.internal.LegalHolds.Hold x
                : io.attestream.sink.internal.LegalHolds.inForce(landed, nowMicros)) {
            if (!x.scopeTenant().equals(io.attestream.sink.internal.LegalHolds.ALL)
                    && !x.scopeTenant().equals(tenant)) {
                continue;
            }
            LegalHold placed = byPlace.get(x.where());
            out.add(new Hold(x.holdId(), x.scopeTenant(), x.scopeAgent().equals(
                    io.attestream.sink.internal.LegalHolds.ALL) ? null : x.scopeAgent(), instant(x.coversFromMicros()),
                    instant(x.coversUntilMicros()), placed.getBy(), placed.getReason()));
        }
        return List.copyOf(out);
    }

    private static Long micros(Instant t) {
        return t == null ? null : ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    private static Instant instant(Long micros) {
        return micros == null ? null : Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }
}
