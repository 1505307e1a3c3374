package io.attestream.cli.report;

import static io.attestream.cli.report.QueryLog.literal;
import static java.util.Objects.requireNonNull;

import io.attestream.events.AgentAction;
import io.attestream.events.AuditEvent;
import io.attestream.events.ErasureRecord;
import io.attestream.events.SealedField;
import io.attestream.events.DriftAlert;
import io.attestream.events.DriftWindow;
import io.attestream.events.Operation;
import io.attestream.sealing.EventOpener;
import io.attestream.sealing.KeyStore;
import io.attestream.sealing.SealingException;
import io.attestream.verifier.AgentResult;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The evidence pack of one tenant and period, as one self-contained HTML page: cover, verification, readiness,
 * the five common gaps per agent, producer clocks, controls of the chosen framework, the evidence over time,
 * evals with drift alerts, incidents, and an appendix with every query that ran.
 *
 * <p>Every verdict is computed in ClickHouse from what {@code attestream verify} checks: the chain columns and the
 * derived columns of {@code chained_events}, the rows of the typed tables ({@code evals}, {@code overrides},
 * {@code approvals}, {@code policy_changes}, {@code incidents}, {@code risk_decisions}), the signed fields and
 * timestamp tokens of {@code checkpoints}, and the stored event bytes themselves (for payload fields no typed column
 * holds, decoded here with the stored writer schema). Nothing is read from {@code drift_alerts},
 * {@code dead_letters} or the views, which {@code verify} does not cover.
 */
final class EvidencePack {
    static final String MET = "met";
    static final String NOT_MET = "not met";
    static final String NO_EVIDENCE = "no evidence";
    static final String NOT_APPLICABLE = "n/a";
    /** How long an entry may wait for a timestamped checkpoint before it counts as unsealed. */
    static final Duration SEAL_BOUND = Duration.ofMinutes(10);
    /** Change kinds that policy requires a linked risk decision for. */
    static final List<String> RISK_LINKED_KINDS = List.of("MODEL", "TOOL_PERMISSION");
    private static final List<String> PIPELINE_EVENTS = List.of("DriftAlert", "DriftRecovered", "BaselinePinned",
            "ErasureRecord", "LegalHold");
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("MM-dd HH:00").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    /** What the pack is about. */
    record Scope(String database, String tenant, LocalDate first, LocalDate last, ControlMappings.Framework framework,
                 Duration clockBound, String user) {
        Scope {
            requireNonNull(database, "database");
            requireNonNull(tenant, "tenant");
            requireNonNull(first, "first");
            requireNonNull(last, "last");
            requireNonNull(framework, "framework");
            requireNonNull(clockBound, "clockBound");
            requireNonNull(user, "user");
        }

        Instant start() {
            return first.atStartOfDay(ZoneOffset.UTC).toInstant();
        }

        Instant end() {
            return last.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        }

        double weeks() {
            return Math.max(1, ChronoUnit.DAYS.between(first, last) + 1) / 7.0;
        }
    }

    /** The five gaps, in the order auditors list them. */
    enum Gap {
        TAMPER("tamper-evident", "Logs are tamper-evident", List.of("AgentAction")),
        OVERSIGHT("oversight", "Human oversight is used", List.of("HumanOverride", "ApprovalDecision")),
        MONITORING("monitoring", "Monitoring has a cadence", List.of("EvalResult", "DriftAlert")),
        CHANGE("change", "Changes have a record and an approver", List.of("PolicyChange", "RiskDecision")),
        RETRIEVAL("retrieval", "Retrieval corpora are under data governance", List.of("PolicyChange"));

        final String id;
        final String title;
        final List<String> eventTypes;

        Gap(String id, String title, List<String> eventTypes) {
            this.id = id;
            this.title = title;
            this.eventTypes = eventTypes;
        }
    }

    /** How many of the period's latest events the privacy section decodes for sealed fields. */
    static final int SEALED_SAMPLE = 2000;
    private final QueryLog q;
    private final Optional<KeyStore> keys;
    private final Scope scope;
    private final Optional<Verification.Outcome> verification;
    private final Map<Gap, Map<String, String>> verdicts = new LinkedHashMap<>();
    private final Map<String, String> sections = new LinkedHashMap<>();
    private final Map<String, String> sectionTitles = new LinkedHashMap<>();
    private List<ControlMappings.Row> mappings;
    private String mappingNote = "";
    private Payloads payloads;
    private List<String> agents;
    private int unlinkedRiskChanges;
    private int undocumentedChanges;
    private int unansweredAlerts;
    private long evalsInPeriod;

    EvidencePack(QueryLog q, Scope scope, Optional<Verification.Outcome> verification) {
        this(q, scope, verification, Optional.empty());
    }

    /**
     * @param keys the key store: sealed personal fields are shown in clear where it opens them; empty: sealed form
     */
    EvidencePack(QueryLog q, Scope scope, Optional<Verification.Outcome> verification, Optional<KeyStore> keys) {
        this.keys = requireNonNull(keys, "keys");
        this.q = requireNonNull(q, "q");
        this.scope = requireNonNull(scope, "scope");
        this.verification = requireNonNull(verification, "verification");
        for (Gap g : Gap.values()) {
            verdicts.put(g, new TreeMap<>());
        }
    }

    /** Runs every query and renders the page. */
    String render() throws SQLException {
        payloads = new Payloads(q.rows("Writer schemas of the stored events (for decoding payload fields)",
                "SELECT toString(schema_id), schema_text FROM " + db("registry_schemas") + " ORDER BY schema_id"));
        loadMappings();
        agents = new ArrayList<>();
        List<List<String>> inventory = q.rows("Agents with evidence in the period (the inventory as the evidence"
                + " shows it)", sql("""
                SELECT agent_id, toString(count()) AS events, arrayStringConcat(arraySort(groupUniqArray(agent_version)),
                       ', ') AS versions, toString(min(occurred_at)) AS first_event, toString(max(occurred_at)) AS last_event
                FROM {db}.chained_events
                WHERE tenant = {tenant} AND {period}
                GROUP BY agent_id ORDER BY agent_id"""));
        inventory.forEach(r -> agents.add(r.get(0)));

        String verificationHtml = verificationSection();
        String gapsHtml = tamper() + oversight() + monitoring() + change() + retrieval();
        String clockHtml = clocks();
        String readinessHtml = readiness(inventory);
        String frameworkHtml = framework();
        String timeHtml = overTime();
        String evalsHtml = evalsAndDrift();
        String incidentsHtml = incidents();
        String privacyHtml = privacy();

        add("verification", "Verification", verificationHtml);
        add("readiness", "Readiness against the usual timeline", readinessHtml);
        add("gaps", "The five common gaps, agent by agent", gapsHtml);
        add("clocks", "Producer clocks (ISO/IEC 27001 A.8.17 Clock synchronization)", clockHtml);
        add("framework", "Controls: " + scope.framework().title(), frameworkHtml);
        add("over-time", "Evidence over time", timeHtml);
        add("evals", "Evals per agent version, with drift alerts", evalsHtml);
        add("incidents", "Incidents", incidentsHtml);
        add("privacy", "Personal data: sealed fields and erasures (GDPR Art. 17, ISO/IEC 27001 A.5.34)", privacyHtml);
        add("appendix", "Appendix: the queries behind this pack", appendix());
        return page();
    }

    /** @return per gap, per agent, the verdict (after {@link #render}) */
    Map<Gap, Map<String, String>> verdicts() {
        return verdicts;
    }

    private void add(String id, String title, String body) {
        sectionTitles.put(id, title);
        sections.put(id, body);
    }

    // ---------------------------------------------------------------- verification

