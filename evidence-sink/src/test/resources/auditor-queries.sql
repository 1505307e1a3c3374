-- title: What evidence is there? Rows per table
SELECT * FROM (
SELECT 'chained_events' AS evidence, count() AS rows, uniqExact(tenant, agent_id) AS agents FROM attestream.chained_events
UNION ALL SELECT 'checkpoints', count(), uniqExact(tenant, agent_id) FROM attestream.checkpoints
UNION ALL SELECT 'evals', count(), uniqExact(tenant, agent_id) FROM attestream.evals
UNION ALL SELECT 'overrides', count(), uniqExact(tenant, agent_id) FROM attestream.overrides
UNION ALL SELECT 'approvals', count(), uniqExact(tenant, agent_id) FROM attestream.approvals
UNION ALL SELECT 'policy_changes', count(), uniqExact(tenant, agent_id) FROM attestream.policy_changes
UNION ALL SELECT 'incidents', count(), uniqExact(tenant, agent_id) FROM attestream.incidents
UNION ALL SELECT 'risk_decisions', count(), uniqExact(tenant, agent_id) FROM attestream.risk_decisions
UNION ALL SELECT 'drift_alerts', count(), uniqExact(tenant, agent_id) FROM attestream.drift_alerts
UNION ALL SELECT 'dead_letters', count(), uniqExact(tenant, agent_id) FROM attestream.dead_letters
)
ORDER BY evidence;
-- title: Evidence per ISO 27001 control per day (first two days, tenant acme)
SELECT day, control, events, agents, event_types
FROM attestream.evidence_per_control_day
WHERE tenant = 'acme' AND day <= '2026-11-03'
ORDER BY day, control;
-- title: Control coverage over the whole period: on how many days was each control evidenced?
SELECT control, sum(events) AS events, count() AS days_with_evidence, min(day) AS first_day, max(day) AS last_day
FROM attestream.evidence_per_control_day
GROUP BY control
ORDER BY control;
-- title: Human overrides per agent per week (is oversight real?)
SELECT week, tenant, agent_id, actions, overrides, overrides_per_1000_actions, operators, halts
FROM attestream.overrides_per_agent_week
ORDER BY week, tenant, agent_id;
-- title: Policy and prompt changes without approver or ticket (most recent ten)
SELECT occurred_at, tenant, agent_id, seq, kind, object_id, to_version, author, approver, change_ticket, missing
FROM attestream.changes_without_approval
ORDER BY occurred_at DESC
LIMIT 10;
-- title: Unapproved changes per agent, by what is missing
SELECT tenant, agent_id, missing, count() AS changes
FROM attestream.changes_without_approval
GROUP BY tenant, agent_id, missing
ORDER BY tenant, agent_id, missing;
-- title: Eval results per agent version (refund-bot)
SELECT agent_version, suite, metric, results, avg_value, min_value, max_value, failed
FROM attestream.eval_results_per_version
WHERE agent_id = 'refund-bot'
ORDER BY agent_version, suite, metric;
-- title: Did a new version regress? Accuracy per version against the previous version
SELECT tenant, agent_id, agent_version, avg_value,
       round(avg_value - lagInFrame(toNullable(avg_value)) OVER w, 4) AS change_vs_previous
FROM attestream.eval_results_per_version
WHERE metric = 'accuracy'
WINDOW w AS (PARTITION BY tenant, agent_id ORDER BY agent_version ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
ORDER BY tenant, agent_id, agent_version;
-- title: Incidents with their linked events (first ten links)
SELECT incident_id, severity, status_to, incident_at, linked_seq, linked_event_type, linked_event_found
FROM attestream.incidents_with_events
WHERE tenant = 'acme' AND agent_id = 'refund-bot'
ORDER BY incident_at, linked_seq
LIMIT 10;
-- title: Incident lifecycle: opened, last status, transitions
SELECT tenant, incident_id, min(occurred_at) AS opened, max(occurred_at) AS last_change,
       argMax(status_to, occurred_at) AS last_status, count() AS transitions
FROM attestream.incidents
GROUP BY tenant, incident_id
ORDER BY opened
LIMIT 8;
-- title: Drift alerts timeline
SELECT record_time, tenant, agent_id,
       JSONExtractString(alert_json, 'metric') AS metric,
       round(JSONExtractFloat(alert_json, 'observed'), 3) AS observed,
       JSONExtractString(alert_json, 'severity') AS severity
FROM attestream.drift_alerts_timeline
ORDER BY record_time;
-- title: Chain status per agent: latest seq, gaps, duplicate rows, latest checkpoint and its age
SELECT tenant, agent_id, events, latest_seq, missing_seqs, duplicate_rows, checkpoint_size, checkpoint_at,
       events_after_checkpoint, checkpoint_age_s > 0 AS checkpoint_in_the_past
FROM attestream.chain_status
ORDER BY tenant, agent_id;
-- title: Human approvals per approver, decision and risk tier
SELECT approver, decision, risk_tier, count() AS decisions, uniqExact(agent_id) AS agents
FROM attestream.approvals
GROUP BY approver, decision, risk_tier
ORDER BY approver, decision, risk_tier;
-- title: Overrides without a ticket (oversight that left no trail outside the log)
SELECT tenant, agent_id, operator, action, count() AS overrides
FROM attestream.overrides
WHERE ticket IS NULL
GROUP BY tenant, agent_id, operator, action
ORDER BY tenant, agent_id, operator, action;
-- title: Risk decisions accepted rather than treated
SELECT tenant, agent_id, risk_id, treatment, owner, count() AS decisions, max(occurred_at) AS latest
FROM attestream.risk_decisions
WHERE treatment = 'ACCEPT'
GROUP BY tenant, agent_id, risk_id, treatment, owner
ORDER BY decisions DESC, tenant, agent_id, risk_id
LIMIT 8;
-- title: The evidence row of one event, with its hashes (what the verifier recomputes)
SELECT tenant, agent_id, seq, event_type, hex(prev_hash) AS prev_hash, hex(hash) AS hash, schema_id,
       length(event_bytes) AS bytes, controls
FROM attestream.chained_events
WHERE tenant = 'acme' AND agent_id = 'refund-bot' AND seq = 1000;
-- title: Registry schemas landed, and their fingerprints re-checked in SQL
SELECT schema_id, full_name, hex(fingerprint) = hex(SHA256(canonical_form)) AS fingerprint_ok,
       length(schema_text) AS schema_chars
FROM attestream.registry_schemas
ORDER BY schema_id;
-- title: Dead letters by reason
SELECT reason, count() AS records, min(record_time) AS first, max(record_time) AS last
FROM attestream.dead_letters
GROUP BY reason
ORDER BY reason;
-- title: Where the sink is: offsets of record per topic
SELECT topic, count() AS partitions, sum(next_offset) AS records_landed
FROM (SELECT topic, kafka_partition, max(next_offset) AS next_offset FROM attestream.sink_offsets GROUP BY topic, kafka_partition)
GROUP BY topic
ORDER BY topic;
-- title: Schema migrations applied
SELECT version, name, substring(checksum, 1, 12) AS checksum_prefix, applied_by
FROM attestream.schema_migrations
ORDER BY version;
