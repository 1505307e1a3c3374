package io.attestream.verifier.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.integrity.LogId;
import io.attestream.verifier.AgentResult;
import io.attestream.verifier.FindingKind;
import io.attestream.verifier.RetentionSummary;
import io.attestream.verifier.VerifierException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Pruned entries (docs/integrity.md §7.6, docs/auditor-guide.md "Pruned entries"): an entry whose {@code event_bytes}
 * is empty had its payload removed by the retention job, its chain columns kept. The chain state machine takes its
 * stored hash as the entry hash (bound by the next entry's recomputed hash and by every verified Merkle root over
 * it); this class decides whether the pruning was allowed, at the verifier's clock:
 * <ul>
 *   <li>a retention policy covers the entry's tenant and stored {@code event_type} (the most specific row of
 *       {@code retention_policies}, declared last);</li>
 *   <li>the entry was chained at least the policy's {@code min_days} ago;</li>
 *   <li>no legal hold in force ({@code legal_holds}: PLACED not followed by a LIFTED of the same id) covers its
 *       tenant, agent and stored {@code occurred_at};</li>
 *   <li>its type is not one that is never pruned (LegalHold, ErasureRecord);</li>
 *   <li>it lies below the largest verified checkpoint, so its stored hash is authenticated by a signed root.</li>
 * </ul>
 * Allowed: counted per log ({@link RetentionSummary}). Otherwise: {@link FindingKind#PRUNED_OUTSIDE_POLICY} naming
 * the entry and the reason. Derived columns of a pruned entry cannot be checked (no bytes to decode them from) and
 * its typed row, if any, is not compared; the stored {@code event_type} the policy is matched on is therefore a
 * claim, which the guide says.
 *
 * <p>The policies and holds are read as stored (the verifier independently of the sink's code, as for the other
 * derivations): a policy table edited by whoever controls the database is what the summary lists, for the auditor
 * to compare with the written policy.
 */
public final class RetentionCheck {
    /** Event types never pruned (the sink's RetentionPruner.NEVER_PRUNED). */
    static final Set<String> NEVER_PRUNED = Set.of("LegalHold", "ErasureRecord");
    private static final long MICROS_PER_DAY = 86_400_000_000L;

    record Policy(String tenant, String eventType, int minDays, int maxDays) {
        int specificity() {
            return (tenant.equals("*") ? 0 : 2) + (eventType.equals("*") ? 0 : 1);
        }

        boolean matches(String t, String type) {
            return (tenant.equals("*") || tenant.equals(t)) && (eventType.equals("*") || eventType.equals(type));
        }

        String describe() {
            return tenant + "/" + eventType + " " + minDays + ".." + maxDays + " days";
        }
    }

    record Hold(String holdId, String scopeTenant, String scopeAgent, Long fromMicros, Long untilMicros,
            long placedAtMicros, String where) {
        boolean covers(String tenant, String agentId, long occurredAtMicros) {
            return (scopeTenant.equals("*") || scopeTenant.equals(tenant))
                    && (scopeAgent.equals("*") || scopeAgent.equals(agentId))
                    && (fromMicros == null || occurredAtMicros >= fromMicros)
                    && (untilMicros == null || occurredAtMicros < untilMicros);
        }

        String describe() {
            return holdId + " (" + scopeTenant + "/" + scopeAgent + ", occurred " + (fromMicros == null ? "-"
                    : iso(fromMicros)) + ".." + (untilMicros == null ? "-" : iso(untilMicros)) + "; placed at " + where
                    + ")";
        }
    }

    record HoldEvent(String holdId, String action, String scopeTenant, String scopeAgent, Long fromMicros,
            Long untilMicros, long chainedAtMicros, String where) {
    }

    /** Pruned seqs of one log as ranges (pruning takes a log's oldest entries: few ranges), and the count allowed. */
    private static final class PerLog {
        final TreeMap<Long, Long> ranges = new TreeMap<>();
        long allowed;
        long lastPruned = -1;

        void add(long seq) {
            Map.Entry<Long, Long> last = ranges.lastEntry();
            if (last != null && last.getValue() + 1 == seq) {
                ranges.put(last.getKey(), seq);
            } else if (last == null || last.getValue() < seq) {
                ranges.put(seq, seq);
            } else {
                Map.Entry<Long, Long> r = ranges.floorEntry(seq);
                if (r == null || r.getValue() < seq) {
                    ranges.put(seq, seq);
                }
            }
            lastPruned = Math.max(lastPruned, seq);
        }

        boolean contains(long seq) {
            Map.Entry<Long, Long> r = ranges.floorEntry(seq);
            return r != null && r.getValue() >= seq;
        }
    }

    private final List<Policy> policies;
    private final List<Hold> holds;
    private final long nowMicros;
    private final Map<LogId, PerLog> logs = new HashMap<>();
    private final Boolean holdsTable;

    RetentionCheck(List<Policy> policies, List<Hold> holds, long nowMicros) {
        this(policies, holds, nowMicros, null);
    }

    private RetentionCheck(List<Policy> policies, List<Hold> holds, long nowMicros, Boolean holdsTable) {
        this.policies = List.copyOf(policies);
        this.holds = List.copyOf(holds);
        this.nowMicros = nowMicros;
        this.holdsTable = holdsTable;
    }

    /**
     * Whether the legal_holds table existed when the policies and holds were loaded, or null when not looked up
     * (then {@link TypedRowCheck} asks the database itself).
     *
     * @return true / false / null
     */
    Boolean holdsTable() {
        return holdsTable;
    }

    /** No policy, no hold: every pruned entry is a finding (a database before migration V008). */
    static RetentionCheck none(long nowMicros) {
        return new RetentionCheck(List.of(), List.of(), nowMicros);
    }

    /**
     * The policies in force and the holds in force at {@code now}, from the evidence database (the tables of the
     * sink's migration V008, beside the events table; absent tables mean none).
     *
     * @param reader the evidence
     * @param now the verifier's clock
     * @return the check
     */
    public static RetentionCheck load(EvidenceReader reader, Instant now) {
        long nowMicros = ChronoUnit.MICROS.between(Instant.EPOCH, now);
        String policiesTable = reader.tables().sibling("retention_policies");
        String holdsTable = reader.tables().sibling("legal_holds");
        // Two round trips: which tables exist, then both aggregates as scalar subqueries of one SELECT.
        boolean[] present = reader.tablesExist(List.of(policiesTable, holdsTable));
        List<String> parts = new ArrayList<>();
        if (present[0]) {
            parts.add("SELECT arrayStringConcat(groupArray(concat(base64Encode(tenant), ':',"
                    + " base64Encode(event_type), ':', toString(min_in_force), ':', toString(max_in_force))), ',')"
                    + " FROM (SELECT tenant, event_type, argMax(min_days, declared_at) AS min_in_force,"
                    + " argMax(max_days, declared_at) AS max_in_force FROM " + policiesTable
                    + " GROUP BY tenant, event_type)");
        }
        if (present[1]) {
            parts.add("SELECT arrayStringConcat(groupArray(concat(base64Encode(hold_id), ':',"
                    + " base64Encode(action), ':', base64Encode(hold_tenant), ':',"
                    + " base64Encode(ifNull(hold_agent_id, '*')), ':',"
                    + " ifNull(toString(toUnixTimestamp64Micro(period_start)), ''), ':',"
                    + " ifNull(toString(toUnixTimestamp64Micro(period_end)), ''), ':',"
                    + " toString(toUnixTimestamp64Micro(chained_at)), ':',"
                    + " base64Encode(concat(tenant, '/', agent_id, ' seq ', toString(seq))))), ',') FROM " + holdsTable);
        }
        List<List<String[]>> columns = rows(reader, parts);
        List<Policy> policies = new ArrayList<>();
        if (present[0]) {
            for (String[] f : columns.get(0)) {
                policies.add(new Policy(b64(f[0]), b64(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3])));
            }
        }
        List<HoldEvent> events = new ArrayList<>();
        if (present[1]) {
            for (String[] f : columns.get(present[0] ? 1 : 0)) {
                events.add(new HoldEvent(b64(f[0]), b64(f[1]), b64(f[2]), b64(f[3]),
                        f[4].isEmpty() ? null : Long.parseLong(f[4]), f[5].isEmpty() ? null : Long.parseLong(f[5]),
                        Long.parseLong(f[6]), b64(f[7])));
            }
        }
        return new RetentionCheck(policies, inForce(events, nowMicros), nowMicros, present[1]);
    }

    /** The holds in force at {@code nowMicros} (the rule of the sink's LegalHolds.inForce). */
    static List<Hold> inForce(List<HoldEvent> events, long nowMicros) {
        List<Hold> out = new ArrayList<>();
        for (HoldEvent p : events) {
            if (!p.action().equals("PLACED") || p.chainedAtMicros() > nowMicros) {
                continue;
            }
            boolean lifted = events.stream().anyMatch(l -> l.action().equals("LIFTED") && l.holdId().equals(p.holdId())
                    && l.chainedAtMicros() >= p.chainedAtMicros() && l.chainedAtMicros() <= nowMicros);
            if (!lifted) {
                out.add(new Hold(p.holdId(), p.scopeTenant(), p.scopeAgent(), p.fromMicros(), p.untilMicros(),
                        p.chainedAtMicros(), p.where()));
            }
        }
        return out;
    }

    /**
     * Judges one pruned entry (reader thread, in scan order).
     *
     * @param log its log
     * @param seq its stored seq
     * @param eventType its stored event_type (a claim: no bytes left to check it against)
     * @param chainedAtMicros its stored chained time (hashed, so bound by the checkpoints from entry version 2 on)
     * @param occurredAtMicros its stored occurred time (a claim, as event_type): what holds are judged on
     * @param findings where a finding goes
     */
    void pruned(LogId log, long seq, String eventType, long chainedAtMicros, long occurredAtMicros,
            DerivedColumns.FindingList findings) {
        PerLog p = logs.computeIfAbsent(log, k -> new PerLog());
        p.add(seq);
        String why = whyNotAllowed(log, eventType, chainedAtMicros, occurredAtMicros);
        if (why == null) {
            p.allowed++;
        } else {
            findings.add(log, seq, FindingKind.PRUNED_OUTSIDE_POLICY, "the payload of this " + eventType + " entry"
                    + " (chained " + iso(chainedAtMicros) + ") is gone but " + why);
        }
    }

    private String whyNotAllowed(LogId log, String eventType, long chainedAtMicros, long occurredAtMicros) {
        if (NEVER_PRUNED.contains(eventType)) {
            return eventType + " entries are never pruned";
        }
        Policy best = null;
        for (Policy p : policies) {
            if (p.matches(log.tenant(), eventType) && (best == null || p.specificity() > best.specificity())) {
                best = p;
            }
        }
        if (best == null) {
            return "no retention policy covers tenant " + log.tenant() + " and type " + eventType;
        }
        if (chainedAtMicros > nowMicros - best.minDays() * MICROS_PER_DAY) {
            return "it is younger than the " + best.minDays() + " days the policy " + best.describe() + " keeps";
        }
        for (Hold h : holds) {
            if (h.covers(log.tenant(), log.agentId(), occurredAtMicros)) {
                return "legal hold " + h.describe() + " covers it";
            }
        }
        return null;
    }

    /**
     * Whether an entry was seen pruned (its typed row, if any, is then not compared).
     *
     * @param log the log
     * @param seq the seq
     * @return true when the scan saw a pruned row at that seq
     */
    boolean isPruned(LogId log, long seq) {
        PerLog p = logs.get(log);
        return p != null && p.contains(seq);
    }

    /**
     * After the chain runs: a pruned entry at or beyond the largest verified checkpoint has a stored hash that no
     * signed root authenticates (and the next entry may be pruned too): a finding at the first such seq.
     *
     * @param results the chain results
     * @param findings where findings go
     * @return the summary
     */
    RetentionSummary finish(List<AgentResult> results, DerivedColumns.FindingList findings) {
        Map<String, Long> allowed = new LinkedHashMap<>();
        for (AgentResult a : results) {
            LogId log = LogId.of(a.tenant(), a.agentId());
            PerLog p = logs.get(log);
            if (p == null) {
                continue;
            }
            long size = a.latestVerifiedTreeSize();
            if (p.lastPruned >= size) {
                long at = p.lastPruned;
                for (Map.Entry<Long, Long> r : p.ranges.entrySet()) {
                    if (r.getValue() >= size) {
                        at = Math.max(r.getKey(), size);
                        break;
                    }
                }
                findings.add(log, at, FindingKind.PRUNED_OUTSIDE_POLICY, "pruned entry at or after the largest"
                        + " verified checkpoint (tree size " + a.latestVerifiedTreeSize() + "): no signed root"
                        + " authenticates its stored hash");
            }
            if (p.allowed > 0) {
                allowed.put(a.tenant() + "/" + a.agentId(), p.allowed);
            }
        }
        return new RetentionSummary(allowed, policies.stream().map(Policy::describe).toList(),
                holds.stream().map(Hold::describe).toList());
    }

    /**
     * One row of aggregates, each {@code queries} element a scalar subquery giving one column (aggregates: the local
     * front cannot return an empty result to clickhouse-jdbc), each column split into rows of fields.
     */
    private static List<List<String[]>> rows(EvidenceReader reader, List<String> queries) {
        List<List<String[]>> out = new ArrayList<>();
        if (queries.isEmpty()) {
            return out;
        }
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < queries.size(); i++) {
            sql.append(i == 0 ? "(" : ", (").append(queries.get(i)).append(')');
        }
        try (Statement st = reader.connection().createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
            boolean row = rs.next();
            for (int c = 1; c <= queries.size(); c++) {
                List<String[]> col = new ArrayList<>();
                String all = row ? rs.getString(c) : null;
                if (all != null && !all.isEmpty()) {
                    for (String r : all.split(",")) {
                        col.add(r.split(":", -1));
                    }
                }
                out.add(col);
            }
        } catch (SQLException e) {
            throw new VerifierException("cannot read the retention tables: " + e.getMessage(), e);
        }
        return out;
    }

    private static String b64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    private static String iso(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS).toString();
    }

    static Policy policy(String tenant, String type, int min, int max) {
        return new Policy(requireNonNull(tenant), requireNonNull(type), min, max);
    }
}