    private String verificationSection() throws SQLException {
        StringBuilder html = new StringBuilder();
        if (verification.isEmpty()) {
            html.append("<p class=\"figure\">Not re-verified: run with <code>--key</code> (and <code>--tsa-cert</code>)"
                    + " to recompute every chain hash, Merkle root, signature and timestamp of this tenant. Without it"
                    + " the tamper-evidence verdicts read <em>no evidence</em>.</p>");
        } else {
            Verification.Outcome v = verification.get();
            List<List<String>> rows = new ArrayList<>();
            for (AgentResult a : v.report().agents()) {
                rows.add(List.of(a.agentId(), Long.toString(a.rows()), a.checkpointsVerified() + " / " + a.checkpoints(),
                        Long.toString(a.latestVerifiedTreeSize()), Integer.toString(a.timestampsVerified()),
                        Integer.toString(a.timestampsUnchecked()), Integer.toString(a.findings().size()),
                        a.ok() ? MET : NOT_MET));
            }
            html.append("<p class=\"figure\">Recomputed by the verifier library (as <code>attestream verify --tenant ")
                    .append(Html.escape(scope.tenant())).append("</code>) in ")
                    .append(String.format(Locale.ROOT, "%.1f s", v.report().elapsed().toMillis() / 1000.0))
                    .append(": every chain hash under its entry version, the Merkle root at every checkpoint, the"
                            + " checkpoint signatures and the RFC 3161 timestamp tokens, trusting only the keys and"
                            + " TSA certificates on the cover.</p>")
                    .append(Html.verdictTable("verification-agents", List.of("agent", "rows", "checkpoints verified",
                            "latest verified tree size", "timestamps verified", "timestamps unchecked", "findings",
                            "verified"), rows, "verification"))
                    .append("<pre>").append(Html.escape(v.text())).append("</pre>");
        }
        List<List<String>> checkpoints = q.rows("Latest signed checkpoint per agent", sql("""
                SELECT agent_id, toString(max(tree_size)) AS tree_size, toString(count()) AS checkpoints,
                       toString(countIf(timestamp_token IS NOT NULL)) AS timestamped
                FROM {db}.checkpoints
                WHERE tenant = {tenant}
                GROUP BY agent_id ORDER BY agent_id"""));
        html.append("<h3>Signed checkpoints per agent</h3>").append(Html.table("checkpoints", List.of("agent",
                "largest tree size", "checkpoints", "RFC 3161 timestamped"), checkpoints));
        return html.toString();
    }

    // ---------------------------------------------------------------- gap 1

    private String tamper() throws SQLException {
        String id = q.nextId();
        List<List<String>> rows = q.rows("Gap 1, tamper-evident: timestamped checkpoint coverage and the oldest entry"
                + " no timestamped checkpoint covers", sql("""
                SELECT e.agent_id, toString(e.entries) AS entries, toString(c.checkpoints) AS checkpoints,
                       toString(c.stamped) AS timestamped_size, toString(e.entries - least(e.entries, c.stamped)) AS unsealed,
                       if(e.entries > c.stamped, toString(e.oldest_unsealed), '') AS oldest_unsealed,
                       if(e.entries > c.stamped, toString(dateDiff('second', e.oldest_unsealed, now64(6))), '') AS age_s,
                       multiIf(c.stamped = 0, 'not met',
                               e.entries <= c.stamped OR dateDiff('second', e.oldest_unsealed, now64(6)) <= {seal_s},
                               'met', 'not met') AS verdict
                FROM
                (
                    SELECT ev.agent_id AS agent_id, count() AS entries,
                           minIf(ev.chained_at, ev.seq >= cp.stamped) AS oldest_unsealed
                    FROM {db}.chained_events AS ev
                    LEFT JOIN (SELECT agent_id, maxIf(tree_size, timestamp_token IS NOT NULL) AS stamped
                               FROM {db}.checkpoints WHERE tenant = {tenant} GROUP BY agent_id) AS cp
                           ON ev.agent_id = cp.agent_id
                    WHERE ev.tenant = {tenant}
                    GROUP BY ev.agent_id
                ) AS e
                LEFT JOIN
                (
                    SELECT agent_id, count() AS checkpoints, maxIf(tree_size, timestamp_token IS NOT NULL) AS stamped
                    FROM {db}.checkpoints WHERE tenant = {tenant} GROUP BY agent_id
                ) AS c ON e.agent_id = c.agent_id
                ORDER BY e.agent_id"""));
        String witnessedId = q.nextId();
        Map<String, List<String>> cosigned = new HashMap<>();
        for (List<String> r : q.rows("Gap 1, tamper-evident: the largest tree size witnesses cosigned per agent, and"
                + " how many distinct witnesses cosigned it", sql("""
                SELECT agent_id, toString(max(tree_size)) AS cosigned_size,
                       toString(argMax(witnesses, tree_size)) AS witnesses_of_it
                FROM (SELECT agent_id, tree_size, uniqExact(witness_name) AS witnesses
                      FROM {db}.checkpoint_attestations WHERE tenant = {tenant} GROUP BY agent_id, tree_size)
                GROUP BY agent_id ORDER BY agent_id"""))) {
            cosigned.put(r.get(0), r);
        }
        Optional<Verification.Witnessed> required = verification.flatMap(Verification.Outcome::witnesses);
        Map<String, AgentResult> verified = verification.map(Verification.Outcome::byAgent).orElse(Map.of());
        List<List<String>> out = new ArrayList<>();
        for (List<String> r : rows) {
            AgentResult a = verified.get(r.get(0));
            String verify = verification.isEmpty() ? "not re-verified" : a == null ? "not in the verifier's report"
                    : a.ok() ? "verified" : a.findings().size() + " finding(s)";
            String verdict = verification.isEmpty() ? NO_EVIDENCE : a == null || !a.ok() ? NOT_MET : r.get(7);
            List<String> c = cosigned.get(r.get(0));
            String witnessed = c == null ? "no cosignature stored" : "tree size " + c.get(1) + " by " + c.get(2)
                    + " witness(es), " + (required.isEmpty() ? "not checked (no --witness-key)"
                    : "checked, quorum " + required.get().quorum());
            List<String> row = new ArrayList<>(r.subList(0, 7));
            row.add(verify);
            row.add(witnessed);
            row.add(verdict);
            out.add(row);
            verdicts.get(Gap.TAMPER).put(r.get(0), verdict);
        }
        String witnessRule = required.isEmpty()
                ? " Witness cosignatures were not checked (the report was built without --witness-key): the column"
                        + " shows what is stored, and only the verifier's witness check makes it evidence against the"
                        + " operator (docs/auditor-guide.md)."
                : " The re-verification required the cosignatures of " + required.get().quorum() + " of "
                        + String.join(", ", required.get().names()) + " on every checkpoint (a missing or bad"
                        + " cosignature is a verifier finding, so the verdict is not met).";
        return gap(Gap.TAMPER, "Met when the verifier found nothing for the agent, its largest RFC 3161 timestamped"
                + " checkpoint exists, and no entry has waited longer than " + SEAL_BOUND.toMinutes() + " minutes for"
                + " one (" + cite(id) + "; verify status from the verifier, not from SQL; cosigned sizes: "
                + cite(witnessedId) + ")." + witnessRule,
                Html.verdictTable("gap-tamper-evident", List.of("agent", "entries", "checkpoints",
                        "timestamped tree size", "unsealed entries", "oldest unsealed (chained at, UTC)", "its age (s)",
                        "verify", "witnessed", "verdict"), out, Gap.TAMPER.id));
    }

    // ---------------------------------------------------------------- gap 2

