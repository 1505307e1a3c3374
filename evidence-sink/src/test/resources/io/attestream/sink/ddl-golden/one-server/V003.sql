CREATE OR REPLACE VIEW attestream.evidence_per_control_day  AS
SELECT
    toDate(occurred_at)           AS day,
    tenant,
    arrayJoin(controls)           AS control,
    count()                       AS events,
    uniqExact(agent_id)           AS agents,
    arraySort(groupUniqArray(event_type)) AS event_types
FROM attestream.chained_events
GROUP BY day, tenant, control;

CREATE OR REPLACE VIEW attestream.overrides_per_agent_week  AS
SELECT
    e.week, e.tenant, e.agent_id, e.events, e.actions, e.overrides, e.approvals,
    round(1000 * e.overrides / greatest(e.actions, 1), 2) AS overrides_per_1000_actions,
    ifNull(o.operators, 0)        AS operators,
    ifNull(o.halts, 0)            AS halts
FROM
(
    SELECT toMonday(occurred_at) AS week, tenant, agent_id,
           count() AS events,
           countIf(event_type = 'AgentAction') AS actions,
           countIf(event_type = 'HumanOverride') AS overrides,
           countIf(event_type = 'ApprovalDecision') AS approvals
    FROM attestream.chained_events
    GROUP BY week, tenant, agent_id
) AS e
LEFT JOIN
(
    SELECT toMonday(occurred_at) AS week, tenant, agent_id,
           uniqExact(operator) AS operators, countIf(action = 'HALT') AS halts
    FROM attestream.overrides
    GROUP BY week, tenant, agent_id
) AS o ON e.week = o.week AND e.tenant = o.tenant AND e.agent_id = o.agent_id;

CREATE OR REPLACE VIEW attestream.changes_without_approval  AS
SELECT
    tenant, agent_id, seq, occurred_at, kind, object_id, from_version, to_version, author, approver, change_ticket,
    multiIf(isNull(approver) AND isNull(change_ticket), 'no approver, no ticket',
            isNull(approver), 'no approver', 'no ticket') AS missing,
    event_id
FROM attestream.policy_changes
WHERE isNull(approver) OR approver = '' OR isNull(change_ticket) OR change_ticket = '';

CREATE OR REPLACE VIEW attestream.eval_results_per_version  AS
SELECT
    tenant, agent_id, agent_version, suite, metric,
    count()                       AS results,
    round(avg(value), 4)          AS avg_value,
    round(min(value), 4)          AS min_value,
    round(max(value), 4)          AS max_value,
    countIf(label = 'fail')       AS failed,
    min(occurred_at)              AS first_at,
    max(occurred_at)              AS last_at
FROM attestream.evals
GROUP BY tenant, agent_id, agent_version, suite, metric;

CREATE OR REPLACE VIEW attestream.incidents_with_events  AS
SELECT
    i.tenant, i.agent_id, i.incident_id, i.severity, i.status_from, i.status_to, i.occurred_at AS incident_at,
    i.seq AS incident_seq, i.linked_event_id,
    e.agent_id AS linked_agent_id, e.seq AS linked_seq, e.event_type AS linked_event_type,
    e.occurred_at AS linked_at, e.event_id != '' AS linked_event_found
FROM
(
    SELECT tenant, agent_id, incident_id, severity, status_from, status_to, occurred_at, seq,
           arrayJoin(if(empty(related_event_ids), [''], related_event_ids)) AS linked_event_id
    FROM attestream.incidents
) AS i
LEFT JOIN
(
    SELECT tenant, agent_id, seq, event_type, occurred_at, event_id
    FROM attestream.chained_events
    WHERE event_id IN (SELECT arrayJoin(related_event_ids) FROM attestream.incidents)
) AS e ON i.tenant = e.tenant AND i.linked_event_id = e.event_id
SETTINGS join_use_nulls = 1;

CREATE OR REPLACE VIEW attestream.drift_alerts_timeline  AS
SELECT
    record_time, tenant, agent_id, schema_id, alert_json, kafka_partition, kafka_offset
FROM attestream.drift_alerts;

CREATE OR REPLACE VIEW attestream.chain_status  AS
SELECT
    e.tenant, e.agent_id, e.events, e.latest_seq, e.missing_seqs, e.latest_chained_at,
    c.checkpoint_size, c.checkpoint_at,
    if(c.checkpoint_size = 0, NULL, dateDiff('second', c.checkpoint_at, now64(6, 'UTC'))) AS checkpoint_age_s,
    toInt64(e.latest_seq) + 1 - toInt64(c.checkpoint_size) AS events_after_checkpoint
FROM
(
    SELECT tenant, agent_id, count() AS events, max(seq) AS latest_seq,
           toInt64(max(seq)) + 1 - toInt64(count()) AS missing_seqs, max(chained_at) AS latest_chained_at
    FROM attestream.chained_events
    GROUP BY tenant, agent_id
) AS e
LEFT JOIN
(
    SELECT tenant, agent_id, max(tree_size) AS checkpoint_size, argMax(created_at, tree_size) AS checkpoint_at
    FROM attestream.checkpoints
    GROUP BY tenant, agent_id
) AS c ON e.tenant = c.tenant AND e.agent_id = c.agent_id;

