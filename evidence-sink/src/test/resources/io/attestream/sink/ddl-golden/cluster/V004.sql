CREATE TABLE attestream.chained_events_local__v004 ON CLUSTER audit AS attestream.chained_events_local ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/chained_events_v004', '{replica}') PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

EXCHANGE TABLES attestream.chained_events_local AND attestream.chained_events_local__v004 ON CLUSTER audit;

DROP TABLE IF EXISTS attestream.chained_events_local__v004 ON CLUSTER audit;

CREATE TABLE attestream.checkpoints_local__v004 ON CLUSTER audit AS attestream.checkpoints_local ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/checkpoints_v004', '{replica}') PARTITION BY toYYYYMM(created_at) ORDER BY (tenant, agent_id, tree_size, key_name);

EXCHANGE TABLES attestream.checkpoints_local AND attestream.checkpoints_local__v004 ON CLUSTER audit;

DROP TABLE IF EXISTS attestream.checkpoints_local__v004 ON CLUSTER audit;

CREATE TABLE attestream.dead_letters_local__v004 ON CLUSTER audit AS attestream.dead_letters_local ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/dead_letters_v004', '{replica}') PARTITION BY toYYYYMM(record_time) ORDER BY (tenant, agent_id, kafka_partition, kafka_offset);

EXCHANGE TABLES attestream.dead_letters_local AND attestream.dead_letters_local__v004 ON CLUSTER audit;

DROP TABLE IF EXISTS attestream.dead_letters_local__v004 ON CLUSTER audit;

CREATE TABLE attestream.drift_alerts_local__v004 ON CLUSTER audit AS attestream.drift_alerts_local ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/drift_alerts_v004', '{replica}') PARTITION BY toYYYYMM(record_time) ORDER BY (tenant, agent_id, record_time, kafka_partition, kafka_offset);

EXCHANGE TABLES attestream.drift_alerts_local AND attestream.drift_alerts_local__v004 ON CLUSTER audit;

DROP TABLE IF EXISTS attestream.drift_alerts_local__v004 ON CLUSTER audit;

CREATE TABLE attestream.registry_schemas_local__v004 ON CLUSTER audit AS attestream.registry_schemas_local ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/registry_schemas_v004', '{replica}') ORDER BY schema_id;

EXCHANGE TABLES attestream.registry_schemas_local AND attestream.registry_schemas_local__v004 ON CLUSTER audit;

DROP TABLE IF EXISTS attestream.registry_schemas_local__v004 ON CLUSTER audit;

CREATE TABLE attestream.evals_local__v004 ON CLUSTER audit AS attestream.evals_local ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/evals_v004', '{replica}') PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

EXCHANGE TABLES attestream.evals_local AND attestream.evals_local__v004 ON CLUSTER audit;

DROP TABLE IF EXISTS attestream.evals_local__v004 ON CLUSTER audit;

CREATE TABLE attestream.overrides_local__v004 ON CLUSTER audit AS attestream.overrides_local ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/overrides_v004', '{replica}') PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

EXCHANGE TABLES attestream.overrides_local AND attestream.overrides_local__v004 ON CLUSTER audit;

DROP TABLE IF EXISTS attestream.overrides_local__v004 ON CLUSTER audit;

CREATE TABLE attestream.approvals_local__v004 ON CLUSTER audit AS attestream.approvals_local ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/approvals_v004', '{replica}') PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

EXCHANGE TABLES attestream.approvals_local AND attestream.approvals_local__v004 ON CLUSTER audit;

DROP TABLE IF EXISTS attestream.approvals_local__v004 ON CLUSTER audit;

CREATE TABLE attestream.policy_changes_local__v004 ON CLUSTER audit AS attestream.policy_changes_local ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/policy_changes_v004', '{replica}') PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

EXCHANGE TABLES attestream.policy_changes_local AND attestream.policy_changes_local__v004 ON CLUSTER audit;

DROP TABLE IF EXISTS attestream.policy_changes_local__v004 ON CLUSTER audit;

CREATE TABLE attestream.incidents_local__v004 ON CLUSTER audit AS attestream.incidents_local ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/incidents_v004', '{replica}') PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

EXCHANGE TABLES attestream.incidents_local AND attestream.incidents_local__v004 ON CLUSTER audit;

DROP TABLE IF EXISTS attestream.incidents_local__v004 ON CLUSTER audit;

CREATE TABLE attestream.risk_decisions_local__v004 ON CLUSTER audit AS attestream.risk_decisions_local ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/attestream/risk_decisions_v004', '{replica}') PARTITION BY toYYYYMM(chained_at) ORDER BY (tenant, agent_id, seq);

EXCHANGE TABLES attestream.risk_decisions_local AND attestream.risk_decisions_local__v004 ON CLUSTER audit;

DROP TABLE IF EXISTS attestream.risk_decisions_local__v004 ON CLUSTER audit;

CREATE OR REPLACE VIEW attestream.chain_status ON CLUSTER audit AS
SELECT
    e.tenant, e.agent_id, e.events, e.latest_seq, e.missing_seqs, e.latest_chained_at,
    c.checkpoint_size, c.checkpoint_at,
    if(c.checkpoint_size = 0, NULL, dateDiff('second', c.checkpoint_at, now64(6, 'UTC'))) AS checkpoint_age_s,
    toInt64(e.latest_seq) + 1 - toInt64(c.checkpoint_size) AS events_after_checkpoint,
    e.duplicate_rows, e.stored_rows
FROM
(
    SELECT tenant, agent_id, uniqExact(seq) AS events, max(seq) AS latest_seq,
           toInt64(max(seq)) + 1 - toInt64(uniqExact(seq)) AS missing_seqs,
           toInt64(count()) - toInt64(uniqExact(seq)) AS duplicate_rows, count() AS stored_rows,
           max(chained_at) AS latest_chained_at
    FROM attestream.chained_events
    GROUP BY tenant, agent_id
) AS e
LEFT JOIN
(
    SELECT tenant, agent_id, max(tree_size) AS checkpoint_size, argMax(created_at, tree_size) AS checkpoint_at
    FROM attestream.checkpoints
    GROUP BY tenant, agent_id
) AS c ON e.tenant = c.tenant AND e.agent_id = c.agent_id;

