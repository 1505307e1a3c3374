package io.attestream.sink.internal;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The retention pruning job ({@code attestream sink prune}): blanks the payload of entries older than their
 * retention policy's maximum, keeping every chain column, so that a pruned entry keeps its hash and the chain, the
 * Merkle tree and the proofs stay verifiable (docs/auditor-guide.md, "Pruned entries").
 *
 * <p>What is pruned: {@code chained_events.event_bytes} becomes {@code ''} (never a valid stored event: a stored
 * event has at least the 5 header bytes), and the free-text columns of the typed rows of the same entries
 * ({@link #TYPED_PAYLOAD}) become {@code ''} (a Nullable column keeps its NULL, so "was there a reason" survives).
 * Never touched: {@code tenant, agent_id, seq, prev_hash, hash, entry_version, chained_at, schema_id,
 * schema_fingerprint}, the other derived columns, the checkpoints, and the typed tables' key, enum, number and
 * identity columns (the auditor views count operators and approvers).
 *
 * <p>Which entries: those of a (tenant, event type) with a policy in force ({@code retention_policies}, the most
 * specific row, declared last) chained more than the policy's {@code max_days} before {@code now}, except event
 * types in {@link #NEVER_PRUNED} and entries a legal hold in force covers ({@link LegalHolds}). The holds and the
 * cutoffs are rendered into the WHERE clause as literals, so the mutation is deterministic and its exact predicate
 * is recorded in {@code retention_prunings}.
 *
 * <p>Why a job and not a TTL: a column TTL's expression sees only its own row, so it cannot see a legal hold; and
 * chdb 26.5 applies a column TTL when a row is inserted, so an old event landed late (a replay, a migration) would
 * lose its payload before anybody verified it (measured; evidence-sink README).
 *
 * <p>Durability: MUST run while the events it prunes are landed and verified; a run interrupted after the
 * {@code chained_events} mutation and before the typed ones leaves typed rows whose event is pruned with their text
 * (the verifier does not compare typed rows of pruned entries); running again completes it.
 */
public final class RetentionPruner {
    /** Event types never pruned: the records of holds and erasures are themselves evidence of governance. */
    public static final Set<String> NEVER_PRUNED = Set.of("LegalHold", "ErasureRecord");

    /** Typed table to (event type, free-text columns blanked when its entry is pruned). */
    public static final Map<String, TypedPayload> TYPED_PAYLOAD;

    static {
        Map<String, TypedPayload> m = new LinkedHashMap<>();
        m.put("overrides", new TypedPayload("HumanOverride", List.of("reason"), List.of()));
        m.put("approvals", new TypedPayload("ApprovalDecision", List.of("requested_action"), List.of("reason")));
        m.put("incidents", new TypedPayload("IncidentRecord", List.of("summary"), List.of()));
        m.put("risk_decisions", new TypedPayload("RiskDecision", List.of("rationale"), List.of()));
        TYPED_PAYLOAD = Collections.unmodifiableMap(m);
    }

    private static final long MICROS_PER_DAY = 86_400_000_000L;

    /**
     * The payload columns of one typed table.
     *
     * @param eventType the event type whose rows it holds
     * @param strings String columns, blanked to ''
     * @param nullableStrings Nullable(String) columns, blanked to '' where not NULL
     */
    public record TypedPayload(String eventType, List<String> strings, List<String> nullableStrings) {
        /** Validates and copies. */
        public TypedPayload {
            requireNonNull(eventType, "eventType");
            strings = List.copyOf(strings);
            nullableStrings = List.copyOf(nullableStrings);
        }

        String assignments() {
            List<String> a = new ArrayList<>();
            strings.forEach(c -> a.add(c + " = ''"));
            nullableStrings.forEach(c -> a.add(c + " = if(isNull(" + c + "), NULL, '')"));
            return String.join(", ", a);
        }

        String notBlank() {
            List<String> a = new ArrayList<>();
            strings.forEach(c -> a.add(c + " != ''"));
            nullableStrings.forEach(c -> a.add("ifNull(" + c + ", '') != ''"));
            return "(" + String.join(" OR ", a) + ")";
        }
    }

    /**
     * A retention policy row.
     *
     * @param tenant the tenant, or {@code *}
     * @param eventType the event type (payload record name), or {@code *}
     * @param minDays entries younger than this MUST keep their payload
     * @param maxDays the job prunes entries chained longer ago than this
     * @param declaredAtMicros when it was declared
     * @param declaredBy who declared it
     */
    public record Policy(String tenant, String eventType, int minDays, int maxDays, long declaredAtMicros,
            String declaredBy) {
        /** Validates. */
        public Policy {
            requireNonNull(tenant, "tenant");
            requireNonNull(eventType, "eventType");
            requireNonNull(declaredBy, "declaredBy");
            if (minDays < 0 || maxDays < 1 || maxDays < minDays) {
                throw new IllegalArgumentException("retention policy " + tenant + "/" + eventType + ": need 0 <= min_days"
                        + " <= max_days and max_days >= 1, got min " + minDays + ", max " + maxDays);
            }
        }

        /** 3 = tenant and type named, 2 = tenant, 1 = type, 0 = neither: the highest that matches applies. */
        public int specificity() {
            return (tenant.equals("*") ? 0 : 2) + (eventType.equals("*") ? 0 : 1);
        }

        /**
         * Whether this policy's scope includes an entry.
         *
         * @param t the entry's tenant
         * @param type its event type
         * @return whether it matches (not whether it is the one that applies)
         */
        public boolean matches(String t, String type) {
            return (tenant.equals("*") || tenant.equals(t)) && (eventType.equals("*") || eventType.equals(type));
        }

        String scopeSql(String typeExpr) {
            List<String> c = new ArrayList<>();
            if (!tenant.equals("*")) {
                c.add("tenant = " + ClickHouseStore.quote(tenant));
            }
            if (!eventType.equals("*")) {
                c.add(typeExpr + " = " + ClickHouseStore.quote(eventType));
            }
            return c.isEmpty() ? "1" : "(" + String.join(" AND ", c) + ")";
        }

        /** {@code tenant/type min..max days} */
        public String describe() {
            return tenant + "/" + eventType + " " + minDays + ".." + maxDays + " days";
        }
    }

    /**
     * The policy that applies to an entry: the most specific one matching, or null.
     *
     * @param policies the policies in force
     * @param tenant the entry's tenant
     * @param eventType its event type
     * @return the policy, or null when none covers it
     */
    public static Policy applicable(List<Policy> policies, String tenant, String eventType) {
        Policy best = null;
        for (Policy p : policies) {
            if (p.matches(tenant, eventType) && (best == null || p.specificity() > best.specificity())) {
                best = p;
            }
        }
        return best;
    }

    /**
     * What one run did.
     *
     * @param runId its id (a row of {@code retention_prunings})
     * @param events entries whose event_bytes were blanked (or would be, in a dry run)
     * @param typedRows typed rows blanked
     * @param millis wall-clock time of the run, counts and mutations included
     * @param predicate the WHERE clause on chained_events
     * @param policies the policies in force
     * @param holds the holds in force
     * @param dryRun whether only counted
     */
    public record Result(String runId, long events, long typedRows, long millis, String predicate,
            List<Policy> policies, List<LegalHolds.Hold> holds, boolean dryRun) {
        /** Copies. */
        public Result {
            policies = List.copyOf(policies);
            holds = List.copyOf(holds);
        }
    }

    private RetentionPruner() {
    }

    /**
     * The policies in force: per (tenant, event_type), the row of {@code retention_policies} declared last.
     *
     * @param store the database
     * @return the policies
     */
    public static List<Policy> policiesInForce(ClickHouseStore store) {
        List<Policy> out = new ArrayList<>();
        store.query("SELECT arrayStringConcat(groupArray(concat(base64Encode(tenant), ':', base64Encode(event_type), ':',"
                + " toString(min_in_force), ':', toString(max_in_force), ':', toString(toUnixTimestamp64Micro(last_at)),"
                + " ':', base64Encode(last_by))), ',') FROM (SELECT tenant, event_type,"
                + " argMax(min_days, declared_at) AS min_in_force, argMax(max_days, declared_at) AS max_in_force,"
                + " max(declared_at) AS last_at, argMax(declared_by, declared_at) AS last_by FROM "
                + store.database() + ".retention_policies GROUP BY tenant, event_type)", rs -> {
                    String all = rs.getString(1);
                    if (all == null || all.isEmpty()) {
                        return;
                    }
                    for (String row : all.split(",")) {
                        String[] f = row.split(":", -1);
                        out.add(new Policy(LegalHolds.b64(f[0]), LegalHolds.b64(f[1]), Integer.parseInt(f[2]),
                                Integer.parseInt(f[3]), Long.parseLong(f[4]), LegalHolds.b64(f[5])));
                    }
                });
        out.sort(Comparator.comparing(Policy::tenant).thenComparing(Policy::eventType));
        return out;
    }

    /**
     * The condition selecting the entries to prune at {@code nowMicros}, on a table with {@code tenant, agent_id,
     * chained_at} and an event type expression.
     *
     * @param policies the policies in force
     * @param holds the holds in force
     * @param nowMicros now
     * @param typeExpr {@code event_type} on chained_events; the quoted type name on a typed table
     * @return the condition; {@code 0} when no policy is in force
     */
    static String predicate(List<Policy> policies, List<LegalHolds.Hold> holds, long nowMicros, String typeExpr) {
        if (policies.isEmpty()) {
            return "0";
        }
        List<String> each = new ArrayList<>();
        for (Policy p : policies) {
            List<String> c = new ArrayList<>();
            c.add(p.scopeSql(typeExpr));
            c.add("chained_at < " + literal(nowMicros - p.maxDays() * MICROS_PER_DAY));
            // A more specific policy decides for the entries it matches, even when it keeps them longer.
            for (Policy q : policies) {
                if (q.specificity() > p.specificity()) {
                    c.add("NOT " + q.scopeSql(typeExpr));
                }
            }
            each.add("(" + String.join(" AND ", c) + ")");
        }
        List<String> never = NEVER_PRUNED.stream().sorted().map(ClickHouseStore::quote).toList();
        return typeExpr + " NOT IN (" + String.join(", ", never) + ") AND (" + String.join(" OR ", each) + ")"
                + " AND NOT " + LegalHolds.sqlCovered(holds);
    }

    /**
     * Runs the job once.
     *
     * @param store the database (writer user)
     * @param cluster {@code clickhouse.cluster}: empty for one server; else the mutations run on the {@code _local}
     *     tables {@code ON CLUSTER}
     * @param now the time the cutoffs and holds are judged at
     * @param dryRun count only, change nothing (the run is still recorded, with {@code dry_run = 1})
     * @param runBy who runs it (recorded)
     * @return what it did
     */
    public static Result prune(ClickHouseStore store, String cluster, Instant now, boolean dryRun, String runBy) {
        requireNonNull(store, "store");
        requireNonNull(cluster, "cluster");
        requireNonNull(now, "now");
        requireNonNull(runBy, "runBy");
        long t0 = System.nanoTime();
        long started = micros(now.truncatedTo(ChronoUnit.MICROS));
        String runId = UUID.randomUUID().toString();
        String db = store.database();
        List<Policy> policies = policiesInForce(store);
        List<LegalHolds.Hold> holds = LegalHolds.inForce(store, started);
        String predicate = "event_bytes != '' AND " + predicate(policies, holds, started, "event_type");
        long events = count(store, db + ".chained_events", predicate);
        if (!dryRun && events > 0) {
            store.execute("ALTER TABLE " + target(db, "chained_events", cluster) + " UPDATE event_bytes = '' WHERE "
                    + predicate + " SETTINGS mutations_sync = 2");
        }
        long typed = 0;
        for (Map.Entry<String, TypedPayload> e : TYPED_PAYLOAD.entrySet()) {
            TypedPayload t = e.getValue();
            String where = t.notBlank() + " AND " + predicate(policies, holds, started,
                    ClickHouseStore.quote(t.eventType()));
            long n = count(store, db + "." + e.getKey(), where);
            if (!dryRun && n > 0) {
                store.execute("ALTER TABLE " + target(db, e.getKey(), cluster) + " UPDATE " + t.assignments()
                        + " WHERE " + where + " SETTINGS mutations_sync = 2");
            }
            typed += n;
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        store.execute("INSERT INTO " + db + ".retention_prunings (run_id, started_at, finished_at, policies, holds,"
                + " predicate, events_pruned, typed_rows, dry_run, run_by) VALUES (" + ClickHouseStore.quote(runId) + ", "
                + literal(started) + ", " + literal(started + millis * 1000) + ", "
                + ClickHouseStore.quote(String.join("; ", policies.stream().map(Policy::describe).toList())) + ", "
                + ClickHouseStore.quote(String.join("; ", holds.stream().map(LegalHolds.Hold::describe).toList()))
                + ", " + ClickHouseStore.quote(predicate) + ", " + events + ", " + typed + ", " + (dryRun ? 1 : 0) + ", "
                + ClickHouseStore.quote(runBy) + ")");
        return new Result(runId, events, typed, millis, predicate, policies, holds, dryRun);
    }

    /**
     * Declares a policy: a new row of {@code retention_policies}, in force from now on for its tenant and type.
     *
     * @param store the database (writer user)
     * @param tenant tenant or {@code *}
     * @param eventType event type or {@code *}
     * @param minDays minimum retention
     * @param maxDays maximum retention
     * @param by who declares it
     * @param reason why
     */
    public static void declare(ClickHouseStore store, String tenant, String eventType, int minDays, int maxDays,
            String by, String reason) {
        new Policy(tenant, eventType, minDays, maxDays, 0, by);
        store.execute("INSERT INTO " + store.database() + ".retention_policies (tenant, event_type, min_days, max_days,"
                + " declared_at, declared_by, reason) VALUES (" + ClickHouseStore.quote(tenant) + ", "
                + ClickHouseStore.quote(eventType) + ", " + minDays + ", " + maxDays + ", now64(6), "
                + ClickHouseStore.quote(by) + ", " + ClickHouseStore.quote(requireNonNull(reason, "reason")) + ")");
    }

    private static long count(ClickHouseStore store, String table, String where) {
        long[] n = {0};
        store.query("SELECT count() FROM " + table + " WHERE " + where, rs -> n[0] = rs.getLong(1));
        return n[0];
    }

    private static String target(String db, String table, String cluster) {
        return cluster.isEmpty() ? db + "." + table : db + "." + table + "_local ON CLUSTER " + cluster;
    }

    /** A DateTime64(6, 'UTC') literal. */
    static String literal(long micros) {
        return "fromUnixTimestamp64Micro(toInt64(" + micros + "), 'UTC')";
    }

    static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    static String iso(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS).toString();
    }
}
