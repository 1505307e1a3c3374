package io.attestream.sink.internal;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Legal holds as the sink lands them ({@code legal_holds}, one row per chained LegalHold event): which are in force
 * at a given time, and what they cover. Pruning ({@link RetentionPruner}) and erasure MUST NOT touch an entry a hold
 * in force covers; {@link #inForce(ClickHouseStore, long)} plus {@link Hold#covers} or {@link #sqlCovered} is the
 * check both call.
 *
 * <p>A hold is in force from the {@code chained_at} of its PLACED event until the {@code chained_at} of a LIFTED event
 * with the same {@code hold_id} chained at or after it (the chainer's clock, which the chain hashes: not the
 * producer's). It covers the entries of {@code hold_tenant} ({@link #ALL} = every tenant) and {@code hold_agent_id}
 * (NULL = every agent of the tenant) that occurred in {@code [period_start, period_end)} (LegalHold's periodStart and
 * periodEnd, each optional), judged on {@code occurred_at}.
 */
public final class LegalHolds {
    /** {@code hold_tenant} meaning every tenant; a NULL {@code hold_agent_id} means every agent of the tenant. */
    public static final String ALL = "*";
    /** {@code action} of the event that places a hold (LegalHoldAction.PLACED). */
    public static final String PLACE = "PLACED";
    /** {@code action} of the event that lifts a hold (LegalHoldAction.LIFTED). */
    public static final String LIFT = "LIFTED";

    private LegalHolds() {
    }

    /**
     * One LegalHold event as landed.
     *
     * @param holdId the hold it places or lifts
     * @param action {@link #PLACE} or {@link #LIFT}
     * @param scopeTenant tenant covered, or {@link #ALL}
     * @param scopeAgent agent covered, or {@link #ALL} (a NULL hold_agent_id)
     * @param coversFromMicros first occurred time covered (inclusive), or null for no bound
     * @param coversUntilMicros occurred time the coverage ends before (exclusive), or null for no bound
     * @param chainedAtMicros when the event was chained
     * @param where {@code tenant/agent seq N} of the event itself
     */
    public record HoldEvent(String holdId, String action, String scopeTenant, String scopeAgent, Long coversFromMicros,
            Long coversUntilMicros, long chainedAtMicros, String where) {
        /** Validates. */
        public HoldEvent {
            requireNonNull(holdId, "holdId");
            requireNonNull(action, "action");
            requireNonNull(scopeTenant, "scopeTenant");
            requireNonNull(scopeAgent, "scopeAgent");
            requireNonNull(where, "where");
        }
    }

    /**
     * A hold in force.
     *
     * @param holdId its id
     * @param scopeTenant tenant covered, or {@link #ALL}
     * @param scopeAgent agent covered, or {@link #ALL}
     * @param coversFromMicros first occurred time covered, or null
     * @param coversUntilMicros occurred time the coverage ends before, or null
     * @param placedAtMicros chained time of its PLACE event
     * @param where {@code tenant/agent seq N} of its PLACE event
     */
    public record Hold(String holdId, String scopeTenant, String scopeAgent, Long coversFromMicros,
            Long coversUntilMicros, long placedAtMicros, String where) {
        /** Validates. */
        public Hold {
            requireNonNull(holdId, "holdId");
            requireNonNull(scopeTenant, "scopeTenant");
            requireNonNull(scopeAgent, "scopeAgent");
            requireNonNull(where, "where");
        }

        /**
         * Whether this hold covers an entry.
         *
         * @param tenant the entry's tenant
         * @param agentId its agent
         * @param occurredAtMicros its occurred time
         * @return true when pruning or erasing it is forbidden while the hold is in force
         */
        public boolean covers(String tenant, String agentId, long occurredAtMicros) {
            return (scopeTenant.equals(ALL) || scopeTenant.equals(tenant))
                    && (scopeAgent.equals(ALL) || scopeAgent.equals(agentId))
                    && (coversFromMicros == null || occurredAtMicros >= coversFromMicros)
                    && (coversUntilMicros == null || occurredAtMicros < coversUntilMicros);
        }

        /**
         * The SQL condition on a table with {@code tenant, agent_id, occurred_at} that selects the entries covered.
         *
         * @return e.g. {@code (tenant = 'acme' AND occurred_at >= fromUnixTimestamp64Micro(...))}, or {@code 1}
         */
        public String sql() {
            List<String> c = new ArrayList<>();
            if (!scopeTenant.equals(ALL)) {
                c.add("tenant = " + ClickHouseStore.quote(scopeTenant));
            }
            if (!scopeAgent.equals(ALL)) {
                c.add("agent_id = " + ClickHouseStore.quote(scopeAgent));
            }
            if (coversFromMicros != null) {
                c.add("occurred_at >= " + RetentionPruner.literal(coversFromMicros));
            }
            if (coversUntilMicros != null) {
                c.add("occurred_at < " + RetentionPruner.literal(coversUntilMicros));
            }
            return c.isEmpty() ? "1" : "(" + String.join(" AND ", c) + ")";
        }

        /** {@code id (scope, period; placed at where)} for logs and the prunings record. */
        public String describe() {
            return holdId + " (" + scopeTenant + "/" + scopeAgent + ", occurred " + (coversFromMicros == null ? "-"
                    : RetentionPruner.iso(coversFromMicros)) + ".." + (coversUntilMicros == null ? "-"
                    : RetentionPruner.iso(coversUntilMicros)) + "; placed at " + where + ")";
        }
    }

    /**
     * The holds in force at {@code nowMicros}: every PLACE event chained at or before it for which no LIFT event of
     * the same hold id is chained between it and {@code nowMicros}. Each PLACE event is its own hold (a second PLACE
     * of one id, with another scope, holds that scope too); unknown actions are ignored.
     *
     * @param events every landed LegalHold event
     * @param nowMicros the time to judge at
     * @return the holds, in the order of their PLACE events
     */
    public static List<Hold> inForce(List<HoldEvent> events, long nowMicros) {
        List<Hold> out = new ArrayList<>();
        for (HoldEvent p : events) {
            if (!p.action().equals(PLACE) || p.chainedAtMicros() > nowMicros) {
                continue;
            }
            boolean lifted = events.stream().anyMatch(l -> l.action().equals(LIFT) && l.holdId().equals(p.holdId())
                    && l.chainedAtMicros() >= p.chainedAtMicros() && l.chainedAtMicros() <= nowMicros);
            if (!lifted) {
                out.add(new Hold(p.holdId(), p.scopeTenant(), p.scopeAgent(), p.coversFromMicros(),
                        p.coversUntilMicros(), p.chainedAtMicros(), p.where()));
            }
        }
        return out;
    }

    /**
     * The holds in force at {@code nowMicros}, from {@code <database>.legal_holds}.
     *
     * @param store the database
     * @param nowMicros the time to judge at
     * @return the holds
     */
    public static List<Hold> inForce(ClickHouseStore store, long nowMicros) {
        return inForce(events(store, store.database() + ".legal_holds"), nowMicros);
    }

    /**
     * The SQL condition selecting the entries any of {@code holds} covers.
     *
     * @param holds holds in force
     * @return {@code 0} when there are none
     */
    public static String sqlCovered(List<Hold> holds) {
        if (holds.isEmpty()) {
            return "0";
        }
        List<String> c = new ArrayList<>();
        for (Hold h : holds) {
            c.add(h.sql());
        }
        return "(" + String.join(" OR ", c) + ")";
    }

    /**
     * Counts the rows of {@code <database>.chained_events} matching {@code where} that a hold in force at
     * {@code nowMicros} covers: what an erasure (or any deletion) MUST refuse to touch when it is not 0.
     *
     * @param store the database
     * @param where a condition on chained_events selecting the entries to be erased, e.g. {@code tenant = 'acme'
     *     AND agent_id = 'a1'}
     * @param nowMicros the time to judge at (now)
     * @return the number of covered entries; 0 = nothing held
     */
    public static long heldEntries(ClickHouseStore store, String where, long nowMicros) {
        requireNonNull(where, "where");
        List<Hold> holds = inForce(store, nowMicros);
        if (holds.isEmpty()) {
            return 0;
        }
        long[] n = {0};
        store.query("SELECT count() FROM " + store.database() + ".chained_events WHERE (" + where + ") AND "
                + sqlCovered(holds), rs -> n[0] = rs.getLong(1));
        return n[0];
    }

    static List<HoldEvent> events(ClickHouseStore store, String table) {
        List<HoldEvent> out = new ArrayList<>();
        // One row (an aggregate): clickhouse-jdbc fails on an empty result through the local front (README).
        store.query("SELECT arrayStringConcat(groupArray(concat(base64Encode(hold_id), ':', base64Encode(action), ':',"
                + " base64Encode(hold_tenant), ':', base64Encode(ifNull(hold_agent_id, '" + ALL + "')), ':',"
                + " ifNull(toString(toUnixTimestamp64Micro(period_start)), ''), ':',"
                + " ifNull(toString(toUnixTimestamp64Micro(period_end)), ''), ':',"
                + " toString(toUnixTimestamp64Micro(chained_at)), ':',"
                + " base64Encode(concat(tenant, '/', agent_id, ' seq ', toString(seq))))), ',') FROM " + table, rs -> {
                    String all = rs.getString(1);
                    if (all == null || all.isEmpty()) {
                        return;
                    }
                    for (String row : all.split(",")) {
                        String[] f = row.split(":", -1);
                        out.add(new HoldEvent(b64(f[0]), b64(f[1]), b64(f[2]), b64(f[3]),
                                f[4].isEmpty() ? null : Long.parseLong(f[4]), f[5].isEmpty() ? null : Long.parseLong(f[5]),
                                Long.parseLong(f[6]), b64(f[7])));
                    }
                });
        return out;
    }

    static String b64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
