package io.attestream.cli.privacy;

import static java.util.Objects.requireNonNull;

import io.attestream.events.LegalHold;
import io.attestream.events.LegalHoldAction;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The legal holds in force for a tenant: what blocks an erasure (docs/privacy.md). The seam between erasure and
 * retention: {@link #fromChain} reads the chained {@code LegalHold} events themselves (the evidence, checked by
 * {@code attestream verify}); a reader of the sink's typed legal-hold table can implement this interface too.
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

    /** Holds from the chained LegalHold events of the tenant (any agent's log): the last action per hold id wins. */
    static LegalHolds fromChain(StoredEvents events) {
        requireNonNull(events, "events");
        return tenant -> {
            List<StoredEvents.Row> rows = new ArrayList<>(events.read(tenant, null, "event_type = 'LegalHold'"));
            rows.sort(Comparator.comparing((StoredEvents.Row r) -> r.event().getOccurredAt()));
            Map<String, Hold> placed = new LinkedHashMap<>();
            for (StoredEvents.Row r : rows) {
                LegalHold h = (LegalHold) r.event().getPayload();
                if (!tenant.equals(h.getTenant())) {
                    continue;
                }
                if (h.getAction() == LegalHoldAction.PLACED) {
                    placed.put(h.getHoldId(), new Hold(h.getHoldId(), h.getTenant(), h.getAgentId(), h.getPeriodStart(),
                            h.getPeriodEnd(), h.getBy(), h.getReason()));
                } else if (h.getAction() == LegalHoldAction.LIFTED) {
                    placed.remove(h.getHoldId());
                }
            }
            return List.copyOf(placed.values());
        };
    }
}