    private String oversight() throws SQLException {
        String id = q.nextId();
        List<List<String>> rows = q.rows("Gap 2, oversight used: overrides and approvals per agent over the period",
                sql("""
                SELECT a.agent_id, toString(a.actions) AS actions, toString(o.overrides) AS overrides,
                       toString(p.approvals) AS approvals, toString(round(o.overrides / {weeks}, 2)) AS overrides_per_week,
                       toString(o.weeks_with_overrides) AS weeks_with_overrides,
                       if(o.overrides = 0, 'not met', 'met') AS verdict
                FROM (SELECT agent_id, countIf(event_type = 'AgentAction') AS actions FROM {db}.chained_events
                      WHERE tenant = {tenant} AND {period} GROUP BY agent_id) AS a
                LEFT JOIN (SELECT agent_id, count() AS overrides, uniqExact(toMonday(occurred_at)) AS weeks_with_overrides
                           FROM {db}.overrides WHERE tenant = {tenant} AND {period} GROUP BY agent_id) AS o
                       ON a.agent_id = o.agent_id
                LEFT JOIN (SELECT agent_id, count() AS approvals FROM {db}.approvals
                           WHERE tenant = {tenant} AND {period} GROUP BY agent_id) AS p ON a.agent_id = p.agent_id
                ORDER BY a.agent_id"""));
        rows.forEach(r -> verdicts.get(Gap.OVERSIGHT).put(r.get(0), r.get(6)));
        String weeklyId = q.nextId();
        List<List<String>> weekly = q.rows("Gap 2: overrides and approvals per agent per week", sql("""
                SELECT toString(toMonday(occurred_at)) AS week, agent_id,
                       toString(countIf(event_type = 'HumanOverride')) AS overrides,
                       toString(countIf(event_type = 'ApprovalDecision')) AS approvals
                FROM {db}.chained_events
                WHERE tenant = {tenant} AND {period} AND event_type IN ('HumanOverride', 'ApprovalDecision')
                GROUP BY week, agent_id ORDER BY week, agent_id"""));
        String incidentId = q.nextId();
        List<List<String>> incidents = q.rows("Gap 2: time from each incident to the agent's next override", sql("""
                SELECT i.agent_id, i.incident_id, toString(i.at) AS detected,
                       if(o.occurred_at >= i.at, toString(o.occurred_at), '') AS first_override,
                       if(o.occurred_at >= i.at, toString(round(dateDiff('second', i.at, o.occurred_at) / 60, 1)), '')
                           AS minutes
                FROM (SELECT agent_id, incident_id, min(occurred_at) AS at FROM {db}.incidents
                      WHERE tenant = {tenant} AND {period} GROUP BY agent_id, incident_id) AS i
                ASOF LEFT JOIN (SELECT agent_id, occurred_at FROM {db}.overrides WHERE tenant = {tenant}) AS o
                       ON i.agent_id = o.agent_id AND i.at <= o.occurred_at
                ORDER BY i.at"""));
        return gap(Gap.OVERSIGHT, "Not met for an agent with no human override in the whole period (" + cite(id)
                + "); per week in " + cite(weeklyId) + ", time from incident to override in " + cite(incidentId) + ".",
                Html.verdictTable("gap-oversight", List.of("agent", "actions", "overrides", "approvals",
                        "overrides per week", "weeks with an override", "verdict"), rows, Gap.OVERSIGHT.id)
                        + "<h4>Per agent per week</h4>" + Html.table("oversight-weekly", List.of("week (Monday)",
                        "agent", "overrides", "approvals"), weekly)
                        + "<h4>From incident to override</h4>" + Html.table("incident-to-override", List.of("agent",
                        "incident", "detected (UTC)", "first override after it (UTC)", "minutes"), incidents));
    }

    // ---------------------------------------------------------------- gap 3

    private String monitoring() throws SQLException {
        String id = q.nextId();
        List<List<String>> versions = q.rows("Gap 3, monitoring cadence: evals per agent version, and whether the"
                + " version was evaluated before its first action", sql("""
                SELECT v.agent_id, v.agent_version, toString(v.first_action) AS first_action,
                       toString(e.evals) AS evals_all_time, toString(e.evals_in_period) AS evals_in_period,
                       toString(round(e.evals_in_period / {weeks}, 1)) AS evals_per_week,
                       if(e.evals > 0, toString(e.first_eval), '') AS first_eval,
                       multiIf(e.evals = 0, 'not met', e.first_eval > v.first_action, 'not met', 'met') AS verdict,
                       multiIf(e.evals = 0, 'deployed without any eval', e.first_eval > v.first_action,
                               'first eval after its first action', '') AS why
                FROM (SELECT agent_id, agent_version, minIf(occurred_at, event_type = 'AgentAction') AS first_action
                      FROM {db}.chained_events WHERE tenant = {tenant}
                      GROUP BY agent_id, agent_version
                      HAVING countIf(event_type = 'AgentAction') > 0 AND countIf({period}) > 0) AS v
                LEFT JOIN (SELECT agent_id, agent_version, count() AS evals, min(occurred_at) AS first_eval,
                                  countIf({period}) AS evals_in_period
                           FROM {db}.evals WHERE tenant = {tenant} GROUP BY agent_id, agent_version) AS e
                       ON v.agent_id = e.agent_id AND v.agent_version = e.agent_version
                ORDER BY v.agent_id, v.first_action"""));
        String alertsId = q.nextId();
        List<List<String>> alerts = q.rows("Gap 3: each chained drift alert and the agent's next override, change,"
                + " risk decision or baseline pin", sql("""
                SELECT a.agent_id, a.agent_version, toString(a.seq) AS alert_seq, toString(a.occurred_at) AS alert_at,
                       if(r.occurred_at >= a.occurred_at, r.event_type, '') AS acted_by,
                       if(r.occurred_at >= a.occurred_at, toString(r.occurred_at), '') AS acted_at,
                       if(r.occurred_at >= a.occurred_at,
                          toString(round(dateDiff('second', a.occurred_at, r.occurred_at) / 60, 1)), '') AS minutes
                FROM (SELECT agent_id, agent_version, seq, occurred_at FROM {db}.chained_events
                      WHERE tenant = {tenant} AND {period} AND event_type = 'DriftAlert') AS a
                ASOF LEFT JOIN (SELECT agent_id, occurred_at, event_type FROM {db}.chained_events
                                WHERE tenant = {tenant}
                                  AND event_type IN ('HumanOverride', 'PolicyChange', 'RiskDecision', 'BaselinePinned')) AS r
                       ON a.agent_id = r.agent_id AND a.occurred_at <= r.occurred_at
                ORDER BY a.occurred_at"""));
        Map<String, String> perAgent = verdicts.get(Gap.MONITORING);
        agents.forEach(a -> perAgent.put(a, NO_EVIDENCE));
        for (List<String> v : versions) {
            perAgent.merge(v.get(0), v.get(7), EvidencePack::worse);
            evalsInPeriod += Long.parseLong(v.get(4));
        }
        for (List<String> a : alerts) {
            if (a.get(4).isEmpty()) {
                unansweredAlerts++;
                perAgent.put(a.get(0), NOT_MET);
            }
        }
        return gap(Gap.MONITORING, "Not met for an agent with a version that acted before any eval of that version,"
                + " or a drift alert nobody acted on afterwards (" + cite(id) + ", " + cite(alertsId) + ").",
                Html.verdictTable("gap-monitoring", List.of("agent", "version", "first action (UTC)", "evals (all time)",
                        "evals in period", "evals per week", "first eval (UTC)", "verdict", "why"), versions,
                        Gap.MONITORING.id)
                        + "<h4>Drift alerts and how long until the agent was acted on</h4>"
                        + Html.table("drift-response", List.of("agent", "version", "alert seq", "alert (UTC)",
                        "acted on by", "at (UTC)", "minutes"), alerts));
    }

    // ---------------------------------------------------------------- gap 4

    private String change() throws SQLException {
        String unapprovedId = q.nextId();
        List<List<String>> unapproved = q.rows("Gap 4, change management: changes without approver or ticket", sql("""
                SELECT agent_id, toString(seq), toString(occurred_at), kind, object_id, ifNull(from_version, ''),
                       to_version, author,
                       multiIf(ifNull(approver, '') = '' AND ifNull(change_ticket, '') = '', 'no approver, no ticket',
                               ifNull(approver, '') = '', 'no approver', 'no ticket') AS missing
                FROM {db}.policy_changes
                WHERE tenant = {tenant} AND {period} AND (ifNull(approver, '') = '' OR ifNull(change_ticket, '') = '')
                ORDER BY occurred_at"""));
        String riskId = q.nextId();
        List<List<String>> unlinked = q.rows("Gap 4: " + String.join(" and ", RISK_LINKED_KINDS) + " changes with no"
                + " risk decision linked to their ticket or event id", sql("""
                SELECT agent_id, toString(seq), toString(occurred_at), kind, object_id, to_version,
                       ifNull(change_ticket, '') AS ticket
                FROM {db}.policy_changes
                WHERE tenant = {tenant} AND {period} AND kind IN ({risk_kinds})
                  AND ifNull(change_ticket, '') NOT IN (SELECT assumeNotNull(linked_change_id) FROM {db}.risk_decisions
                                                        WHERE tenant = {tenant} AND isNotNull(linked_change_id))
                  AND event_id NOT IN (SELECT assumeNotNull(linked_change_id) FROM {db}.risk_decisions
                                       WHERE tenant = {tenant} AND isNotNull(linked_change_id))
                ORDER BY occurred_at"""));
        String versionId = q.nextId();
        List<List<String>> unrecorded = q.rows("Gap 4: agent versions seen in actions without a change record whose"
                + " to_version is that version (the first version of each agent has no predecessor and is left out)",
                sql("""
                SELECT agent_id, agent_version, toString(first_seen) AS first_seen_at
                FROM (SELECT agent_id, agent_version, first_seen,
                             row_number() OVER (PARTITION BY agent_id ORDER BY first_seen) AS nth
                      FROM (SELECT agent_id, agent_version, min(occurred_at) AS first_seen FROM {db}.chained_events
                            WHERE tenant = {tenant} AND event_type = 'AgentAction' GROUP BY agent_id, agent_version))
                WHERE nth > 1 AND first_seen >= {from} AND first_seen < {to}
                  AND (agent_id, agent_version) NOT IN (SELECT agent_id, to_version FROM {db}.policy_changes
                                                        WHERE tenant = {tenant})
                ORDER BY agent_id, first_seen"""));
        unlinkedRiskChanges = unlinked.size();
        undocumentedChanges = unapproved.size() + unrecorded.size();
        Map<String, Integer> problems = new TreeMap<>();
        Map<String, List<String>> why = new TreeMap<>();
        agents.forEach(a -> problems.put(a, 0));
        count(problems, why, unapproved, "without approver or ticket");
        count(problems, why, unlinked, "no linked risk decision");
        count(problems, why, unrecorded, "version without change record");
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, Integer> e : problems.entrySet()) {
            String verdict = e.getValue() == 0 ? MET : NOT_MET;
            verdicts.get(Gap.CHANGE).put(e.getKey(), verdict);
            rows.add(List.of(e.getKey(), Integer.toString(e.getValue()), String.join("; ",
                    why.getOrDefault(e.getKey(), List.of())), verdict));
        }
        return gap(Gap.CHANGE, "Not met for an agent with any row in " + cite(unapprovedId) + ", " + cite(riskId)
                + " (policy: " + String.join(", ", RISK_LINKED_KINDS) + " changes need a risk decision whose"
                + " linked_change_id is the change's ticket or event id) or " + cite(versionId) + ".",
                Html.verdictTable("gap-change", List.of("agent", "flagged changes", "what", "verdict"), rows,
                        Gap.CHANGE.id)
                        + "<h4>Changes without approver or ticket (" + unapproved.size() + ")</h4>"
                        + Html.table("changes", List.of("agent", "seq", "occurred at (UTC)", "kind", "object", "from",
                        "to", "author", "missing"), unapproved)
                        + "<h4>Changes with no linked risk decision (" + unlinked.size() + ")</h4>"
                        + Html.table("changes-without-risk", List.of("agent", "seq", "occurred at (UTC)", "kind",
                        "object", "to", "ticket"), unlinked)
                        + "<h4>Versions seen in actions without a change record (" + unrecorded.size() + ")</h4>"
                        + Html.table("versions-without-change", List.of("agent", "version", "first seen (UTC)"),
                        unrecorded));
    }

    private static void count(Map<String, Integer> problems, Map<String, List<String>> why, List<List<String>> rows,
                              String what) {
        Map<String, Integer> n = new TreeMap<>();
        rows.forEach(r -> n.merge(r.get(0), 1, Integer::sum));
        n.forEach((agent, c) -> {
            problems.merge(agent, c, Integer::sum);
            why.computeIfAbsent(agent, k -> new ArrayList<>()).add(c + " " + what);
        });
    }

    // ---------------------------------------------------------------- gap 5

    private String retrieval() throws SQLException {
        String corpusId = q.nextId();
        List<List<String>> corpus = q.rows("Gap 5, retrieval corpus: corpus changes per agent (all time)", sql("""
                SELECT agent_id, toString(count()) AS corpus_changes, toString(max(occurred_at)) AS latest
                FROM {db}.policy_changes
                WHERE tenant = {tenant} AND kind = 'RETRIEVAL_CORPUS'
                GROUP BY agent_id ORDER BY agent_id"""));
        String actionsId = q.nextId();
        // No typed column holds an action's operation: read it from the verified bytes. The position() filter only
        // narrows the rows fetched: an AgentAction (union branch 0, zig-zag 0x00) whose operation is RETRIEVAL
        // (symbol 7, zig-zag 0x0E) has these two bytes in a row; every candidate is decoded and checked.
        List<List<String>> candidates = q.rows("Gap 5: actions of the period that may be RETRIEVAL operations"
                + " (decoded from the stored event bytes; a typed column would let ClickHouse count them)", sql("""
                SELECT agent_id, toString(schema_id), hex(event_bytes)
                FROM {db}.chained_events
                WHERE tenant = {tenant} AND {period} AND event_type = 'AgentAction'
                  AND position(event_bytes, unhex('000E')) > 0"""));
        Map<String, Long> retrievals = new TreeMap<>();
        for (List<String> c : candidates) {
            AuditEvent e = payloads.decode(Integer.parseInt(c.get(1)), c.get(2));
            if (e.getPayload() instanceof AgentAction a && a.getOperation() == Operation.RETRIEVAL) {
                retrievals.merge(c.get(0), 1L, Long::sum);
            }
        }
        Map<String, String> corpusBy = new TreeMap<>();
        corpus.forEach(r -> corpusBy.put(r.get(0), r.get(1)));
        List<List<String>> rows = new ArrayList<>();
        for (String agent : agents) {
            long n = retrievals.getOrDefault(agent, 0L);
            String changes = corpusBy.getOrDefault(agent, "0");
            String verdict = n == 0 ? NOT_APPLICABLE : "0".equals(changes) ? NOT_MET : MET;
            verdicts.get(Gap.RETRIEVAL).put(agent, verdict);
            rows.add(List.of(agent, Long.toString(n), changes, verdict));
        }
        return gap(Gap.RETRIEVAL, "Not met for an agent whose actions in the period include RETRIEVAL operations but"
                + " that has no RETRIEVAL_CORPUS change on record (" + cite(corpusId) + ", " + cite(actionsId)
                + "; operations decoded from the verified event bytes with the stored writer schema).",
                Html.verdictTable("gap-retrieval", List.of("agent", "retrieval actions in period",
                        "corpus changes on record", "verdict"), rows, Gap.RETRIEVAL.id));
    }

    // ---------------------------------------------------------------- producer clocks

    private String clocks() throws SQLException {
        String id = q.nextId();
        List<List<String>> rows = q.rows("Producer clocks: chained_at minus occurred_at per agent (producer events"
                + " only), and steps back in occurred_at along the chain", sql("""
                SELECT agent, toString(n), toString(p05), toString(p50), toString(p95), toString(ahead_ms),
                       toString(back_steps), toString(max_back_ms),
                       if(agents >= 3, toString(round(p50 - fleet_p50)), '') AS off_fleet_ms,
                       multiIf(ahead_ms > {bound_ms}, 'not met', max_back_ms > {bound_ms}, 'not met',
                               agents >= 3 AND abs(p50 - fleet_p50) > {bound_ms}, 'not met', 'met') AS verdict,
                       arrayStringConcat(arrayFilter(x -> x != '', [
                           if(ahead_ms > {bound_ms}, 'occurred after it was chained', ''),
                           if(max_back_ms > {bound_ms}, 'out of order', ''),
                           if(agents >= 3 AND abs(p50 - fleet_p50) > {bound_ms}, 'off the fleet median', '')]), ', ')
                           AS why
                FROM
                (
                    SELECT *, median(p50) OVER () AS fleet_p50, count() OVER () AS agents
                    FROM
                    (
                        SELECT agent_id AS agent, count() AS n,
                               quantileExact(0.05)(lag_ms) AS p05, quantileExact(0.5)(lag_ms) AS p50,
                               quantileExact(0.95)(lag_ms) AS p95, greatest(0, -min(lag_ms)) AS ahead_ms,
                               arrayDifference(arrayMap(x -> toUnixTimestamp64Milli(x),
                                   arraySort((o, s) -> s, groupArray(occurred_at), groupArray(seq)))) AS steps,
                               arrayCount(d -> d < 0, steps) AS back_steps, greatest(0, -arrayMin(steps)) AS max_back_ms
                        FROM (SELECT agent_id, seq, occurred_at,
                                     toUnixTimestamp64Milli(chained_at) - toUnixTimestamp64Milli(occurred_at) AS lag_ms
                              FROM {db}.chained_events
                              WHERE tenant = {tenant} AND {period} AND event_type NOT IN ({pipeline_events}))
                        GROUP BY agent_id
                    )
                )
                ORDER BY agent"""));
        return "<p class=\"figure\">Per agent, the distribution of chained time minus occurred time (ms; the"
                + " chainer's clock minus the producer's, over the agent's own events, not those the pipeline writes)"
                + " and the steps back in occurred time along the chain. Bound: "
                + scope.clockBound().toSeconds() + " s (<code>--clock-bound</code>). Not met when an event occurred"
                + " more than the bound after it was chained (the producer's clock is ahead), when occurred time steps"
                + " back by more than the bound (out of order), or, with at least 3 agents, when the agent's median"
                + " is more than the bound off the median of all agents' medians (" + cite(id) + "). A replayed or"
                + " back-filled stream has large delays for every agent: the comparison with the fleet still holds.</p>"
                + Html.verdictTable("clock-skew", List.of("agent", "events", "p5 delay (ms)", "median delay (ms)",
                        "p95 delay (ms)", "max ahead of chainer (ms)", "steps back", "largest step back (ms)",
                        "median off fleet (ms)", "verdict", "why"), rows, "clock");
    }

    // ---------------------------------------------------------------- readiness

    private String readiness(List<List<String>> inventory) throws SQLException {
        String riskId = q.nextId();
        List<List<String>> risk = q.rows("Readiness: risk decisions in the period", sql("""
                SELECT toString(count()), toString(countIf(isNotNull(linked_change_id))) FROM {db}.risk_decisions
                WHERE tenant = {tenant} AND {period}"""));
        String incidentId = q.nextId();
        List<List<String>> inc = q.rows("Readiness: incidents in the period, closed or recovered, and with linked"
                + " events", sql("""
                SELECT toString(uniqExact(incident_id)),
                       toString(uniqExactIf(incident_id, status_to IN ('CLOSED', 'RECOVERED'))),
                       toString(uniqExactIf(incident_id, notEmpty(related_event_ids)))
                FROM {db}.incidents WHERE tenant = {tenant} AND {period}"""));
        String spanId = q.nextId();
        List<List<String>> span = q.rows("Readiness: how long the tenant's evidence reaches back", sql("""
                SELECT toString(min(occurred_at)), toString(dateDiff('day', min(occurred_at), now64(6)))
                FROM {db}.chained_events WHERE tenant = {tenant}"""));
        long risks = Long.parseLong(risk.get(0).get(0));
        long incidents = Long.parseLong(inc.get(0).get(0));
        long closed = Long.parseLong(inc.get(0).get(1));
        long linked = Long.parseLong(inc.get(0).get(2));
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("30 days", "Agents inventoried", inventory.size() + " agent(s) with evidence, each with its"
                + " versions", inventory.isEmpty() ? NO_EVIDENCE : MET));
        rows.add(List.of("30 days", "Tamper-evident logging on", summary(Gap.TAMPER), all(Gap.TAMPER)));
        rows.add(List.of("90 days", "Risk management operating", risks + " risk decision(s); " + unlinkedRiskChanges
                + " change(s) needing one without it (" + cite(riskId) + ")",
                risks == 0 ? NO_EVIDENCE : unlinkedRiskChanges == 0 ? MET : NOT_MET));
        rows.add(List.of("90 days", "Human oversight used", summary(Gap.OVERSIGHT), all(Gap.OVERSIGHT)));
        rows.add(List.of("90 days", "Monitoring cadence established", summary(Gap.MONITORING) + "; " + evalsInPeriod
                + " eval(s) in the period; " + unansweredAlerts + " drift alert(s) not acted on",
                evalsInPeriod == 0 ? NO_EVIDENCE : all(Gap.MONITORING)));
        rows.add(List.of("180 days", "Documentation complete", undocumentedChanges + " change(s) or version(s)"
                + " without approver, ticket or change record (gap 4)", agents.isEmpty() ? NO_EVIDENCE
                : undocumentedChanges == 0 ? MET : NOT_MET));
        rows.add(List.of("180 days", "Incident workflow exercised", incidents + " incident(s), " + closed
                + " closed or recovered, " + linked + " with linked events (" + cite(incidentId) + ")",
                incidents == 0 ? NO_EVIDENCE : closed > 0 && linked > 0 ? MET : NOT_MET));
        String since = span.isEmpty() || span.get(0).get(0).isEmpty() ? "" : "The tenant's evidence reaches back to "
                + span.get(0).get(0) + " UTC (" + span.get(0).get(1) + " days, " + cite(spanId) + "). ";
        return "<p class=\"figure\">" + since + "The usual timeline: within 30 days agents inventoried and"
                + " tamper-evident logging on; within 90 days risk management operating, oversight used and a monitoring"
                + " cadence established; within 180 days documentation complete and the incident workflow exercised."
                + " Each item is computed from the evidence in this pack.</p>"
                + Html.verdictTable("readiness-checklist", List.of("by", "item", "evidence", "status"), rows,
                "readiness");
    }

    private String summary(Gap gap) {
        Map<String, String> v = verdicts.get(gap);
        long met = v.values().stream().filter(MET::equals).count();
        long notMet = v.values().stream().filter(NOT_MET::equals).count();
        return met + " agent(s) met, " + notMet + " not met (gap: " + gap.title.toLowerCase(Locale.ROOT) + ")";
    }

    private String all(Gap gap) {
        Map<String, String> v = verdicts.get(gap);
        if (v.isEmpty() || v.values().stream().allMatch(NO_EVIDENCE::equals)) {
            return NO_EVIDENCE;
        }
        return v.values().stream().anyMatch(NOT_MET::equals) ? NOT_MET : MET;
    }

    private static String worse(String a, String b) {
        if (NOT_MET.equals(a) || NOT_MET.equals(b)) {
            return NOT_MET;
        }
        return MET.equals(a) || MET.equals(b) ? MET : a;
    }

    // ---------------------------------------------------------------- framework

    private void loadMappings() {
        List<ControlMappings.Row> shipped = ControlMappings.shipped();
        try {
            List<List<String>> rows = q.rows("Control mappings loaded by the sink (migration V007)", sql("""
                    SELECT toString(mapping_version), framework, control, title, event_type, scope
                    FROM {db}.control_mappings WHERE mapping_version = {mapping_version}
                    ORDER BY framework, control, event_type, scope"""));
            Set<List<String>> stored = new HashSet<>(rows);
            Set<List<String>> file = new HashSet<>();
            shipped.forEach(r -> file.add(r.cells()));
            mappingNote = stored.equals(file) ? "control_mappings in ClickHouse holds exactly the shipped mapping"
                    + " version " + ControlMappings.VERSION + "."
                    : "WARNING: control_mappings in ClickHouse differs from the shipped mapping version "
                    + ControlMappings.VERSION + " (" + rows.size() + " rows there, " + shipped.size() + " shipped): this"
                    + " pack uses the shipped file.";
        } catch (SQLException e) {
            mappingNote = "control_mappings is not in ClickHouse (run the evidence sink: migration V007); this pack"
                    + " uses the shipped mapping version " + ControlMappings.VERSION + ".";
        }
        mappings = shipped;
    }

    private List<ControlMappings.Row> mappingsOf(ControlMappings.Framework f) {
        return mappings.stream().filter(r -> r.framework().equals(f.id())).toList();
    }

    private String framework() throws SQLException {
        ControlMappings.Framework f = scope.framework();
        String id = q.nextId();
        List<List<String>> rows;
        if (f == ControlMappings.Framework.ISO27001) {
            // ISO 27001 keeps the per-event tags: a producer may name other controls than its type's defaults.
            rows = q.rows("Framework iso27001: events per control as tagged on each event (controls column)", sql("""
                    SELECT control, toString(count()) AS events, toString(uniqExact(agent_id)) AS agents,
                           toString(uniqExact(toDate(occurred_at))) AS days,
                           arrayStringConcat(arraySort(groupUniqArray(event_type)), ', ') AS event_types
                    FROM (SELECT arrayJoin(controls) AS control, agent_id, occurred_at, event_type
                          FROM {db}.chained_events WHERE tenant = {tenant} AND {period})
                    GROUP BY control ORDER BY replaceRegexpAll(control, '[^A-Za-z]', ''),
                             arrayMap(x -> toUInt32(x), extractAll(control, '[0-9]+'))"""));
            Map<String, String> titles = new TreeMap<>();
            mappingsOf(f).forEach(r -> titles.putIfAbsent(r.control(), r.title()));
            List<List<String>> titled = new ArrayList<>();
            for (List<String> r : rows) {
                titled.add(List.of(r.get(0), titles.getOrDefault(r.get(0), ""), r.get(4), r.get(1), r.get(2),
                        r.get(3)));
            }
            rows = titled;
        } else {
            rows = q.rows("Framework " + f.id() + ": events per control through control_mappings", sql("""
                    SELECT m.control, any(m.title) AS title,
                           arrayStringConcat(arraySort(groupUniqArray(if(m.scope = '', m.event_type,
                               concat(m.event_type, ' (', m.scope, ')')))), ', ') AS event_types,
                           toString(sum(e.events)) AS events, toString(max(e.agents)) AS agents,
                           toString(max(e.days)) AS days
                    FROM (SELECT control, title, event_type, scope FROM {db}.control_mappings
                          WHERE framework = {framework} AND mapping_version = {mapping_version}) AS m
                    LEFT JOIN
                    (
                        SELECT event_type, '' AS scope, count() AS events, uniqExact(agent_id) AS agents,
                               uniqExact(toDate(occurred_at)) AS days
                        FROM {db}.chained_events WHERE tenant = {tenant} AND {period} GROUP BY event_type
                        UNION ALL
                        SELECT 'PolicyChange', 'kind = RETRIEVAL_CORPUS', count(), uniqExact(agent_id),
                               uniqExact(toDate(occurred_at))
                        FROM {db}.policy_changes WHERE tenant = {tenant} AND {period} AND kind = 'RETRIEVAL_CORPUS'
                    ) AS e ON m.event_type = e.event_type AND m.scope = e.scope
                    GROUP BY m.control ORDER BY replaceRegexpAll(m.control, '[^A-Za-z]', ''),
                             arrayMap(x -> toUInt32(x), extractAll(m.control, '[0-9]+'))"""));
        }
        StringBuilder byGap = new StringBuilder();
        for (Gap g : Gap.values()) {
            byGap.append("<li><a href=\"#gap-").append(g.id).append("-section\">").append(Html.escape(g.title))
                    .append("</a>: ").append(Html.escape(controlsOf(g))).append("</li>");
        }
        return "<p class=\"figure\">Mapping version " + ControlMappings.VERSION + " (schemas resource "
                + ControlMappings.RESOURCE.substring(1) + ", each row cited in docs/control-mappings.md). "
                + Html.escape(mappingNote) + " " + (f == ControlMappings.Framework.ISO27001 ? "ISO/IEC 27001 controls"
                + " are counted as tagged on each event (" + cite(id) + ")." : "Counted through the mapping ("
                + cite(id) + ").") + " Pick another framework with <code>--framework iso27001|iso42001|eu-ai-act|"
                + "nist-ai-rmf</code>.</p>"
                + Html.table("framework-controls", List.of("control", "title", "evidenced by", "events in period",
                "agents", "days with evidence"), rows)
                + "<h4>The gaps of this pack under " + Html.escape(f.title()) + "</h4><ul class=\"content\">" + byGap
                + "</ul>";
    }

    private String controlsOf(Gap g) {
        List<String> out = new ArrayList<>();
        for (ControlMappings.Row r : mappingsOf(scope.framework())) {
            boolean scoped = !r.scope().isEmpty();
            boolean relevant = g == Gap.RETRIEVAL ? scoped && g.eventTypes.contains(r.eventType())
                    : !scoped && g.eventTypes.contains(r.eventType());
            String c = r.control() + " " + r.title();
            if (relevant && !out.contains(c)) {
                out.add(c);
            }
        }
        return out.isEmpty() ? "no mapped control" : String.join("; ", out);
    }

    // ---------------------------------------------------------------- over time, evals, incidents

    private boolean hourly() throws SQLException {
        List<List<String>> span = q.rows("Chart buckets: hours when the period's evidence spans under two days",
                sql("""
                SELECT toString(dateDiff('hour', min(occurred_at), max(occurred_at))) FROM {db}.chained_events
                WHERE tenant = {tenant} AND {period}"""));
        return !span.isEmpty() && !span.get(0).get(0).isEmpty() && Long.parseLong(span.get(0).get(0)) < 48;
    }

    private String bucket(boolean hourly) {
        return hourly ? "formatDateTime(toStartOfHour(occurred_at), '%m-%d %H:00')" : "toString(toDate(occurred_at))";
    }

    private String overTime() throws SQLException {
        boolean hourly = hourly();
        List<String[]> controlRows = triples(q.rows("Evidence per ISO/IEC 27001 control per day (controls column)",
                sql("""
                SELECT toString(toDate(occurred_at)) AS d, arrayJoin(controls) AS c, toString(count())
                FROM {db}.chained_events WHERE tenant = {tenant} AND {period} GROUP BY d, c ORDER BY d, c""")));
        List<String> days = distinctFirst(controlRows);
        Map<String, double[]> controlSeries = Svg.align(days, controlRows);
        List<String[]> oversightRows = triples(q.rows("Human overrides and approvals over time", sql("""
                SELECT {bucket} AS t, event_type, toString(count()) FROM {db}.chained_events
                WHERE tenant = {tenant} AND {period} AND event_type IN ('HumanOverride', 'ApprovalDecision')
                GROUP BY t, event_type ORDER BY t, event_type""").replace("{bucket}", bucket(hourly))));
        List<String> times = distinctFirst(oversightRows);
        Map<String, double[]> oversightSeries = Svg.align(times, oversightRows);
        return "<h3>Evidence per ISO/IEC 27001 control per day</h3>"
                + Svg.stackedBars("chart-controls", days, controlSeries)
                + Svg.key("chart-controls", new ArrayList<>(controlSeries.keySet()))
                + "<h3>Human overrides and approvals per " + (hourly ? "hour" : "day") + "</h3>"
                + Svg.stackedBars("chart-oversight", times, oversightSeries)
                + Svg.key("chart-oversight", new ArrayList<>(oversightSeries.keySet()));
    }

    private String evalsAndDrift() throws SQLException {
        boolean hourly = hourly();
        List<String[]> evalRows = triples(q.rows("Eval metrics: mean per agent version and metric per bucket", sql("""
                SELECT {bucket} AS t, concat(agent_id, ' v', agent_version, ' ', suite, '/', metric) AS s,
                       toString(avg(value))
                FROM {db}.evals WHERE tenant = {tenant} AND {period} GROUP BY t, s ORDER BY t, s""")
                .replace("{bucket}", bucket(hourly))));
        List<String> evalTimes = distinctFirst(evalRows);
        Map<String, Double[]> evalSeries = new LinkedHashMap<>();
        for (String[] row : evalRows) {
            evalSeries.computeIfAbsent(row[1], k -> new Double[evalTimes.size()])[evalTimes.indexOf(row[0])] =
                    Double.parseDouble(row[2]);
        }
        String alertsId = q.nextId();
        List<List<String>> chained = q.rows("Drift alerts chained as evidence (payload decoded from the stored event"
                + " bytes)", sql("""
                SELECT agent_id, toString(seq), toString(schema_id), hex(event_bytes)
                FROM {db}.chained_events
                WHERE tenant = {tenant} AND {period} AND event_type = 'DriftAlert'
                ORDER BY occurred_at, agent_id, seq"""));
        Map<Integer, String> markers = new LinkedHashMap<>();
        List<List<String>> alertRows = new ArrayList<>();
        int n = 0;
        for (List<String> c : chained) {
            AuditEvent e = payloads.decode(Integer.parseInt(c.get(2)), c.get(3));
            if (!(e.getPayload() instanceof DriftAlert a)) {
                continue;
            }
            n++;
            String label = "drift " + n;
            Instant windowStart = a.getCurrent().getStart();
            int index = evalTimes.indexOf((hourly ? HOUR : DAY).format(windowStart));
            if (index >= 0) {
                markers.merge(index, label, (x, y) -> x + ", " + y);
            }
            alertRows.add(List.of(label, c.get(0), c.get(1), a.getSuite() + "/" + a.getMetric(),
                    a.getSeverity().toString(), a.getReferenceKind().toString(), a.getTest(),
                    number(a.getStatistic()), a.getPValue() == null ? "" : number(a.getPValue()),
                    number(a.getEffectSize()) + " (floor " + number(a.getEffectFloor()) + ")",
                    window(a.getReference()), window(a.getCurrent())));
        }
        return "<p class=\"figure\">Mean of each metric per agent version per " + (hourly ? "hour" : "day")
                + "; a red dashed line marks the window in which a drift alert was raised, labelled as in the table"
                + " below (" + cite(alertsId) + ").</p>"
                + Svg.lines("chart-evals", evalTimes, evalSeries, markers)
                + Svg.key("chart-evals", new ArrayList<>(evalSeries.keySet()))
                + "<h3>Drift alerts (" + alertRows.size() + ")</h3>"
                + Html.table("drift-alerts", List.of("mark", "agent", "chain seq", "suite/metric", "severity",
                "reference", "test", "statistic", "p-value", "effect size", "reference window", "current window"),
                alertRows);
    }

    private static String window(DriftWindow w) {
        return "v" + w.getAgentVersion() + ", " + w.getStart() + " .. " + w.getEnd() + ", n = " + w.getCount()
                + ", seq " + w.getFirstSeq() + "–" + w.getLastSeq();
    }

    private static String number(double v) {
        return Math.abs(v) >= 0.001 || v == 0 ? String.format(Locale.ROOT, "%.4f", v)
                : String.format(Locale.ROOT, "%.3g", v);
    }

    private String incidents() throws SQLException {
        List<List<String>> incidents = q.rows("Incidents and their status transitions", sql("""
                SELECT toString(occurred_at), agent_id, incident_id, severity, ifNull(status_from, ''), status_to,
                       summary, arrayStringConcat(related_event_ids, ' ')
                FROM {db}.incidents WHERE tenant = {tenant} AND {period} ORDER BY occurred_at"""));
        return "<p class=\"figure\">" + incidents.size() + " incident record(s) in the period.</p>"
                + Html.table("incidents", List.of("occurred at (UTC)", "agent", "incident", "severity", "from", "to",
                "summary", "related events"), incidents);
    }

    // ---------------------------------------------------------------- personal data

    private String privacy() throws SQLException {
        List<List<String>> erasureRows = q.rows("Erasures: the chained ErasureRecord events of the period (decoded"
                + " from event_bytes)", sql("""
                SELECT toString(occurred_at), agent_id, toString(seq), toString(schema_id), hex(event_bytes)
                FROM {db}.chained_events
                WHERE tenant = {tenant} AND {period} AND event_type = 'ErasureRecord'
                ORDER BY occurred_at"""));
        List<List<String>> erasures = new ArrayList<>();
        for (List<String> r : erasureRows) {
            ErasureRecord e = (ErasureRecord) payloads.decode(Integer.parseInt(r.get(3)), r.get(4)).getPayload();
            erasures.add(List.of(r.get(0), r.get(1) + " seq " + r.get(2),
                    HexFormat.of().formatHex(e.getSubjectDigest().bytes()), String.join(", ", e.getKeyIds()),
                    e.getRequestedBy(), e.getReason(), e.getLegalBasis() == null ? "" : e.getLegalBasis(),
                    String.join(", ", e.getAffectedAgents())));
        }
        String sampleId = q.nextId();
        List<List<String>> recent = q.rows("The latest " + SEALED_SAMPLE + " events of the period, decoded for their"
                + " sealed personal fields", sql("""
                SELECT agent_id, toString(seq), toString(schema_id), hex(event_bytes)
                FROM {db}.chained_events
                WHERE tenant = {tenant} AND {period}
                ORDER BY occurred_at DESC LIMIT""" + " " + SEALED_SAMPLE));
        EventOpener opener = keys.map(EventOpener::new).orElse(null);
        Map<String, int[]> perAgent = new TreeMap<>();
        List<List<String>> shown = new ArrayList<>();
        for (List<String> r : recent) {
            AuditEvent e = payloads.decode(Integer.parseInt(r.get(2)), r.get(3));
            if (e.getSealed().isEmpty()) {
                continue;
            }
            int[] counts = perAgent.computeIfAbsent(r.get(0), a -> new int[3]);
            List<String> contents = new ArrayList<>();
            if (opener != null) {
                try {
                    for (EventOpener.FieldResult f : opener.open(e).fields()) {
                        counts[f.status() == EventOpener.Status.OPENED ? 1 : f.status() == EventOpener.Status.ERASED
                                ? 2 : 0]++;
                        contents.add(f.status() == EventOpener.Status.OPENED ? f.cleartext()
                                : f.status() == EventOpener.Status.ERASED ? "ERASED (key destroyed)"
                                : f.status().name());
                    }
                } catch (SealingException ex) {
                    throw new IllegalStateException("the key store cannot be read: " + ex.getMessage(), ex);
                }
            } else {
                e.getSealed().forEach(f -> contents.add("sealed (AES-256-GCM, key " + f.getKeyId() + ")"));
                counts[0] += e.getSealed().size();
            }
            for (int i = 0; i < e.getSealed().size() && shown.size() < 12; i++) {
                SealedField f = e.getSealed().get(i);
                shown.add(List.of(r.get(0), r.get(1), f.getField(),
                        HexFormat.of().formatHex(f.getSubjectDigest().bytes()).substring(0, 16) + "...",
                        contents.get(i)));
            }
        }
        List<List<String>> agentRows = new ArrayList<>();
        perAgent.forEach((agent, c) -> agentRows.add(opener == null ? List.of(agent, Integer.toString(c[0]))
                : List.of(agent, Integer.toString(c[1]), Integer.toString(c[2]), Integer.toString(c[0]))));
        return "<p class=\"figure\">Personal fields are sealed before events leave the producer (AES-256-GCM under"
                + " a key per data subject, docs/privacy.md); the chain covers the ciphertext, so erasing a subject"
                + " (destroying its keys) changes no stored byte and verification is unaffected. "
                + (opener == null ? "This pack was built <b>without</b> the key store: sealed fields are shown"
                + " sealed." : "This pack was built <b>with</b> the key store: sealed fields are shown in clear where"
                + " their key still exists.") + "</p>"
                + "<h3>Erasures</h3><p class=\"figure\">" + erasures.size() + " erasure(s) chained in the period:"
                + " each destroyed the keys listed, so every field sealed under them is unrecoverable.</p>"
                + Html.table("erasures", List.of("chained at (UTC)", "log", "subject digest", "keys destroyed",
                "requested by", "reason", "legal basis", "agents with sealed events"), erasures)
                + "<h3>Sealed fields</h3><p class=\"figure\">Sealed fields per agent among the latest "
                + SEALED_SAMPLE + " events of the period (" + cite(sampleId) + ").</p>"
                + Html.table("sealed-agents", opener == null ? List.of("agent", "sealed fields")
                : List.of("agent", "opened", "erased", "other"), agentRows)
                + Html.table("sealed-sample", List.of("agent", "seq", "field", "subject", "content"), shown);
    }

    // ---------------------------------------------------------------- appendix and page

    private String appendix() {
        StringBuilder html = new StringBuilder("<p class=\"figure\">Every query this pack ran, in order, exactly as it"
                + " ran (as user " + Html.escape(scope.user()) + "). They read only what <code>attestream verify</code>"
                + " checks: chained_events (chain columns, derived columns, and event_bytes for payload fields no"
                + " column holds), the typed tables evals, overrides, approvals, policy_changes, incidents and"
                + " risk_decisions, the signed fields and timestamp tokens of checkpoints, and registry_schemas (whose"
                + " fingerprints verify re-derives); plus the reference table control_mappings, compared with the"
                + " shipped file. Never drift_alerts, dead_letters or the views.</p>");
        for (QueryLog.Entry e : q.entries()) {
            html.append("<div class=\"query\" id=\"").append(e.id()).append("\"><h4>").append(e.id()).append(". ")
                    .append(Html.escape(e.purpose())).append(" <span class=\"meta\">(").append(e.rows())
                    .append(" rows, ").append(e.millis()).append(" ms)</span></h4><pre>").append(Html.escape(e.sql()))
                    .append("</pre></div>");
        }
        return html.toString();
    }

    private String page() {
        Verification.Outcome v = verification.orElse(null);
        String verdict = v == null ? "not re-verified" : v.report().noEvidence() ? "NO EVIDENCE"
                : v.report().ok() ? "VERIFIED" : "FAILED";
        String verdictClass = v == null || v.report().noEvidence() ? "unknown" : v.report().ok() ? "ok" : "fail";
        StringBuilder cover = new StringBuilder("<section id=\"cover\" data-section=\"cover\" class=\"cover\">"
                + "<h1>Evidence pack</h1><table class=\"cover-table content\"><tbody>");
        coverRow(cover, "Tenant", Html.escape(scope.tenant()));
        coverRow(cover, "Period", scope.first() + " to " + scope.last() + " (UTC, inclusive)");
        coverRow(cover, "Verification", "<span class=\"status " + verdictClass + "\">" + verdict + "</span>"
                + (v == null ? "" : " (" + v.report().agents().size() + " agents, " + v.report().rows() + " rows)"));
        coverRow(cover, "Checkpoint keys trusted", v == null || v.keys().isEmpty() ? "none given"
                : String.join("<br>", v.keys().stream().map(Html::escape).toList()));
        coverRow(cover, "TSA certificates trusted", v == null || v.tsaCertificates().isEmpty() ? "none given"
                : String.join("<br>", v.tsaCertificates().stream().map(Html::escape).toList()));
        coverRow(cover, "Witnesses required", v == null || v.witnesses().isEmpty() ? "none given (cosignatures not"
                + " checked)" : "quorum " + v.witnesses().get().quorum() + " of " + Html.escape(String.join(", ",
                v.witnesses().get().names())));
        coverRow(cover, "Framework", Html.escape(scope.framework().title()) + ", control mapping version "
                + ControlMappings.VERSION);
        coverRow(cover, "Source", "ClickHouse database " + Html.escape(scope.database()) + " as user "
                + Html.escape(scope.user()) + ", generated " + Instant.now().truncatedTo(ChronoUnit.SECONDS));
        cover.append("</tbody></table><h3>Contents</h3><ol class=\"contents\">");
        sectionTitles.forEach((id, title) -> cover.append("<li><a href=\"#").append(id).append("\">")
                .append(Html.escape(title)).append("</a></li>"));
        cover.append("</ol></section>");
        StringBuilder body = new StringBuilder(cover);
        sections.forEach((id, html) -> body.append("<section id=\"").append(id).append("\" data-section=\"")
                .append(id).append("\"><h2>").append(Html.escape(sectionTitles.get(id))).append("</h2>").append(html)
                .append("</section>"));
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Attestream evidence pack: "
                + Html.escape(scope.tenant()) + "</title><style>" + CSS + "</style></head><body data-report=\"attestream\">"
                + body
                // Self-check a browser runs: every chart has marks, every section has content; errors are recorded.
                + "<script>window.addEventListener('error',function(e){document.body.dataset.errors="
                + "(document.body.dataset.errors||'')+e.message+';';});"
                + "document.addEventListener('DOMContentLoaded',function(){var charts=document.querySelectorAll("
                + "'svg.chart');var empty=[];charts.forEach(function(c){if(!c.querySelector('.mark'))empty.push(c.id);});"
                + "document.body.dataset.charts=charts.length;document.body.dataset.emptyCharts=empty.join(',');"
                + "var sections=document.querySelectorAll('section[data-section]');var names=[];var bare=[];"
                + "sections.forEach(function(s){names.push(s.id);if(!s.querySelector('tbody tr td,svg .mark,pre,"
                + ".content li,p.figure'))bare.push(s.id);});document.body.dataset.sections=names.join(',');"
                + "document.body.dataset.emptySections=bare.join(',');"
                + "document.body.dataset.verdicts=document.querySelectorAll('td.verdict').length;"
                + "document.body.dataset.ready='1';});</script></body></html>\n";
    }

    private static void coverRow(StringBuilder html, String name, String value) {
        html.append("<tr><th>").append(name).append("</th><td>").append(value).append("</td></tr>");
    }

    private static final String CSS = "body{font-family:system-ui,sans-serif;margin:24px;color:#222;font-size:14px}"
            + "h1{font-size:30px}section{margin:28px 0}table{border-collapse:collapse;font-size:12px;margin:6px 0}"
            + "th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f2f2f2}"
            + ".status.ok{color:#2ca02c}.status.fail{color:#d62728}.status.unknown{color:#7f7f7f}"
            + "pre{background:#f7f7f7;padding:8px;font-size:11px;white-space:pre-wrap;word-break:break-word}"
            + "td.none{color:#888}td.verdict{font-weight:600;white-space:nowrap}td.verdict.met{color:#1a7f37}"
            + "td.verdict.not-met{color:#c62828;background:#fdecea}td.verdict.no-evidence{color:#7f7f7f}"
            + "td.verdict.n-a{color:#7f7f7f}svg.chart{max-width:100%;height:auto}table.key td{border:none;padding:1px 4px}"
            + ".cover-table th{width:210px}.meta{font-weight:normal;color:#777;font-size:11px}p.figure{max-width:60em}"
            + ".query{break-inside:avoid}"
            + "@page{size:A4;margin:14mm}"
            + "@media print{body{margin:0;font-size:11px}section{break-before:page;margin:0}"
            + "section.cover{break-before:auto}tr{break-inside:avoid}h2,h3,h4{break-after:avoid}"
            + "a{color:inherit;text-decoration:none}}";

    // ---------------------------------------------------------------- helpers

    private String db(String table) {
        return scope.database() + "." + table;
    }

    private String sql(String template) {
        return template.replace("{db}", scope.database())
                .replace("{tenant}", literal(scope.tenant()))
                .replace("{period}", "occurred_at >= {from} AND occurred_at < {to}")
                .replace("{from}", time(scope.start()))
                .replace("{to}", time(scope.end()))
                .replace("{weeks}", String.format(Locale.ROOT, "%.4f", scope.weeks()))
                .replace("{seal_s}", Long.toString(SEAL_BOUND.toSeconds()))
                .replace("{bound_ms}", Long.toString(scope.clockBound().toMillis()))
                .replace("{framework}", literal(scope.framework().id()))
                .replace("{mapping_version}", Integer.toString(ControlMappings.VERSION))
                .replace("{risk_kinds}", String.join(", ", RISK_LINKED_KINDS.stream().map(QueryLog::literal).toList()))
                .replace("{pipeline_events}", String.join(", ", PIPELINE_EVENTS.stream().map(QueryLog::literal)
                        .toList()));
    }

    private static String time(Instant t) {
        return "toDateTime64(" + literal(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC)
                .format(t)) + ", 6, 'UTC')";
    }

    private static String cite(String id) {
        return "query " + id;
    }

    private String gap(Gap g, String rule, String body) {
        return "<div class=\"gap\" id=\"gap-" + g.id + "-section\"><h3>" + (g.ordinal() + 1) + ". "
                + Html.escape(g.title) + "</h3><p class=\"figure\">" + Html.escape(rule) + " Controls ("
                + Html.escape(scope.framework().id()) + "): " + Html.escape(controlsOf(g)) + ".</p>" + body + "</div>";
    }

    private static List<String[]> triples(List<List<String>> rows) {
        List<String[]> out = new ArrayList<>();
        rows.forEach(r -> out.add(r.toArray(String[]::new)));
        return out;
    }

    private static List<String> distinctFirst(List<String[]> rows) {
        List<String> out = new ArrayList<>();
        for (String[] row : rows) {
            if (!out.contains(row[0])) {
                out.add(row[0]);
            }
        }
        return out;
    }
}
